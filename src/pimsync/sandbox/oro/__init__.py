"""A local stand-in for the OroCommerce back-office JSON:API (``/admin/api``).

    sb = OroSandbox()
    with serve(sb) as base_url:
        ...

It follows the API brief (``/work/shared/reference/oro/API.md``): OAuth 2 client
credentials at ``/oauth2-token``, JSON:API documents, Oro filters and paging, Oro-shaped
error documents, stock read-only resources (405), and injected faults (``sb.faults``,
answered with Oro-shaped error documents).

Beyond CRUD it emulates the batch API (``PATCH /admin/api/{type}``: ``X-Mode: sync``
all-or-nothing, otherwise 202 + ``asyncoperations`` processed in a background thread,
``/asyncoperations/{id}/errors``), product documents carrying prices, images (files with
base64 content), texts, slugs and variant links, and custom product attributes created
the admin's way (``sb.import_attributes(csv)``, ``sb.update_schema()``), listed by
``entitystructures``. With ``X-Integration-Type: ext_id`` (Oro 6.1.10+/7.0.2+; switch
off with ``OroSandbox(ext_id=False)``) products are addressed, linked, filtered and
upserted by SKU. Customers, customer users, their addresses and orders with line items
follow brief §3.6/§3.7 (seeded countries, regions, groups, payment terms, roles, order
statuses). Contracts are a custom entity, ``extendcontracts`` (Oro has none), and price
lists are assigned to customers through ``pricelisttocustomers``. See :class:`OroSandbox`
for the inspection helpers.
"""

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.oro._app import create_app
from pimsync.sandbox.oro._auth import Credentials
from pimsync.sandbox.oro._documents import ApiError
from pimsync.sandbox.oro._sandbox import OroSandbox
from pimsync.sandbox.oro._server import build_server, serve

__all__ = ["ApiError", "Credentials", "Faults", "OroSandbox", "build_server", "create_app", "serve"]
