"""What an Oro back office already has: product fields, localizations, price lists,
categories, brands, attribute families, enum options.

Product fields come from ``entitystructures`` (contracts §1): a custom attribute is
listed there only after Oro's schema update. An enum field's option records have their
own JSON:API type, the ``pluralAlias`` of the enum class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pimsync.connectors.oro._client import OroClient
from pimsync.connectors.oro._documents import Document, Resource
from pimsync.errors import FatalSourceError

__all__ = [
    "PRODUCT_CLASS",
    "EnumOption",
    "OroBrand",
    "OroCategory",
    "OroLocalization",
    "OroMetadata",
    "OroPriceList",
    "ProductField",
    "read_enum_options",
    "read_oro_metadata",
]

PRODUCT_CLASS = "Oro\\Bundle\\ProductBundle\\Entity\\Product"


@dataclass(frozen=True, slots=True)
class ProductField:
    """One product field of ``entitystructures``; ``enum_type`` is the JSON:API type of
    an enum field's options."""

    name: str
    type: str
    label: str = ""
    relation_type: str | None = None
    related_entity: str | None = None
    enum_type: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_custom(self) -> bool:
        """True for an extend field (a custom attribute), False for Oro's own fields."""
        return bool(self.options.get("extend"))


@dataclass(frozen=True, slots=True)
class OroLocalization:
    id: str
    name: str
    language_code: str | None = None
    formatting_code: str | None = None
    title: str | None = None

    def answers_to(self, locale: str) -> bool:
        """Whether ``locale`` (``en_US``) names this localization (any of its codes)."""
        wanted = locale.lower()
        codes = (self.formatting_code, self.language_code, self.name)
        return any(c is not None and c.lower() == wanted for c in codes)


@dataclass(frozen=True, slots=True)
class OroPriceList:
    id: str
    name: str
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OroCategory:
    """A category with its titles by localization id (None: the default title)."""

    id: str
    parent: str | None
    titles: Mapping[str | None, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.titles.get(None) or ""


@dataclass(frozen=True, slots=True)
class OroBrand:
    id: str
    name: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class EnumOption:
    id: str
    name: str
    priority: int = 0


@dataclass(frozen=True, slots=True)
class OroMetadata:
    """Everything :func:`read_oro_metadata` read from one Oro instance."""

    product_fields: Mapping[str, ProductField]
    localizations: tuple[OroLocalization, ...] = ()
    price_lists: tuple[OroPriceList, ...] = ()
    categories: tuple[OroCategory, ...] = ()
    brands: tuple[OroBrand, ...] = ()
    families: Mapping[str, str] = field(default_factory=dict)
    categories_writable: bool = False

    def localization_by_name(self) -> dict[str, str]:
        """Localization name and language code → id."""
        found: dict[str, str] = {}
        for loc in self.localizations:
            if loc.language_code:
                found.setdefault(loc.language_code, loc.id)
            found[loc.name] = loc.id
        return found

    def brand_ids(self) -> dict[str, str]:
        """Brand external id, and default name, → id (the external id wins)."""
        found = {b.name: b.id for b in self.brands if b.name}
        found.update({b.external_id: b.id for b in self.brands if b.external_id})
        return found


def read_oro_metadata(client: OroClient) -> OroMetadata:
    """Read the metadata the structure plan compares Akeneo with.

    Raises :class:`FatalSourceError` when ``entitystructures`` has no product entry, or
    any read fails (see :meth:`OroClient.pages`).
    """
    return OroMetadata(
        product_fields=read_product_fields(client),
        localizations=tuple(_localizations(client)),
        price_lists=tuple(_price_lists(client)),
        categories=tuple(read_categories(client)),
        brands=tuple(_brands(client)),
        families={
            str(r.attributes.get("code")): r.id
            for r in client.list("attributefamilies")
            if r.attributes.get("code")
        },
        categories_writable=client.categories_writable(),
    )


def read_product_fields(client: OroClient) -> dict[str, ProductField]:
    """Product field name → field, with the option type of enum fields resolved."""
    structures = list(client.list("entitystructures"))
    by_class = {str(s.attributes.get("className") or ""): s for s in structures}
    product = by_class.get(PRODUCT_CLASS)
    if product is None:
        raise FatalSourceError(
            f"entitystructures lists no {PRODUCT_CLASS}: is this an OroCommerce back office?"
        )
    fields: dict[str, ProductField] = {}
    for raw in product.attributes.get("fields") or ():
        if not isinstance(raw, dict) or not raw.get("name"):
            continue
        related = raw.get("relatedEntityName")
        enum_type = None
        if raw.get("type") in ("enum", "multiEnum") and isinstance(related, str):
            target = by_class.get(related)
            alias = target.attributes.get("pluralAlias") if target is not None else None
            enum_type = str(alias) if alias else None
        name = str(raw["name"])
        fields[name] = ProductField(
            name=name,
            type=str(raw.get("type") or ""),
            label=str(raw.get("label") or ""),
            relation_type=raw.get("relationType") or None,
            related_entity=related if isinstance(related, str) else None,
            enum_type=enum_type,
            options=_mapping(raw.get("options")),
        )
    return fields


def read_enum_options(client: OroClient, enum_type: str) -> list[EnumOption]:
    """The options of one enum (``GET /admin/api/<enum type>``)."""
    return [
        EnumOption(r.id, str(r.attributes.get("name") or r.id), _int(r.attributes.get("priority")))
        for r in client.list(enum_type)
    ]


def read_categories(client: OroClient) -> list[OroCategory]:
    """Every category with its parent and titles."""
    found = []
    for page in client.pages("categories", include=("titles",)):
        for category in page.document.data:
            parent = category.related_ids("parentCategory")
            found.append(
                OroCategory(
                    category.id,
                    parent[0][1] if parent else None,
                    _localized(page.document, category, "titles"),
                )
            )
    return found


def _localizations(client: OroClient) -> list[OroLocalization]:
    return [
        OroLocalization(
            r.id,
            str(r.attributes.get("name") or r.id),
            _str(r.attributes.get("languageCode")),
            _str(r.attributes.get("formattingCode")),
            _str(r.attributes.get("title")),
        )
        for r in client.list("localizations")
    ]


def _price_lists(client: OroClient) -> list[OroPriceList]:
    return [
        OroPriceList(
            r.id,
            str(r.attributes.get("name") or ""),
            tuple(str(c) for c in r.attributes.get("priceListCurrencies") or ()),
        )
        for r in client.list("pricelists")
    ]


def _brands(client: OroClient) -> list[OroBrand]:
    found = []
    for page in client.pages("brands", include=("names",)):
        for brand in page.document.data:
            names = _localized(page.document, brand, "names")
            found.append(
                OroBrand(brand.id, names.get(None, ""), _str(brand.attributes.get("externalId")))
            )
    return found


def _localized(document: Document, resource: Resource, relation: str) -> dict[str | None, str]:
    """Localized fallback values of ``relation`` by localization id (None: default)."""
    values: dict[str | None, str] = {}
    for value in document.related(resource, relation):
        text = value.attributes.get("string") or value.attributes.get("text")
        if not isinstance(text, str):
            continue
        localization = value.related_ids("localization")
        values[localization[0][1] if localization else None] = text
    return values


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
