"""SFCC import files written from synthetic catalogs validate against the official XSDs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from pimsync.connectors.sfcc import (
    CatalogWriter,
    LibraryWriter,
    MetadataWriter,
    PricebookWriter,
    SfccAssignment,
    SfccAttributeDefinition,
    SfccAttributeGroup,
    SfccBundledProduct,
    SfccCategory,
    SfccContentAsset,
    SfccImageGroup,
    SfccImageSettings,
    SfccPageAttributes,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
    SfccProductLink,
    SfccRecommendation,
    SfccValueDefinition,
    SfccVariationAttribute,
    SfccVariationValue,
    check_structure,
    validate,
)
from tests.connectors.sfcc.conftest import assert_valid

NS = "{http://www.demandware.com/xml/impex/catalog/2006-10-31}"
COLORS = ("red", "blue", "green")


def master(n: int) -> SfccProduct:
    variants = [f"tshirt-{n}-{color}" for color in COLORS]
    return SfccProduct(
        f"tshirt-{n}",
        display_name={"x-default": f"T-shirt {n}", "fr-FR": f"Tee-shirt {n}", "de-DE": "T-Shirt"},
        long_description={"x-default": "Cotton <b>t-shirt</b> & more"},
        online=True,
        searchable=True,
        image_groups=[
            SfccImageGroup("large", [f"a/{n}_front.jpg", f"a/{n}_back.jpg"]),
            SfccImageGroup("large", [f"a/{n}_red.jpg"], [("akeneo_color", "red")]),
        ],
        brand="Acme",
        page_attributes=SfccPageAttributes(title={"x-default": f"T-shirt {n}"}),
        custom_attributes={
            "akeneo_material": {"en-US": "Cotton", "fr-FR": "Coton"},
            "akeneo_tags": ["summer", "basic"],
            "akeneo_weight": Decimal("0.20"),
            "akeneo_organic": True,
        },
        variation_attributes=[
            SfccVariationAttribute(
                "akeneo_color",
                [SfccVariationValue(c, {"x-default": c, "en-US": c.title()}) for c in COLORS],
                {"x-default": "Color"},
            )
        ],
        variants=variants,
        default_variant=variants[0],
        product_links=[SfccProductLink(f"tshirt-{n + 1}", "cross-sell")],
        classification_category="tshirts",
        classification_catalog_id="apparel-master",
    )


def variants(n: int) -> list[SfccProduct]:
    return [
        SfccProduct(
            f"tshirt-{n}-{color}",
            ean="1234567890123",
            display_name={"x-default": f"T-shirt {n} {color}"},
            online=True,
            custom_attributes={"akeneo_color": color},
        )
        for color in COLORS
    ]


def write_master_catalog(path: Path, masters: int, **options: object) -> list[Path]:
    with CatalogWriter(
        path,
        "apparel-master",
        image_settings=SfccImageSettings(view_types=["large", "small"]),
        **options,  # type: ignore[arg-type]
    ) as writer:
        writer.write_category(SfccCategory("root", display_name={"x-default": "Master"}))
        writer.write_category(
            SfccCategory(
                "tshirts",
                parent="root",
                display_name={"x-default": "T-shirts", "fr-FR": "Tee-shirts"},
                online=True,
                position=2.0,
                custom_attributes={"showInMenu": True},
            )
        )
        for n in range(masters):
            writer.write_product(master(n))
            writer.write_assignment(SfccAssignment(f"tshirt-{n}", "tshirts", primary=True))
            for variant in variants(n):
                writer.write_product(variant)
        writer.write_product(SfccProduct("look", set_products=["tshirt-0"]))
        writer.write_product(
            SfccProduct(
                "two-pack", bundled_products=[SfccBundledProduct("tshirt-0-red", Decimal(2))]
            )
        )
        writer.write_recommendation(SfccRecommendation("tshirt-0", "look", "1"))
        writer.write_product(SfccProduct("old-sku", mode="delete"))
        writer.write_assignment(SfccAssignment("tshirt-0", "sale", mode="delete"))
    return writer.paths


def products_in(paths: list[Path]) -> list[str]:
    return [
        el.get("product-id")
        for path in paths
        for el in etree.parse(str(path)).getroot().iter(f"{NS}product")
    ]


def test_master_catalog_validates_and_keeps_the_schema_order(tmp_path, xsd_folder):
    paths = write_master_catalog(tmp_path / "catalog.xml", masters=5)

    assert paths == [tmp_path / "catalog.xml"]
    assert_valid(paths, xsd_folder)
    assert validate(paths[0], xsd_folder) == []
    assert check_structure(paths[0]) == []
    root = etree.parse(str(paths[0])).getroot()
    order = [etree.QName(child).localname for child in root]
    # header, categories, products, then the assignments and recommendations streamed among them
    assert order[0] == "header"
    assert order.index("category-assignment") > max(
        i for i, name in enumerate(order) if name == "product"
    )
    assert order[-1] == "recommendation"
    first = root.find(f"{NS}product")
    assert first is not None and first.find(f"{NS}variations/{NS}variants") is not None
    assert len(products_in(paths)) == 5 * 4 + 3


def test_storefront_catalog_with_assignment_deletion_validates(tmp_path, xsd_folder):
    with CatalogWriter(tmp_path / "storefront.xml", "storefront-gents") as writer:
        writer.write_assignment(SfccAssignment("tshirt-0", "tshirts", primary=True))
        writer.write_category(SfccCategory("root", display_name={"x-default": "Gents"}))
        writer.write_category(SfccCategory("obsolete", mode="delete"))
        writer.write_assignment(SfccAssignment("tshirt-0", "sale", mode="delete"))

    assert_valid(writer.paths, xsd_folder)
    text = writer.paths[0].read_text()
    assert '<category-assignment category-id="sale" product-id="tshirt-0" mode="delete"/>' in text


def test_a_category_after_the_first_product_is_refused(tmp_path):
    with CatalogWriter(tmp_path / "catalog.xml", "master") as writer:
        writer.write_product(SfccProduct("a"))
        with pytest.raises(ValueError, match="before the first product"):
            writer.write_category(SfccCategory("late"))


def test_split_files_are_each_valid_and_hold_every_item_once(tmp_path, xsd_folder):
    paths = write_master_catalog(tmp_path / "catalog.xml", masters=40, max_bytes=8_000)

    assert len(paths) > 3
    assert paths[1].name == "catalog-2.xml"
    assert all(path.stat().st_size <= 8_000 for path in paths)
    assert_valid(paths, xsd_folder)
    ids = products_in(paths)
    assert len(ids) == len(set(ids)) == 40 * 4 + 3
    for path in paths:  # every part keeps the header with the image settings
        assert "<view-type>large</view-type>" in path.read_text()


def test_pricebooks_in_several_currencies_validate(tmp_path, xsd_folder):
    books = [
        SfccPricebook("usd-list-prices", "USD", {"x-default": "List Prices"}),
        SfccPricebook("eur-list-prices", "EUR", {"x-default": "List Prices"}),
        SfccPricebook("gbp-list-prices", "GBP"),  # no prices: header only
    ]
    with PricebookWriter(tmp_path / "pricebook.xml", books) as writer:
        for n in range(20):
            writer.write(SfccPriceTable(f"sku-{n}", "EUR", Decimal("17.50")))
            writer.write(SfccPriceTable(f"sku-{n}", "USD", Decimal("19.99")))
        writer.write(SfccPriceTable("old-sku", "USD", mode="delete-all"))

    assert_valid(writer.paths, xsd_folder)
    root = etree.parse(str(writer.paths[0])).getroot()
    ns = "{http://www.demandware.com/xml/impex/pricebook/2006-10-31}"
    headers = [h.get("pricebook-id") for h in root.iter(f"{ns}header")]
    assert headers == ["usd-list-prices", "eur-list-prices", "gbp-list-prices"]
    assert len(list(root.iter(f"{ns}price-table"))) == 41


def test_split_pricebooks_repeat_their_header(tmp_path, xsd_folder):
    books = [SfccPricebook("usd-list-prices", "USD"), SfccPricebook("eur-list-prices", "EUR")]
    with PricebookWriter(tmp_path / "pricebook.xml", books, max_bytes=1_000) as writer:
        for n in range(30):
            writer.write(SfccPriceTable(f"sku-{n}", "USD", Decimal("1.5")))
            writer.write(SfccPriceTable(f"sku-{n}", "EUR", Decimal("1.25")))

    assert len(writer.paths) > 3
    assert_valid(writer.paths, xsd_folder)
    tables = sum(p.read_text().count("<price-table ") for p in writer.paths)
    assert tables == 60


def test_library_content_assets_validate(tmp_path, xsd_folder):
    with LibraryWriter(tmp_path / "library.xml", "SharedLibrary") as writer:
        writer.write(
            SfccContentAsset(
                "akeneo_entity_brand",
                display_name={"x-default": "Brands"},
                online=True,
                custom_attributes={
                    "akeneo_entity_brand_dyson": '{"code":"dyson","values":{"label":[]}}'
                },
                classification_folder="akeneo",
                folders=["akeneo", "brands"],
            )
        )
        writer.write(SfccContentAsset("akeneo_entity_old", mode="delete"))

    assert_valid(writer.paths, xsd_folder)
    assert validate(writer.paths[0], xsd_folder) == []


def test_metadata_type_extension_validates(tmp_path, xsd_folder):
    with MetadataWriter(tmp_path / "system-objecttype-extensions.xml") as writer:
        writer.write_group(
            SfccAttributeGroup(
                "AkeneoAttributes", ["akeneo_material", "akeneo_color"], {"x-default": "Akeneo"}
            )
        )
        writer.write_attribute(
            SfccAttributeDefinition(
                "akeneo_material", "string", {"en-US": "Material"}, localizable=True
            )
        )
        writer.write_attribute(
            SfccAttributeDefinition(
                "akeneo_color",
                "enum-of-string",
                {"en-US": "Color"},
                localizable=True,
                values=[SfccValueDefinition("red", {"en-US": "Red", "fr-FR": "Rouge"})],
            )
        )
        writer.write_attribute(SfccAttributeDefinition("akeneo_weight", "double"))

    assert_valid(writer.paths, xsd_folder)
    text = writer.paths[0].read_text()
    assert text.index("<custom-attribute-definitions>") < text.index("<group-definitions>")


def test_an_empty_writer_still_gives_a_valid_file(tmp_path, xsd_folder):
    with CatalogWriter(tmp_path / "catalog.xml", "empty") as catalog:
        pass
    with MetadataWriter(tmp_path / "meta.xml") as meta:
        pass
    assert_valid(catalog.paths + meta.paths, xsd_folder)
