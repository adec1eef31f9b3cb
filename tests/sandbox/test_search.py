"""Search filters and value narrowing, checked against the generated data itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox
from tests.sandbox.test_pagination import walk

API = "/api/rest/v1/products-uuid"
Product = dict[str, Any]


def search(pim: httpx.Client, filters: dict[str, Any], extra: str = "") -> set[str]:
    query = httpx.QueryParams({"search": orjson.dumps(filters).decode(), "limit": "100"})
    return {str(i["uuid"]) for i in walk(pim, f"{API}?{query}{extra}")}


def expected(sandbox: AkeneoSandbox, keep: Callable[[Product], bool]) -> set[str]:
    return {p["uuid"] for p in sandbox.store.products.values() if keep(p)}


CASES: list[tuple[str, dict[str, Any], Callable[[Product], bool]]] = [
    (
        "updated >",
        {"updated": [{"operator": ">", "value": "2026-01-01 12:00:00"}]},
        lambda p: p["updated"] > "2026-01-01T12:00:00+00:00",
    ),
    (
        "updated BETWEEN",
        {
            "updated": [
                {"operator": "BETWEEN", "value": ["2026-01-01 01:00:00", "2026-01-01 02:00:00"]}
            ]
        },
        lambda p: "2026-01-01T01:00:00+00:00" <= p["updated"] <= "2026-01-01T02:00:00+00:00",
    ),
    (
        "enabled = false",
        {"enabled": [{"operator": "=", "value": False}]},
        lambda p: not p["enabled"],
    ),
    ("enabled != false", {"enabled": [{"operator": "!=", "value": False}]}, lambda p: p["enabled"]),
    (
        "family IN",
        {"family": [{"operator": "IN", "value": ["shoes", "chairs"]}]},
        lambda p: p["family"] in ("shoes", "chairs"),
    ),
    (
        "family NOT IN",
        {"family": [{"operator": "NOT IN", "value": ["shoes"]}]},
        lambda p: p["family"] != "shoes",
    ),
    (
        "categories IN",
        {"categories": [{"operator": "IN", "value": ["sneakers"]}]},
        lambda p: "sneakers" in p["categories"],
    ),
    (
        "categories IN CHILDREN",
        {"categories": [{"operator": "IN CHILDREN", "value": ["footwear"]}]},
        lambda p: bool({"footwear", "sneakers", "boots"} & set(p["categories"])),
    ),
    ("UNCLASSIFIED", {"categories": [{"operator": "UNCLASSIFIED"}]}, lambda p: not p["categories"]),
    (
        "IN OR UNCLASSIFIED",
        {"categories": [{"operator": "IN OR UNCLASSIFIED", "value": ["sales_clearance"]}]},
        lambda p: not p["categories"] or "sales_clearance" in p["categories"],
    ),
    (
        "combined",
        {
            "enabled": [{"operator": "=", "value": True}],
            "family": [{"operator": "IN", "value": ["tshirts"]}],
            "updated": [{"operator": "<", "value": "2026-01-01 10:00:00"}],
        },
        lambda p: p["enabled"] and p["family"] == "tshirts" and p["updated"] < "2026-01-01T10",
    ),
]


@pytest.mark.parametrize(("name", "filters", "keep"), CASES, ids=[c[0] for c in CASES])
def test_search_matches_an_independent_computation(
    pim: httpx.Client,
    sandbox: AkeneoSandbox,
    name: str,
    filters: dict[str, Any],
    keep: Callable[[Product], bool],
) -> None:
    want = expected(sandbox, keep)
    assert want, f"the demo catalog has no product for {name}"
    assert search(pim, filters) == want
    assert search(pim, filters, "&pagination_type=search_after") == want


def test_completeness_filter(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    # ecommerce requires sku, name, description, price, picture: every tenth product lacks picture
    complete = search(
        pim, {"completeness": [{"operator": "=", "value": 100, "scope": "ecommerce"}]}
    )
    missing = {p["uuid"] for p in sandbox.store.products.values() if "picture" not in p["values"]}
    assert missing
    assert complete == set(sandbox.store.products) - missing


def test_value_narrowing(pim: httpx.Client) -> None:
    query = "?limit=5&attributes=name,description&locales=fr_FR&scope=mobile"
    for item in pim.get(API + query).json()["_embedded"]["items"]:
        assert set(item["values"]) <= {"name", "description"}
        for entries in item["values"].values():
            for value in entries:
                assert value["locale"] in (None, "fr_FR")
                assert value["scope"] in (None, "mobile")
        assert item["values"]["description"]


@pytest.mark.parametrize(
    ("search_value", "message"),
    [
        ("{not json", "Search query parameter should be valid JSON."),
        ('{"updated": {"operator": ">"}}', 'Structure of filter "updated"'),
        ('{"updated": [{"operator": "??", "value": 1}]}', 'does not support operator "??"'),
        ('{"updated": [{"operator": ">", "value": "yesterday"}]}', "yyyy-mm-dd H:i:s"),
    ],
)
def test_malformed_search_is_422(pim: httpx.Client, search_value: str, message: str) -> None:
    response = pim.get(API, params={"search": search_value})
    assert response.status_code == 422
    assert message in response.json()["message"]


def test_updated_product_is_found_by_updated_search(
    pim: httpx.Client, sandbox: AkeneoSandbox
) -> None:
    before = (sandbox.now() - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    key = sandbox.store.uuid_order()[3]
    changed = sandbox.update_product(
        key, {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Renamed"}]}}
    )
    assert changed["values"]["name"][0]["data"] == "Renamed"
    found = search(pim, {"updated": [{"operator": ">", "value": before}]})
    assert key in found
