"""Small hand-built metadata for both systems, and a product factory."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pimsync.mapping import (
    AkeneoAttribute,
    AkeneoMetadata,
    AttributeMapping,
    MappingConfig,
    OroField,
    OroMetadata,
    OroPriceList,
    VariantAxes,
)
from pimsync.model import ConversionOperation, MeasurementFamily, MeasurementUnit, Product


def _unit(code: str, factor: str, symbol: str) -> MeasurementUnit:
    return MeasurementUnit(
        code=code,
        symbol=symbol,
        convert_from_standard=(ConversionOperation(operator="mul", value=Decimal(factor)),),
    )


WEIGHT = MeasurementFamily(
    code="Weight",
    standard_unit="KILOGRAM",
    units={u.code: u for u in (_unit("GRAM", "0.001", "g"), _unit("KILOGRAM", "1", "kg"))},
)


def _attr(code: str, kind: str, **extra: Any) -> AkeneoAttribute:
    return AkeneoAttribute(code=code, type=f"pim_catalog_{kind}", **extra)


@pytest.fixture
def akeneo() -> AkeneoMetadata:
    attributes = [
        _attr("sku", "identifier"),
        _attr("name", "text", localizable=True),
        _attr("description", "textarea", localizable=True, scopable=True),
        _attr("summary", "textarea", localizable=True),
        _attr(
            "color",
            "simpleselect",
            options={"red": {"en_US": "Red", "fr_FR": "Rouge"}, "NavyBlue": {"en_US": "Navy Blue"}},
        ),
        _attr("size", "simpleselect", options={"s": {"en_US": "S"}, "m": {"en_US": "M"}}),
        _attr("tags", "multiselect", options={"new": {}, "eco": {}}),
        _attr("weight", "metric", metric_family="Weight", default_metric_unit="KILOGRAM"),
        _attr("price", "price_collection"),
        _attr("eco_label", "boolean"),
        _attr("release_date", "date"),
        _attr("picture", "image"),
        _attr("back", "image"),
        _attr("brand", "simpleselect", options={"acme": {}, "globex": {}}),
        _attr("ean", "text"),
        _attr("stock", "simpleselect", options={"in_stock": {}, "gone": {}}),
    ]
    return AkeneoMetadata(
        attributes={a.code: a for a in attributes},
        measurement_families={"Weight": WEIGHT},
        families={"shirts": "picture", "plain": None},
        family_variants={
            "shirts_color_size": VariantAxes("shirts", (("color",), ("size",))),
            "shirts_color": VariantAxes("shirts", (("color",),)),
        },
        categories={
            "master": None,
            "clothing": "master",
            "shirts": "clothing",
            "polos": "shirts",
            "sales": None,
            "sale_new": "sales",
        },
        channels={"ecommerce": "master", "print": "master"},
        locales=("de_DE", "en_US", "fr_FR"),
        currencies=("EUR", "USD"),
        model_parents={"tee": None, "tee_red": "tee", "polo": None},
    )


def _field(name: str, kind: str, **extra: Any) -> OroField:
    return OroField(name=name, type=kind, is_attribute=True, **extra)


@pytest.fixture
def oro() -> OroMetadata:
    fields = [
        OroField(name="sku", type="string"),
        OroField(name="names", type="ref-many", relation_type="oneToMany"),
        _field("color", "enum", enum_type="productcolorabc", relation_type="manyToOne"),
        _field("size", "enum", enum_type="productsizeabc", relation_type="manyToOne"),
        _field("tags", "multiEnum", enum_type="producttagsabc", relation_type="manyToMany"),
        _field("color_label", "string"),
        _field("weight_g", "decimal"),
        _field("weight_text", "string"),
        _field("weight_int", "integer"),
        _field("price_eur", "money"),
        _field("eco", "boolean"),
        _field("released", "date"),
        _field("released_at", "datetime"),
        _field("released_text", "string"),
        _field("ean", "string", length=13),
    ]
    return OroMetadata(
        product_fields={f.name: f for f in fields},
        localizations={"English (United States)": "1", "fr_FR": "2", "de_DE": "3"},
        price_lists={
            "Akeneo EUR": OroPriceList("11", ("EUR",)),
            "Akeneo USD": OroPriceList("12", ("USD",)),
            "Retail": OroPriceList("13", ("EUR", "USD")),
        },
        categories={"clothing": "101", "shirts": "102", "sale_new": "201"},
        brands={"acme": "7", "Globex": "8"},
        enum_options={
            "color": frozenset({"red", "navy_blue"}),
            "size": frozenset({"s", "m"}),
            "tags": frozenset({"new", "eco"}),
        },
        attribute_families={"default_family": "1", "clothes": "2"},
        units=("each", "kg"),
    )


MAPPED = (
    AttributeMapping(akeneo="color", oro="color"),
    AttributeMapping(akeneo="size", oro="size"),
    AttributeMapping(akeneo="tags", oro="tags"),
    AttributeMapping(akeneo="color", oro="color_label", label_locale="fr_FR"),
    AttributeMapping(akeneo="weight", oro="weight_g", unit="GRAM"),
    AttributeMapping(akeneo="weight", oro="weight_text"),
    AttributeMapping(akeneo="price", oro="price_eur", currency="EUR"),
    AttributeMapping(akeneo="eco_label", oro="eco"),
    AttributeMapping(akeneo="release_date", oro="released"),
    AttributeMapping(akeneo="release_date", oro="released_at"),
    AttributeMapping(akeneo="release_date", oro="released_text", format="%d/%m/%Y"),
    AttributeMapping(akeneo="ean", oro="ean"),
)


@pytest.fixture
def config() -> MappingConfig:
    return MappingConfig.model_validate(
        {
            "localizations": {"fr_FR": "fr_FR", "de_DE": "de_DE"},
            "short_descriptions": "summary",
            "prices": [{"attribute": "price"}],
            "brand": "brand",
            "attributes": [m.model_dump(exclude_none=True) for m in MAPPED],
            "attribute_families": {"shirts": "clothes"},
            "categories": {"mode": "tree", "root": "100"},
        }
    )


def value(data: Any, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"locale": locale, "scope": scope, "data": data}


def full_values() -> dict[str, list[dict[str, Any]]]:
    return {
        "sku": [value("TEE-1")],
        "name": [
            value("Red tee", "en_US"),
            value("Tee rouge", "fr_FR"),
            value("Rotes Shirt", "de_DE"),
            value("Camiseta", "es_ES"),
        ],
        "description": [
            value("<p>web</p>", "en_US", "ecommerce"),
            value("<p>print</p>", "en_US", "print"),
            value("<p>fr</p>", "fr_FR", "ecommerce"),
        ],
        "summary": [value("Short", "en_US")],
        "color": [value("NavyBlue")],
        "size": [value("m")],
        "tags": [value(["new", "eco"])],
        "weight": [value({"amount": "1.2500", "unit": "KILOGRAM"})],
        "price": [
            value(
                [
                    {"amount": "19.99", "currency": "EUR"},
                    {"amount": "21.50", "currency": "USD"},
                    {"amount": None, "currency": "GBP"},
                ]
            )
        ],
        "eco_label": [value(True)],
        "release_date": [value("2025-03-04T00:00:00+00:00")],
        "picture": [value("a/b/c/d/" + "f" * 40 + "_tee.jpg")],
        "brand": [value("globex")],
        "ean": [value("4006381333931")],
    }


def make_product(values: dict[str, list[dict[str, Any]]] | None = None, **fields: Any) -> Product:
    raw: dict[str, Any] = {
        "uuid": "8f4b3c1e-0000-4000-8000-000000000001",
        "identifier": "TEE-1",
        "family": "shirts",
        "enabled": True,
        "categories": ["polos", "sale_new", "master"],
        "values": full_values() if values is None else values,
    }
    raw.update(fields)
    return Product.from_akeneo(raw)
