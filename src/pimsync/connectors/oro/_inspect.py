"""Oro products field by field: what a planned :class:`OroProduct` would set, and what
Oro holds now for the same fields (for a dry run's diff view).

Compared: the product's own attributes (SKU, status, type, custom attributes), its
to-one relationships (family, inventory status, category, brand, and any the mapping
adds) and its localized names and descriptions. Not compared: prices, images, slugs,
unit precisions and variant links, which live in records of their own; the diff view
says so rather than show them as unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ._client import OroClient
from ._documents import Document, Resource
from ._products import OroProduct

NOT_COMPARED = ("prices", "images", "slugs", "unit precision", "variant links")

# JSON:API relationship → the OroProduct field it carries.
_TO_ONE = {
    "attributeFamily": "attribute_family",
    "inventory_status": "inventory_status",
    "category": "category",
    "brand": "brand",
}
# Localized relationship → (OroProduct field, how the included record holds its text).
_LOCALIZED = {
    "names": ("names", "string"),
    "descriptions": ("descriptions", "wysiwyg"),
    "shortDescriptions": ("short_descriptions", "text"),
}
_SLICE = 50  # SKUs per request


def _plain(value: Any) -> Any:
    """Numbers as normalized decimal text, so ``5``, ``5.0`` and ``"5"`` compare equal."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)).normalize())
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return str(number.normalize()) if number.is_finite() else value
    return value


def _localization(localization: str | None) -> str:
    return "default" if localization is None else localization


def _linked_ids(member: Any) -> Any:
    """The id (to-one) or sorted ids (to-many) a relationship member links to."""
    data = member.get("data") if isinstance(member, Mapping) else None
    if isinstance(data, list):
        return sorted(str(d.get("id")) for d in data if isinstance(d, Mapping))
    if isinstance(data, Mapping):
        return str(data.get("id"))
    return None


def planned_fields(payload: Any) -> dict[str, Any]:
    """The compared fields of a planned product. Raises :class:`ValueError` for a
    payload that is not a valid :class:`OroProduct`."""
    product = OroProduct.coerce(payload)
    fields: dict[str, Any] = {
        "sku": product.sku,
        "status": product.status,
        "productType": product.product_type,
    }
    for relationship, name in _TO_ONE.items():
        fields[relationship] = getattr(product, name)
    for relationship, (name, _) in _LOCALIZED.items():
        for localization, text in getattr(product, name).items():
            fields[f"{relationship}[{_localization(localization)}]"] = text
    for attribute, value in product.attributes.items():
        fields[attribute] = _plain(value)
    for relationship, member in product.relationships.items():
        fields[relationship] = _linked_ids(member)
    return fields


def _held(document: Document, product: Resource, planned: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "sku": product.attributes.get("sku"),
        "status": product.attributes.get("status"),
        "productType": product.attributes.get("productType"),
    }
    for relationship in _TO_ONE:
        ids = product.related_ids(relationship)
        fields[relationship] = ids[0][1] if ids else None
    for relationship, (_, kind) in _LOCALIZED.items():
        for value in document.related(product, relationship):
            localized = value.related_ids("localization")
            where = _localization(localized[0][1] if localized else None)
            text = value.attributes.get(kind)
            if isinstance(text, Mapping):  # a wysiwyg value
                text = text.get("value")
            fields[f"{relationship}[{where}]"] = text
    for name in planned:  # custom attributes and relationships the mapping sends
        if name in fields or "[" in name:
            continue
        if name in product.attributes:
            fields[name] = _plain(product.attributes[name])
        elif name in product.relationships:
            fields[name] = _linked_ids(product.relationships[name])
    return fields


def held_fields(client: OroClient, payloads: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """SKU (casefolded) → the compared fields of the products Oro holds for ``payloads``.

    Raises :class:`~pimsync.errors.FatalSourceError` when a page cannot be read.
    """
    planned = {}
    for payload in payloads:
        fields = planned_fields(payload)
        planned[str(fields["sku"]).casefold()] = fields
    held: dict[str, dict[str, Any]] = {}
    skus = sorted(str(f["sku"]) for f in planned.values())  # sent as spelled
    for start in range(0, len(skus), _SLICE):
        chunk = skus[start : start + _SLICE]
        pages = client.pages("products", {"sku": ",".join(chunk)}, include=tuple(_LOCALIZED))
        for page in pages:
            for product in page.document.data:
                sku = str(product.attributes.get("sku", "")).casefold()
                if sku in planned:
                    held[sku] = _held(page.document, product, planned[sku])
    return held
