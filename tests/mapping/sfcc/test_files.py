"""The demo catalog mapped and written with the SFCC writers: every file is schema-valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pimsync.connectors.sfcc import (
    CatalogWriter,
    LibraryWriter,
    MetadataWriter,
    PricebookWriter,
    SfccImageSettings,
)
from pimsync.errors import RejectedRecord
from pimsync.mapping.sfcc import (
    SfccMapping,
    assignments,
    attribute_definitions,
    category,
    content_asset,
    entity_definition,
    master,
    price_tables,
    pricebooks,
    product,
)
from pimsync.model import ProductValue
from tests.connectors.sfcc.conftest import assert_valid

from .conftest import Demo

NS = {"c": "http://www.demandware.com/xml/impex/catalog/2006-10-31"}


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (e["locale"] or "", e["channel"] or ""))


def _master_catalog(demo: Demo, mapping: SfccMapping, path: Path) -> list[Path]:
    roots = [m for m in demo.models if m.parent is None]
    subs = [m for m in demo.models if m.parent is not None]
    with CatalogWriter(
        path, "demo-master", image_settings=SfccImageSettings(view_types=["large"])
    ) as writer:
        for cat in demo.categories:
            writer.write_category(category(cat, mapping))
        for p in demo.products:
            writer.write_product(product(p, demo.metadata, mapping))
        for model in roots:
            for record in master(model, demo.products, subs, demo.metadata, mapping):
                writer.write_product(record)
    return writer.paths


@pytest.mark.parametrize("options", [{}, "everything"])
def test_master_catalog_is_valid(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path, options: object
) -> None:
    if options == "everything":  # every system attribute and option the mapping has
        mapping = SfccMapping(
            system_attributes={
                "short_description": "description",
                "brand": "brand",
                "ean": "sku",
                "manufacturer_name": "brand",
                "page_title": "name",
                "page_description": "description",
                "page_url": "name",
            },
            custom_attributes=("color", "size", "weight", "price", "picture", "description"),
            camel_case_ids=True,
            classification_catalog="demo-master",
        ).check(demo.metadata)
    paths = _master_catalog(demo, mapping, tmp_path / "catalog.xml")
    assert_valid(paths, xsd_folder)
    tree = etree.parse(str(paths[0]))
    ids = tree.xpath("/c:catalog/c:product/@product-id", namespaces=NS)
    roots = {m.code for m in demo.models if m.parent is None}
    # every product, every master, every sub-model (each has variants) exactly once
    expected = {p["identifier"] for p in demo.store.products.values()} | set(
        demo.store.product_models
    )
    assert sorted(ids) == sorted(expected)
    assert roots <= set(ids)


def test_masters_list_exactly_their_variants(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    raw_models = demo.store.product_models
    paths = _master_catalog(demo, mapping, tmp_path / "catalog.xml")
    tree = etree.parse(str(paths[0]))
    for code, raw in raw_models.items():
        if raw["parent"] is not None:
            continue
        # computed from the raw store: products whose parent is the model or its sub-models
        family = {code} | {c for c, m in raw_models.items() if m["parent"] == code}
        children = [p for p in demo.store.products.values() if p["parent"] in family]
        (element,) = tree.xpath(f"/c:catalog/c:product[@product-id='{code}']", namespaces=NS)
        variants = element.xpath("c:variations/c:variants/c:variant/@product-id", namespaces=NS)
        assert sorted(variants) == sorted(p["identifier"] for p in children)
        for axis in ("color", "size"):
            expected = {p["values"][axis][0]["data"] for p in children if axis in p["values"]}
            found = element.xpath(
                f"c:variations/c:attributes/c:variation-attribute[@attribute-id='akeneo_{axis}']"
                "/c:variation-attribute-values/c:variation-attribute-value/@value",
                namespaces=NS,
            )
            assert sorted(found) == sorted(expected)
        groups = element.xpath(
            "c:variations/c:variation-groups/c:variation-group/@product-id", namespaces=NS
        )
        subs = [c for c, m in raw_models.items() if m["parent"] == code]
        assert sorted(groups) == sorted(subs)
        # a master carries no price and no axis value of its own
        assert not element.xpath(
            "c:custom-attributes/c:custom-attribute[@attribute-id='akeneo_color']", namespaces=NS
        )


def test_variation_values_carry_option_labels(demo: Demo, mapping: SfccMapping) -> None:
    root = next(
        m for m in demo.models if m.family_variant == "tshirts_color_size" and m.parent is None
    )
    subs = [m for m in demo.models if m.parent == root.code]
    records = master(root, demo.products, subs, demo.metadata, mapping)
    color = next(a for a in records[0].variation_attributes if a.attribute_id == "akeneo_color")
    options = demo.store.attribute_options["color"]
    for value in color.values:
        labels = options[value.value]["labels"]
        assert value.display_values == {
            "x-default": labels["en_US"],
            **{loc.replace("_", "-"): text for loc, text in labels.items()},
        }
    # variation groups hold the level-1 axis value, so SFCC knows which variants they group
    for group in records[1:]:
        sub = next(m for m in subs if m.code == group.product_id)
        assert group.custom_attributes["akeneo_color"] == sub.values.get("color")


def test_pricebook_file_is_valid_and_prices_match(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    books = pricebooks(demo.metadata, mapping)
    assert sorted(b.pricebook_id for b in books) == [
        "eur-list-prices",
        "gbp-list-prices",
        "usd-list-prices",
    ]
    with PricebookWriter(tmp_path / "pricebook.xml", books) as writer:
        for p in demo.products:
            for table in price_tables(p, mapping):
                writer.write(table)
    assert_valid(writer.paths, xsd_folder)
    tree = etree.parse(str(writer.paths[0]))
    ns = {"p": "http://www.demandware.com/xml/impex/pricebook/2006-10-31"}
    for raw in list(demo.store.products.values())[:20]:
        for price in raw["values"]["price"][0]["data"]:
            book = f"{price['currency'].lower()}-list-prices"
            (amount,) = tree.xpath(
                f"/p:pricebooks/p:pricebook[p:header/@pricebook-id='{book}']/p:price-tables"
                f"/p:price-table[@product-id='{raw['identifier']}']/p:amount/text()",
                namespaces=ns,
            )
            assert amount == price["amount"]


def test_metadata_file_is_valid(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    definitions, groups = attribute_definitions(
        demo.metadata, mapping, attributes=demo.attributes, groups=demo.groups
    )
    with MetadataWriter(tmp_path / "system-objecttype-extensions.xml") as writer:
        for definition in definitions:
            writer.write_attribute(definition)
        for group in groups:
            writer.write_group(group)
    assert_valid(writer.paths, xsd_folder)
    by_id = {d.attribute_id: d for d in definitions}
    assert set(by_id) == {
        "akeneo_sku",
        "akeneo_brand",
        "akeneo_color",
        "akeneo_size",
        "akeneo_weight",
        "akeneo_eco_label",
        "akeneo_release_date",
    }
    assert by_id["akeneo_brand"].type == "enum-of-string"
    assert [v.value for v in by_id["akeneo_brand"].values] == list(
        demo.store.attribute_options["brand"]
    )
    assert by_id["akeneo_color"].type == "string"  # an axis: holds the option code
    assert by_id["akeneo_weight"].type == "double"
    assert by_id["akeneo_weight"].display_name["x-default"] == "Weight (KILOGRAM)"
    assert {g.group_id for g in groups} == {
        "akeneo_erp",
        "akeneo_marketing",
        "akeneo_technical",
        "akeneo_variation",
    }


def test_storefront_catalog_is_valid(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    in_catalog = {c.code for c in demo.categories}
    with CatalogWriter(tmp_path / "storefront.xml", "demo-storefront") as writer:
        for cat in demo.categories:
            writer.write_category(category(cat, mapping))
        for record in [*demo.products, *demo.models]:
            for assignment in assignments(
                record,
                mapping,
                catalog_categories=in_catalog,
                metadata=demo.metadata,
                previous=("sales_new",),
            ):
                writer.write_assignment(assignment)
    assert_valid(writer.paths, xsd_folder)


def test_library_file_is_valid(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    entities = {e.code: e for e in demo.entities}
    with LibraryWriter(tmp_path / "library.xml", "SharedLibrary") as writer:
        for record in demo.records:
            writer.write(content_asset(record, entities[record.reference_entity], mapping))
    assert_valid(writer.paths, xsd_folder)
    with MetadataWriter(tmp_path / "content-extensions.xml", "Content") as meta:
        for entity in demo.entities:
            meta.write_attribute(entity_definition(entity, mapping))
    assert_valid(meta.paths, xsd_folder)
    record = next(r for r in demo.records if r.code == "dieter_rams")
    asset = content_asset(record, entities["designer"], mapping)
    assert asset.content_id == "akeneo_entity_designer_dieter_rams"
    assert asset.display_name["fr-FR"] == "Dieter Rams (FR)"
    document = json.loads(str(asset.custom_attributes["akeneo_entity_designer"]))
    assert document["code"] == "dieter_rams"
    raw = demo.store.records["designer"]["dieter_rams"]["values"]
    assert {a: _sorted(v) for a, v in document["values"].items()} == {
        a: _sorted(v) for a, v in raw.items()
    }


def test_illegal_xml_character_is_a_rejected_record_not_an_invalid_file(
    demo: Demo, mapping: SfccMapping, tmp_path: Path, xsd_folder: Path
) -> None:
    good, bad = demo.products[0], demo.products[1]
    broken = type(bad)(
        uuid=bad.uuid,
        identifier=bad.identifier,
        family=bad.family,
        values=bad.values.with_values(
            ProductValue(attribute="name", locale="fr_FR", data="Chaise \x0b ergonomique")
        ),
    )
    mapped = product(broken, demo.metadata, mapping)  # mapping keeps the text as it is
    with CatalogWriter(tmp_path / "catalog.xml", "demo-master") as writer:
        writer.write_product(product(good, demo.metadata, mapping))
        with pytest.raises(RejectedRecord) as error:
            writer.write_product(mapped)
    assert error.value.key == bad.identifier
    assert "U+000B" in error.value.reason
    assert_valid(writer.paths, xsd_folder)
    tree = etree.parse(str(writer.paths[0]))
    assert tree.xpath("/c:catalog/c:product/@product-id", namespaces=NS) == [good.identifier]
