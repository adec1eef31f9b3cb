"""What goes into SFCC (B2C Commerce) import files, independent of where it came from.

Plain frozen records; the writers in :mod:`._xml` turn them into catalog, pricebook,
library and metadata XML. Localized texts are ``{locale: text}`` with SFCC locales
(``"x-default"``, ``"en-US"``: hyphen, not Akeneo's underscore). ``mode="delete"``
mirrors the only element-level import mode the schemas know; everything else follows
the import step's process mode (MERGE, UPDATE, REPLACE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

Localized: TypeAlias = Mapping[str, str]
"""Text per SFCC locale, e.g. ``{"x-default": "T-shirt", "fr-FR": "Tee-shirt"}``."""

Scalar: TypeAlias = str | bool | int | float | Decimal
CustomValue: TypeAlias = Scalar | Sequence[Scalar] | Mapping[str, Scalar | Sequence[Scalar]]
"""A custom attribute's value: one value, several (``set-of-*``, multi-value enums) or
``{locale: value(s)}`` for a localizable attribute."""

CustomAttributes: TypeAlias = Mapping[str, CustomValue]

Delete: TypeAlias = Literal["delete"]
AttributeType: TypeAlias = Literal[
    "string",
    "int",
    "double",
    "text",
    "html",
    "image",
    "boolean",
    "date",
    "datetime",
    "email",
    "password",
    "set-of-string",
    "set-of-int",
    "set-of-double",
    "enum-of-string",
    "enum-of-int",
]
ProductLinkType: TypeAlias = Literal[
    "cross-sell",
    "replacement",
    "up-sell",
    "accessory",
    "spare-part",
    "newer-version",
    "alt-orderunit",
    "other",
]


@dataclass(frozen=True, slots=True)
class SfccImageGroup:
    """Images of one view type; ``variation`` narrows them: ``(attribute id, value)`` pairs."""

    view_type: str
    images: Sequence[str]
    variation: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class SfccVariationValue:
    value: str
    display_values: Localized = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SfccVariationAttribute:
    """A variation axis of a master: the attribute and the values its variants take."""

    attribute_id: str
    values: Sequence[SfccVariationValue]
    display_names: Localized = field(default_factory=dict)
    variation_attribute_id: str | None = None  # defaults to attribute_id


@dataclass(frozen=True, slots=True)
class SfccProductLink:
    product_id: str
    type: ProductLinkType


@dataclass(frozen=True, slots=True)
class SfccBundledProduct:
    product_id: str
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class SfccPageAttributes:
    title: Localized = field(default_factory=dict)
    description: Localized = field(default_factory=dict)
    keywords: Localized = field(default_factory=dict)
    url: Localized = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SfccProduct:
    """A product, variation master, variation group, set or bundle of a master catalog.

    A master lists its ``variation_attributes`` and ``variants`` (product ids, the
    ``default_variant`` among them); ``mode="delete"`` only needs the id.
    """

    product_id: str
    display_name: Localized = field(default_factory=dict)
    short_description: Localized = field(default_factory=dict)
    long_description: Localized = field(default_factory=dict)
    ean: str | None = None
    upc: str | None = None
    online: bool | None = None
    searchable: bool | None = None
    image_groups: Sequence[SfccImageGroup] = ()
    tax_class_id: str | None = None
    brand: str | None = None
    manufacturer_name: str | None = None
    manufacturer_sku: str | None = None
    page_attributes: SfccPageAttributes | None = None
    custom_attributes: CustomAttributes = field(default_factory=dict)
    bundled_products: Sequence[SfccBundledProduct] = ()
    set_products: Sequence[str] = ()
    variation_attributes: Sequence[SfccVariationAttribute] = ()
    variants: Sequence[str] = ()
    default_variant: str | None = None
    variation_groups: Sequence[str] = ()
    product_links: Sequence[SfccProductLink] = ()
    classification_category: str | None = None
    classification_catalog_id: str | None = None
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccCategory:
    """A category of a master or storefront catalog; the top level's ``parent`` is ``"root"``.

    ``refinements`` is the category's ``<refinement-definitions>`` element as XML, as an
    export of the instance gives it (job 6 saves merchants' refinements so); ``None``
    writes none, so a MERGE import keeps the refinements the instance has.
    """

    category_id: str
    parent: str | None = None
    display_name: Localized = field(default_factory=dict)
    description: Localized = field(default_factory=dict)
    online: bool | None = None
    position: float | None = None
    custom_attributes: CustomAttributes = field(default_factory=dict)
    refinements: str | None = None
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccAssignment:
    """A product in a (storefront) catalog's category; ``mode="delete"`` removes it."""

    product_id: str
    category_id: str
    primary: bool | None = None
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccRecommendation:
    """An association as a recommendation: ``type`` is SFCC's recommendation type (``"1"``…)."""

    source_id: str
    target_id: str
    type: str
    source_type: Literal["product", "category"] = "product"
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccPricebook:
    """A pricebook's header, e.g. ``usd-list-prices`` in USD; ``mode="delete"`` drops the book."""

    pricebook_id: str
    currency: str
    display_name: Localized = field(default_factory=dict)
    online: bool | None = True
    parent: str | None = None
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccPriceTable:
    """A product's price in the pricebook of ``currency``.

    ``mode="delete"`` removes the table, ``"delete-all"`` every table of the product;
    otherwise ``amount`` is required.
    """

    product_id: str
    currency: str
    amount: Decimal | None = None
    quantity: Decimal = Decimal(1)
    mode: Literal["delete", "delete-all"] | None = None


@dataclass(frozen=True, slots=True)
class SfccContentAsset:
    """A library content asset, e.g. one per reference entity, a JSON attribute per record."""

    content_id: str
    display_name: Localized = field(default_factory=dict)
    online: bool | None = None
    searchable: bool | None = None
    custom_attributes: CustomAttributes = field(default_factory=dict)
    classification_folder: str | None = None
    folders: Sequence[str] = ()
    mode: Delete | None = None


@dataclass(frozen=True, slots=True)
class SfccValueDefinition:
    value: str
    display: Localized = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SfccAttributeDefinition:
    """A custom attribute of a system object type (``Product``, ``Content``…)."""

    attribute_id: str
    type: AttributeType
    display_name: Localized = field(default_factory=dict)
    localizable: bool = False
    multi_value: bool = False  # select-multiple-flag, for enum-of-* types
    mandatory: bool = False
    externally_managed: bool = False
    values: Sequence[SfccValueDefinition] = ()


@dataclass(frozen=True, slots=True)
class SfccAttributeGroup:
    group_id: str
    attribute_ids: Sequence[str]
    display_name: Localized = field(default_factory=dict)
