"""App activation on the sandbox PIM, driven over HTTP like a browser and an App would."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._apps import CONNECTION_LIMIT, App, AppLimitError
from tests.sandbox._apps import (
    AUTHORIZE,
    CALLBACK,
    PRODUCTS,
    TOKEN,
    Browser,
    activate,
    authorize_path,
    query_of,
    request_id,
    token_form,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def pim(clock: Clock) -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=30, seed=3, clock=clock)


@pytest.fixture(scope="module")
def base_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def test_consent_needs_a_login_and_lists_scopes_in_plain_words(
    pim: AkeneoSandbox, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    path = authorize_path(app, "read_products write_categories fly_to_the_moon openid")
    redirect = browser.client.get(path, follow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith("/user/login?target=")
    refused = browser.open(path, password="wrong")
    assert refused.status_code == 401
    assert "Invalid credentials." in refused.text
    page = browser.open(path)
    assert page.status_code == 200
    assert "<li>View products</li>" in page.text
    assert "<li>Edit categories</li>" in page.text
    assert "<li>View categories</li>" in page.text  # implied by write_categories
    assert "Know who you are" in page.text
    assert "moon" not in page.text  # unknown scopes are dropped silently
    assert f"action='{AUTHORIZE}/allow'" in page.text
    assert f"{AUTHORIZE}/cancel?request=" in page.text
    assert browser.callbacks == []


def test_allow_then_token_exchange_grants_the_scopes_and_reads_products(
    pim: AkeneoSandbox, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    code = activate(browser, app, "read_products read_channel_settings", state="xyz 1/2&3")
    callback = browser.callbacks[-1]
    assert (callback.host, callback.path) == ("hub.example.com", "/akeneo/callback")
    answer = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "read_products read_channel_settings"
    assert "refresh_token" not in body
    assert "expires_in" not in body
    assert "id_token" not in body
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    products = browser.client.get(PRODUCTS, headers=bearer)
    assert products.status_code == 200
    assert len(products.json()["_embedded"]["items"]) == 10


def test_the_state_round_trips_unchanged(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    state = "é&=?/ +" + secrets.token_urlsafe(8)
    activate(browser, app, "read_products", state=state)
    assert query_of(browser.callbacks[-1])["state"] == state


def test_cancel_sends_access_denied_to_the_callback(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    page = browser.open(authorize_path(app, "read_products", state="keep-me"))
    landed = browser.cancel(page)
    assert landed.status_code == 200
    params = query_of(browser.callbacks[-1])
    assert params["error"] == "access_denied"
    assert params["state"] == "keep-me"
    assert "code" not in params
    again = browser.client.post(f"{AUTHORIZE}/allow", data={"request": request_id(page)})
    assert again.status_code == 400  # a cancelled request cannot be allowed afterwards


def test_token_request_errors(pim: AkeneoSandbox, browser: Browser, clock: Clock) -> None:
    app = pim.register_app(CALLBACK)
    other = pim.register_app(CALLBACK)
    url = browser.client.base_url.join(TOKEN)

    def refused(form: dict[str, str]) -> tuple[str, str]:
        answer = httpx.post(url, data=form)
        assert answer.status_code == 400, answer.text
        assert set(answer.json()) == {"error", "error_description"}
        return answer.json()["error"], answer.json()["error_description"]

    code = activate(browser, app, "read_products")
    assert refused(token_form(app, code, secret="not-the-secret"))[0] == "invalid_client"
    assert refused(token_form(other, code)) == ("invalid_grant", "Code is invalid")
    unknown = {**token_form(app, code), "client_id": "nobody"}
    assert refused(unknown)[0] == "invalid_client"
    assert refused({**token_form(app, code), "grant_type": "password"})[0] == (
        "unsupported_grant_type"
    )
    assert refused({**token_form(app, code), "code_identifier": ""})[0] == "invalid_request"
    as_json = httpx.post(url, json=token_form(app, code))
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    assert httpx.post(url, data=token_form(app, code)).status_code == 200
    assert refused(token_form(app, code)) == ("invalid_grant", "Code has already been used")
    assert refused(token_form(app, "made-up")) == ("invalid_grant", "Code is invalid")

    late = activate(browser, app, "read_products")
    clock.now += timedelta(seconds=31)
    assert refused(token_form(app, late)) == ("invalid_grant", "Code has expired")


def test_a_user_who_cannot_manage_apps_gets_403(pim: AkeneoSandbox, base_url: str) -> None:
    pim.apps.add_user("julia", "julia-pw", manage_apps=False)
    app = pim.register_app(CALLBACK)
    admin, julia = Browser(base_url), Browser(base_url)
    try:
        page = julia.open(authorize_path(app, "read_products"), "julia", "julia-pw")
        assert page.status_code == 403
        assert "not allowed to manage apps" in page.text
        admins_page = admin.open(authorize_path(app, "read_products"))
        allowed = julia.client.post(f"{AUTHORIZE}/allow", data={"request": request_id(admins_page)})
        assert allowed.status_code == 403
        assert julia.callbacks == []
    finally:
        admin.close()
        julia.close()


def test_bad_authorization_requests(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    wrong_type = authorize_path(app, "read_products").replace(
        "response_type=code", "response_type=token"
    )
    assert browser.open(wrong_type).status_code == 400
    unknown = authorize_path(App("nobody", "x", CALLBACK), "read_products")
    assert browser.open(unknown).status_code == 400
    assert browser.callbacks == []


def test_the_51st_connection_or_app_is_refused() -> None:
    sb = AkeneoSandbox.demo(products=1)
    assert sb.apps.connections == 1  # the sandbox's own API connection
    for _ in range(CONNECTION_LIMIT - 1):
        sb.register_app(CALLBACK)
    with pytest.raises(AppLimitError, match="50 connections and apps, the limit is 50"):
        sb.register_app(CALLBACK)
    assert len(sb.apps.apps) == CONNECTION_LIMIT - 1


def test_an_app_token_is_limited_to_its_scopes(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    code = activate(browser, app, "read_products")
    token = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code)).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    first = browser.client.get(PRODUCTS, headers=bearer).json()["_embedded"]["items"][0]
    patch = browser.client.patch(
        f"{PRODUCTS}/{first['uuid']}", json={"enabled": not first["enabled"]}, headers=bearer
    )
    assert patch.status_code == 403
    assert patch.json() == {
        "code": 403,
        "message": "Access forbidden. You are not allowed to create or update products.",
    }
    assert pim.store.products[first["uuid"]]["enabled"] == first["enabled"]
    categories = browser.client.get("/api/rest/v1/categories", headers=bearer)
    assert categories.status_code == 403
    assert "list categories" in categories.json()["message"]
    assert browser.client.get("/api/rest/v1/families/x/variants", headers=bearer).status_code == 403


def test_write_scope_implies_read_and_allows_the_patch(
    pim: AkeneoSandbox, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    code = activate(browser, app, "write_products")
    token = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code)).json()
    assert token["scope"] == "read_products write_products"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    first = browser.client.get(PRODUCTS, headers=bearer).json()["_embedded"]["items"][0]
    patch = browser.client.patch(
        f"{PRODUCTS}/{first['uuid']}", json={"enabled": first["enabled"]}, headers=bearer
    )
    assert patch.status_code == 204
    delete = browser.client.delete(f"{PRODUCTS}/{first['uuid']}", headers=bearer)
    assert delete.status_code == 403
    assert delete.json()["message"].endswith("not allowed to delete products.")


def test_a_disconnected_app_gets_401(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    code = activate(browser, app, "read_products")
    token = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code)).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert browser.client.get(PRODUCTS, headers=bearer).status_code == 200
    pim.apps.disconnect(app.client_id)
    gone = browser.client.get(PRODUCTS, headers=bearer)
    assert gone.status_code == 401
    assert gone.json()["message"].endswith("Your app has been disconnected from that PIM.")
