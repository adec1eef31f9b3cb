"""Canonical JSON: the bytes the engine hashes must depend on content only."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType

import orjson
import pytest

from pimsync.model import Order, OrderLine, Product, to_json

RAW_PRODUCT = {
    "_links": {"self": {"href": "https://pim.example/api/rest/v1/products-uuid/1"}},
    "uuid": "0d4b5d6e-1c2a-4d0e-9a55-8a8f0f5a3b11",
    "family": "tshirts",
    "categories": ["tshirts", "summer", "master_men"],
    "groups": [],
    "enabled": True,
    "values": {
        "name": [
            {"locale": "en_US", "scope": None, "data": "Tee"},
            {"locale": "fr_FR", "scope": None, "data": "Tee-shirt"},
        ],
        "price": [
            {
                "locale": None,
                "scope": None,
                "data": [
                    {"amount": "19.90", "currency": "EUR"},
                    {"amount": "21", "currency": "USD"},
                ],
            }
        ],
    },
    "associations": {"X_SELL": {"products": ["b", "a"], "product_models": [], "groups": []}},
    "created": "2024-05-08T23:20:00+02:00",
    "updated": "2024-05-08T21:20:00Z",
}


def _shuffled(raw: dict) -> dict:
    """The same product with every dict and every order-free list in another order."""
    shuffled = {key: copy.deepcopy(raw[key]) for key in reversed(list(raw))}
    shuffled["categories"].reverse()
    shuffled["values"] = {k: list(reversed(v)) for k, v in reversed(raw["values"].items())}
    shuffled["associations"]["X_SELL"]["products"].reverse()
    return shuffled


def test_same_record_gives_same_bytes():
    product = Product.from_akeneo(RAW_PRODUCT)

    assert to_json(product) == to_json(Product.from_akeneo(copy.deepcopy(RAW_PRODUCT)))


def test_order_of_keys_and_of_order_free_lists_does_not_change_the_bytes():
    assert to_json(Product.from_akeneo(_shuffled(RAW_PRODUCT))) == to_json(
        Product.from_akeneo(RAW_PRODUCT)
    )


def test_a_changed_value_changes_the_bytes():
    changed = copy.deepcopy(RAW_PRODUCT)
    changed["values"]["price"][0]["data"][0]["amount"] = "19.99"

    assert to_json(Product.from_akeneo(changed)) != to_json(Product.from_akeneo(RAW_PRODUCT))


def test_decimals_are_written_as_exact_text():
    line = OrderLine(product_key="tee-1", quantity=Decimal("2.000"), unit_price=Decimal("19.90"))

    decoded = orjson.loads(to_json(line))

    assert decoded["quantity"] == "2.000"
    assert decoded["unit_price"] == "19.90"
    assert Decimal(decoded["unit_price"]) == line.unit_price


def test_datetimes_are_utc_rfc3339_and_dates_iso():
    product = Product.from_akeneo(RAW_PRODUCT)
    order = Order(id="801", account_id="001", effective_date=date(2024, 5, 8))

    assert orjson.loads(to_json(product))["created"] == "2024-05-08T21:20:00+00:00"
    assert orjson.loads(to_json(order))["effective_date"] == "2024-05-08"


def test_the_same_instant_in_another_offset_parses_to_the_same_bytes():
    other = dict(RAW_PRODUCT, created="2024-05-08T21:20:00+00:00")

    assert to_json(Product.from_akeneo(other)) == to_json(Product.from_akeneo(RAW_PRODUCT))


def test_naive_datetimes_are_taken_as_utc():
    naive = datetime(2024, 5, 8, 21, 20)  # naive on purpose

    assert to_json(naive) == to_json(naive.replace(tzinfo=UTC))


def test_frozensets_and_sets_become_sorted_lists():
    assert to_json(frozenset({"b", "c", "a"})) == b'["a","b","c"]'
    assert to_json({"s": {3, 1, 2}}) == b'{"s":[1,2,3]}'
    assert to_json(frozenset({1, "a"})) == to_json(frozenset({"a", 1}))


def test_dict_keys_are_sorted_and_read_only_mappings_accepted():
    assert to_json({"b": 1, "a": Decimal("1.10")}) == b'{"a":"1.10","b":1}'
    assert to_json(MappingProxyType({"b": 1, "a": 2})) == b'{"a":2,"b":1}'


def test_tuples_serialize_as_lists_and_aware_datetimes_keep_their_offset():
    plus_two = timezone(timedelta(hours=2))

    assert to_json(("a", 1)) == b'["a",1]'
    assert to_json(datetime(2024, 1, 1, tzinfo=plus_two)) == b'"2024-01-01T00:00:00+02:00"'


def test_values_that_are_not_json_are_refused():
    with pytest.raises(TypeError):
        to_json(object())
