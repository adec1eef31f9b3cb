"""Which Oro field an Akeneo attribute becomes, and whether an existing Oro field fits.

Akeneo types that carry product data Oro keeps elsewhere are not attributes: prices go
to price lists, images and files to product images, the identifier to ``sku``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pimsync.model import Attribute, AttributeType

__all__ = [
    "FIELD_NAME_LIMIT",
    "STRING_LENGTH_LIMIT",
    "SYSTEM_FIELDS",
    "AttributeTarget",
    "OroFieldType",
    "Placement",
    "compatible",
    "field_name_problem",
    "oro_target",
]

FIELD_NAME_LIMIT = 22  # Oro's limit for custom field names
STRING_LENGTH_LIMIT = 255  # an Oro string column; longer Akeneo texts become text
_FIELD_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")

# Product fields Oro itself defines: never created by the import file.
SYSTEM_FIELDS = frozenset(
    {
        "id",
        "sku",
        "status",
        "type",
        "productType",
        "names",
        "descriptions",
        "shortDescriptions",
        "slugPrototypes",
        "attributeFamily",
        "category",
        "brand",
        "images",
        "inventory_status",
        "primaryUnitPrecision",
        "unitPrecisions",
        "variantLinks",
        "parentVariantLinks",
        "featured",
        "newArrival",
        "variantFields",
        "createdAt",
        "updatedAt",
        "organization",
        "owner",
        "prices",
        "kitItems",
        "metaTitles",
        "metaDescriptions",
        "metaKeywords",
        "category_sort_order",
    }
)


class OroFieldType(StrEnum):
    """Oro's extend field types that pimsync creates or accepts."""

    STRING = "string"
    TEXT = "text"
    WYSIWYG = "wysiwyg"
    INTEGER = "integer"
    SMALLINT = "smallint"
    BIGINT = "bigint"
    FLOAT = "float"
    DECIMAL = "decimal"
    MONEY = "money"
    PERCENT = "percent"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    ENUM = "enum"
    MULTI_ENUM = "multiEnum"

    @property
    def has_options(self) -> bool:
        return self in (OroFieldType.ENUM, OroFieldType.MULTI_ENUM)


class Placement(StrEnum):
    """Where an Akeneo attribute's values go in Oro."""

    ATTRIBUTE = "attribute"  # a product field (custom attribute, or a system field)
    SKU = "sku"
    PRICES = "prices"
    IMAGES = "images"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class AttributeTarget:
    """What an Akeneo attribute becomes: its placement and, for attributes, the Oro type
    (``length`` for strings)."""

    placement: Placement
    type: OroFieldType | None = None
    length: int | None = None
    reason: str = ""


_ACCEPTED: dict[OroFieldType, frozenset[str]] = {
    OroFieldType.STRING: frozenset({"string", "text", "wysiwyg"}),
    OroFieldType.TEXT: frozenset({"text", "wysiwyg"}),
    OroFieldType.WYSIWYG: frozenset({"wysiwyg", "text"}),
    OroFieldType.INTEGER: frozenset({"integer", "smallint", "bigint", "float", "decimal"}),
    OroFieldType.FLOAT: frozenset({"float", "decimal", "money", "percent"}),
    OroFieldType.BOOLEAN: frozenset({"boolean"}),
    OroFieldType.DATE: frozenset({"date", "datetime"}),
    OroFieldType.ENUM: frozenset({"enum"}),
    OroFieldType.MULTI_ENUM: frozenset({"multiEnum"}),
}


def oro_target(
    attribute: Attribute, *, textarea: OroFieldType = OroFieldType.TEXT
) -> AttributeTarget:
    """The Oro field an Akeneo attribute becomes.

    ``textarea`` chooses ``text`` or ``wysiwyg`` for Akeneo text areas. A text longer than
    Oro's string column (255) becomes ``text``.
    """
    kind = attribute.type
    if kind == AttributeType.TEXT:
        length = attribute.max_characters or STRING_LENGTH_LIMIT
        if length > STRING_LENGTH_LIMIT:
            return AttributeTarget(Placement.ATTRIBUTE, OroFieldType.TEXT)
        return AttributeTarget(Placement.ATTRIBUTE, OroFieldType.STRING, length)
    simple = {
        AttributeType.TEXTAREA: textarea,
        AttributeType.NUMBER: OroFieldType.FLOAT
        if attribute.decimals_allowed
        else OroFieldType.INTEGER,
        AttributeType.BOOLEAN: OroFieldType.BOOLEAN,
        AttributeType.DATE: OroFieldType.DATE,
        AttributeType.METRIC: OroFieldType.FLOAT,  # the amount, in the default unit
        AttributeType.SIMPLESELECT: OroFieldType.ENUM,
        AttributeType.MULTISELECT: OroFieldType.MULTI_ENUM,
        AttributeType.REFERENCE_DATA_SIMPLESELECT: OroFieldType.ENUM,
        AttributeType.REFERENCE_DATA_MULTISELECT: OroFieldType.MULTI_ENUM,
        AttributeType.REFERENCE_ENTITY: OroFieldType.ENUM,
        AttributeType.REFERENCE_ENTITY_COLLECTION: OroFieldType.MULTI_ENUM,
    }
    found = simple.get(kind) if isinstance(kind, AttributeType) else None
    if found is not None:
        return AttributeTarget(Placement.ATTRIBUTE, found)
    if kind == AttributeType.IDENTIFIER:
        return AttributeTarget(Placement.SKU, reason="the identifier is the product's sku")
    if kind == AttributeType.PRICE_COLLECTION:
        return AttributeTarget(Placement.PRICES, reason="prices go to price lists")
    if kind in (AttributeType.IMAGE, AttributeType.FILE, AttributeType.ASSET_COLLECTION):
        return AttributeTarget(Placement.IMAGES, reason="media go to product images")
    return AttributeTarget(
        Placement.UNSUPPORTED, reason=f"Akeneo type {kind} has no Oro attribute equivalent"
    )


def compatible(wanted: OroFieldType, existing: str) -> bool:
    """Whether an existing Oro field of type ``existing`` can hold ``wanted`` values."""
    return existing in _ACCEPTED.get(wanted, frozenset({wanted.value}))


def field_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a custom Oro field name, or None when it can."""
    if not _FIELD_NAME.match(name):
        return "must start with a letter and hold only letters, digits and _"
    if len(name) > FIELD_NAME_LIMIT:
        return f"is {len(name)} characters long; Oro allows {FIELD_NAME_LIMIT}"
    if name in SYSTEM_FIELDS:
        return "is an Oro system field"
    return None
