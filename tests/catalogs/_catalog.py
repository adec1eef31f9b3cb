"""A small hand-built catalog: six products whose every value is written out below, so
the expected selections in the tests can be read off this file."""

from __future__ import annotations

from typing import Any

from pimsync.mapping import AkeneoAttribute, AkeneoMetadata
from pimsync.model import MeasurementFamily, Product

GRAMS_AND_KILOGRAMS = MeasurementFamily.from_akeneo(
    {
        "code": "Weight",
        "standard_unit_code": "KILOGRAM",
        "units": {
            "GRAM": {
                "code": "GRAM",
                "convert_from_standard": [{"operator": "mul", "value": "0.001"}],
            },
            "KILOGRAM": {
                "code": "KILOGRAM",
                "convert_from_standard": [{"operator": "mul", "value": "1"}],
            },
        },
    }
)


def attribute(code: str, kind: str, **options: Any) -> AkeneoAttribute:
    return AkeneoAttribute(code=code, type=f"pim_catalog_{kind}", **options)


ATTRIBUTES = {
    a.code: a
    for a in (
        attribute("sku", "identifier"),
        attribute("name", "text", localizable=True),
        attribute("description", "textarea", localizable=True, scopable=True),
        attribute("color", "simpleselect", options={c: {} for c in ("blue", "red", "green")}),
        attribute("tags", "multiselect", options={t: {} for t in ("summer", "winter", "sale")}),
        attribute("power", "number"),
        attribute("weight", "metric", metric_family="Weight", default_metric_unit="KILOGRAM"),
        attribute("eco", "boolean"),
        attribute("release", "date", scopable=True),
        attribute("price", "price_collection"),
        attribute("picture", "image"),
    )
}

METADATA = AkeneoMetadata(
    attributes=ATTRIBUTES,
    measurement_families={"Weight": GRAMS_AND_KILOGRAMS},
    families={"shirts": None, "shoes": None},
    # master → clothing → shirts, master → shoes; sales → clearance
    categories={
        "master": None,
        "clothing": "master",
        "shirts": "clothing",
        "shoes": "master",
        "sales": None,
        "clearance": "sales",
    },
    channels={"ecommerce": "master", "mobile": "master"},
    locales=("en_US", "fr_FR"),
    currencies=("EUR", "USD"),
)

# Completeness requirements per family and channel.
REQUIREMENTS = {
    "shirts": {"ecommerce": ["sku", "name", "weight"]},
    "shoes": {"ecommerce": ["sku", "name", "description"]},
}


def one(data: Any, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"locale": locale, "scope": scope, "data": data}


def raw_product(
    sku: str,
    family: str | None,
    categories: list[str],
    *,
    enabled: bool = True,
    **values: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "identifier": sku,
        "family": family,
        "categories": categories,
        "enabled": enabled,
        "values": {"sku": [one(sku)], **values},
    }


RAW = [
    raw_product(
        "A-100",
        "shirts",
        ["shirts"],
        name=[one("Blue Shirt", "en_US"), one("Chemise bleue", "fr_FR")],
        description=[one("Soft cotton", "en_US", "ecommerce")],
        color=[one("blue")],
        tags=[one(["summer", "sale"])],
        power=[one(10)],
        weight=[one({"amount": "500", "unit": "GRAM"})],
        eco=[one(True)],
        release=[one("2024-03-01T00:00:00+00:00", scope="ecommerce")],
        price=[one([{"amount": "10", "currency": "EUR"}, {"amount": "12", "currency": "USD"}])],
    ),
    raw_product(
        "A-200",
        "shirts",
        ["clothing", "clearance"],
        name=[one("Red shirt", "en_US")],
        color=[one("red")],
        tags=[one(["winter"])],
        power=[one("25.5")],
        weight=[one({"amount": 1.2, "unit": "KILOGRAM"})],
        eco=[one(False)],
        release=[one("2024-06-15T00:00:00+00:00", scope="ecommerce")],
        price=[one([{"amount": "20", "currency": "EUR"}])],
    ),
    raw_product(
        "B-100",
        "shoes",
        ["shoes"],
        enabled=False,
        name=[one("Runner", "en_US")],
        description=[one("Fast runner", "en_US", "ecommerce")],
        color=[one("blue")],
        tags=[one([])],
        power=[one(3)],
        weight=[one({"amount": "2", "unit": "KILOGRAM"})],
        release=[one("2024-03-01T00:00:00+00:00", scope="mobile")],
    ),
    raw_product(
        "B-200",
        "shoes",
        [],
        name=[one("Boot", "en_US")],
        weight=[one({"amount": "900", "unit": "GRAM"})],
        eco=[one(True)],
    ),
    raw_product("C-100", None, ["clearance"], color=[one("green")], power=[one(40)]),
    raw_product(
        "a-300",
        "shirts",
        ["master"],
        name=[one("blue jeans", "en_US")],
        tags=[one(["sale"])],
        power=[one(10)],
        eco=[one(False)],
    ),
]

PRODUCTS = [Product.from_akeneo(raw) for raw in RAW]
ALL = frozenset(p["identifier"] for p in RAW)
