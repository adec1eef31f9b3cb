"""Akeneo PIM over its REST API: the source of truth for product data.

* :class:`AkeneoClient` — one connection: OAuth (password and refresh_token grants),
  ``search_after`` and page pagination that never ends quietly on a failed page,
  Enterprise-only lists detected and skipped on a Community PIM, the PIM's clock.
* :class:`AkeneoCatalog` — readers for every entity, yielding pages of
  :class:`~pimsync.connectors.base.SourceRecord` of model records.
* :class:`ProductSearch` — filters pushed down to Akeneo (``search`` and friends).
* :class:`AkeneoProductSource` / :class:`AkeneoProductModelSource` — products and root
  product models for the job engine.
* :func:`download_media_file` — media files into a content-addressed cache.
* :class:`AkeneoAppCatalogs` / :class:`AkeneoCatalogProductSource` — Catalogs for Apps:
  the App's catalogs and the products a catalog selects (:class:`CatalogDisabled` when
  a PIM user has not enabled it).
* :class:`AkeneoAppClient`, :func:`scopes_for`, :func:`authorize_url`,
  :func:`exchange_code` — App activation (authorization code) and App tokens.
* :class:`AkeneoSettings`, :func:`connect`, :func:`check_akeneo` — the ``akeneo``
  connection kind.
"""

from ._app_auth import (
    CATALOG_READS,
    FLOW_SCOPES,
    AkeneoAppClient,
    AkeneoAppToken,
    AppTokenFetcher,
    authorize_url,
    code_challenge,
    exchange_code,
    new_state,
    read_callback,
    scopes_for,
)
from ._app_catalogs import (
    CATALOGS_PATH,
    AkeneoAppCatalogs,
    AppCatalog,
    CatalogDisabled,
    catalog_page,
)
from ._auth import TOKEN_PATH, AkeneoCredentials, AkeneoTokenFetcher
from ._client import API, PAGE_SIZE, AkeneoClient, Edition, Page
from ._media import CachedMedia, download_media_file
from ._readers import STREAMS, AkeneoCatalog, EntityStream, parse_item
from ._search import Completeness, ProductSearch, akeneo_datetime
from ._settings import SECRET_FIELDS, AkeneoSettings, check_akeneo, connect
from ._source import (
    NO_FAMILY,
    AkeneoCatalogProductSource,
    AkeneoProductModelSource,
    AkeneoProductSource,
)
from ._trees import AkeneoModelTreeSource, ModelTree

__all__ = [
    "API",
    "CATALOGS_PATH",
    "CATALOG_READS",
    "FLOW_SCOPES",
    "NO_FAMILY",
    "PAGE_SIZE",
    "SECRET_FIELDS",
    "STREAMS",
    "TOKEN_PATH",
    "AkeneoAppCatalogs",
    "AkeneoAppClient",
    "AkeneoAppToken",
    "AkeneoCatalog",
    "AkeneoCatalogProductSource",
    "AkeneoClient",
    "AkeneoCredentials",
    "AkeneoModelTreeSource",
    "AkeneoProductModelSource",
    "AkeneoProductSource",
    "AkeneoSettings",
    "AkeneoTokenFetcher",
    "AppCatalog",
    "AppTokenFetcher",
    "CachedMedia",
    "CatalogDisabled",
    "Completeness",
    "Edition",
    "EntityStream",
    "ModelTree",
    "Page",
    "ProductSearch",
    "akeneo_datetime",
    "authorize_url",
    "catalog_page",
    "check_akeneo",
    "code_challenge",
    "connect",
    "download_media_file",
    "exchange_code",
    "new_state",
    "parse_item",
    "read_callback",
    "scopes_for",
]
