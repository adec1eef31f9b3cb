"""Akeneo's Catalogs for Apps API: catalogs an App owns, and the products they select.

An App creates a catalog (disabled); a PIM user sets its criteria and value filters and
enables it on the catalog's PIM page (:func:`catalog_page`); the App then reads the
selected products with ``search_after`` pagination. Every call needs an App token.

Akeneo's answers that need care, each turned into an error that says what to do:

* a disabled catalog answers its product endpoints with HTTP 200 and an ``error``
  object, never a page: :class:`CatalogDisabled`, never an empty read;
* an unknown catalog, or another App's, is 404: :class:`ConfigError` naming the id;
* a scope the App was not granted is 403: :class:`ConfigError` naming the scope and
  asking for a new activation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pimsync.connectors.http import resolve_next_link
from pimsync.errors import (
    AuthenticationError,
    ConfigError,
    FatalSourceError,
    RemoteError,
    TransientError,
)

from ._client import API, AkeneoClient, Page, _next_href

__all__ = [
    "CATALOGS_PATH",
    "AkeneoAppCatalogs",
    "AppCatalog",
    "CatalogDisabled",
    "catalog_page",
]

CATALOGS_PATH = f"{API}/catalogs"
_LIST_LIMIT = 100  # GET /catalogs accepts at most 100 per page
_PRODUCT_LIMIT = 1000  # the product endpoints at most 1000
# Akeneo's 403 when the App lacks read_products rather than a catalogs scope.
_PRODUCTS_REFUSED = re.compile(r"not allowed to \w+ products")


def catalog_page(pim_url: str, catalog_id: str) -> str:
    """The PIM page where a user configures and enables the catalog."""
    return f"{pim_url.rstrip('/')}/connect/apps/v1/catalogs/{quote(catalog_id, safe='')}"


@dataclass(frozen=True, slots=True)
class AppCatalog:
    """A catalog as the App sees it: Akeneo keeps its criteria to itself."""

    id: str
    name: str
    enabled: bool

    @classmethod
    def from_akeneo(cls, raw: Any) -> AppCatalog:
        """Raises :class:`FatalSourceError` for an answer that is not a catalog."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            raise FatalSourceError(f"Akeneo answered with something that is not a catalog: {raw!r}")
        return cls(str(raw["id"]), str(raw.get("name") or ""), raw.get("enabled") is True)


class CatalogDisabled(FatalSourceError):
    """The catalog is disabled on the PIM side (HTTP 200 with an ``error`` object).

    ``page`` is where a PIM user enables it again.
    """

    def __init__(self, catalog_id: str, page: str, detail: str = "") -> None:
        super().__init__(
            f"Akeneo catalog {catalog_id} is disabled on the PIM side, so it has no products "
            f"to read; a PIM user can enable it at {page}"
            + (f" (Akeneo: {detail})" if detail else "")
        )
        self.catalog_id = catalog_id
        self.page = page


class AkeneoAppCatalogs:
    """The Catalogs for Apps API through one (App) :class:`AkeneoClient`.

    ``page_size`` is the ``limit`` of product pages (1–1000), the client's by default.
    """

    def __init__(self, client: AkeneoClient, *, page_size: int | None = None) -> None:
        self.client = client
        self.page_size = max(1, min(page_size or client.page_size, _PRODUCT_LIMIT))

    @property
    def pim_url(self) -> str:
        return str(self.client.base_url).rstrip("/")

    def page_of(self, catalog_id: str) -> str:
        """The PIM page of ``catalog_id`` (see :func:`catalog_page`)."""
        return catalog_page(self.pim_url, catalog_id)

    # -- catalogs ------------------------------------------------------------------

    def list(self) -> list[AppCatalog]:
        """The App's catalogs. Raises ConfigError without ``read_catalogs``."""
        found: list[AppCatalog] = []
        for page in self._pages(CATALOGS_PATH, {"limit": _LIST_LIMIT}, scope="read_catalogs"):
            found += [AppCatalog.from_akeneo(raw) for raw in page.items]
        return found

    def get(self, catalog_id: str) -> AppCatalog:
        """One catalog. Raises ConfigError when it does not exist or is another App's,
        or without ``read_catalogs``."""
        path = f"{CATALOGS_PATH}/{quote(catalog_id, safe='')}"
        return AppCatalog.from_akeneo(
            self._call("GET", path, scope="read_catalogs", catalog_id=catalog_id)
        )

    def create(self, name: str) -> AppCatalog:
        """A new catalog named ``name``: disabled until a PIM user enables it.

        Raises ConfigError without ``write_catalogs`` or for a name Akeneo refuses.
        """
        return AppCatalog.from_akeneo(
            self._call("POST", CATALOGS_PATH, json={"name": name}, scope="write_catalogs")
        )

    # -- products ------------------------------------------------------------------

    def products(
        self,
        catalog_id: str,
        *,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> Iterator[Page]:
        """Pages of the catalog's products (raw items, values trimmed by its value
        filters), by uuid, optionally only those updated in the window.

        Raises :class:`CatalogDisabled` when the catalog is disabled, ConfigError when
        it is unknown or a scope is missing, FatalSourceError when a page fails.
        """
        return self._product_pages(catalog_id, "products", updated_after, updated_before)

    def product_uuids(
        self,
        catalog_id: str,
        *,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> Iterator[Page]:
        """Pages of the uuids of the catalog's products; errors as :meth:`products`."""
        return self._product_pages(catalog_id, "product-uuids", updated_after, updated_before)

    def product(self, catalog_id: str, uuid: str) -> dict[str, Any] | None:
        """One product of the catalog, None when the catalog does not select it.

        Raises :class:`CatalogDisabled` when the catalog is disabled.
        """
        path = f"{CATALOGS_PATH}/{quote(catalog_id, safe='')}/products/{quote(uuid, safe='')}"
        try:
            body = self._call("GET", path, scope="read_catalogs", catalog_id=None)
        except RemoteError as exc:
            if exc.status_code == 404:
                return None
            raise
        self._refuse_error_body(catalog_id, body)
        return body if isinstance(body, dict) else None

    # -- internals -----------------------------------------------------------------

    def _product_pages(
        self,
        catalog_id: str,
        tail: str,
        updated_after: datetime | None,
        updated_before: datetime | None,
    ) -> Iterator[Page]:
        params: dict[str, str | int] = {"limit": self.page_size}
        if updated_after is not None:
            params["updated_after"] = _atom(updated_after)
        if updated_before is not None:
            params["updated_before"] = _atom(updated_before)
        path = f"{CATALOGS_PATH}/{quote(catalog_id, safe='')}/{tail}"
        return self._pages(path, params, scope="read_catalogs", catalog_id=catalog_id)

    def _pages(
        self,
        path: str,
        params: Mapping[str, str | int],
        *,
        scope: str,
        catalog_id: str | None = None,
    ) -> Iterator[Page]:
        url: str | None = path
        query: Mapping[str, str | int] | None = params
        number = 0
        seen: set[str] = set()
        while url is not None:
            number += 1
            body = self._call("GET", url, params=query, scope=scope, catalog_id=catalog_id)
            if catalog_id is not None:
                self._refuse_error_body(catalog_id, body)
            embedded = body.get("_embedded") if isinstance(body, dict) else None
            items = embedded.get("items") if isinstance(embedded, dict) else None
            shown = self.client.redactor.redact(url)
            if not isinstance(items, list):
                raise FatalSourceError(f"page {number} at {shown} is not an Akeneo list page")
            yield Page(shown, number, items)
            seen.add(url)
            link = _next_href(body.get("_links"))
            url, query = (
                (resolve_next_link(self.client.http.base_url.join(url), link) if link else None),
                None,
            )
            if url is not None and url in seen:
                raise FatalSourceError(f"pagination loop at {shown}: page {number} links back")

    def _refuse_error_body(self, catalog_id: str, body: Any) -> None:
        """Akeneo's 200 answer for a disabled catalog is an error, not an empty page."""
        if isinstance(body, dict) and "error" in body and "_embedded" not in body:
            raise CatalogDisabled(catalog_id, self.page_of(catalog_id), str(body["error"]))

    def _call(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        catalog_id: str | None = None,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> Any:
        http = self.client.http
        try:
            if method == "GET":
                return self.client.get(path, params=params)
            response = http.request(method, path, params=params, json=json)
            return http.decode_json(response)
        except AuthenticationError:
            raise
        except RemoteError as exc:
            raise self._explain(exc, scope, catalog_id) from exc
        except TransientError as exc:
            raise FatalSourceError(f"cannot read {path}: {exc}") from exc

    def _explain(self, exc: RemoteError, scope: str, catalog_id: str | None) -> Exception:
        if exc.status_code == 404 and catalog_id is not None:
            return ConfigError(
                f"Akeneo catalog {catalog_id!r} does not exist or belongs to another App: "
                "check akeneo_catalog (the id Akeneo gave the catalog when the App created "
                "it) and that the catalog belongs to this connection's App"
            )
        if exc.status_code == 403:
            needed = "read_products" if _PRODUCTS_REFUSED.search(str(exc)) else scope
            return ConfigError(
                f"the App may not do this without the scope {needed} ({exc}): add a job that "
                "needs it, then activate the App again (`pimsync connections activate "
                "CONNECTION`) so the PIM grants it"
            )
        if exc.status_code == 422:
            return ConfigError(f"Akeneo refused the request: {exc}")
        return exc


def _atom(moment: datetime) -> str:
    """``moment`` as the catalog endpoints want it: ISO 8601 with an offset, in UTC.

    Raises ConfigError for a naive datetime.
    """
    if moment.utcoffset() is None:
        raise ConfigError(f"a catalog datetime must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
