"""Per-type validation and defaults, applied to every record a write touches."""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from typing import Any

from pimsync.sandbox.oro._checks import (
    MAX_STRING,
    Rule,
    blank,
    invalid,
    money,
    required_links,
)
from pimsync.sandbox.oro._checks import choice as _choice
from pimsync.sandbox.oro._contracts import CONTRACT_RULES
from pimsync.sandbox.oro._customers import CUSTOMER_MIRRORS, CUSTOMER_RULES
from pimsync.sandbox.oro._orders import ORDER_BACK_REFERENCES, ORDER_MIRRORS, ORDER_RULES
from pimsync.sandbox.oro._store import Record, Transaction

__all__ = ["BACK_REFERENCES", "MIRRORS", "RULES", "Rule", "rule_for"]

_SKU = re.compile(r"^[-_a-zA-Z0-9]*$")
MAX_FILE_BYTES = 10 * 1024 * 1024  # oro_attachment.maxsize
IMAGE_TYPES = ("main", "listing", "additional")
_SINGLE_IMAGE_TYPES = ("main", "listing")


def _product(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    sku = attributes.get("sku")
    where = f"{pointer}/attributes/sku"
    if not isinstance(sku, str) or not sku:
        raise blank(where)
    if not 3 <= len(sku) <= MAX_STRING:
        raise invalid(
            "length constraint",
            f"This value should have between 3 and {MAX_STRING} characters.",
            where,
        )
    if not _SKU.match(sku):
        raise invalid("regex constraint", "This value is not valid.", where)
    if any(other["id"] != record["id"] for other in tx.find("products", "sku", sku)):
        raise invalid("unique entity constraint", "This value is already used.", where)
    _choice(record, "status", ("disabled", "enabled"), pointer)
    _choice(record, "productType", ("simple", "configurable", "kit"), pointer)
    required_links(
        record, ("names", "attributeFamily", "primaryUnitPrecision", "inventory_status"), pointer
    )
    names = [tx.get("productnames", n["id"]) for n in record["relationships"]["names"]]
    if not any(n is not None and n["relationships"].get("localization") is None for n in names):
        raise invalid(
            "not blank constraint",
            "The product name for the default localization should not be blank.",
            f"{pointer}/relationships/names/data",
        )
    relationships = record["relationships"]
    relationships.setdefault("unitPrecisions", [])
    if relationships["primaryUnitPrecision"] not in relationships["unitPrecisions"]:
        relationships["unitPrecisions"].append(relationships["primaryUnitPrecision"])
    attributes.setdefault("variantFields", [])
    for key in ("featured", "newArrival"):
        attributes.setdefault(key, False)
    for key in ("brand", "category"):
        relationships.setdefault(key, None)
    for key in ("descriptions", "variantLinks", "shortDescriptions", "slugPrototypes", "images"):
        relationships.setdefault(key, [])
    images = [tx.get("productimages", link["id"]) for link in relationships["images"]]
    _single_image_types(
        tx, [i for i in images if i is not None], f"{pointer}/relationships/images/data"
    )


def _single_image_types(tx: Transaction, images: list[Record], pointer: str) -> None:
    """Only one ``main`` and one ``listing`` image per product."""
    counts: Counter[str] = Counter()
    for image in images:
        for link in image["relationships"].get("types") or []:
            image_type = tx.get("productimagetypes", link["id"])
            if image_type is not None:
                counts[str(image_type["attributes"].get("productImageTypeType"))] += 1
    for kind in _SINGLE_IMAGE_TYPES:
        if counts[kind] > 1:
            raise invalid(
                "product image collection constraint",
                f'Number of images with type "{kind}" can not be greater than 1.',
                pointer,
            )


def _localized(field: str, limit: int | None = MAX_STRING) -> Rule:
    def rule(tx: Transaction, record: Record, pointer: str) -> None:
        value = record["attributes"].setdefault(field, None)
        record["attributes"].setdefault("fallback", None)
        record["relationships"].setdefault("localization", None)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise invalid(
                "length constraint",
                f"This value is too long. It should have {MAX_STRING} characters or less.",
                f"{pointer}/attributes/{field}",
            )

    return rule


def _unit_precision(tx: Transaction, record: Record, pointer: str) -> None:
    required_links(record, ("unit",), pointer)
    attributes = record["attributes"]
    attributes.setdefault("precision", 0)
    attributes.setdefault("conversionRate", 1)
    attributes.setdefault("sell", True)


def _price_list(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    if not attributes.get("name"):
        raise blank(f"{pointer}/attributes/name")
    currencies = attributes.get("priceListCurrencies")
    if not isinstance(currencies, list) or not currencies:
        raise blank(f"{pointer}/attributes/priceListCurrencies")
    attributes.setdefault("active", True)
    attributes.setdefault("productAssignmentRule", None)
    attributes.setdefault("containSchedule", False)
    attributes.setdefault("actual", True)


def _product_price(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    for name in ("quantity", "currency", "value"):
        if attributes.get(name) in (None, ""):
            raise blank(f"{pointer}/attributes/{name}")
    required_links(record, ("priceList", "product", "unit"), pointer)
    attributes["value"] = money(attributes["value"], f"{pointer}/attributes/value")
    quantity = attributes["quantity"]
    if not isinstance(quantity, (int, float)) or quantity < 0:
        raise invalid(
            "range constraint",
            "This value should be 0 or more.",
            f"{pointer}/attributes/quantity",
        )
    links = record["relationships"]
    price_list = tx.get("pricelists", links["priceList"]["id"])
    if (
        price_list is not None
        and attributes["currency"] not in (price_list["attributes"]["priceListCurrencies"])
    ):
        raise invalid(
            "product price currency constraint",
            "Currency is not allowed for this price list.",
            f"{pointer}/attributes/currency",
        )
    product = tx.get("products", links["product"]["id"])
    if product is not None:
        units = {
            p["relationships"]["unit"]["id"]
            for p in (
                tx.get("productunitprecisions", link["id"])
                for link in product["relationships"].get("unitPrecisions", [])
            )
            if p is not None
        }
        if links["unit"]["id"] not in units:
            raise invalid(
                "product price allowed units constraint",
                "The unit is not allowed for this product.",
                f"{pointer}/relationships/unit/data",
            )
    key = _price_key(record)
    for other in tx.find("productprices", "product", links["product"]["id"]):
        if other["id"] != record["id"] and _price_key(other) == key:
            raise invalid(
                "unique entity constraint", "Product has duplication of product prices.", pointer
            )


def _price_key(record: Record) -> tuple[Any, ...]:
    links, attributes = record["relationships"], record["attributes"]
    return (
        links["product"]["id"],
        links["priceList"]["id"],
        float(attributes["quantity"]),
        links["unit"]["id"],
        attributes["currency"],
    )


def _brand(tx: Transaction, record: Record, pointer: str) -> None:
    record["attributes"].setdefault("externalId", None)
    if "status" not in record["attributes"]:
        raise blank(f"{pointer}/attributes/status")
    _choice(record, "status", ("disabled", "enabled"), pointer)


def _variant_link(tx: Transaction, record: Record, pointer: str) -> None:
    """Parent configurable, child simple, one link per (parent, child) pair.

    Oro lets one simple product be a variant of several configurable products (its
    link table is unique on the pair only), so a variant moved to another parent is
    linked there before the old link goes."""
    required_links(record, ("parentProduct", "product"), pointer)
    record["attributes"].setdefault("visible", True)
    links = record["relationships"]
    parent = tx.get("products", links["parentProduct"]["id"])
    if parent is not None and parent["attributes"].get("productType") != "configurable":
        raise invalid(
            "product variant links constraint",
            "The parent product must be a configurable product.",
            f"{pointer}/relationships/parentProduct/data",
        )
    child_id = links["product"]["id"]
    child = tx.get("products", child_id)
    if child is not None and child["attributes"].get("productType", "simple") != "simple":
        raise invalid(
            "product variant links constraint",
            "The variant product must be a simple product.",
            f"{pointer}/relationships/product/data",
        )
    parent_id = links["parentProduct"]["id"]
    if any(
        other["id"] != record["id"] and other["relationships"]["parentProduct"]["id"] == parent_id
        for other in tx.find("productvariantlinks", "product", child_id)
    ):
        raise invalid(
            "unique entity constraint",
            "This product is already a variant of this configurable product.",
            f"{pointer}/relationships/product/data",
        )


def _file(tx: Transaction, record: Record, pointer: str) -> None:
    """mimeType and originalFilename required; base64 ``content`` of at most 10 MB."""
    attributes = record["attributes"]
    for name in ("mimeType", "originalFilename"):
        if not attributes.get(name):
            raise blank(f"{pointer}/attributes/{name}")
    content = attributes.get("content")
    if content is None:
        if not attributes.get("externalUrl"):
            raise blank(f"{pointer}/attributes/content")
        return
    where = f"{pointer}/attributes/content"
    try:
        size = len(base64.b64decode(str(content), validate=True))
    except (binascii.Error, ValueError):
        raise invalid("file constraint", "The file content is not valid base64.", where) from None
    if size > MAX_FILE_BYTES:
        raise invalid(
            "file constraint",
            f"The file is too large ({size / 1024 / 1024:.2f} MB). Allowed maximum size is 10 MB.",
            where,
        )
    attributes["fileSize"] = size
    attributes.setdefault("externalUrl", None)
    attributes.setdefault("parentFieldName", "image")


def _product_image(tx: Transaction, record: Record, pointer: str) -> None:
    required_links(record, ("product", "image"), pointer)
    record["relationships"].setdefault("types", [])
    product_id = record["relationships"]["product"]["id"]
    siblings = {i["id"]: i for i in tx.find("productimages", "product", product_id)}
    siblings[record["id"]] = record
    _single_image_types(tx, list(siblings.values()), f"{pointer}/relationships/types/data")


def _image_type(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    if not attributes.get("productImageTypeType"):
        raise blank(f"{pointer}/attributes/productImageTypeType")
    _choice(record, "productImageTypeType", IMAGE_TYPES, pointer)


def _enum_option(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    if not attributes.get("name"):
        raise blank(f"{pointer}/attributes/name")
    attributes.setdefault("priority", 0)
    attributes.setdefault("default", False)


RULES: dict[str, Rule] = {
    "products": _product,
    "productnames": _localized("string"),
    "localizedfallbackvalues": _localized("string"),
    "productunitprecisions": _unit_precision,
    "pricelists": _price_list,
    "productprices": _product_price,
    "brands": _brand,
    "productvariantlinks": _variant_link,
    "productshortdescriptions": _localized("text", None),
    "productdescriptions": _localized("wysiwyg", None),
    "files": _file,
    "productimages": _product_image,
    "productimagetypes": _image_type,
    **CUSTOMER_RULES,
    **ORDER_RULES,
    **CONTRACT_RULES,
}


def rule_for(type_: str, enum_types: frozenset[str] | set[str]) -> Rule | None:
    """The rule of a type (custom enum option types share one)."""
    if type_ in enum_types:
        return _enum_option
    return RULES.get(type_)


# Owned collections whose items point back at their owner.
BACK_REFERENCES: dict[tuple[str, str], str] = {
    ("products", "names"): "product",
    ("products", "descriptions"): "product",
    ("products", "unitPrecisions"): "product",
    ("products", "primaryUnitPrecision"): "product",
    ("products", "variantLinks"): "parentProduct",
    ("products", "shortDescriptions"): "product",
    ("products", "images"): "product",
    ("productimages", "types"): "productImage",
    **ORDER_BACK_REFERENCES,
}

# The owner's list a child record belongs to, kept in step when the child is written
# or deleted on its own: (child type, its link to the owner) -> the owner's to-many.
MIRRORS: dict[tuple[str, str], str] = {
    ("productvariantlinks", "parentProduct"): "variantLinks",
    ("productimages", "product"): "images",
    ("productimagetypes", "productImage"): "types",
    **CUSTOMER_MIRRORS,
    **ORDER_MIRRORS,
}
