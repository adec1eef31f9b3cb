"""Value lookup with Akeneo's locale/channel rules, typed access, and the standard format."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pimsync.model import InvalidRecord, Metric, Price, ProductValue, Values, to_json

RAW = {
    "sku": [{"locale": None, "scope": None, "data": "tee-1"}],
    "name": [
        {"locale": "fr_FR", "scope": None, "data": "Tee-shirt"},
        {"locale": "en_US", "scope": None, "data": "T-shirt"},
    ],
    "description": [
        {"locale": "en_US", "scope": "ecommerce", "data": "A soft tee"},
        {"locale": "en_US", "scope": "print", "data": "Tee"},
    ],
    "width": [{"locale": None, "scope": "ecommerce", "data": "12.5000"}],
    "price": [
        {
            "locale": None,
            "scope": None,
            "data": [{"amount": "15.50", "currency": "EUR"}, {"amount": None, "currency": "USD"}],
        }
    ],
    "weight": [{"locale": None, "scope": None, "data": {"amount": "0.2500", "unit": "KILOGRAM"}}],
    "collection": [{"locale": None, "scope": None, "data": ["summer", "basics"]}],
    "color": [{"locale": None, "scope": None, "data": "blue"}],
    "organic": [{"locale": None, "scope": None, "data": True}],
    "stock": [{"locale": None, "scope": None, "data": 12}],
}


@pytest.fixture
def values() -> Values:
    return Values.from_akeneo(RAW)


def test_non_localizable_non_scopable_value_applies_to_every_locale_and_channel(values):
    assert values.get("sku") == "tee-1"
    assert values.get("sku", locale="de_DE", scope="mobile") == "tee-1"


def test_localizable_value_needs_its_locale(values):
    assert values.get("name", locale="en_US") == "T-shirt"
    assert values.get("name", locale="fr_FR", scope="ecommerce") == "Tee-shirt"
    assert values.get("name", locale="de_DE") is None
    assert values.get("name") is None  # no locale asked: a localizable value never applies


def test_scopable_value_needs_its_channel(values):
    assert values.get("width", scope="ecommerce") == "12.5000"
    assert values.get("width", locale="en_US", scope="ecommerce") == "12.5000"
    assert values.get("width", scope="print") is None
    assert values.get("width") is None


def test_localizable_and_scopable_value_needs_both(values):
    assert values.get("description", locale="en_US", scope="print") == "Tee"
    assert values.get("description", locale="en_US") is None
    assert values.get("description", scope="ecommerce") is None


def test_unknown_attribute_has_no_value(values):
    assert values.get("nope", locale="en_US", scope="ecommerce") is None
    assert values.find("nope") is None
    assert "nope" not in values


def test_most_specific_value_wins_when_several_apply():
    values = Values.of(
        [
            ProductValue(attribute="name", data="generic"),
            ProductValue(attribute="name", locale="en_US", data="english"),
        ]
    )

    assert values.get("name", locale="en_US") == "english"
    assert values.get("name", locale="fr_FR") == "generic"


def test_typed_accessors_convert_akeneo_shapes(values):
    assert values.text("color") == "blue"
    assert values.number("width", scope="ecommerce") == Decimal("12.5")
    assert values.number("stock") == Decimal(12)
    assert values.options("collection") == ("summer", "basics")
    assert values.options("color") == ("blue",)
    assert values.options("nope") == ()
    assert values.price("price", "EUR") == Decimal("15.50")
    assert values.price("price", "USD") is None  # unset currency
    assert values.price("price", "GBP") is None
    assert values.metric("weight") == Metric(amount=Decimal("0.2500"), unit="KILOGRAM")
    assert values.get("organic") is True


def test_typed_accessors_refuse_the_wrong_shape(values):
    with pytest.raises(TypeError, match="price"):
        values.text("price")
    with pytest.raises(TypeError, match="organic"):
        values.number("organic")  # a boolean is not a number
    with pytest.raises(TypeError):
        values.prices("collection")
    with pytest.raises(TypeError):
        values.metric("sku")


def test_decimal_amounts_keep_every_digit(values):
    assert values.prices("price")[0] == Price(amount=Decimal("15.50"), currency="EUR")
    back = values.to_akeneo()
    assert back["price"][0]["data"][0] == {"amount": "15.50", "currency": "EUR"}
    assert back["weight"][0]["data"] == {"amount": "0.2500", "unit": "KILOGRAM"}


def test_json_floats_become_exact_decimals():
    values = Values.from_akeneo(
        {"price": [{"locale": None, "scope": None, "data": [{"amount": 0.1, "currency": "EUR"}]}]}
    )

    assert values.price("price", "EUR") == Decimal("0.1")


def test_round_trip_to_standard_format_sorts_each_attribute_by_locale_and_scope(values):
    back = values.to_akeneo()

    assert back["name"] == [
        {"locale": "en_US", "scope": None, "data": "T-shirt"},
        {"locale": "fr_FR", "scope": None, "data": "Tee-shirt"},
    ]
    assert back["collection"][0]["data"] == ["summer", "basics"]
    assert Values.from_akeneo(back) == values


def test_values_are_immutable_tuples_all_the_way_down():
    table = [{"ingredient": "sugar", "percent": "12.5", "allergens": ["none"]}]
    values = Values.from_akeneo({"composition": [{"locale": None, "scope": None, "data": table}]})

    data = values.get("composition")
    assert data == ({"ingredient": "sugar", "percent": "12.5", "allergens": ("none",)},)
    assert values.to_akeneo()["composition"][0]["data"] == table


def test_product_link_data_stays_an_object():
    link = {"type": "product", "id": "d055527c-0698-4967-8f16-8a5f23f4e5cf"}
    values = Values.from_akeneo({"spare_part": [{"locale": None, "scope": None, "data": link}]})

    assert values.get("spare_part") == link


def test_asset_and_record_values_read_and_write_channel():
    raw = {"caption": [{"locale": "en_US", "channel": "ecommerce", "data": "Front"}]}

    values = Values.from_akeneo(raw)

    assert values.get("caption", locale="en_US", scope="ecommerce") == "Front"
    assert values.to_akeneo(scope_key="channel") == raw


def test_of_and_with_values_replace_the_same_attribute_locale_and_scope(values):
    changed = values.with_values(ProductValue(attribute="name", locale="en_US", data="Tee"))

    assert changed.get("name", locale="en_US") == "Tee"
    assert changed.get("name", locale="fr_FR") == "Tee-shirt"
    assert values.get("name", locale="en_US") == "T-shirt"  # the original is untouched
    assert len(changed) == len(values)


def test_without_drops_every_value_of_an_attribute(values):
    smaller = values.without("name", "description")

    assert "name" not in smaller
    assert len(smaller) == len(values) - 4
    assert {v.attribute for v in smaller} == set(RAW) - {"name", "description"}


def test_empty_and_php_style_empty_values_parse_to_nothing():
    assert len(Values.from_akeneo(None)) == 0
    assert len(Values.from_akeneo([])) == 0  # type: ignore[arg-type]
    assert len(Values.from_akeneo({"name": []})) == 0


def test_malformed_values_raise_invalid_record_naming_the_record():
    with pytest.raises(InvalidRecord, match="Product 'x'") as caught:
        Values.from_akeneo({"name": "not a list"}, record="Product 'x'")
    assert caught.value.field == "values"

    # Entries are converted when their attribute is first used: the error comes then.
    values = Values.from_akeneo({"name": ["not an object"], "sku": []}, record="Product 'x'")
    with pytest.raises(InvalidRecord, match="Product 'x': malformed values of 'name'") as lazy:
        values.get("name", "en_US")
    assert lazy.value.field == "values"


def test_values_are_converted_on_first_use_and_compare_by_content():
    raw = {"name": [{"locale": "en_US", "scope": None, "data": "Bag"}], "weight": []}
    lazy, eager = Values.from_akeneo(raw), Values.from_akeneo(raw)
    assert "name" in lazy
    assert "weight" not in lazy
    assert lazy.get("name", "en_US") == "Bag"
    assert lazy == eager
    assert to_json(lazy) == to_json(Values.of(eager))
