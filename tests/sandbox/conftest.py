"""Akeneo sandbox fixtures: the demo catalog served on 127.0.0.1, and a token-holding client."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox, serve

TOKEN = "/api/oauth/v1/token"


def basic(sb: AkeneoSandbox) -> str:
    creds = sb.credentials
    return "Basic " + base64.b64encode(f"{creds.client_id}:{creds.secret}".encode()).decode()


def login(client: httpx.Client, sb: AkeneoSandbox) -> httpx.Response:
    creds = sb.credentials
    body = {"grant_type": "password", "username": creds.username, "password": creds.password}
    return client.post(TOKEN, json=body, headers={"Authorization": basic(sb)})


@pytest.fixture(scope="module")
def sandbox() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=1200, seed=7)


@pytest.fixture(scope="module")
def base_url(sandbox: AkeneoSandbox) -> Iterator[str]:
    with serve(sandbox) as url:
        yield url


@pytest.fixture
def pim(sandbox: AkeneoSandbox, base_url: str) -> Iterator[httpx.Client]:
    sandbox.faults.clear()
    with httpx.Client(base_url=base_url) as client:
        client.headers["Authorization"] = f"Bearer {login(client, sandbox).json()['access_token']}"
        yield client
    sandbox.faults.clear()
