"""Akeneo and Oro structures for the structure tests, built in code."""

from __future__ import annotations

from typing import Any

from pimsync.connectors.oro.structure import (
    AkeneoStructure,
    OroCategory,
    OroLocalization,
    OroMetadata,
    OroPriceList,
    ProductField,
)
from pimsync.model import Attribute, AttributeOption, Category, Family


def attribute(code: str, kind: str, **fields: Any) -> Attribute:
    return Attribute.from_akeneo(
        {"code": code, "type": kind, "group": "marketing", "labels": {"en_US": code.title()}}
        | fields
    )


def option(attr: str, code: str, label: str, order: int = 0) -> AttributeOption:
    return AttributeOption(code=code, attribute=attr, sort_order=order, labels={"en_US": label})


def category(code: str, parent: str | None, en: str, fr: str | None = None) -> Category:
    labels = {"en_US": en} | ({"fr_FR": fr} if fr else {})
    return Category(code=code, parent=parent, labels=labels)


TREE = (
    category("master", None, "Master catalog"),
    category("audio", "master", "Audio", "Son"),
    category("headphones", "audio", "Headphones", "Casques"),
    category("video", "master", "Video"),
)


def akeneo(**changes: Any) -> AkeneoStructure:
    attributes = [
        attribute("sku", "pim_catalog_identifier"),
        attribute("name", "pim_catalog_text", localizable=True),
        attribute("description", "pim_catalog_textarea"),
        attribute("ean", "pim_catalog_text", max_characters=13),
        attribute("weight", "pim_catalog_metric", metric_family="Weight"),
        attribute("stock", "pim_catalog_number"),
        attribute("color", "pim_catalog_simpleselect"),
        attribute("sizes", "pim_catalog_multiselect"),
        attribute("price", "pim_catalog_price_collection"),
        attribute("picture", "pim_catalog_image"),
    ]
    values: dict[str, Any] = {
        "attributes": {a.code: a for a in attributes},
        "options": {
            "color": (
                option("color", "red", "Red", 1),
                option("color", "dark_blue", "Dark Blue", 2),
            ),
            "sizes": (option("sizes", "s", "S"), option("sizes", "m", "M")),
        },
        "families": (Family(code="shoes", attribute_as_label="name"),),
        "locales": ("en_US", "fr_FR"),
        "currencies": ("EUR", "USD"),
        "categories": TREE,
    }
    return AkeneoStructure(**(values | changes))


def field(name: str, type_: str, **extra: Any) -> ProductField:
    return ProductField(name, type_, options={"extend": True, "is_attribute": True}, **extra)


SYSTEM = {
    name: ProductField(name, kind)
    for name, kind in (("sku", "string"), ("names", "ref-many"), ("descriptions", "ref-many"))
}


def oro(**changes: Any) -> OroMetadata:
    values: dict[str, Any] = {
        "product_fields": dict(SYSTEM),
        "localizations": (
            OroLocalization("1", "English (United States)", "en_US", "en_US"),
            OroLocalization("2", "Français", "fr", "fr_FR"),
        ),
        "price_lists": (OroPriceList("1", "Default Price List", ("USD",)),),
        "categories": (
            OroCategory("1", None, {None: "All Products"}),
            OroCategory("2", "1", {None: "Audio"}),
            OroCategory("3", "1", {None: "VIDEO"}),
        ),
        "families": {"default_family": "1"},
    }
    return OroMetadata(**(values | changes))
