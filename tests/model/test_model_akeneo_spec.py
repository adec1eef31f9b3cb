"""Parsing the examples of Akeneo's own REST API spec into the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pimsync.model import (
    Asset,
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeType,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
    MeasurementFamily,
    MediaFile,
    MissingField,
    Price,
    Product,
    ProductModel,
    ReferenceEntity,
    ReferenceEntityRecord,
    Values,
)


def _definition_example(spec: dict[str, Any], name: str) -> dict[str, Any]:
    example: dict[str, Any] = spec["definitions"][name]["example"]
    return example


def _list_example(spec: dict[str, Any], path: str) -> list[dict[str, Any]]:
    example = spec["paths"][path]["get"]["responses"]["200"]["examples"]
    embedded = example["_embedded"]
    items: list[dict[str, Any]] = embedded.get("items") or embedded["_items"]
    return items


def _standard(raw_values: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Akeneo values without read-only extras, each attribute's list in (locale, scope) order."""
    return {
        attribute: sorted(
            ({k: entry[k] for k in ("locale", "scope", "data")} for entry in entries),
            key=lambda e: (e["locale"] or "", e["scope"] or ""),
        )
        for attribute, entries in raw_values.items()
    }


def test_product_uuid_example_parses_with_values_associations_and_utc_times(akeneo_spec):
    product = Product.from_akeneo(
        _definition_example(akeneo_spec, "ProductUuid"), identifier_attribute="sku"
    )

    assert product.uuid == "25566245-55c3-42ce-86d9-8610ac459fa8"
    assert product.identifier == "top"
    assert product.key == product.uuid
    assert product.family == "tshirt"
    assert product.parent is None
    assert product.categories == ("summer_collection",)
    assert product.values.get("name", locale="fr_FR") == "Débardeur"
    assert product.values.get("description", locale="en_US", scope="tablet") == "Top"
    assert product.values.prices("price") == (
        Price(amount=Decimal("15.5"), currency="EUR"),
        Price(amount=Decimal("15"), currency="USD"),
    )
    assert product.values.options("collection") == ("winter_2016",)
    assert product.associations["PACK"].products == ("d055527c-0698-4967-8f16-8a5f23f4e5cf",)
    links = product.quantified_associations["PRODUCT_SET"]
    assert {(link.key, link.quantity) for link in links.products} == {
        ("fc24e6c3-933c-4a93-8a81-e5c703d134d5", 2),
        ("a9b69002-a0b1-4ead-85c2-f8dbf59c6cfc", 1),
    }
    assert links.product_models[0].key == "model-biker-jacket-leather"
    assert product.association_key == "uuid"
    assert product.created == datetime(2016, 6, 23, 16, 24, 44, tzinfo=UTC)
    assert product.updated == datetime(2016, 6, 25, 15, 56, 12, tzinfo=UTC)


def test_products_uuid_list_takes_identifier_from_the_marked_identifier_value(akeneo_spec):
    # The spec keeps this list under a versioned definition instead of the path.
    raw = akeneo_spec["definitions"]["ProductUuidExamples"]["x-7.0"]["_embedded"]["items"]

    products = [Product.from_akeneo(item) for item in raw]

    assert products[0].identifier == "top-xl"  # sku value carries attribute_type
    assert products[0].parent == "tops"
    assert products[1].identifier is None  # no hint and no identifier_attribute given
    assert Product.from_akeneo(raw[1], identifier_attribute="sku").identifier == "cap"


def test_legacy_products_example_is_keyed_by_identifier(akeneo_spec):
    raw = akeneo_spec["definitions"]["ProductExamples"]["x-2.0"]["_embedded"]["items"]

    products = [Product.from_akeneo(item) for item in raw]

    assert [p.key for p in products] == ["top", "cap", "sweat"]
    assert all(p.uuid is None and p.association_key == "identifier" for p in products)
    assert products[0].associations["PACK"].products == ("sunglasses",)
    assert products[2].family is None
    assert len(products[2].values) == 0


def test_product_values_round_trip_to_akeneo_standard_format(akeneo_spec):
    for name in ("ProductUuid", "Product", "ProductModel"):
        raw_values = _definition_example(akeneo_spec, name)["values"]

        assert Values.from_akeneo(raw_values).to_akeneo() == _standard(raw_values)


def test_product_model_example_is_a_sub_model(akeneo_spec):
    model = ProductModel.from_akeneo(_definition_example(akeneo_spec, "ProductModel"))

    assert model.code == "model-biker-jacket-leather"
    assert model.family_variant == "clothing_material_size"
    assert model.parent == "model-biker-jacket"
    assert model.level == 1
    assert not model.is_root
    assert model.values.get("variation_name", locale="en_US") == "Biker jacket leather"
    assert model.quantified_associations["PRODUCT_SET"].product_models[0].quantity == 2


def test_structure_examples(akeneo_spec):
    family = Family.from_akeneo(_definition_example(akeneo_spec, "Family"))
    assert family.attribute_as_label == "name"
    assert family.required_attributes("tablet") == ("description", "name", "price", "sku")

    variant = FamilyVariant.from_akeneo(
        _definition_example(akeneo_spec, "FamilyVariantRead"), family="shoes"
    )
    assert variant.axes == ("color", "size")
    assert variant.common_attributes == ("description", "name")
    assert variant.level_of("size") == 2

    category = Category.from_akeneo(_definition_example(akeneo_spec, "Category"))
    assert category.is_root
    assert category.position == 1
    assert category.labels["fr_FR"] == "Collection hiver"

    channel = Channel.from_akeneo(_definition_example(akeneo_spec, "Channel"))
    assert channel.category_tree == "master"
    assert channel.conversion_units == {"weight": "KILOGRAM"}

    attribute = Attribute.from_akeneo(_definition_example(akeneo_spec, "Attribute"))
    assert attribute.type is AttributeType.DATE
    assert attribute.date_min == datetime(2017, 6, 28, 8, 0, tzinfo=UTC)  # no offset: UTC


def test_locale_example_with_misspelled_enable_flag_is_enabled(akeneo_spec):
    # The spec's example says {"code": "en_US", "enable": true}.
    assert Locale.from_akeneo(_definition_example(akeneo_spec, "Locale")).enabled


def test_record_example_with_a_leap_second_parses(akeneo_spec):
    record = ReferenceEntityRecord.from_akeneo(
        _definition_example(akeneo_spec, "ReferenceEntityRecord"), reference_entity="brands"
    )

    assert record.updated == datetime(2021, 2, 3, 23, 46, 0, tzinfo=UTC)  # "23:45:60"
    assert record.values.get("description", locale="fr_FR", scope="ecommerce") is not None
    assert record.values.text("creation_year") == "1949"


def test_measurement_family_example_converts_between_units(akeneo_spec):
    area = MeasurementFamily.from_akeneo(_definition_example(akeneo_spec, "MeasurementFamily"))

    assert area.standard_unit == "SQUARE_METER"
    assert area.convert(
        Decimal(150), from_unit="SQUARE_MILLIMETER", to_unit="SQUARE_CENTIMETER"
    ) == (Decimal("1.5"))
    assert str(area.convert(Decimal(2), from_unit="SQUARE_METER", to_unit="SQUARE_CENTIMETER")) == (
        "20000"
    )


_LIST_ENDPOINTS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("/api/rest/v1/product-models", ProductModel.from_akeneo),
    ("/api/rest/v1/published-products", Product.from_akeneo),
    ("/api/rest/v1/media-files", MediaFile.from_akeneo),
    ("/api/rest/v1/families", Family.from_akeneo),
    ("/api/rest/v1/attributes", Attribute.from_akeneo),
    ("/api/rest/v1/attributes/{attribute_code}/options", AttributeOption.from_akeneo),
    ("/api/rest/v1/attribute-groups", AttributeGroup.from_akeneo),
    ("/api/rest/v1/association-types", AssociationType.from_akeneo),
    ("/api/rest/v1/channels", Channel.from_akeneo),
    ("/api/rest/v1/locales", Locale.from_akeneo),
    ("/api/rest/v1/categories", Category.from_akeneo),
    ("/api/rest/v1/currencies", Currency.from_akeneo),
    ("/api/rest/v1/measure-families", MeasurementFamily.from_akeneo),
    ("/api/rest/v1/reference-entities", ReferenceEntity.from_akeneo),
    (
        "/api/rest/v1/reference-entities/{reference_entity_code}/records",
        lambda raw: ReferenceEntityRecord.from_akeneo(raw, reference_entity="brands"),
    ),
    (
        "/api/rest/v1/asset-families/{asset_family_code}/assets",
        lambda raw: Asset.from_akeneo(raw, family="packshots"),
    ),
]


@pytest.mark.parametrize(("path", "parse"), _LIST_ENDPOINTS, ids=[p for p, _ in _LIST_ENDPOINTS])
def test_every_item_of_a_list_example_parses(akeneo_spec, path, parse):
    items = _list_example(akeneo_spec, path)
    assert items, f"no example items for {path}"

    records = [parse(item) for item in items]

    keys = [getattr(r, "code", None) or getattr(r, "identifier", None) for r in records]
    assert keys == [item.get("code") or item.get("identifier") for item in items]


def test_media_file_example_keeps_the_download_link(akeneo_spec):
    media = MediaFile.from_akeneo(_definition_example(akeneo_spec, "MediaFile"))

    assert media.size == 16070
    assert media.download_url is not None
    assert media.download_url.endswith("/download")


def test_family_variant_from_the_variants_endpoint_needs_its_family(akeneo_spec):
    raw = _definition_example(akeneo_spec, "FamilyVariant")

    with pytest.raises(MissingField) as caught:
        FamilyVariant.from_akeneo(raw)

    assert caught.value.field == "family"
    assert "shoesVariant" in str(caught.value)
