"""Mapping the generated demo catalog, checked against its raw Akeneo data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pimsync.mapping import (
    AkeneoMetadata,
    Mapper,
    MappingConfig,
    OroField,
    OroMetadata,
    OroPriceList,
    option_id,
    validate,
)
from pimsync.model import (
    Product,
    ProductModel,
)
from pimsync.sandbox.akeneo._catalogs_api import store_metadata
from pimsync.sandbox.akeneo._demo import build_demo
from pimsync.sandbox.akeneo._store import CatalogStore


@pytest.fixture(scope="module")
def store() -> CatalogStore:
    store = CatalogStore()
    build_demo(store, products=120, seed=7)
    return store


def _akeneo(store: CatalogStore) -> AkeneoMetadata:
    return store_metadata(store)


def _oro(store: CatalogStore) -> OroMetadata:
    def enum(name: str) -> OroField:
        return OroField(name, "enum", "manyToOne", enum_type=f"product{name}s", is_attribute=True)

    options = {
        name: frozenset(option_id(code) for code in store.attribute_options[name])
        for name in ("color", "size")
    }
    return OroMetadata(
        product_fields={
            f.name: f
            for f in (
                enum("color"),
                enum("size"),
                OroField("weight_g", "decimal", is_attribute=True),
                OroField("eco", "boolean", is_attribute=True),
                OroField("released", "date", is_attribute=True),
            )
        },
        localizations={"fr_FR": "2", "de_DE": "3"},
        price_lists={
            f"Akeneo {c}": OroPriceList(str(10 + n), (c,))
            for n, c in enumerate(("EUR", "USD", "GBP"))
        },
        categories={code: str(500 + n) for n, code in enumerate(store.categories)},
        brands={code: str(900 + n) for n, code in enumerate(store.attribute_options["brand"])},
        enum_options=options,
        attribute_families={"default_family": "1"},
    )


def _config(store: CatalogStore) -> MappingConfig:
    return MappingConfig.model_validate(
        {
            "localizations": {"fr_FR": "fr_FR", "de_DE": "de_DE"},
            "prices": [{"attribute": "price"}],
            "brand": "brand" if "brand" in store.attributes else "",
            "attributes": [
                {"akeneo": "color", "oro": "color"},
                {"akeneo": "size", "oro": "size"},
                {"akeneo": "weight", "oro": "weight_g", "unit": "GRAM"},
                {"akeneo": "eco_label", "oro": "eco"},
                {"akeneo": "release_date", "oro": "released"},
            ],
            "categories": {"mode": "tree", "root": "1"},
        }
    )


def _data(raw: dict[str, Any], attribute: str, locale: str | None = None) -> Any:
    for entry in raw["values"].get(attribute, ()):
        if entry["locale"] == locale and entry["scope"] in (None, "ecommerce"):
            return entry["data"]
    return None


def test_demo_products_map_to_their_raw_values(store: CatalogStore) -> None:
    akeneo, oro, config = _akeneo(store), _oro(store), _config(store)
    report = validate(config, akeneo, oro)
    assert report.ok, str(report)
    mapper = Mapper(config, akeneo, oro)
    variants = 0
    for raw in store.products.values():
        out = mapper.product(Product.from_akeneo(raw))
        out.check()
        assert out.sku == raw["identifier"]
        assert out.status == ("enabled" if raw["enabled"] else "disabled")
        assert out.names == {
            None: _data(raw, "name", "en_US"),
            "2": _data(raw, "name", "fr_FR"),
            "3": _data(raw, "name", "de_DE"),
        }
        assert out.descriptions[None] == _data(raw, "description", "en_US")
        color = _data(raw, "color")
        assert out.relationships["color"] == {"data": {"type": "productcolors", "id": color}}
        size = _data(raw, "size")
        assert out.relationships["size"] == {
            "data": None if size is None else {"type": "productsizes", "id": option_id(size)}
        }
        weight = _data(raw, "weight")
        assert Decimal(out.attributes["weight_g"]) == Decimal(weight["amount"]) * 1000
        assert out.attributes["eco"] is _data(raw, "eco_label")
        assert out.attributes["released"] == _data(raw, "release_date")[:10]
        assert {(p.currency, p.value, p.price_list) for p in out.prices} == {
            (p["currency"], p["amount"], oro.price_lists[f"Akeneo {p['currency']}"].id)
            for p in _data(raw, "price")
        }
        picture = _data(raw, "picture")
        assert [i.key for i in out.images] == ([picture] if picture else [])
        if config.brand:
            assert out.brand == oro.brands[_data(raw, "brand")]
        if raw["categories"]:
            assert out.category is not None
        parent = raw["parent"]
        if parent is not None:
            variants += 1
            root = store.product_models[parent]["parent"] or parent
            assert out.variant_parent == root
            assert store.product_models[root]["parent"] is None
    assert variants > 0


def test_demo_root_models_are_configurable(store: CatalogStore) -> None:
    mapper = Mapper(_config(store), _akeneo(store), _oro(store))
    roots = [m for m in store.product_models.values() if m["parent"] is None]
    assert roots
    for raw in roots:
        out = mapper.model(ProductModel.from_akeneo(raw))
        out.check()
        assert out.sku == raw["code"]
        assert out.product_type == "configurable"
        expected = (
            ("color", "size") if raw["family_variant"] == "tshirts_color_size" else ("color",)
        )
        assert out.variant_fields == expected
        assert out.names[None] == _data(raw, "name", "en_US")
