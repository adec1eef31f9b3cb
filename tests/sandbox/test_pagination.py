"""Both paginations walk the whole catalog exactly once, with Akeneo's links."""

from __future__ import annotations

import httpx
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox

API = "/api/rest/v1"


def walk(pim: httpx.Client, url: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    next_url: str | None = url
    while next_url:
        page = pim.get(next_url)
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["_embedded"]["items"])
        next_url = body["_links"].get("next", {}).get("href")
    return items


@pytest.mark.parametrize(("path", "key"), [("products-uuid", "uuid"), ("products", "identifier")])
@pytest.mark.parametrize("pagination", ["page", "search_after"])
def test_pagination_walks_every_product_once(
    pim: httpx.Client, sandbox: AkeneoSandbox, path: str, key: str, pagination: str
) -> None:
    items = walk(pim, f"{API}/{path}?limit=100&pagination_type={pagination}")
    keys = [item[key] for item in items]
    assert len(keys) == sandbox.counts()["products"]
    assert len(set(keys)) == len(keys)


def test_product_models_walk(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    items = walk(pim, f"{API}/product-models?limit=100&pagination_type=search_after")
    assert len({i["code"] for i in items}) == sandbox.counts()["product_models"]
    assert any(i["parent"] for i in items)


def test_page_links_and_count(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    body = pim.get(f"{API}/products-uuid?limit=7&page=2&with_count=true").json()
    assert body["current_page"] == 2
    assert body["items_count"] == sandbox.counts()["products"]
    assert body["_links"]["next"]["href"].startswith("http://127.0.0.1")
    assert "page=3" in body["_links"]["next"]["href"]
    assert "page=1" in body["_links"]["first"]["href"]
    assert len(body["_embedded"]["items"]) == 7
    assert body["_embedded"]["items"][0]["_links"]["self"]["href"].startswith("http")


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_bad_limit_is_422(pim: httpx.Client, limit: str) -> None:
    response = pim.get(f"{API}/products-uuid?limit={limit}")
    assert response.status_code == 422
    assert response.json()["code"] == 422


def test_structure_lists_are_served(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    counts = sandbox.counts()
    for path, entity in [
        ("attributes", "attributes"),
        ("families", "families"),
        ("categories", "categories"),
        ("channels", "channels"),
        ("locales", "locales"),
        ("currencies", "currencies"),
        ("association-types", "association_types"),
        ("attribute-groups", "attribute_groups"),
        ("media-files", "media_files"),
    ]:
        assert len(walk(pim, f"{API}/{path}?limit=100")) == counts[entity], path
    measurement = pim.get(f"{API}/measurement-families").json()
    assert isinstance(measurement, list)
    assert len(measurement) == counts["measurement_families"]
    variants = pim.get(f"{API}/families/tshirts/variants").json()["_embedded"]["items"]
    assert [len(v["variant_attribute_sets"]) for v in variants] == [2]
