"""Salesforce sandbox fixtures: an org with a settable clock served on 127.0.0.1, and an
httpx client holding a client-credentials session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pimsync.sandbox.salesforce import SalesforceSandbox, serve
from tests.sandbox_salesforce._clock import Clock

V = "/services/data/v60.0"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock: Clock) -> SalesforceSandbox:
    return SalesforceSandbox(clock=clock)


@pytest.fixture
def base_url(sb: SalesforceSandbox) -> Iterator[str]:
    with serve(sb) as url:
        yield url


def token(client: httpx.Client, sb: SalesforceSandbox) -> dict[str, Any]:
    form = {
        "grant_type": "client_credentials",
        "client_id": sb.app.client_id,
        "client_secret": sb.app.client_secret,
    }
    response = client.post("/services/oauth2/token", data=form)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def api(sb: SalesforceSandbox, base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.headers["Authorization"] = f"Bearer {token(client, sb)['access_token']}"
        yield client


def create(api: httpx.Client, type_: str, **fields: Any) -> str:
    response = api.post(f"{V}/sobjects/{type_}/", json=fields)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def error(response: httpx.Response) -> dict[str, Any]:
    """The single element of a top-level error array."""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    return dict(body[0])


def priced_product(
    api: httpx.Client, sb: SalesforceSandbox, name: str = "Widget", price: float = 10.0
) -> tuple[str, str]:
    """A product with an active standard price: (product id, standard entry id)."""
    product = create(api, "Product2", Name=name, IsActive=True)
    entry = create(
        api,
        "PricebookEntry",
        Pricebook2Id=sb.org.standard_pricebook_id,
        Product2Id=product,
        UnitPrice=price,
        IsActive=True,
    )
    return product, entry
