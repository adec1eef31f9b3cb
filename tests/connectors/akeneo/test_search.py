"""The search parameter is exactly the JSON Akeneo's filter documentation describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from pimsync.connectors.akeneo import Completeness, ProductSearch, akeneo_datetime
from pimsync.errors import ConfigError


def test_no_filter_no_parameter() -> None:
    assert ProductSearch().params() == {}


def test_updated_is_utc_in_akeneo_format() -> None:
    paris = timezone(timedelta(hours=2))
    search = ProductSearch(updated_after=datetime(2026, 7, 4, 12, 0, 30, 999, tzinfo=paris))
    assert orjson.loads(search.params()["search"]) == {
        "updated": [{"operator": ">", "value": "2026-07-04 10:00:30"}]
    }


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        akeneo_datetime(datetime(2026, 1, 1))


def test_every_filter_and_value_parameter() -> None:
    search = ProductSearch(
        updated_after=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        enabled=True,
        families=("shoes", "shirts", "shoes"),
        categories=("summer",),
        completeness=Completeness(">=", 90, "ecommerce", ("en_US",)),
        uuids=("u1", "u2"),
        identifiers=("sku-1",),
        attributes=("name", "price"),
        locales=("en_US", "fr_FR"),
        scope="ecommerce",
    )
    params = search.params()
    assert orjson.loads(params["search"]) == {
        "updated": [{"operator": ">", "value": "2026-01-02 03:04:05"}],
        "enabled": [{"operator": "=", "value": True}],
        "family": [{"operator": "IN", "value": ["shoes", "shirts"]}],
        "categories": [{"operator": "IN", "value": ["summer"]}],
        "uuid": [{"operator": "IN", "value": ["u1", "u2"]}],
        "identifier": [{"operator": "IN", "value": ["sku-1"]}],
        "completeness": [
            {"operator": ">=", "value": 90, "scope": "ecommerce", "locales": ["en_US"]}
        ],
    }
    assert params["attributes"] == "name,price"
    assert params["locales"] == "en_US,fr_FR"
    assert params["scope"] == "ecommerce"


def test_where_returns_a_copy() -> None:
    base = ProductSearch(enabled=True)
    narrowed = base.where(families=["a"])
    assert base.families == () and narrowed.families == ("a",) and narrowed.enabled is True


def test_extra_conditions_join_the_same_property() -> None:
    search = ProductSearch(families=("a",), extra={"family": [{"operator": "NOT EMPTY"}]})
    assert search.filters()["family"] == [
        {"operator": "IN", "value": ["a"]},
        {"operator": "NOT EMPTY"},
    ]
