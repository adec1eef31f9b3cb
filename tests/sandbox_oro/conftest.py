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


def numbered(doc: dict[str, Any], n: int) -> dict[str, Any]:
    """``doc`` with its temp ids (primary default ``p``) suffixed ``-n`` for a shared batch."""
    primary = doc["data"].get("id", "p")
    temps = {item["id"] for item in doc["included"]} | {primary}

    def renamed(linkage: Any) -> Any:
        if isinstance(linkage, list):
            return [renamed(item) for item in linkage]
        if isinstance(linkage, dict) and linkage.get("id") in temps:
            return {**linkage, "id": f"{linkage['id']}-{n}"}
        return linkage

    records = [{**doc["data"], "id": primary}] + [dict(item) for item in doc["included"]]
    for record in records:
        record["id"] = f"{record['id']}-{n}"
        links = record.get("relationships") or {}
        record["relationships"] = {k: {"data": renamed(v["data"])} for k, v in links.items()}
    return {"data": records[0], "included": records[1:]}


def batch(*docs: dict[str, Any]) -> dict[str, Any]:
    """One batch body from product documents (temp ids made unique per document)."""
    parts = [numbered(doc, n) for n, doc in enumerate(docs)]
    return {
        "data": [p["data"] for p in parts],
        "included": [i for p in parts for i in p["included"]],
    }


def price_item(
    temp: str, currency: str = "USD", value: Any = "9.99", price_list: str = "1"
) -> dict[str, Any]:
    """An included productprices record pointing back at the primary (temp id ``p``)."""
    return {
        "type": "productprices",
        "id": temp,
        "attributes": {"quantity": 1, "currency": currency, "value": value},
        "relationships": {
            "priceList": {"data": {"type": "pricelists", "id": price_list}},
            "product": {"data": {"type": "products", "id": "p"}},
            "unit": {"data": {"type": "productunits", "id": "each"}},
        },
    }


def with_prices(doc: dict[str, Any], *prices: dict[str, Any]) -> dict[str, Any]:
    doc["data"]["id"] = "p"
    doc["included"] += list(prices)
    return doc
