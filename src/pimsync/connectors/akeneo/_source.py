"""Akeneo products as an engine :class:`~pimsync.connectors.base.Source`."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pimsync.connectors.base import SourceRecord, Window
from pimsync.errors import RemoteError
from pimsync.model import Product, ProductModel

from ._app_catalogs import AkeneoAppCatalogs
from ._client import AkeneoClient, Page
from ._readers import (
    LEGACY_PRODUCTS,
    PRODUCT_MODELS,
    PRODUCTS,
    AkeneoCatalog,
    EntityStream,
    parse_item,
)
from ._search import ProductSearch

__all__ = [
    "NO_FAMILY",
    "AkeneoCatalogProductSource",
    "AkeneoProductModelSource",
    "AkeneoProductSource",
]

NO_FAMILY = ""
"""The partition of products without a family (when partitioning by family)."""

# Akeneo's ``updated >`` compares whole seconds: a change in the same second as the
# watermark would be missed, so differential reads start one second earlier.
_SECOND = timedelta(seconds=1)
_READ_BATCH = 100


class AkeneoProductSource:
    """Products of an Akeneo PIM, keyed by uuid (by identifier with ``legacy=True``).

    ``search`` holds the pushed-down selection (families, enabled, completeness…);
    ``partition_by="family"`` splits a read into one partition per family so the engine
    can read them in parallel. Errors are those of :meth:`AkeneoClient.pages`.

    A differential read lists every product changed since the watermark, not only those
    the search selects: a product that changed so that it left the selection (moved out
    of a category, disabled, another family…) comes back deleted, as :meth:`read` reports
    it, so the engine applies the deletion policy to it. Which changed products are still
    selected is asked of Akeneo (the search AND-ed with their keys), so the search keeps
    Akeneo's own semantics, completeness included.
    """

    def __init__(
        self,
        client: AkeneoClient,
        *,
        search: ProductSearch | None = None,
        partition_by: Literal["family"] | None = None,
        legacy: bool = False,
    ) -> None:
        self.client = client
        self.catalog = AkeneoCatalog(client)
        self.search = search or ProductSearch()
        self.partition_by = partition_by
        self.legacy = legacy

    def clock(self) -> datetime:
        """The PIM's time (see :meth:`AkeneoClient.server_time`)."""
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        """``[None]``, or one family code per partition plus :data:`NO_FAMILY`."""
        if self.partition_by != "family":
            return [None]
        if self.search.families and (since is None or not self._narrows):
            return list(dict.fromkeys(self.search.families))
        codes = [r.data.code for page in self.catalog.families() for r in page if r.data]
        return [*codes, NO_FAMILY]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Product]]]:
        """Pages of products changed after ``window.since`` in ``window.partition``; on a
        differential read, changed products the search no longer selects come back deleted."""
        if window.since is None or not self._narrows:
            search = self.search
            if window.since is not None:
                search = search.where(updated_after=window.since - _SECOND)
            yield from self.catalog.products(_within(search, window.partition), legacy=self.legacy)
            return
        changed = ProductSearch(
            updated_after=window.since - _SECOND,
            attributes=self.search.attributes,
            locales=self.search.locales,
            scope=self.search.scope,
        )
        for page in self.catalog.products(_within(changed, window.partition), legacy=self.legacy):
            yield self._still_selected(page)

    @property
    def _narrows(self) -> bool:
        return bool(self.search.filters())

    def _still_selected(self, page: Sequence[SourceRecord[Product]]) -> list[SourceRecord[Product]]:
        """``page`` as the search sees it: each product it selects, read again with the
        search; the others as deleted."""
        keys = list(dict.fromkeys(record.key for record in page))
        selected: dict[str, SourceRecord[Product]] = {}
        key_field = "identifier" if self.legacy else "uuid"
        for start in range(0, len(keys), _READ_BATCH):
            chunk = keys[start : start + _READ_BATCH]
            extra = {**self.search.extra}
            extra[key_field] = [*extra.get(key_field, ()), {"operator": "IN", "value": chunk}]
            for found in self.catalog.products(self.search.where(extra=extra), legacy=self.legacy):
                selected.update((record.key, record) for record in found)
        return [selected.get(r.key) or SourceRecord(r.key, None, deleted=True) for r in page]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Product]]:
        """The current state of ``keys`` (one ``IN`` search per 100); missing ones deleted."""
        stream = LEGACY_PRODUCTS if self.legacy else PRODUCTS
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), _READ_BATCH):
            chunk = wanted[start : start + _READ_BATCH]
            if self.legacy:
                search = self.search.where(identifiers=chunk, uuids=())
            else:
                search = self.search.where(uuids=chunk, identifiers=())
            missing = set(chunk)
            for page in self.catalog.read(stream, params=search.params()):
                for record in page:
                    missing.discard(record.key)
                    yield record
            for key in chunk:
                if key in missing:
                    yield SourceRecord(key, None, deleted=True)


def _within(search: ProductSearch, partition: Hashable | None) -> ProductSearch:
    """``search`` limited to one family partition (:data:`NO_FAMILY`: no family)."""
    if partition == NO_FAMILY:
        empty = [*search.extra.get("family", ()), {"operator": "EMPTY"}]
        return search.where(families=(), extra={**search.extra, "family": empty})
    if isinstance(partition, str):
        return search.where(families=(partition,))
    return search


class AkeneoCatalogProductSource:
    """The products an Akeneo catalog (Catalogs for Apps) selects, keyed by uuid.

    Akeneo evaluates the catalog's criteria and trims values by its value filters, so
    the records are what the catalog's PIM user chose. Catalog items carry no
    ``identifier``: it is read from ``identifier_attribute`` (the PIM's main identifier
    attribute, looked up once when not given).

    A differential read lists every product changed since the watermark through the
    REST API (uuids only), then the catalog's products changed since then; a changed
    product the catalog no longer returns left its selection and comes back deleted. The
    REST list is read first, so a product that changes between the two reads is never
    reported deleted by mistake (at worst it waits for the next run).

    Raises :class:`~pimsync.connectors.akeneo.CatalogDisabled` when the catalog is
    disabled, ConfigError when it is unknown or a scope is missing.
    """

    def __init__(
        self,
        client: AkeneoClient,
        catalog_id: str,
        *,
        identifier_attribute: str | None = None,
        page_size: int | None = None,
    ) -> None:
        self.client = client
        self.catalog_id = catalog_id
        self.catalogs = AkeneoAppCatalogs(client, page_size=page_size)
        self._identifier_attribute = identifier_attribute

    def clock(self) -> datetime:
        """The PIM's time (see :meth:`AkeneoClient.server_time`)."""
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Product]]]:
        """Pages of the catalog's products changed after ``window.since``; on a
        differential read, changed products the catalog left out come back deleted."""
        if window.since is None:
            for page in self.catalogs.products(self.catalog_id):
                yield self._records(page)
            return
        since = window.since - _SECOND
        changed: dict[str, None] = {}
        search = ProductSearch(updated_after=since)
        for raw_page in self.client.pages(PRODUCTS.path, params=search.params()):
            changed.update((str(i["uuid"]), None) for i in raw_page.items if i.get("uuid"))
        for page in self.catalogs.products(self.catalog_id, updated_after=since):
            records = self._records(page)
            for record in records:
                changed.pop(record.key, None)
            yield records
        left = list(changed)
        for start in range(0, len(left), _READ_BATCH):
            yield [SourceRecord(k, None, deleted=True) for k in left[start : start + _READ_BATCH]]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Product]]:
        """The current state of ``keys`` in the catalog, one GET each; a product the
        catalog does not select is reported deleted."""
        stream = self._stream()
        for uuid in dict.fromkeys(keys):
            raw = self.catalogs.product(self.catalog_id, uuid)
            if raw is None:
                yield SourceRecord(uuid, None, deleted=True)
            else:
                yield parse_item(stream, raw, f"catalog {self.catalog_id} product {uuid}")

    def _records(self, page: Page) -> list[SourceRecord[Product]]:
        stream = self._stream()
        return [
            parse_item(stream, raw, f"{page.url} item {index}")
            for index, raw in enumerate(page.items, start=1)
        ]

    def _stream(self) -> EntityStream[Product]:
        attribute = self.identifier_attribute()

        def parse(raw: Mapping[str, Any]) -> Product:
            return Product.from_akeneo(raw, identifier_attribute=attribute)

        return EntityStream("catalog products", PRODUCTS.path, parse, ("uuid",))

    def identifier_attribute(self) -> str | None:
        """The PIM's main identifier attribute (read once), None if it has none."""
        if self._identifier_attribute is None:
            found = [
                r.data
                for page in AkeneoCatalog(self.client).attributes()
                for r in page
                if r.data is not None and str(r.data.type) == "pim_catalog_identifier"
            ]
            main = [a for a in found if a.is_main_identifier] or found[:1]
            self._identifier_attribute = main[0].code if main else ""
        return self._identifier_attribute or None


class AkeneoProductModelSource:
    """The root product models of an Akeneo PIM, keyed by code.

    Root models are what a shop sells as a configurable product; sub-models only carry
    the values their variants inherit, and the products API already returns those on
    each variant. ``search`` keeps its ``families`` (and, on differential reads, the
    ``updated`` window); Akeneo ignores product-only filters on product models.
    """

    def __init__(self, client: AkeneoClient, *, search: ProductSearch | None = None) -> None:
        self.client = client
        self.catalog = AkeneoCatalog(client)
        self.search = ProductSearch(families=(search or ProductSearch()).families)

    def clock(self) -> datetime:
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[ProductModel]]]:
        """Pages of root models changed after ``window.since``."""
        search = self.search
        if window.since is not None:
            search = search.where(updated_after=window.since - _SECOND)
        for page in self.catalog.product_models(search):
            yield [r for r in page if r.data is None or r.data.is_root]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[ProductModel]]:
        """The current state of ``keys``, one GET each; a missing or no longer root model
        is reported deleted."""
        for code in dict.fromkeys(keys):
            try:
                raw = self.client.get(f"{PRODUCT_MODELS.path}/{quote(code, safe='')}")
            except RemoteError as exc:
                if exc.status_code != 404:
                    raise
                yield SourceRecord(code, None, deleted=True)
                continue
            record = parse_item(PRODUCT_MODELS, raw, f"product model {code}")
            if record.data is not None and not record.data.is_root:
                yield SourceRecord(code, None, deleted=True)
            else:
                yield record
