"""Mapping products and product models field by field."""

from __future__ import annotations

import pytest

from pimsync.connectors.oro import OroImage, OroPrice
from pimsync.errors import RejectedRecord
from pimsync.mapping import AkeneoMetadata, Mapper, MappingConfig, OroMetadata
from pimsync.model import ProductModel

from .conftest import full_values, make_product, value


@pytest.fixture
def mapper(config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> Mapper:
    return Mapper(config, akeneo, oro)


def test_localized_texts_follow_localizations(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    # es_ES has no Oro localization: skipped.
    assert out.names == {None: "Red tee", "2": "Tee rouge", "3": "Rotes Shirt"}
    assert out.descriptions == {None: "<p>web</p>", "2": "<p>fr</p>"}
    assert out.short_descriptions == {None: "Short"}
    assert out.slugs == {None: "red-tee", "2": "tee-rouge", "3": "rotes-shirt"}
    assert out.sku == "TEE-1"
    assert out.status == "enabled"
    assert out.product_type == "simple"
    assert out.variant_parent is None
    out.check()


def test_status_follows_enabled(mapper: Mapper) -> None:
    assert mapper.product(make_product(enabled=False)).status == "disabled"


def test_option_codes_become_enum_ids_or_labels(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    # "NavyBlue" matches the Oro option made from its label "Navy Blue".
    assert out.relationships["color"] == {"data": {"type": "productcolorabc", "id": "navy_blue"}}
    assert out.relationships["tags"] == {
        "data": [{"type": "producttagsabc", "id": "new"}, {"type": "producttagsabc", "id": "eco"}]
    }
    # fr_FR label missing for NavyBlue: the code stands in.
    assert out.attributes["color_label"] == "NavyBlue"
    red = full_values() | {"color": [value("red")]}
    assert mapper.product(make_product(red)).attributes["color_label"] == "Rouge"


def test_metric_is_converted_with_decimal_precision(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    assert out.attributes["weight_g"] == "1250"
    assert out.attributes["weight_text"] == "1.25 kg"
    grams = full_values() | {"weight": [value({"amount": "250", "unit": "GRAM"})]}
    out = mapper.product(make_product(grams))
    assert out.attributes["weight_text"] == "0.25 kg"
    assert out.attributes["weight_g"] == "250"


def test_price_boolean_date_and_text(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    assert out.attributes["price_eur"] == "19.99"
    assert out.attributes["eco"] is True
    assert out.attributes["released"] == "2025-03-04"
    assert out.attributes["released_at"] == "2025-03-04T00:00:00Z"
    assert out.attributes["released_text"] == "04/03/2025"
    assert out.attributes["ean"] == "4006381333931"


def test_prices_go_to_one_price_list_per_currency(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    assert out.prices == (
        OroPrice("11", "EUR", "19.99", "1", None),
        OroPrice("12", "USD", "21.50", "1", None),
    )


def test_explicit_price_lists(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = MappingConfig.model_validate(
        {"prices": [{"attribute": "price", "price_lists": {"USD": "Retail"}}]}
    )
    out = Mapper(config, akeneo, oro).product(make_product())
    assert out.prices == (OroPrice("13", "USD", "21.50"),)


def test_family_image_is_main_and_listing(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    assert out.images == (
        OroImage("a/b/c/d/" + "f" * 40 + "_tee.jpg", "tee.jpg", "image/jpeg", ("main", "listing")),
    )
    assert mapper.product(make_product(family="plain")).images == ()


def test_configured_images_keep_one_main(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = MappingConfig.model_validate(
        {
            "images": [
                {"attribute": "picture", "types": ["main", "listing"]},
                {"attribute": "back", "types": ["main", "additional"]},
            ]
        }
    )
    values = full_values() | {"back": [value("x/back.png")]}
    out = Mapper(config, akeneo, oro).product(make_product(values))
    assert [(i.filename, i.types) for i in out.images] == [
        ("tee.jpg", ("main", "listing")),
        ("back.png", ("additional",)),
    ]
    out.check()


def test_brand_category_family(mapper: Mapper) -> None:
    out = mapper.product(make_product())
    assert out.brand == "8"  # "globex" matches brand code "Globex"
    # polos (depth 3) is not in Oro yet: its nearest ancestor there, shirts.
    assert out.category == "102"
    assert out.attribute_family == "2"
    assert mapper.product(make_product(categories=["master"])).category == "100"
    assert mapper.product(make_product(categories=["sales", "sale_new"])).category is None
    assert mapper.product(make_product(categories=[])).category is None
    assert mapper.product(make_product(family="plain")).attribute_family == "1"


def test_explicit_categories(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = MappingConfig.model_validate(
        {"categories": {"mode": "explicit", "map": {"clothing": "5", "sale_new": "6"}}}
    )
    mapper = Mapper(config, akeneo, oro)
    # Both are at depth 1: the first code in sorted order wins.
    assert mapper.product(make_product(categories=["clothing", "sale_new"])).category == "5"
    assert mapper.product(make_product(categories=["polos"])).category is None


def test_emptied_values_are_cleared(mapper: Mapper) -> None:
    values = {"sku": [value("TEE-1")], "name": [value("Only a name", "en_US")]}
    out = mapper.product(make_product(values, categories=[]))
    assert out.attributes == {
        "color_label": None,
        "weight_g": None,
        "weight_text": None,
        "price_eur": None,
        "eco": None,
        "released": None,
        "released_at": None,
        "released_text": None,
        "ean": None,
    }
    assert out.relationships == {
        "color": {"data": None},
        "size": {"data": None},
        "tags": {"data": []},
    }
    assert out.descriptions == {}
    assert out.short_descriptions == {}
    assert out.prices == ()
    assert out.images == ()
    assert out.brand is None
    assert out.category is None


def test_a_product_without_default_name_is_named_after_its_sku(mapper: Mapper) -> None:
    values = full_values() | {"name": [value("Tee rouge", "fr_FR")]}
    product = make_product(values)
    out = mapper.product(product)
    assert out.names[None] == product.identifier
    assert "Tee rouge" in out.names.values()  # the other localizations keep their names


def test_rejects_product_without_default_name_when_asked(mapper: Mapper) -> None:
    strict = Mapper(
        mapper.config.model_copy(update={"missing_name": "reject"}), mapper.akeneo, mapper.oro
    )
    values = full_values() | {"name": [value("Tee rouge", "fr_FR")]}
    with pytest.raises(RejectedRecord, match="no 'name' in en_US") as caught:
        strict.product(make_product(values))
    assert caught.value.field == "names"
    assert caught.value.key == "8f4b3c1e-0000-4000-8000-000000000001"


def test_rejects_option_without_enum_option(mapper: Mapper) -> None:
    values = full_values() | {"size": [value("xxl")]}
    with pytest.raises(RejectedRecord, match="option 'xxl' of 'size'") as caught:
        mapper.product(make_product(values))
    assert caught.value.field == "size"


def test_rejects_text_longer_than_oro_field(mapper: Mapper) -> None:
    values = full_values() | {"ean": [value("4" * 14)]}
    with pytest.raises(RejectedRecord, match="holds 13") as caught:
        mapper.product(make_product(values))
    assert caught.value.field == "ean"


def test_rejects_unknown_brand(mapper: Mapper) -> None:
    values = full_values() | {"brand": [value("initech")]}
    with pytest.raises(RejectedRecord, match="brand 'initech'") as caught:
        mapper.product(make_product(values))
    assert caught.value.field == "brand"


def test_rejects_product_without_identifier(mapper: Mapper) -> None:
    values = full_values()
    product = make_product(values, identifier=None)
    with pytest.raises(RejectedRecord) as caught:
        mapper.product(product)
    assert caught.value.field == "sku"


def test_inventory_status_from_attribute(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = MappingConfig(inventory_status_attribute="stock", inventory_status="discontinued")
    mapper = Mapper(config, akeneo, oro)
    assert mapper.product(make_product()).inventory_status == "discontinued"
    stocked = full_values() | {"stock": [value("in_stock")]}
    assert mapper.product(make_product(stocked)).inventory_status == "in_stock"
    gone = full_values() | {"stock": [value("gone")]}
    with pytest.raises(RejectedRecord) as caught:
        mapper.product(make_product(gone))
    assert caught.value.field == "inventory_status"


# --- product models ----------------------------------------------------------------


def _model(code: str, variant: str, parent: str | None = None, **values: object) -> ProductModel:
    raw_values = {"name": [value("Tee", "en_US")]} if parent is None else {}
    for attribute, data in values.items():
        raw_values[attribute] = [value(data)]
    return ProductModel.from_akeneo(
        {
            "code": code,
            "family": "shirts",
            "family_variant": variant,
            "parent": parent,
            "categories": ["shirts"],
            "values": raw_values,
        }
    )


def test_root_model_is_configurable_with_axes_of_every_level(mapper: Mapper) -> None:
    out = mapper.model(_model("tee", "shirts_color_size"))
    assert out.sku == "tee"
    assert out.product_type == "configurable"
    assert out.variant_fields == ("color", "size")
    assert out.variant_parent is None
    assert out.names == {None: "Tee"}
    assert out.category == "102"
    assert out.attribute_family == "2"
    assert out.relationships["color"] == {"data": None}
    out.check()
    assert mapper.model(_model("polo", "shirts_color")).variant_fields == ("color",)


def test_sub_model_is_not_written(mapper: Mapper) -> None:
    with pytest.raises(RejectedRecord, match="root model 'tee'"):
        mapper.model(_model("tee_red", "shirts_color_size", "tee", color="red"))


def test_variant_products_link_to_their_root_model(mapper: Mapper) -> None:
    two_levels = mapper.product(make_product(parent="tee_red"))
    assert two_levels.variant_parent == "tee"
    one_level = mapper.product(make_product(parent="polo"))
    assert one_level.variant_parent == "polo"
    assert one_level.product_type == "simple"
    assert one_level.relationships["size"]["data"]["id"] == "m"


def test_variant_of_unknown_model_is_rejected(mapper: Mapper) -> None:
    with pytest.raises(RejectedRecord, match="'ghost' is unknown") as caught:
        mapper.product(make_product(parent="ghost"))
    assert caught.value.field == "variant_parent"


def test_model_whose_axis_is_not_mapped_is_rejected(
    akeneo: AkeneoMetadata, oro: OroMetadata
) -> None:
    config = MappingConfig.model_validate({"attributes": [{"akeneo": "color", "oro": "color"}]})
    mapper = Mapper(config, akeneo, oro)
    assert any("shirts_color_size" in p.subject for p in mapper.report.warnings)
    with pytest.raises(RejectedRecord, match="axis 'size' is not mapped") as caught:
        mapper.model(_model("tee", "shirts_color_size"))
    assert caught.value.field == "variant_fields"
    assert mapper.model(_model("polo", "shirts_color")).variant_fields == ("color",)
