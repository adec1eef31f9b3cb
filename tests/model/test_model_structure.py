"""Behaviour of the catalog structure records: variants, families, units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pimsync.model import (
    Family,
    FamilyVariant,
    InvalidRecord,
    MeasurementFamily,
    Metric,
    ProductModel,
)

TEMPERATURE = {
    "code": "Temperature",
    "labels": {"en_US": "Temperature"},
    "standard_unit_code": "KELVIN",
    "units": {
        "KELVIN": {"code": "KELVIN", "convert_from_standard": [{"operator": "mul", "value": "1"}]},
        "CELSIUS": {
            "code": "CELSIUS",
            "symbol": "°C",
            "convert_from_standard": [{"operator": "add", "value": "273.15"}],
        },
        "FAHRENHEIT": {
            "code": "FAHRENHEIT",
            "symbol": "°F",
            "convert_from_standard": [
                {"operator": "sub", "value": "32"},
                {"operator": "div", "value": "1.8"},
                {"operator": "add", "value": "273.15"},
            ],
        },
    },
}


def test_measurement_conversion_applies_steps_to_standard_and_undoes_them_in_reverse():
    temperature = MeasurementFamily.from_akeneo(TEMPERATURE)

    assert temperature.convert(Decimal(212), from_unit="FAHRENHEIT", to_unit="CELSIUS") == 100
    assert temperature.convert(Decimal(0), from_unit="CELSIUS", to_unit="KELVIN") == Decimal(
        "273.15"
    )
    assert temperature.convert(Decimal(100), from_unit="CELSIUS", to_unit="FAHRENHEIT") == 212
    assert temperature.units["CELSIUS"].symbol == "°C"


def test_converting_a_metric_value_to_a_channel_unit():
    weight = MeasurementFamily.from_akeneo(
        {
            "code": "Weight",
            "standard_unit_code": "KILOGRAM",
            "units": {
                "KILOGRAM": {"code": "KILOGRAM", "convert_from_standard": []},
                "GRAM": {
                    "code": "GRAM",
                    "convert_from_standard": [{"operator": "mul", "value": "0.001"}],
                },
            },
        }
    )
    metric = Metric(amount=Decimal("0.2500"), unit="KILOGRAM")

    assert metric.amount is not None
    assert weight.convert(metric.amount, from_unit=metric.unit, to_unit="GRAM") == 250


def test_unknown_unit_is_a_value_error():
    temperature = MeasurementFamily.from_akeneo(TEMPERATURE)

    with pytest.raises(ValueError, match="RANKINE"):
        temperature.convert(Decimal(1), from_unit="RANKINE", to_unit="KELVIN")


def test_older_measure_families_format_is_read_too():
    area = MeasurementFamily.from_akeneo(
        {
            "code": "Area",
            "standard": "SQUARE_METER",
            "units": [
                {"code": "SQUARE_METER", "convert": {"mul": "1"}, "symbol": "m²"},
                {"code": "SQUARE_CENTIMETER", "convert": {"mul": "0.0001"}, "symbol": "cm²"},
            ],
        }
    )

    assert area.standard_unit == "SQUARE_METER"
    assert area.convert(Decimal(3), from_unit="SQUARE_METER", to_unit="SQUARE_CENTIMETER") == 30000


def test_malformed_conversion_is_an_invalid_record():
    raw = {
        "code": "Length",
        "standard_unit_code": "METER",
        "units": {"METER": {"code": "METER", "convert_from_standard": [{"operator": "mul"}]}},
    }

    with pytest.raises(InvalidRecord, match="METER"):
        MeasurementFamily.from_akeneo(raw)


def test_family_variant_tells_the_level_of_each_attribute():
    variant = FamilyVariant.from_akeneo(
        {
            "code": "clothing_color_size",
            "family": "clothing",
            "variant_attribute_sets": [
                {"level": 2, "axes": ["size"], "attributes": ["sku", "size", "ean"]},
                {"level": 1, "axes": ["color"], "attributes": ["color", "material"]},
            ],
        }
    )

    assert variant.levels == 2
    assert [s.level for s in variant.variant_attribute_sets] == [1, 2]
    assert variant.axes == ("color", "size")
    assert variant.level_of("material") == 1
    assert variant.level_of("ean") == 2
    assert variant.level_of("description") == 0  # common: set on the root model
    assert variant.attribute_set(3) is None


def test_variant_axes_keep_their_order():
    variant = FamilyVariant.from_akeneo(
        {"code": "v", "variant_attribute_sets": [{"level": 1, "axes": ["size", "color"]}]},
        family="clothing",
    )

    assert variant.axes == ("size", "color")


def test_family_requirements_per_channel():
    family = Family.from_akeneo(
        {
            "code": "mugs",
            "attributes": ["sku", "name", "price"],
            "attribute_as_label": "name",
            "attribute_requirements": {"ecommerce": ["sku", "price", "name"], "print": ["sku"]},
        }
    )

    assert family.required_attributes("ecommerce") == ("name", "price", "sku")
    assert family.required_attributes("mobile") == ()


def test_product_model_level_follows_its_parent():
    root = ProductModel.from_akeneo({"code": "amor", "family_variant": "clothing_color_size"})
    sub = ProductModel.from_akeneo(
        {"code": "amor_blue", "family_variant": "clothing_color_size", "parent": "amor"}
    )

    assert (root.level, root.is_root) == (0, True)
    assert (sub.level, sub.is_root) == (1, False)
