"""Pagination: next links resolve whether absolute or relative, and a failed page raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pimsync.connectors.http import HttpClient, RetryPolicy, iter_pages, resolve_next_link
from pimsync.errors import RemoteError, TransientError

BASE = "https://pim.example.test"


def hal_next(page: Any) -> str | None:
    """Akeneo's ``_links.next.href``."""
    return page.get("_links", {}).get("next", {}).get("href")


def catalog(pages: dict[str, httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
    """A remote serving ``pages`` by path + query; anything else is a 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        return pages.get(key, httpx.Response(404, json={"message": f"no page {key}"}))

    return handle


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> HttpClient:
    return HttpClient(
        BASE,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=2),
        sleep=lambda seconds: None,
    )


def page(items: list[str], next_href: str | None = None) -> httpx.Response:
    links = {"next": {"href": next_href}} if next_href else {}
    return httpx.Response(200, json={"_embedded": {"items": items}, "_links": links})


@pytest.mark.parametrize(
    ("current", "link", "expected"),
    [
        (
            f"{BASE}/api/rest/v1/products?page=1",
            f"{BASE}/api/rest/v1/products?page=2",
            f"{BASE}/api/rest/v1/products?page=2",
        ),
        (
            f"{BASE}/api/rest/v1/products?page=1",
            "/api/rest/v1/products?page=2",
            f"{BASE}/api/rest/v1/products?page=2",
        ),
        (
            f"{BASE}/services/data/v60.0/query?q=x",
            "query/01gD-2000",
            f"{BASE}/services/data/v60.0/query/01gD-2000",
        ),
    ],
    ids=["absolute", "host-relative", "path-relative"],
)
def test_resolve_next_link(current: str, link: str, expected: str) -> None:
    assert resolve_next_link(current, link) == expected


def test_iter_pages_follows_absolute_and_relative_links() -> None:
    pages = {
        "/api/rest/v1/products?limit=2": page(["A", "B"], f"{BASE}/api/rest/v1/products?p=2"),
        "/api/rest/v1/products?p=2": page(["C", "D"], "/api/rest/v1/products?p=3"),
        "/api/rest/v1/products?p=3": page(["E"], "products?p=4"),  # relative to the path
        "/api/rest/v1/products?p=4": page([]),
    }
    with client_for(catalog(pages)) as client:
        walked = list(
            iter_pages(client, "/api/rest/v1/products", next_link=hal_next, params={"limit": 2})
        )
    assert [item for p in walked for item in p["_embedded"]["items"]] == ["A", "B", "C", "D", "E"]


def test_iter_pages_resolves_against_a_base_url_with_a_path_prefix() -> None:
    prefix = "/s/-/dw/data/v23_2"
    pages = {
        f"{prefix}/products?count=1": page(["A"], "products?count=1&start=1"),
        f"{prefix}/products?count=1&start=1": page(["B"]),
    }
    client = HttpClient(
        f"{BASE}{prefix}", transport=httpx.MockTransport(catalog(pages)), sleep=lambda s: None
    )
    walked = list(iter_pages(client, "products", next_link=hal_next, params={"count": 1}))
    assert [p["_embedded"]["items"] for p in walked] == [["A"], ["B"]]


def test_a_failing_page_raises_with_its_url_instead_of_ending_the_walk() -> None:
    pages = {
        "/api/rest/v1/products": page(["A"], "/api/rest/v1/products?p=2"),
        "/api/rest/v1/products?p=2": httpx.Response(503, json={"message": "maintenance"}),
    }
    walked: list[Any] = []
    with pytest.raises(TransientError) as caught:
        walked.extend(
            iter_pages(client_for(catalog(pages)), "/api/rest/v1/products", next_link=hal_next)
        )
    assert len(walked) == 1  # the first page was delivered, then the walk failed loudly
    assert f"{BASE}/api/rest/v1/products?p=2" in str(caught.value)
    assert "maintenance" in str(caught.value)
    assert "while reading page 2 of /api/rest/v1/products" in caught.value.__notes__


def test_a_missing_page_raises_remote_error() -> None:
    pages = {"/api/rest/v1/products": page(["A"], "/api/rest/v1/gone")}
    with pytest.raises(RemoteError, match="no page /api/rest/v1/gone") as caught:
        list(iter_pages(client_for(catalog(pages)), "/api/rest/v1/products", next_link=hal_next))
    assert caught.value.status_code == 404


def test_a_page_that_is_not_json_raises() -> None:
    pages = {"/api/rest/v1/products": httpx.Response(200, text="<html>maintenance</html>")}
    with pytest.raises(RemoteError, match=r"products returned 200 OK with a body that is not JSON"):
        list(iter_pages(client_for(catalog(pages)), "/api/rest/v1/products", next_link=hal_next))


def test_a_next_link_back_to_a_read_page_raises_instead_of_looping() -> None:
    pages = {
        "/p": page(["A"], "/p?n=2"),
        "/p?n=2": page(["B"], f"{BASE}/p"),
    }
    with pytest.raises(RemoteError, match="pagination loop"):
        list(iter_pages(client_for(catalog(pages)), "/p", next_link=hal_next))
