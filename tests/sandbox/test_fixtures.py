"""Akeneo's own demo fixtures load completely: one entity per CSV row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
ICECAT = REFERENCE / "akeneo" / "icecat_demo_dev"
pytestmark = pytest.mark.skipif(
    not ICECAT.is_dir(),
    reason=f"Akeneo fixtures not found at {ICECAT} (../shared/reference absent)",
)
FILES = {
    "products": "products.csv",
    "product_models": "product_models.csv",
    "attributes": "attributes.csv",
    "attribute_options": "attribute_options.csv",
    "attribute_groups": "attribute_groups.csv",
    "families": "families.csv",
    "family_variants": "family_variants.csv",
    "categories": "categories.csv",
    "channels": "channels.csv",
    "locales": "locales.csv",
    "currencies": "currencies.csv",
    "association_types": "association_types.csv",
}


def rows(name: str) -> list[dict[str, str]]:
    with (ICECAT / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def icecat() -> AkeneoSandbox:
    return AkeneoSandbox.from_fixtures(ICECAT)


@pytest.mark.parametrize("entity", sorted(FILES))
def test_counts_equal_csv_rows(icecat: AkeneoSandbox, entity: str) -> None:
    assert icecat.counts()[entity] == len(rows(FILES[entity]))


def test_values_follow_the_flat_format(icecat: AkeneoSandbox) -> None:
    for row in rows("products.csv"):
        product = icecat.store.product(row["sku"])
        assert product is not None
        assert product["enabled"] == (row["enabled"] == "1")
        assert product["categories"] == [c for c in row["categories"].split(",") if c]
        if row.get("price-EUR"):
            prices = product["values"]["price"][0]["data"]
            assert {"amount": row["price-EUR"], "currency": "EUR"} in prices
        if row.get("weight"):
            weight = product["values"]["weight"][0]["data"]
            assert weight == {"amount": row["weight"], "unit": row["weight-unit"]}
        if row.get("description-en_US-ecommerce"):
            found = [
                v
                for v in product["values"]["description"]
                if (v["locale"], v["scope"]) == ("en_US", "ecommerce")
            ]
            assert found[0]["data"] == row["description-en_US-ecommerce"]
        assert product["parent"] == (row["parent"] or None)


def test_uuids_are_stable(icecat: AkeneoSandbox) -> None:
    again = AkeneoSandbox.from_fixtures(ICECAT)
    assert sorted(again.store.products) == sorted(icecat.store.products)
