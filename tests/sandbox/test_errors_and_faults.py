"""Akeneo-shaped errors, and the faults a test can inject."""

from __future__ import annotations

import httpx
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from tests.sandbox.conftest import login

API = "/api/rest/v1"


def test_missing_resources_are_404(pim: httpx.Client) -> None:
    for path in [
        "/products-uuid/00000000-0000-4000-8000-000000000000",
        "/products/no-such-sku",
        "/product-models/none",
        "/families/none",
        "/attributes/color/options/none",
    ]:
        response = pim.get(API + path)
        assert response.status_code == 404, path
        assert response.json()["code"] == 404
        assert "does not exist" in response.json()["message"]


def test_enterprise_routes_are_unknown_in_community(pim: httpx.Client) -> None:
    response = pim.get(f"{API}/asset-families")
    assert response.status_code == 404
    assert "No route found" in response.json()["message"]


def test_enterprise_edition_serves_assets_and_records() -> None:
    sb = AkeneoSandbox.demo(products=3, edition="enterprise")
    with serve(sb) as url, httpx.Client(base_url=url) as client:
        client.headers["Authorization"] = "Bearer " + login(client, sb).json()["access_token"]
        assert client.get(f"{API}/asset-families/packshots/assets").json()["_embedded"]["items"]
        assert client.get(f"{API}/reference-entities/brand/records").json()["_embedded"]["items"]


def test_429_carries_retry_after(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    sandbox.faults.fail_next(f"{API}/products-uuid", 429, times=2, retry_after=3)
    for _ in range(2):
        response = pim.get(f"{API}/products-uuid")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        assert response.json()["code"] == 429
    assert pim.get(f"{API}/products-uuid").status_code == 200


def test_500_then_recovery(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    sandbox.faults.fail_next(f"{API}/families", 500)
    assert pim.get(f"{API}/families").status_code == 500
    assert pim.get(f"{API}/families").status_code == 200


def test_dropped_connection(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    sandbox.faults.drop_next(f"{API}/channels")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        pim.get(f"{API}/channels")
    assert pim.get(f"{API}/channels").status_code == 200


def test_slow_responses(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    sandbox.faults.slow(f"{API}/locales", 0.5)
    with pytest.raises(httpx.ReadTimeout):
        pim.get(f"{API}/locales", timeout=0.1)


def test_expired_tokens(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    assert pim.get(f"{API}/channels").status_code == 200
    sandbox.faults.expire_tokens()
    response = pim.get(f"{API}/channels")
    assert response.status_code == 401
    assert response.json()["code"] == 401
    pim.headers["Authorization"] = "Bearer " + login(pim, sandbox).json()["access_token"]
    assert pim.get(f"{API}/channels").status_code == 200


def test_request_counter(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    before = sandbox.requests[f"{API}/currencies"]
    pim.get(f"{API}/currencies")
    pim.get(f"{API}/currencies?page=2")
    assert sandbox.requests[f"{API}/currencies"] == before + 2


def test_patch_creates_then_updates(pim: httpx.Client, sandbox: AkeneoSandbox) -> None:
    body = {
        "family": "chairs",
        "values": {"name": [{"locale": "en_US", "scope": None, "data": "X"}]},
    }
    created = pim.patch(f"{API}/products/NEW-1", json=body)
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/products/NEW-1")
    assert pim.patch(f"{API}/products/NEW-1", json={"enabled": False}).status_code == 204
    product = pim.get(f"{API}/products/NEW-1").json()
    assert product["enabled"] is False
    assert product["family"] == "chairs"
    lines = b'{"identifier": "NEW-2"}\n{"identifier": "NEW-1", "enabled": true}\nnot json'
    answer = pim.patch(
        f"{API}/products",
        content=lines,
        headers={"Content-Type": "application/vnd.akeneo.collection+json"},
    )
    statuses = [
        httpx.Response(200, content=line).json()["status_code"]
        for line in answer.content.splitlines()
    ]
    assert statuses == [201, 204, 400]
    sandbox.delete_product("NEW-1")
    sandbox.delete_product("NEW-2")
    assert pim.get(f"{API}/products/NEW-1").status_code == 404
