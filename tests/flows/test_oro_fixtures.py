"""Akeneo's own demo catalog (the icecat fixtures) through the Oro jobs.

The expectations are computed from the fixture CSV files, read here independently of
the Akeneo sandbox that serves them: a product's values are its row merged over its
parent model's and grandparent model's rows, as Akeneo's inheritance has it.

The catalog has records Oro cannot take, and they must be reported while the rest
loads: 18 products name a parent model the fixtures do not have, and a family variant
uses a metric (``display_diagonal``) as axis, which cannot be an Oro variant field.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pimsync.jobs import RunStatus
from pimsync.sandbox.akeneo import AkeneoSandbox
from tests.connectors.akeneo.test_integration import FIXTURES
from tests.flows._oro_systems import oro_systems

ICECAT = FIXTURES / "icecat_demo_dev"

# The demo mapping, with the icecat catalog's variant axes as Oro select fields.
ICECAT_OPTIONS: dict[str, Any] = {
    "attributes": [
        {"akeneo": "color", "oro": "color"},
        {"akeneo": "size", "oro": "size"},
        {"akeneo": "eu_shoes_size", "oro": "eu_shoes_size"},
        {"akeneo": "material", "oro": "material"},
        {"akeneo": "weight", "oro": "weight_g", "unit": "GRAM"},
    ],
}


def _rows(name: str) -> list[dict[str, str]]:
    with (ICECAT / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    if not ICECAT.is_dir():
        pytest.skip(f"Akeneo's demo fixtures not found at {ICECAT} (../shared/reference absent)")
    categories = {c["code"]: c for c in _rows("categories.csv")}

    def root(code: str) -> str:
        while categories[code]["parent"]:
            code = categories[code]["parent"]
        return code

    axes = {
        v["code"]: {a for k in ("variant-axes_1", "variant-axes_2") for a in v[k].split(",") if a}
        for v in _rows("family_variants.csv")
    }
    return {
        "products": _rows("products.csv"),
        "models": {m["code"]: m for m in _rows("product_models.csv")},
        "axes": axes,
        "image_of": {f["code"]: f["attribute_as_image"] for f in _rows("families.csv")},
        "labels": {code: c["label-en_US"] or code for code, c in categories.items()},
        "master": {code for code in categories if root(code) == "master"},  # ecommerce's tree
    }


def _chain(catalog: dict[str, Any], row: dict[str, str]) -> list[dict[str, str]]:
    """The row and its ancestors, root model first."""
    chain = [row]
    while chain[0].get("parent"):
        chain.insert(0, catalog["models"][chain[0]["parent"]])
    return chain


def _values(catalog: dict[str, Any], row: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for level in _chain(catalog, row):
        merged.update({k: v for k, v in level.items() if v})
    return merged


def test_the_icecat_catalog_lands_in_oro(tmp_path: Path, catalog: dict[str, Any]) -> None:
    pim = AkeneoSandbox.from_fixtures(ICECAT)
    with oro_systems(tmp_path, pim=pim, **ICECAT_OPTIONS) as systems:
        assert systems.run("oro.structure", "structure").status is RunStatus.PARTIAL
        systems.admin_imports_attributes()
        assert systems.run("oro.structure", "structure").status is RunStatus.SUCCEEDED
        report = systems.run("oro.products", "products")
        shop = systems.shop

        mapped = {m["oro"] for m in ICECAT_OPTIONS["attributes"]}
        models = catalog["models"]
        roots = sorted(
            code
            for code, m in models.items()
            if not m["parent"] and catalog["axes"][m["family_variant"]] <= mapped
        )
        unmappable = {code for code, m in models.items() if not m["parent"]} - set(roots)
        assert unmappable  # the display_diagonal variant
        orphans = [
            p["sku"] for p in catalog["products"] if p["parent"] and p["parent"] not in models
        ]
        assert len(orphans) == 18
        loaded = [
            p
            for p in catalog["products"]
            if p["sku"] not in orphans
            and not (p["parent"] and _chain(catalog, p)[0]["code"] in unmappable)
        ]
        rejected = len(catalog["products"]) - len(loaded) + len(unmappable)
        assert report.status is RunStatus.PARTIAL
        assert report.totals().rejected == rejected, report
        held = sorted(str(p["attributes"]["sku"]) for p in shop.products())
        assert held == sorted([p["sku"] for p in loaded] + roots)

        # every root model is a configurable product linked to all its variants
        variants: dict[str, list[str]] = {code: [] for code in roots}
        for row in loaded:
            if row["parent"]:
                variants[_chain(catalog, row)[0]["code"]].append(row["sku"])
        for code in roots:
            parent = shop.product_by_sku(code)
            assert parent is not None and parent["attributes"]["productType"] == "configurable"
            assert shop.variant_links(code) == sorted(variants[code]), code

        titles = shop.category_titles()
        master = catalog["master"]
        sample = loaded[::29]  # about 40 products across families
        assert len(sample) > 30
        for row in sample:
            values = _values(catalog, row)
            product = shop.product_by_sku(row["sku"])
            assert product is not None, row["sku"]
            attrs = product["attributes"]
            assert attrs["status"] == ("enabled" if row["enabled"] == "1" else "disabled")
            names = shop.product_names(product["id"])
            assert names[None] == values.get("name", row["sku"]), row["sku"]  # else the SKU
            want_prices = {
                (currency, Decimal(values[f"price-{currency}"]))
                for currency in ("EUR", "USD")
                if values.get(f"price-{currency}")
            }
            got_prices = {(p["currency"], p["value"]) for p in shop.product_prices(row["sku"])}
            assert got_prices == want_prices, row["sku"]
            images = {i["filename"] for i in shop.product_images(row["sku"])}
            picture = values.get(catalog["image_of"].get(row["family"], ""))  # the default
            assert images == ({Path(picture).name} if picture else set()), row["sku"]
            category = product["relationships"].get("category")
            in_master = [c for c in values.get("categories", "").split(",") if c in master]
            if in_master:
                assert category is not None, row["sku"]
                assert titles[category["id"]] in {catalog["labels"][c] for c in in_master}
            brand = values.get("brand")
            if brand:
                assert product["relationships"].get("brand") is not None, row["sku"]
