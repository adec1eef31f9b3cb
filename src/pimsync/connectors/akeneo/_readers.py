"""Entity streams: what to read from Akeneo, and how each raw item becomes a model record.

A stream is a small declaration (path, parser, key) in the manner of Singer SDK
streams; :class:`AkeneoCatalog` walks them. Every stream yields pages of
:class:`SourceRecord`: an item that cannot be parsed becomes a record with ``error`` set
(reported and skipped by the engine), never an exception that would stop the read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pimsync.connectors.base import SourceRecord
from pimsync.connectors.readahead import read_ahead
from pimsync.errors import AuthenticationError, FatalSourceError, RemoteError, TransientError
from pimsync.model import (
    Asset,
    AssetFamily,
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
    MeasurementFamily,
    MediaFile,
    Product,
    ProductModel,
    ReferenceEntity,
    ReferenceEntityRecord,
)

from ._client import API, AkeneoClient
from ._search import ProductSearch

__all__ = ["STREAMS", "AkeneoCatalog", "EntityStream", "parse_item"]

log = logging.getLogger("pimsync.akeneo")
T = TypeVar("T")
Page = list[SourceRecord[T]]


@dataclass(frozen=True, slots=True)
class EntityStream(Generic[T]):
    """One list of the API: its path, how to parse an item, which field keys it."""

    name: str
    path: str
    parse: Callable[[Mapping[str, Any]], T]
    key_fields: tuple[str, ...] = ("code",)

    def key_of(self, raw: Mapping[str, Any]) -> str | None:
        for name in self.key_fields:
            value = raw.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
        return None


PRODUCTS = EntityStream(
    "products", f"{API}/products-uuid", Product.from_akeneo, ("uuid", "identifier")
)
LEGACY_PRODUCTS = EntityStream(
    "products (legacy)", f"{API}/products", Product.from_akeneo, ("identifier",)
)
PRODUCT_MODELS = EntityStream("product models", f"{API}/product-models", ProductModel.from_akeneo)
ATTRIBUTES = EntityStream("attributes", f"{API}/attributes", Attribute.from_akeneo)
ATTRIBUTE_GROUPS = EntityStream(
    "attribute groups", f"{API}/attribute-groups", AttributeGroup.from_akeneo
)
FAMILIES = EntityStream("families", f"{API}/families", Family.from_akeneo)
CATEGORIES = EntityStream("categories", f"{API}/categories", Category.from_akeneo)
CHANNELS = EntityStream("channels", f"{API}/channels", Channel.from_akeneo)
LOCALES = EntityStream("locales", f"{API}/locales", Locale.from_akeneo)
CURRENCIES = EntityStream("currencies", f"{API}/currencies", Currency.from_akeneo)
ASSOCIATION_TYPES = EntityStream(
    "association types", f"{API}/association-types", AssociationType.from_akeneo
)
MEASUREMENT_FAMILIES = EntityStream(
    "measurement families", f"{API}/measurement-families", MeasurementFamily.from_akeneo
)
MEDIA_FILES = EntityStream("media files", f"{API}/media-files", MediaFile.from_akeneo)
ASSET_FAMILIES = EntityStream("asset families", f"{API}/asset-families", AssetFamily.from_akeneo)
REFERENCE_ENTITIES = EntityStream(
    "reference entities", f"{API}/reference-entities", ReferenceEntity.from_akeneo
)

STREAMS: Mapping[str, EntityStream[Any]] = {
    stream.name: stream
    for stream in (
        PRODUCTS,
        LEGACY_PRODUCTS,
        PRODUCT_MODELS,
        ATTRIBUTES,
        ATTRIBUTE_GROUPS,
        FAMILIES,
        CATEGORIES,
        CHANNELS,
        LOCALES,
        CURRENCIES,
        ASSOCIATION_TYPES,
        MEASUREMENT_FAMILIES,
        MEDIA_FILES,
        ASSET_FAMILIES,
        REFERENCE_ENTITIES,
    )
}


def parse_item(stream: EntityStream[T], raw: Any, where: str) -> SourceRecord[T]:
    """One raw item as a record; a malformed item becomes a record with ``error`` set."""
    if not isinstance(raw, Mapping):
        return SourceRecord(where, None, error=f"{stream.name}: {where} is not a JSON object")
    key = stream.key_of(raw) or where
    try:
        item = stream.parse(raw)
    except (ValueError, TypeError) as exc:  # InvalidRecord is a ValueError
        return SourceRecord(key, None, error=f"{stream.name} {key}: {exc}")
    return SourceRecord(key, item, getattr(item, "updated", None))


class AkeneoCatalog:
    """Reads every kind of Akeneo entity through one :class:`AkeneoClient`.

    Each method yields pages (lists) of :class:`SourceRecord`. Enterprise-only entities
    on a Community PIM yield nothing. Page failures raise
    :class:`~pimsync.errors.FatalSourceError` (see :meth:`AkeneoClient.pages`).
    """

    def __init__(self, client: AkeneoClient) -> None:
        self.client = client
        self._unknown_types: set[str] = set()

    def read(
        self,
        stream: EntityStream[T],
        *,
        path: str | None = None,
        params: Mapping[str, str | int] | None = None,
        parse: Callable[[Mapping[str, Any]], T] | None = None,
    ) -> Iterator[Page[T]]:
        """Pages of ``stream`` (at ``path`` for nested lists, parsed by ``parse``)."""
        if parse is not None:
            stream = EntityStream(stream.name, stream.path, parse, stream.key_fields)
        pages = self.client.pages(path or stream.path, params=params)
        # The next page is fetched while this one is parsed into model records.
        for page in read_ahead([lambda: pages]):
            yield [
                parse_item(stream, raw, f"{page.url} item {index}")
                for index, raw in enumerate(page.items, start=1)
            ]

    # -- products ------------------------------------------------------------------

    def products(
        self, search: ProductSearch | None = None, *, legacy: bool = False
    ) -> Iterator[Page[Product]]:
        """Products from the uuid API (or the legacy identifier API), filtered by ``search``."""
        params = (search or ProductSearch()).params()
        return self.read(LEGACY_PRODUCTS if legacy else PRODUCTS, params=params)

    def product_models(self, search: ProductSearch | None = None) -> Iterator[Page[ProductModel]]:
        """Product models; only ``updated``, ``family``, ``categories`` filters apply."""
        return self.read(PRODUCT_MODELS, params=(search or ProductSearch()).params())

    # -- structure -----------------------------------------------------------------

    def attributes(self) -> Iterator[Page[Attribute]]:
        """Attributes; an attribute type this version does not know is logged once."""
        for page in self.read(ATTRIBUTES):
            for record in page:
                if record.data is not None:
                    self._note_type(record.data)
            yield page

    def attribute_options(self, attribute: str) -> Iterator[Page[AttributeOption]]:
        """The options of one select attribute."""

        def parse(raw: Mapping[str, Any]) -> AttributeOption:
            return AttributeOption.from_akeneo(raw, attribute=attribute)

        stream: EntityStream[AttributeOption] = EntityStream("attribute options", "", parse)
        return self.read(stream, path=f"{API}/attributes/{_segment(attribute)}/options")

    def all_attribute_options(self) -> Iterator[Page[AttributeOption]]:
        """The options of every select attribute (simple, multi, reference data)."""
        selects = [
            record.data.code
            for page in self.attributes()
            for record in page
            if record.data is not None and record.data.has_options
        ]
        for code in selects:
            yield from self.attribute_options(code)

    def attribute_groups(self) -> Iterator[Page[AttributeGroup]]:
        return self.read(ATTRIBUTE_GROUPS)

    def families(self) -> Iterator[Page[Family]]:
        return self.read(FAMILIES)

    def family_variants(self, family: str) -> Iterator[Page[FamilyVariant]]:
        """The variants of one family (the API leaves the family out of each item)."""

        def parse(raw: Mapping[str, Any]) -> FamilyVariant:
            return FamilyVariant.from_akeneo(raw, family=family)

        stream: EntityStream[FamilyVariant] = EntityStream("family variants", "", parse)
        return self.read(stream, path=f"{API}/families/{_segment(family)}/variants")

    def all_family_variants(self) -> Iterator[Page[FamilyVariant]]:
        codes = [r.data.code for page in self.families() for r in page if r.data is not None]
        for code in codes:
            yield from self.family_variants(code)

    def categories(self) -> Iterator[Page[Category]]:
        return self.read(CATEGORIES)

    def channels(self) -> Iterator[Page[Channel]]:
        return self.read(CHANNELS)

    def locales(self) -> Iterator[Page[Locale]]:
        return self.read(LOCALES)

    def currencies(self) -> Iterator[Page[Currency]]:
        return self.read(CURRENCIES)

    def association_types(self) -> Iterator[Page[AssociationType]]:
        return self.read(ASSOCIATION_TYPES)

    def measurement_families(self) -> Iterator[Page[MeasurementFamily]]:
        """Measurement families: one unpaginated list (Akeneo 5+)."""
        try:
            body = self.client.get(MEASUREMENT_FAMILIES.path)
        except AuthenticationError:
            raise
        except (RemoteError, TransientError) as exc:
            raise FatalSourceError(f"cannot read {MEASUREMENT_FAMILIES.path}: {exc}") from exc
        if isinstance(body, dict):  # tolerate a paginated answer too
            body = (body.get("_embedded") or {}).get("items")
        if not isinstance(body, list):
            raise FatalSourceError(f"{MEASUREMENT_FAMILIES.path} did not answer with a list")
        where = f"{self.client.base_url}{MEASUREMENT_FAMILIES.path}"
        yield [
            parse_item(MEASUREMENT_FAMILIES, raw, f"{where} item {i}")
            for i, raw in enumerate(body, start=1)
        ]

    def media_files(self) -> Iterator[Page[MediaFile]]:
        """Media file metadata (download them with :func:`download_media_file`)."""
        return self.read(MEDIA_FILES)

    # -- Enterprise ----------------------------------------------------------------

    def asset_families(self) -> Iterator[Page[AssetFamily]]:
        """Asset families; nothing on a Community PIM."""
        return self.read(ASSET_FAMILIES)

    def assets(self, family: str) -> Iterator[Page[Asset]]:
        """The assets of one asset family."""

        def parse(raw: Mapping[str, Any]) -> Asset:
            return Asset.from_akeneo(raw, family=family)

        stream: EntityStream[Asset] = EntityStream("assets", "", parse)
        return self.read(stream, path=f"{API}/asset-families/{_segment(family)}/assets")

    def all_assets(self) -> Iterator[Page[Asset]]:
        codes = [r.data.code for page in self.asset_families() for r in page if r.data]
        for code in codes:
            yield from self.assets(code)

    def reference_entities(self) -> Iterator[Page[ReferenceEntity]]:
        """Reference entities; nothing on a Community PIM."""
        return self.read(REFERENCE_ENTITIES)

    def records(self, entity: str) -> Iterator[Page[ReferenceEntityRecord]]:
        """The records of one reference entity."""

        def parse(raw: Mapping[str, Any]) -> ReferenceEntityRecord:
            return ReferenceEntityRecord.from_akeneo(raw, reference_entity=entity)

        stream: EntityStream[ReferenceEntityRecord] = EntityStream("records", "", parse)
        return self.read(stream, path=f"{API}/reference-entities/{_segment(entity)}/records")

    def all_records(self) -> Iterator[Page[ReferenceEntityRecord]]:
        codes = [r.data.code for page in self.reference_entities() for r in page if r.data]
        for code in codes:
            yield from self.records(code)

    def _note_type(self, attribute: Attribute) -> None:
        kind = attribute.type
        if isinstance(kind, AttributeType) or kind in self._unknown_types:
            return
        self._unknown_types.add(kind)
        log.warning(
            "attribute type %r (attribute %s) is unknown to pimsync; its values are kept raw",
            kind,
            attribute.code,
        )


def _segment(code: str) -> str:
    return quote(code, safe="")
