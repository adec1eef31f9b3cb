"""What App activation tests share: a PIM user's browser, the consent steps and the token
form. Its ``browser`` fixture (a pytest plugin, see ``tests/conftest.py``) opens the
``base_url`` of the test module's own sandbox."""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from pimsync.connectors.akeneo import AkeneoAppToken, exchange_code
from pimsync.sandbox.akeneo._apps import App

CALLBACK = "https://hub.example.com/akeneo/callback"
AUTHORIZE = "/connect/apps/v1/authorize"
TOKEN = "/connect/apps/v1/oauth2/token"
PRODUCTS = "/api/rest/v1/products-uuid"


class Browser:
    """A PIM user's browser: keeps the session cookie, follows redirects, and lands on the
    App's callback (a mock of hub.example.com that records each URL it is sent to)."""

    def __init__(self, base_url: str) -> None:
        self.callbacks: list[httpx.URL] = []

        def callback(request: httpx.Request) -> httpx.Response:
            self.callbacks.append(request.url)
            return httpx.Response(200, text="App: activation received")

        self.client = httpx.Client(
            base_url=base_url,
            follow_redirects=True,
            mounts={"https://hub.example.com": httpx.MockTransport(callback)},
        )

    def open(self, url: str, username: str = "admin", password: str = "admin") -> httpx.Response:
        """Open ``url``, signing in on the login form if the PIM shows it."""
        page = self.client.get(url)
        target = re.search(r"name='target' value='([^']*)'", page.text)
        if target is None:
            return page
        form = {"username": username, "password": password, "target": html.unescape(target[1])}
        return self.client.post("/user/login-check", data=form)

    def allow(self, page: httpx.Response) -> httpx.Response:
        return self.client.post(f"{AUTHORIZE}/allow", data={"request": request_id(page)})

    def cancel(self, page: httpx.Response) -> httpx.Response:
        return self.client.get(f"{AUTHORIZE}/cancel", params={"request": request_id(page)})

    def close(self) -> None:
        self.client.close()


def request_id(page: httpx.Response) -> str:
    found = re.search(r"name='request' value='([^']+)'", page.text)
    assert found is not None, page.text
    return found[1]


def authorize_path(app: App, scope: str, state: str | None = "s-123") -> str:
    params = {"response_type": "code", "client_id": app.client_id, "scope": scope}
    if state is not None:
        params["state"] = state
    return f"{AUTHORIZE}?{urlencode(params)}"


def query_of(url: httpx.URL) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(url.query.decode()).items()}


def token_form(app: App, code: str, secret: str | None = None) -> dict[str, str]:
    identifier = secrets.token_hex(30)
    challenge = hashlib.sha256((identifier + (secret or app.secret)).encode()).hexdigest()
    return {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "code": code,
        "code_identifier": identifier,
        "code_challenge": challenge,
    }


@pytest.fixture
def browser(base_url: str) -> Iterator[Browser]:
    b = Browser(base_url)
    yield b
    b.close()


def activate(browser: Browser, app: App, scope: str, state: str = "s-123") -> str:
    """Run the consent with the admin user and return the callback's code."""
    page = browser.open(authorize_path(app, scope, state))
    assert page.status_code == 200, page.text
    browser.allow(page)
    params = query_of(browser.callbacks[-1])
    assert params["state"] == state
    return params["code"]


def app_token(base_url: str, app: App, scope: str) -> AkeneoAppToken:
    """An App token for ``app`` on the sandbox at ``base_url``: the admin's consent in a
    browser, then the code exchanged as pimsync does it."""
    browser = Browser(base_url)
    try:
        code = activate(browser, app, scope)
    finally:
        browser.close()
    return exchange_code(base_url, app.client_id, app.secret, code)
