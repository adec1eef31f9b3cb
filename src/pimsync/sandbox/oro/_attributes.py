"""Custom product attributes: the admin's CSV import, the schema update, value checks.

Stock Oro cannot create attributes through the API. The admin imports a CSV
(Products → Product Attributes → Import); the attributes stay *pending* until the
schema update, after which products accept them and ``entitystructures`` lists them.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.sandbox.oro._documents import ApiError

COLUMNS = (
    "fieldName",
    "type",
    "entity.label",
    "entity.description",
    "extend.length",
    "extend.precision",
    "extend.scale",
    "attribute.searchable",
    "attribute.filterable",
    "attribute.sortable",
    "attribute.enabled",
    "frontend.is_displayable",
)
_FLAGS = COLUMNS[7:]
_OPTION = re.compile(r"^enum\.enum_options\.(\d+)\.(label|is_default)$")
_FIELD_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
MAX_FIELD_NAME = 22
DEFAULT_LENGTH = 255
TYPES = frozenset(
    {"string", "text", "wysiwyg", "integer", "smallint", "bigint", "float", "decimal"}
    | {"money", "percent", "boolean", "date", "datetime", "enum", "multiEnum"}
)
_INTEGERS = frozenset({"integer", "smallint", "bigint"})
_NUMBERS = frozenset({"float", "decimal", "money", "percent"})
SYSTEM_FIELDS = frozenset(
    {"id", "sku", "skuUppercase", "status", "type", "productType", "names", "descriptions"}
    | {"shortDescriptions", "slugPrototypes", "metaTitles", "metaDescriptions", "metaKeywords"}
    | {"attributeFamily", "category", "brand", "images", "inventory_status", "unitPrecisions"}
    | {"primaryUnitPrecision", "variantLinks", "parentVariantLinks", "featured", "newArrival"}
    | {"variantFields", "createdAt", "updatedAt", "owner", "organization", "category_sort_order"}
    | {"defaultVariant", "kitItems", "pageTemplate", "taxCode"}
)
PRODUCT_CLASS = "Oro\\Bundle\\ProductBundle\\Entity\\Product"


def option_id(label: str) -> str:
    """An enum option's internal id: the label lowercased, other runs replaced by ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "option"


@dataclass
class Attribute:
    """One custom product attribute as the import file declares it."""

    name: str
    type: str
    label: str
    description: str = ""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    flags: dict[str, bool] = field(default_factory=dict)
    options: list[tuple[str, bool]] = field(default_factory=list)  # (label, is default)
    active: bool = False  # False until the schema update

    @property
    def is_enum(self) -> bool:
        return self.type in ("enum", "multiEnum")

    @property
    def enum_class(self) -> str:
        """``Extend\\Entity\\EV_Product_Color_1a2b3c4d`` (hex: crc32 of the field name)."""
        crc = f"{zlib.crc32(self.name.encode()) & 0xFFFFFFFF:08x}"
        words = "_".join(w[:1].upper() + w[1:] for w in self.name.split("_") if w)
        return f"Extend\\Entity\\EV_Product_{words}_{crc}"

    @property
    def enum_type(self) -> str:
        """The JSON:API type of the options: the class short name, lowercased, plural."""
        short = self.enum_class.rsplit("\\", 1)[1].removeprefix("EV_")
        return short.replace("_", "").lower() + "s"

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "label": self.label,
            "description": self.description,
            "state": "active" if self.active else "pending",
            **self.flags,
        }
        if self.type == "string":
            out["length"] = self.length or DEFAULT_LENGTH
        if self.type in ("decimal", "money", "percent"):
            out["precision"], out["scale"] = self.precision, self.scale
        if self.is_enum:
            out["enum_type"] = self.enum_type
            out["options"] = [
                {"id": option_id(lb), "label": lb, "default": d} for lb, d in self.options
            ]
        return out


def parse_import(csv_text: str) -> list[Attribute]:
    """The attributes of an import file. Raises ValueError naming the row and column."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    if not rows:
        raise ValueError("row 1: the file is empty")
    header = rows[0]
    if tuple(header[: len(COLUMNS)]) != COLUMNS:
        raise ValueError(f"row 1: the first columns must be {','.join(COLUMNS)}")
    for column, name in enumerate(header[len(COLUMNS) :], start=len(COLUMNS) + 1):
        if not _OPTION.match(name):
            raise ValueError(f"row 1, column {column}: unknown column {name!r}")
    found: list[Attribute] = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError(f"row {number}: {len(row)} columns, the header has {len(header)}")
        attribute = _row(dict(zip(header, row, strict=True)), number, header)
        if attribute.name in seen:
            raise ValueError(f"row {number}, column fieldName: {attribute.name!r} repeated")
        seen.add(attribute.name)
        found.append(attribute)
    return found


def _row(cells: dict[str, str], number: int, header: list[str]) -> Attribute:
    def fail(column: str, why: str) -> ValueError:
        return ValueError(f"row {number}, column {column}: {why}")

    name = cells["fieldName"].strip()
    if not _FIELD_NAME.match(name) or len(name) > MAX_FIELD_NAME:
        raise fail("fieldName", f"{name!r} is not a valid field name")
    if name in SYSTEM_FIELDS:
        raise fail("fieldName", f"{name!r} is a system field")
    type_ = cells["type"].strip()
    if type_ not in TYPES:
        raise fail("type", f"unknown type {type_!r}")

    def number_cell(column: str) -> int | None:
        text = cells[column].strip()
        if not text:
            return None
        if not text.isdigit() or int(text) == 0:
            raise fail(column, f"{text!r} is not a positive integer")
        return int(text)

    def flag(column: str) -> bool | None:
        text = cells[column].strip().lower()
        if text in ("", "yes", "no"):
            return None if not text else text == "yes"
        raise fail(column, f"{text!r} is not yes or no")

    flags = {c.split(".", 1)[1]: v for c in _FLAGS if (v := flag(c)) is not None}
    options: list[tuple[str, bool]] = []
    for column in header[len(COLUMNS) :]:
        match = _OPTION.match(column)
        if match is not None and match.group(2) == "label" and cells[column].strip():
            default = flag(f"enum.enum_options.{match.group(1)}.is_default")
            options.append((cells[column].strip(), bool(default)))
    if options and type_ not in ("enum", "multiEnum"):
        raise fail("enum.enum_options.0.label", f"options given for a {type_} attribute")
    return Attribute(
        name=name,
        type=type_,
        label=cells["entity.label"].strip() or name,
        description=cells["entity.description"].strip(),
        length=number_cell("extend.length"),
        precision=number_cell("extend.precision"),
        scale=number_cell("extend.scale"),
        flags=flags,
        options=options,
    )


def check_value(attribute: Attribute, value: Any, pointer: str) -> Any:
    """The stored form of a scalar custom value. Raises ApiError (400)."""
    if value is None:
        return None

    def wrong(kind: str) -> ApiError:
        return ApiError(
            400, "type constraint", f"This value should be of type {kind}.", pointer=pointer
        )

    kind = attribute.type
    if kind in ("string", "text", "wysiwyg"):
        if not isinstance(value, str):
            raise wrong("string")
        limit = attribute.length or DEFAULT_LENGTH
        if kind == "string" and len(value) > limit:
            raise ApiError(
                400,
                "length constraint",
                f"This value is too long. It should have {limit} characters or less.",
                pointer=pointer,
            )
        return value
    if kind in _INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("integer")
        return value
    if kind in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise wrong("numeric")
        try:
            Decimal(str(value))
        except InvalidOperation:
            raise wrong("numeric") from None
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise wrong("boolean")
        return value
    return _moment(kind, value, wrong)


def _moment(kind: str, value: Any, wrong: Any) -> str:
    if not isinstance(value, str):
        raise wrong(kind)
    if kind == "date" and len(value) != 10:
        raise wrong(kind)
    try:
        if kind == "date":
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise wrong(kind) from None
    return value


def structure(
    class_name: str, alias: str, plural: str, label: str, fields: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """One ``entitystructures`` record."""
    return {
        "type": "entitystructures",
        "id": class_name.replace("\\", "_"),
        "attributes": {
            "label": label,
            "pluralLabel": label + "s",
            "alias": alias,
            "pluralAlias": plural,
            "className": class_name,
            "icon": None,
            "fields": list(fields),
            "options": {},
            "routes": {},
        },
        "relationships": {},
    }


def field_entry(
    name: str,
    type_: str,
    label: str = "",
    relation: str | None = None,
    target: str | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "label": label or name,
        "relationType": relation,
        "relatedEntityName": target,
        "options": options or {},
    }


def custom_field(attribute: Attribute) -> dict[str, Any]:
    """The ``entitystructures`` field of an active custom attribute."""
    options: dict[str, Any] = {"extend": True, "is_attribute": True, **attribute.flags}
    if attribute.type == "string":
        options["length"] = attribute.length or DEFAULT_LENGTH
    if attribute.is_enum:
        relation = "manyToOne" if attribute.type == "enum" else "manyToMany"
        return field_entry(
            attribute.name, attribute.type, attribute.label, relation, attribute.enum_class, options
        )
    return field_entry(attribute.name, attribute.type, attribute.label, options=options)
