"""pimsync as an Akeneo App: activation against the sandbox PIM over HTTP, then reads."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from pimsync.connectors.akeneo import (
    AkeneoAppClient,
    AkeneoAppToken,
    authorize_url,
    code_challenge,
    exchange_code,
    new_state,
    read_callback,
    scopes_for,
)
from pimsync.errors import AuthenticationError, ConfigError, RemoteError
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from tests.sandbox._apps import (
    CALLBACK,
    Browser,
)

PRODUCTS = "/api/rest/v1/products-uuid"


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=25, seed=11)


@pytest.fixture(scope="module")
def base_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def consent(browser: Browser, url: str) -> str:
    """The admin opens the authorize URL, signs in and allows; returns the callback query."""
    page = browser.open(url)
    assert page.status_code == 200, page.text
    landed = browser.allow(page)
    assert landed.status_code == 200
    return browser.callbacks[-1].query.decode()


def test_scopes_for_reading_products_are_minimal_and_read_only() -> None:
    scopes = scopes_for(["akeneo.products"])
    assert scopes == (
        "read_products read_catalog_structure read_channel_localization "
        "read_channel_settings read_attribute_options read_categories"
    )
    both = scopes_for(["oro.structure", "oro.products"]).split()
    assert len(both) == len(set(both))
    assert not [s for s in both if not s.startswith("read_")]
    assert "openid" not in both
    assert scopes_for(["akeneo.products"], identify_user=True).endswith(" openid")
    with pytest.raises(ConfigError, match="no App scopes known"):
        scopes_for(["unknown.flow"])


def test_authorize_url_carries_the_four_parameters() -> None:
    url = authorize_url("https://acme.cloud.akeneo.com/", "cid", "read_products openid", "st8")
    assert url == (
        "https://acme.cloud.akeneo.com/connect/apps/v1/authorize?response_type=code"
        "&client_id=cid&scope=read_products+openid&state=st8"
    )
    assert code_challenge("abc", "secret") == hashlib.sha256(b"abcsecret").hexdigest()


def test_whole_activation_then_reading_products_with_the_app_token(
    pim: AkeneoSandbox, base_url: str, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = pim.register_app(CALLBACK)
    state = new_state()
    scopes = scopes_for(["akeneo.products"])
    query = consent(browser, authorize_url(base_url, app.client_id, scopes, state))
    caplog.clear()  # the test's browser logged the callback URL; pimsync's logs start here
    code = read_callback(query, state)
    token = exchange_code(base_url, app.client_id, app.secret, code)
    assert set(token.scopes) == set(scopes.split())
    assert token.access_token.get_secret_value() not in repr(token)
    with AkeneoAppClient(base_url, token) as client:
        uuids = [item["uuid"] for page in client.pages(PRODUCTS) for item in page.items]
        channels = client.get("/api/rest/v1/channels")
    assert len(uuids) == 25
    assert channels["_embedded"]["items"]
    assert "App " + app.client_id + " activated" in caplog.text
    assert "/api/rest/v1/products-uuid" in caplog.text  # the HTTP layer did log the reads
    for secret in (app.secret, code, token.access_token.get_secret_value()):
        assert secret not in caplog.text


def test_state_mismatch_and_cancel_are_refused(pim: AkeneoSandbox, browser: Browser) -> None:
    app = pim.register_app(CALLBACK)
    state = new_state()
    query = consent(browser, authorize_url(str(browser.client.base_url), app.client_id, "", state))
    with pytest.raises(AuthenticationError, match="state does not match"):
        read_callback(query, "another-state")
    page = browser.open(authorize_url(str(browser.client.base_url), app.client_id, "", state))
    browser.cancel(page)
    with pytest.raises(AuthenticationError, match="access_denied"):
        read_callback(browser.callbacks[-1].query.decode(), state)


def test_exchange_refuses_a_reused_code_or_a_wrong_secret_without_leaking_them(
    pim: AkeneoSandbox, base_url: str, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = pim.register_app(CALLBACK)
    state = new_state()
    code = read_callback(
        consent(browser, authorize_url(base_url, app.client_id, "read_products", state)), state
    )
    caplog.clear()  # the test's browser logged the callback URL; pimsync's logs start here
    with pytest.raises(AuthenticationError, match="Code challenge is invalid") as wrong:
        exchange_code(base_url, app.client_id, "wrong-secret-123", code)
    assert code not in str(wrong.value)
    exchange_code(base_url, app.client_id, app.secret, code)
    with pytest.raises(AuthenticationError, match="invalid_grant") as reused:
        exchange_code(base_url, app.client_id, app.secret, code)
    other = pim.register_app(CALLBACK)
    with pytest.raises(AuthenticationError, match="invalid_grant"):
        exchange_code(base_url, other.client_id, other.secret, code)
    for secret in (app.secret, code, "wrong-secret-123"):
        assert secret not in str(reused.value)
        assert secret not in caplog.text


def test_an_app_token_without_write_scope_cannot_patch(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    state = new_state()
    scopes = scopes_for(["akeneo.products"])
    code = read_callback(
        consent(browser, authorize_url(base_url, app.client_id, scopes, state)), state
    )
    token = exchange_code(base_url, app.client_id, app.secret, code)
    with AkeneoAppClient(base_url, token) as client:
        first = next(iter(client.pages(PRODUCTS))).items[0]
        with pytest.raises(RemoteError) as refused:
            client.http.request("PATCH", f"{PRODUCTS}/{first['uuid']}", json={"enabled": False})
    assert refused.value.status_code == 403
    assert "not allowed to create or update products" in str(refused.value)
    assert pim.store.products[first["uuid"]]["enabled"] == first["enabled"]


def test_a_disconnected_app_is_told_to_activate_again(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    state = new_state()
    code = read_callback(
        consent(browser, authorize_url(base_url, app.client_id, "read_products", state)), state
    )
    token = exchange_code(base_url, app.client_id, app.secret, code)
    with AkeneoAppClient(base_url, token) as client:
        assert client.get(PRODUCTS, params={"limit": 1})["_embedded"]["items"]
        pim.apps.disconnect(app.client_id)
        with pytest.raises(AuthenticationError, match="activate the App again"):
            client.get(PRODUCTS, params={"limit": 1})


def test_a_forged_token_is_refused(base_url: str) -> None:
    forged = AkeneoAppToken(SecretStr("forged-token-value"), ("read_products",))
    with AkeneoAppClient(base_url, forged) as client, pytest.raises(AuthenticationError) as exc:
        client.get(PRODUCTS)
    assert "forged-token-value" not in str(exc.value)
