"""A local stand-in for a Salesforce (Sales Cloud) org's REST API.

    sb = SalesforceSandbox.demo()
    with serve(sb) as instance_url:
        ...

It follows the Salesforce API brief (``/work/shared/reference/salesforce/API.md``):
OAuth at ``/services/oauth2/token`` (client credentials, JWT bearer verified against the
connected app's certificate, username-password), ``/services/data/vXX.X/`` with SOQL
queries and ``nextRecordsUrl`` cursors, sObject rows, upsert by external id (201 / 200 or
204 / 300), sObject Collections with ``allOrNone``, getUpdated/getDeleted, Bulk API 2.0
ingest, the platform rules an integration meets (standard price before custom prices,
price book before order products, activated orders locked, required fields),
Salesforce-shaped error arrays, ``Sforce-Limit-Info`` with a daily limit, expiring
sessions and injected faults (``sb.faults``). Plain HTTP on loopback.
"""

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.salesforce._app import create_app
from pimsync.sandbox.salesforce._auth import JWT_BEARER, ConnectedApp, Login
from pimsync.sandbox.salesforce._errors import SalesforceError
from pimsync.sandbox.salesforce._org import Org
from pimsync.sandbox.salesforce._sandbox import SalesforceSandbox
from pimsync.sandbox.salesforce._schema import case_safe
from pimsync.sandbox.salesforce._server import build_server, serve

__all__ = [
    "JWT_BEARER",
    "ConnectedApp",
    "Faults",
    "Login",
    "Org",
    "SalesforceError",
    "SalesforceSandbox",
    "build_server",
    "case_safe",
    "create_app",
    "serve",
]
