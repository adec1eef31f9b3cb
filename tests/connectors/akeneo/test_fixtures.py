"""Akeneo's own demo fixtures, served by the sandbox and read by the client.

Counts and filtered selections are compared with an independent reading of the fixture
CSV files in ../shared/reference/akeneo/icecat_demo_dev (read in place).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from pimsync.connectors.akeneo import AkeneoCatalog, ProductSearch
from tests.connectors.akeneo.test_integration import FIXTURES, connect, count

sandbox = pytest.importorskip("pimsync.sandbox.akeneo")
ICECAT = FIXTURES / "icecat_demo_dev"


def rows(name: str) -> list[dict[str, str]]:
    with (ICECAT / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


@pytest.fixture(scope="module")
def pim() -> Iterator[tuple[Any, str]]:
    if not ICECAT.is_dir():
        pytest.skip(f"Akeneo's demo fixtures not found at {ICECAT} (../shared/reference absent)")
    sb = sandbox.AkeneoSandbox.from_fixtures(ICECAT)
    with sandbox.serve(sb) as url:
        yield sb, url


def classified(products: list[dict[str, str]]) -> dict[str, set[str]]:
    """Each product's categories, with those of its product models (Akeneo inherits them)."""
    models = {m["code"]: m for m in rows("product_models.csv")}

    def inherited(code: str) -> set[str]:
        model = models.get(code)
        if model is None:
            return set()
        own = {c for c in model["categories"].split(",") if c}
        return own | inherited(model["parent"]) if model["parent"] else own

    return {
        p["sku"]: {c for c in p["categories"].split(",") if c} | inherited(p["parent"])
        for p in products
    }


def skus(client: Any, search: ProductSearch) -> set[str]:
    return {
        r.data.identifier
        for page in AkeneoCatalog(client).products(search, legacy=True)
        for r in page
        if r.data is not None
    }


def test_counts_equal_the_fixture_files(pim: tuple[Any, str]) -> None:
    sb, url = pim
    with connect(sb, url) as client:
        catalog = AkeneoCatalog(client)
        read = {
            "products.csv": count(catalog.products()),
            "product_models.csv": count(catalog.product_models()),
            "families.csv": count(catalog.families()),
            "categories.csv": count(catalog.categories()),
            "attributes.csv": count(catalog.attributes()),
            "attribute_options.csv": count(catalog.all_attribute_options()),
            "attribute_groups.csv": count(catalog.attribute_groups()),
            "channels.csv": count(catalog.channels()),
            "family_variants.csv": count(catalog.all_family_variants()),
            "association_types.csv": count(catalog.association_types()),
        }
    assert read == {name: len(rows(name)) for name in read}


def test_filters_select_what_the_fixture_files_say(pim: tuple[Any, str]) -> None:
    sb, url = pim
    products = rows("products.csv")
    family, _ = Counter(p["family"] for p in products if p["family"]).most_common(1)[0]
    categories = classified(products)
    category, _ = Counter(c for cs in categories.values() for c in cs).most_common(3)[-1]

    switched_off = {products[3]["sku"], products[40]["sku"]}  # the fixtures disable none
    for sku in switched_off:
        sb.update_product(sku, {"enabled": False})
    for product in products:
        if product["sku"] in switched_off:
            product["enabled"] = "0"

    with connect(sb, url) as client:
        by_family = skus(client, ProductSearch(families=(family,)))
        disabled = skus(client, ProductSearch(enabled=False))
        in_category = skus(client, ProductSearch(categories=(category,)))
        both = skus(client, ProductSearch(families=(family,), enabled=True))

    assert by_family == {p["sku"] for p in products if p["family"] == family}
    assert disabled == {p["sku"] for p in products if p["enabled"] == "0"}
    assert in_category == {sku for sku, cs in categories.items() if category in cs}
    assert both == {p["sku"] for p in products if p["family"] == family and p["enabled"] != "0"}
    assert by_family
    assert in_category
    assert disabled == switched_off
