"""OroCommerce over its back-office JSON:API (``/admin/api``): the storefront of the hub.

* :class:`OroClient` — one connection: OAuth (client credentials or password grant,
  refresh), JSON:API requests, ``links.next`` paging that never ends quietly on a failed
  page, ``create``/``update``/``delete``/``batch_sync``, capability detection.
* :class:`Document`, :class:`Resource`, :class:`OroError` and helpers — JSON:API
  documents and Oro error documents (offending field from ``source.pointer``).
* :class:`Capabilities` — upsert, synchronous batch, dry run, ext_id by version.
* :class:`OroProduct` and :class:`OroProductWriter` — products for the job engine
  (a :class:`~pimsync.connectors.base.Destination`); :class:`OroPriceListWriter` and
  :class:`OroProductPriceWriter` — price lists and prices kept apart from products.
* :class:`OroSettings`, :func:`connect`, :func:`check_oro` — the ``oro`` connection kind.
"""

from ._auth import TOKEN_PATH, OroCredentials, OroTokenFetcher
from ._capabilities import Capabilities, parse_version
from ._client import API, PAGE_SIZE, SYNC_BATCH_LIMIT, OroClient, OroRejected, Page
from ._documents import (
    MEDIA_TYPE,
    Document,
    OroError,
    Resource,
    join_messages,
    linkage,
    parse_document,
    parse_errors,
    resource_object,
)
from ._prices import (
    OroPriceListWriter,
    OroProductPrice,
    OroProductPriceWriter,
    PriceListPayload,
)
from ._products import OroImage, OroPrice, OroProduct, product_payload
from ._settings import SECRET_FIELDS, OroSettings, check_oro, connect
from ._writer import EXT_ID_HEADERS, OroProductWriter

__all__ = [
    "API",
    "EXT_ID_HEADERS",
    "MEDIA_TYPE",
    "PAGE_SIZE",
    "SECRET_FIELDS",
    "SYNC_BATCH_LIMIT",
    "TOKEN_PATH",
    "Capabilities",
    "Document",
    "OroClient",
    "OroCredentials",
    "OroError",
    "OroImage",
    "OroPrice",
    "OroPriceListWriter",
    "OroProduct",
    "OroProductPrice",
    "OroProductPriceWriter",
    "OroProductWriter",
    "OroRejected",
    "OroSettings",
    "OroTokenFetcher",
    "Page",
    "PriceListPayload",
    "Resource",
    "check_oro",
    "connect",
    "join_messages",
    "linkage",
    "parse_document",
    "parse_errors",
    "parse_version",
    "product_payload",
    "resource_object",
]
