"""Oro sandbox fixtures: a sandbox served on 127.0.0.1 and a token-holding JSON:API client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pimsync.sandbox.oro import OroSandbox, serve

API = "/admin/api"
VND = "application/vnd.api+json"


def token(client: httpx.Client, sb: OroSandbox) -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": sb.credentials.client_id,
        "client_secret": sb.credentials.client_secret,
    }
    response = client.post("/oauth2-token", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def connect(client: httpx.Client, sb: OroSandbox) -> httpx.Client:
    client.headers.update(
        {"Authorization": f"Bearer {token(client, sb)}", "Accept": VND, "Content-Type": VND}
    )
    return client


def product_doc(sku: str, name: str = "Widget", **attributes: Any) -> dict[str, Any]:
    """The brief's minimal create document, with a default and a French name."""
    return {
        "data": {
            "type": "products",
            "attributes": {"sku": sku, "status": "enabled", "productType": "simple", **attributes},
            "relationships": {
                "names": {
                    "data": [
                        {"type": "productnames", "id": "n1"},
                        {"type": "productnames", "id": "n2"},
                    ]
                },
                "attributeFamily": {"data": {"type": "attributefamilies", "id": "1"}},
                "primaryUnitPrecision": {"data": {"type": "productunitprecisions", "id": "u1"}},
                "inventory_status": {"data": {"type": "prodinventorystatuses", "id": "in_stock"}},
                "category": {"data": {"type": "categories", "id": "3"}},
            },
        },
        "included": [
            {
                "type": "productnames",
                "id": "n1",
                "attributes": {"fallback": None, "string": name},
                "relationships": {"localization": {"data": None}},
            },
            {
                "type": "productnames",
                "id": "n2",
                "attributes": {"fallback": None, "string": f"{name} (fr)"},
                "relationships": {"localization": {"data": {"type": "localizations", "id": "2"}}},
            },
            {
                "type": "productunitprecisions",
                "id": "u1",
                "attributes": {"precision": 0, "conversionRate": 1, "sell": True},
                "relationships": {"unit": {"data": {"type": "productunits", "id": "each"}}},
            },
        ],
    }


@pytest.fixture
def sandbox() -> OroSandbox:
    return OroSandbox()


@pytest.fixture
def base_url(sandbox: OroSandbox) -> Iterator[str]:
    with serve(sandbox) as url:
        yield url


@pytest.fixture
def oro(sandbox: OroSandbox, base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url) as client:
        yield connect(client, sandbox)
