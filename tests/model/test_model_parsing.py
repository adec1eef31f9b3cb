"""Tolerant parsing: what Akeneo may omit or garble, and the errors for what it must not."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pimsync.errors import PimsyncError
from pimsync.model import (
    Asset,
    Attribute,
    AttributeOption,
    AttributeType,
    Category,
    Channel,
    Family,
    FamilyVariant,
    InvalidRecord,
    MissingField,
    Product,
    ProductModel,
    parse_datetime,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-06-23T18:24:44+02:00", datetime(2016, 6, 23, 16, 24, 44, tzinfo=UTC)),
        ("2024-05-08T21:20:00.000+0000", datetime(2024, 5, 8, 21, 20, tzinfo=UTC)),
        ("2021-01-01T01:23:34Z", datetime(2021, 1, 1, 1, 23, 34, tzinfo=UTC)),
        ("2017-06-28T08:00:00", datetime(2017, 6, 28, 8, 0, tzinfo=UTC)),
        ("2016-06-23 18:24:44", datetime(2016, 6, 23, 18, 24, 44, tzinfo=UTC)),
        ("2016-06-23", datetime(2016, 6, 23, tzinfo=UTC)),
        ("2016-12-31T23:59:60+00:00", datetime(2017, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime_gives_aware_utc(text, expected):
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_parse_datetime_converts_datetime_objects():
    naive = datetime(2024, 1, 1, 12)  # naive on purpose
    aware = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5)))

    assert parse_datetime(naive) == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert parse_datetime(aware) == datetime(2024, 1, 1, 17, tzinfo=UTC)
    assert parse_datetime(aware).tzinfo is UTC


def test_parse_datetime_refuses_what_is_not_a_datetime():
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_datetime("yesterday")
    with pytest.raises(TypeError):
        parse_datetime(1716301234)  # type: ignore[arg-type]


def test_product_without_uuid_or_identifier_is_refused_naming_the_field():
    with pytest.raises(MissingField) as caught:
        Product.from_akeneo({"family": "tshirts", "values": {}})

    error = caught.value
    assert error.field == "uuid"
    assert "Product" in str(error)
    assert "'uuid'" in str(error)
    assert isinstance(error, ValueError)
    assert isinstance(error, PimsyncError)


def test_product_model_without_family_variant_names_model_and_field():
    with pytest.raises(MissingField, match=r"ProductModel 'amor'.*'family_variant'") as caught:
        ProductModel.from_akeneo({"code": "amor", "family_variant": None})

    assert caught.value.field == "family_variant"


def test_minimal_payloads_get_defaults():
    product = Product.from_akeneo({"identifier": "tee-1"})

    assert product.key == "tee-1"
    assert product.enabled
    assert product.family is None
    assert product.parent is None
    assert product.categories == ()
    assert len(product.values) == 0
    assert product.associations == {}
    assert product.created is None
    assert product.updated is None
    assert Category.from_akeneo({"code": "master"}).is_root


def test_unknown_fields_and_links_are_ignored():
    raw = {
        "_links": {"self": {"href": "https://pim.example/api/rest/v1/categories/shoes"}},
        "code": "shoes",
        "parent": "master",
        "labels": {"en_US": "Shoes"},
        "values": {"description|96b8|ecommerce|en_US": {"data": "<p>x</p>"}},
        "channel_requirements": ["ecommerce"],
        "brand_new_field": {"anything": [1, 2]},
    }

    category = Category.from_akeneo(raw)

    assert category == Category(code="shoes", parent="master", labels={"en_US": "Shoes"})


def test_php_empty_arrays_stand_for_empty_objects():
    product = Product.from_akeneo(
        {"uuid": "u-1", "values": [], "associations": [], "quantified_associations": []}
    )
    channel = Channel.from_akeneo(
        {"code": "print", "category_tree": "master", "labels": [], "conversion_units": []}
    )

    assert len(product.values) == 0
    assert product.associations == {}
    assert channel.labels == {}
    assert channel.conversion_units == {}


def test_null_labels_are_dropped():
    family = Family.from_akeneo(
        {"code": "mugs", "attribute_as_label": "name", "labels": {"en_US": "Mugs", "de_DE": None}}
    )

    assert family.labels == {"en_US": "Mugs"}


def test_empty_association_types_are_left_out_and_links_sorted():
    product = Product.from_akeneo(
        {
            "uuid": "u-1",
            "associations": {
                "PACK": {"products": [], "product_models": [], "groups": []},
                "X_SELL": {"products": ["c", "a", "b"]},
            },
            "quantified_associations": {"SET": {"products": [], "product_models": []}},
        }
    )

    assert set(product.associations) == {"X_SELL"}
    assert product.associations["X_SELL"].products == ("a", "b", "c")
    assert product.associations["X_SELL"].groups == ()
    assert product.quantified_associations == {}


def test_unparsable_datetime_is_an_invalid_record_naming_the_field():
    with pytest.raises(InvalidRecord, match="updated") as caught:
        Product.from_akeneo({"uuid": "u-1", "updated": "last tuesday"})

    assert caught.value.field == "updated"


def test_quantified_link_without_key_is_refused():
    raw = {
        "identifier": "pack",
        "quantified_associations": {"SET": {"products": [{"quantity": 2}]}},
    }

    with pytest.raises(MissingField, match="Product 'pack'"):
        Product.from_akeneo(raw)


def test_numeric_codes_sent_as_numbers_become_text():
    option = AttributeOption.from_akeneo({"code": 10, "attribute": "size", "sort_order": "3"})

    assert option.code == "10"
    assert option.sort_order == 3


def test_wrongly_typed_field_is_an_invalid_record():
    with pytest.raises(InvalidRecord, match="'family'"):
        Product.from_akeneo({"uuid": "u-1", "family": {"code": "tshirts"}})
    with pytest.raises(InvalidRecord, match="'categories'"):
        Product.from_akeneo({"uuid": "u-1", "categories": "shoes"})


def test_attribute_types_are_enum_members_and_unknown_ones_stay_text():
    def attribute(type_name: str) -> Attribute:
        return Attribute.from_akeneo({"code": "a", "type": type_name, "group": "other"})

    assert attribute("pim_catalog_metric").type is AttributeType.METRIC
    assert attribute("pim_catalog_table").type == "pim_catalog_table"
    # The REST spec's spelling of reference data types maps onto the PIM's own.
    spec_spelling = attribute("pim_catalog_reference_data_simple_select")
    assert spec_spelling.type is AttributeType.REFERENCE_DATA_SIMPLESELECT
    assert spec_spelling.has_options
    unknown = attribute("acme_catalog_color_picker")
    assert unknown.type == "acme_catalog_color_picker"
    assert not isinstance(unknown.type, AttributeType)


def test_attribute_without_type_is_refused():
    with pytest.raises(MissingField, match="'type'"):
        Attribute.from_akeneo({"code": "name", "group": "marketing"})


def test_codes_missing_from_nested_endpoints_can_be_passed_in():
    option = AttributeOption.from_akeneo({"code": "red"}, attribute="color")
    asset = Asset.from_akeneo({"code": "img-1"}, family="packshots")
    variant = FamilyVariant.from_akeneo(
        {"code": "by_size", "variant_attribute_sets": [{"level": 1, "axes": ["size"]}]},
        family="shoes",
    )

    assert option.attribute == "color"
    assert asset.family == "packshots"
    assert variant.family == "shoes"
    with pytest.raises(MissingField, match="asset_family_code"):
        Asset.from_akeneo({"code": "img-1"})


def test_family_variant_without_attribute_sets_is_refused():
    with pytest.raises(MissingField, match="variant_attribute_sets"):
        FamilyVariant.from_akeneo({"code": "v", "variant_attribute_sets": []}, family="f")


def test_records_are_frozen():
    product = Product.from_akeneo({"uuid": "u-1"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        product.family = "other"  # type: ignore[misc]


def test_product_needs_a_key_even_when_built_directly():
    with pytest.raises(ValueError, match="uuid or an identifier"):
        Product()
