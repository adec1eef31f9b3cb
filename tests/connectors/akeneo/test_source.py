"""AkeneoProductSource: the engine's view of Akeneo products."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from pimsync.connectors.akeneo import NO_FAMILY, AkeneoProductSource, ProductSearch
from pimsync.connectors.base import Window

from ._fake import FakeAkeneo, client, page, paged

PRODUCTS = "/api/rest/v1/products-uuid"


def searches(fake: FakeAkeneo) -> list[dict[str, Any]]:
    return [
        orjson.loads(r.url.params["search"])
        for r in fake.requests
        if r.url.path == PRODUCTS and "search" in r.url.params
    ]


def test_differential_extract_pushes_updated_down_one_second_early() -> None:
    fake = FakeAkeneo(routes={PRODUCTS: paged([[{"uuid": "u1"}]])})
    source = AkeneoProductSource(client(fake))
    since = datetime(2026, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    pages = list(source.extract(Window(since=since)))
    assert [r.key for p in pages for r in p] == ["u1"]
    assert searches(fake) == [{"updated": [{"operator": ">", "value": "2026-05-01 11:59:59"}]}]


def test_a_changed_product_the_search_no_longer_selects_comes_back_deleted() -> None:
    def search(request: httpx.Request) -> httpx.Response:
        if "updated" in orjson.loads(request.url.params["search"]):
            return page([{"uuid": "u1"}, {"uuid": "u2"}])
        return page([{"uuid": "u1", "family": "shoes"}])  # u2 left the family

    fake = FakeAkeneo(routes={PRODUCTS: search})
    source = AkeneoProductSource(client(fake), search=ProductSearch(families=("shoes",)))
    since = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    records = [r for p in source.extract(Window(since=since)) for r in p]
    assert [(r.key, r.deleted) for r in records] == [("u1", False), ("u2", True)]
    assert records[0].data is not None and records[0].data.family == "shoes"
    assert searches(fake) == [
        {"updated": [{"operator": ">", "value": "2026-05-01 11:59:59"}]},
        {
            "family": [{"operator": "IN", "value": ["shoes"]}],
            "uuid": [{"operator": "IN", "value": ["u1", "u2"]}],
        },
    ]


def test_full_extract_has_no_search() -> None:
    fake = FakeAkeneo(routes={PRODUCTS: paged([[]])})
    list(AkeneoProductSource(client(fake)).extract(Window(since=None)))
    assert searches(fake) == []


def test_partitions_by_family_include_products_without_family() -> None:
    fake = FakeAkeneo(
        routes={
            "/api/rest/v1/families": paged([[{"code": "a", "attribute_as_label": "n"}]]),
            PRODUCTS: paged([[]]),
        }
    )
    source = AkeneoProductSource(client(fake), partition_by="family")
    parts = source.partitions(None)
    assert parts == ["a", NO_FAMILY]
    for part in parts:
        list(source.extract(Window(since=None, partition=part)))
    assert searches(fake) == [
        {"family": [{"operator": "IN", "value": ["a"]}]},
        {"family": [{"operator": "EMPTY"}]},
    ]
    assert AkeneoProductSource(client(fake)).partitions(None) == [None]


def test_read_by_keys_in_batches_of_100_and_missing_keys_come_back_deleted() -> None:
    def search(request: httpx.Request) -> httpx.Response:
        wanted = orjson.loads(request.url.params["search"])["uuid"][0]["value"]
        return page([{"uuid": u} for u in wanted if not u.endswith("7")])

    fake = FakeAkeneo(routes={PRODUCTS: search})
    keys = [f"u{i:03d}" for i in range(150)]
    records = list(AkeneoProductSource(client(fake)).read(keys))
    assert len(searches(fake)) == 2
    assert len(searches(fake)[0]["uuid"][0]["value"]) == 100
    deleted = sorted(r.key for r in records if r.deleted)
    assert deleted == [k for k in keys if k.endswith("7")]
    assert len(records) == 150


def test_clock_is_the_pims_date() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/currencies": paged([[]])})
    assert AkeneoProductSource(client(fake)).clock().year == 2026
