"""Mapping decisions checked record by record against the demo catalog's raw data."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pimsync.errors import ConfigError, RejectedRecord
from pimsync.mapping.sfcc import (
    ImageView,
    SfccMapping,
    assignments,
    category,
    master,
    price_tables,
    product,
)
from pimsync.model import Associations, Metric, ProductValue

from .conftest import Demo


def test_check_resolves_defaults(demo: Demo, mapping: SfccMapping) -> None:
    assert mapping.locales == ("de_DE", "en_US", "fr_FR")
    assert mapping.default == "en_US"
    assert mapping.price_attribute == "price"
    assert mapping.images == (ImageView(attribute="picture", view_type="large"),)
    assert mapping.currencies == ("EUR", "GBP", "USD")
    custom = set(mapping.custom_attributes or ())
    assert not custom & {"name", "description", "price", "picture"}
    assert {"brand", "color", "size", "weight"} <= custom


def test_check_names_unknown_codes(demo: Demo) -> None:
    wrong = SfccMapping(
        channel="shop",
        locales=("en_US", "xx_XX"),
        custom_attributes=("color", "nope"),
        images=(ImageView(attribute="name"),),
        required=("missing",),
        system_attributes={"ean": "ean13"},
    )
    with pytest.raises(ConfigError) as error:
        wrong.check(demo.metadata)
    message = str(error.value)
    for part in (
        "'shop'",
        "xx_XX",
        "'nope'",
        "'name' is a pim_catalog_text",
        "'missing'",
        "'ean13'",
    ):
        assert part in message


def test_unchecked_mapping_is_refused(demo: Demo) -> None:
    with pytest.raises(ConfigError, match="check"):
        product(demo.products[0], demo.metadata, SfccMapping())


def test_check_rejects_ids_sfcc_cannot_take(demo: Demo) -> None:
    with pytest.raises(ConfigError, match="akeneo-color"):
        SfccMapping(custom_prefix="akeneo-", custom_attributes=("color",)).check(demo.metadata)


def test_camel_case_ids_as_the_cartridge(demo: Demo) -> None:
    mapping = SfccMapping(camel_case_ids=True).check(demo.metadata)
    record = product(demo.products[0], demo.metadata, mapping)
    assert "akeneo_releaseDate" in record.custom_attributes


def test_localized_names_per_locale(demo: Demo, mapping: SfccMapping) -> None:
    for p in demo.products[:10]:
        raw = next(r for r in demo.store.products.values() if r["identifier"] == p.identifier)
        names = {v["locale"]: v["data"] for v in raw["values"]["name"]}
        record = product(p, demo.metadata, mapping)
        assert record.display_name == {
            "x-default": names["en_US"],
            **{loc.replace("_", "-"): text for loc, text in names.items()},
        }
        assert record.product_id == raw["identifier"]
        assert record.online is raw["enabled"]


def test_custom_attribute_values(demo: Demo, mapping: SfccMapping) -> None:
    p = demo.products[0]
    p = replace(
        p,
        values=p.values.with_values(
            ProductValue(attribute="weight", data=Metric(amount=Decimal("250"), unit="GRAM"))
        ),
    )
    record = product(p, demo.metadata, mapping)
    custom = record.custom_attributes
    assert custom["akeneo_weight"] == Decimal("0.25")  # converted to the default unit
    assert custom["akeneo_brand"] == p.values.get("brand")  # option code
    assert custom["akeneo_eco_label"] is p.values.get("eco_label")
    assert custom["akeneo_release_date"] == str(p.values.get("release_date"))[:10]
    assert record.brand is None  # brand is not mapped to the system attribute by default


def test_select_as_system_attribute_sends_the_label(demo: Demo) -> None:
    mapping = SfccMapping(system_attributes={"brand": "brand"}).check(demo.metadata)
    p = demo.products[0]
    code = p.values.get("brand")
    record = product(p, demo.metadata, mapping)
    assert record.brand == demo.store.attribute_options["brand"][code]["labels"]["en_US"]
    assert "akeneo_brand" not in record.custom_attributes


def test_images_are_media_paths(demo: Demo, mapping: SfccMapping) -> None:
    p = next(p for p in demo.products if "picture" in p.values)
    (group,) = product(p, demo.metadata, mapping).image_groups
    assert group.view_type == "large"
    assert list(group.images) == [p.values.get("picture")]


def test_missing_required_value_is_rejected(demo: Demo) -> None:
    mapping = SfccMapping(required=("picture", "name")).check(demo.metadata)
    p = next(p for p in demo.products if "picture" not in p.values)
    with pytest.raises(RejectedRecord) as error:
        product(p, demo.metadata, mapping)
    assert error.value.key == p.key
    assert "required attribute 'picture' has no value" in error.value.reason


def test_product_without_identifier_is_rejected(demo: Demo, mapping: SfccMapping) -> None:
    p = replace(demo.products[0], identifier=None)
    with pytest.raises(RejectedRecord, match="no identifier"):
        product(p, demo.metadata, mapping)


def test_unusable_value_is_rejected(demo: Demo, mapping: SfccMapping) -> None:
    p = demo.products[0]
    p = replace(p, values=p.values.with_values(ProductValue(attribute="eco_label", data="yes")))
    with pytest.raises(RejectedRecord, match="eco_label"):
        product(p, demo.metadata, mapping)


def test_associations_become_product_links(demo: Demo, mapping: SfccMapping) -> None:
    target = demo.products[5]
    p = replace(
        demo.products[0],
        association_key="uuid",  # as the products-uuid endpoint lists them
        associations={
            "X_SELL": Associations(products=(target.uuid or "",), product_models=("shoe_x",)),
            "UNMAPPED": Associations(products=(target.uuid or "",)),
        },
    )
    record = product(p, demo.metadata, mapping, identifiers={target.uuid or "": "T-1"})
    assert [(link.product_id, link.type) for link in record.product_links] == [
        ("T-1", "cross-sell"),
        ("shoe_x", "cross-sell"),
    ]
    # a uuid whose identifier is unknown is outside the selection: no link
    assert [link.product_id for link in product(p, demo.metadata, mapping).product_links] == [
        "shoe_x"
    ]


def test_prices_per_currency(demo: Demo, mapping: SfccMapping) -> None:
    p = demo.products[0]
    tables = price_tables(p, mapping)
    assert {(t.currency, t.amount) for t in tables} == {
        (price.currency, price.amount) for price in p.values.prices("price")
    }
    only_eur = SfccMapping(currencies=("EUR",)).check(demo.metadata)
    assert [t.currency for t in price_tables(p, only_eur)] == ["EUR"]


def test_sub_model_is_not_a_master(demo: Demo, mapping: SfccMapping) -> None:
    sub = next(m for m in demo.models if m.parent is not None)
    with pytest.raises(RejectedRecord, match="variation group"):
        master(sub, demo.products, [], demo.metadata, mapping)


def test_master_variation_leaves_groups_out(demo: Demo) -> None:
    mapping = SfccMapping(model_import="master-variation").check(demo.metadata)
    root = next(m for m in demo.models if m.family_variant == "tshirts_color_size" and m.is_root)
    subs = [m for m in demo.models if m.parent == root.code]
    (record,) = master(root, demo.products, subs, demo.metadata, mapping)
    assert not record.variation_groups
    assert len(record.variants) == len(
        [p for p in demo.products if p.parent in {s.code for s in subs}]
    )


@pytest.mark.parametrize("variant", ["shoes_color", "tshirts_color_size"])
def test_master_images_per_color(demo: Demo, mapping: SfccMapping, variant: str) -> None:
    root = next(m for m in demo.models if m.family_variant == variant and m.is_root)
    subs = [m for m in demo.models if m.parent == root.code]
    family = {root.code, *(s.code for s in subs)}
    children = [p for p in demo.products if p.parent in family]
    expected: dict[str, list[object]] = {}
    for child in children:  # the first variant of a color with a picture gives its images
        if "picture" in child.values:
            expected.setdefault(str(child.values.get("color")), [child.values.get("picture")])
    record = master(root, demo.products, subs, demo.metadata, mapping)[0]
    found = {g.variation[0][1]: list(g.images) for g in record.image_groups if g.variation}
    assert found == expected
    assert all(g.variation[0][0] == "akeneo_color" for g in record.image_groups if g.variation)


def test_category_tree_root_hangs_under_root(demo: Demo, mapping: SfccMapping) -> None:
    by_code = {c.code: c for c in demo.categories}
    root = category(by_code["master"], mapping)
    child = category(by_code["clothing"], mapping)
    assert (root.parent, child.parent) == ("root", "master")
    assert child.display_name == {
        "x-default": "Clothing",
        "en-US": "Clothing",
        "fr-FR": "Clothing (FR)",
        "de-DE": "Clothing (DE)",
    }


def test_assignments(demo: Demo, mapping: SfccMapping) -> None:
    variant = next(p for p in demo.products if p.parent and "sales_clearance" in p.categories)
    found = assignments(
        variant,
        mapping,
        catalog_categories={c.code for c in demo.categories},
        metadata=demo.metadata,
        previous=("boots", "sales_clearance"),
    )
    # the model's categories are assigned once, on the master
    assert [(a.category_id, a.primary, a.mode) for a in found] == [
        ("sales_clearance", True, None),
        ("boots", None, "delete"),
    ]
    sub = next(m for m in demo.models if m.parent is not None)
    assert assignments(sub, mapping, catalog_categories={"master"}) == []
