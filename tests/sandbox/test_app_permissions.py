"""EE permissions of an activated app: what its token sees and may write.

Expected sets are computed here from the sandbox's raw store (parent pointers, attribute
groups, value locales), not with the sandbox's permission code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr

from pimsync.connectors.akeneo._app_auth import AkeneoAppClient, AkeneoAppToken
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._apps import App
from tests.sandbox._apps import (
    CALLBACK,
    PRODUCTS,
    TOKEN,
    Browser,
    authorize_path,
    query_of,
    request_id,
    token_form,
)

MODELS = "/api/rest/v1/product-models"
SCOPES = "read_products write_products delete_products"


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=60, seed=3, edition="enterprise")


@pytest.fixture(scope="module")
def base_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def checkboxes(page: str) -> list[tuple[str, str]]:
    """(name, value) of every checked box of the permissions step."""
    return re.findall(r"type='checkbox' name='([^']+)' value='([^']+)' checked", page)


def activate(
    browser: Browser, app: App, keep: Any = lambda name, value: True
) -> tuple[str, httpx.Response]:
    """Consent, then the EE permissions step with the boxes ``keep`` leaves checked."""
    consent = browser.open(authorize_path(app, SCOPES))
    step = browser.allow(consent)
    assert step.status_code == 200, step.text
    assert not browser.callbacks or browser.callbacks[-1].params.get("code") is None
    fields = [(n, v) for n, v in checkboxes(step.text) if keep(n, v)]
    done = browser.client.post(
        "/connect/apps/v1/authorize/permissions",
        content=urlencode([("request", request_id(step)), *fields]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.text == "App: activation received"
    code = query_of(browser.callbacks[-1])["code"]
    answer = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code))
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"], step


def app_token(pim: AkeneoSandbox, browser: Browser) -> tuple[App, str]:
    app = pim.register_app(CALLBACK)
    token, _ = activate(browser, app)
    return app, token


def connection_token(base_url: str) -> str:
    answer = httpx.post(
        f"{base_url}/api/oauth/v1/token",
        auth=("pimsync", "pimsync-secret"),
        json={"grant_type": "password", "username": "admin", "password": "admin"},
    )
    return str(answer.json()["access_token"])


def subtree(pim: AkeneoSandbox, root: str) -> set[str]:
    """Categories under ``root`` (itself included), by walking parent pointers."""
    found = set()
    for code in pim.store.categories:
        current: str | None = code
        while current is not None:
            if current == root:
                found.add(code)
                break
            current = pim.store.categories[current].get("parent")
    return found


def visible_uuids(pim: AkeneoSandbox, categories: set[str]) -> set[str]:
    return {
        uuid
        for uuid, p in pim.store.products.items()
        if not p["categories"] or set(p["categories"]) & categories
    }


def read_all(base_url: str, token: str, path: str = PRODUCTS) -> list[dict[str, Any]]:
    app_token_ = AkeneoAppToken(SecretStr(token), tuple(SCOPES.split()))
    with AkeneoAppClient(base_url, app_token_) as client:
        return [item for page in client.pages(path) for item in page.items]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_permissions_step_follows_allow_and_sets_what_the_app_sees(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app = pim.register_app(CALLBACK)
    # Untick every category tree but "sales": only sales products and unclassified ones.
    token, step = activate(
        browser, app, lambda name, value: not name.startswith("trees_") or value == "sales"
    )
    boxes = checkboxes(step.text)
    assert ("trees_own", "sales") in boxes and ("locales_edit", "ja_JP") not in boxes
    assert ("attribute_groups_view", "marketing") in boxes
    expected = visible_uuids(pim, subtree(pim, "sales"))
    assert {p["uuid"] for p in read_all(base_url, token)} == expected
    assert len(expected) < len(pim.store.products)


def test_default_permissions_step_grants_everything(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    _, token = app_token(pim, browser)
    seen = {p["uuid"]: p for p in read_all(base_url, token)}
    assert set(seen) == set(pim.store.products)
    some = next(iter(pim.store.products.values()))
    assert seen[some["uuid"]]["values"] == some["values"]


def test_view_on_the_clothing_subtree_only(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app, token = app_token(pim, browser)
    pim.apps.set_permissions(app.client_id, trees_view=["clothing"])
    clothing = subtree(pim, "clothing")
    expected = visible_uuids(pim, clothing)
    assert expected and len(expected) < len(pim.store.products)
    assert any(not p["categories"] for p in pim.store.products.values())
    items = read_all(base_url, token)
    assert {p["uuid"] for p in items} == expected
    assert len(items) == len(expected)
    for item in items:
        raw = pim.store.products[item["uuid"]]["categories"]
        assert item["categories"] == [c for c in raw if c in clothing]
    # Searches are narrowed the same way.
    search = '{"enabled":[{"operator":"=","value":true}]}'
    answer = httpx.get(
        f"{base_url}{PRODUCTS}",
        params={"search": search, "limit": 100, "with_count": "true"},
        headers=bearer(token),
    ).json()
    enabled = {u for u in expected if pim.store.products[u]["enabled"]}
    assert {p["uuid"] for p in answer["_embedded"]["items"]} == enabled
    assert answer["items_count"] == len(enabled)
    # Product models too.
    models = {m["code"] for m in read_all(base_url, token, MODELS)}
    assert models == {
        code
        for code, m in pim.store.product_models.items()
        if not m["categories"] or set(m["categories"]) & clothing
    }


def test_a_locale_restriction_removes_exactly_those_values(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app, token = app_token(pim, browser)
    pim.apps.set_permissions(app.client_id, locales_view=["en_US"])
    items = {p["uuid"]: p for p in read_all(base_url, token)}
    assert set(items) == set(pim.store.products)
    removed = 0
    for uuid, raw in pim.store.products.items():
        expected = {}
        for code, entries in raw["values"].items():
            kept = [v for v in entries if v["locale"] in (None, "en_US")]
            removed += len(entries) - len(kept)
            if kept:
                expected[code] = kept
        assert items[uuid]["values"] == expected
    assert removed > 0
    code = next(iter(pim.store.product_models))
    shown = httpx.get(f"{base_url}{MODELS}/{code}", headers=bearer(token)).json()
    for entries in shown["values"].values():
        assert all(v["locale"] in (None, "en_US") for v in entries)


def test_an_attribute_group_restriction_removes_exactly_those_attributes(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app, token = app_token(pim, browser)
    allowed = [g for g in pim.store.attribute_groups if g != "marketing"]
    pim.apps.set_permissions(app.client_id, attribute_groups_view=allowed)
    marketing = {a for a, spec in pim.store.attributes.items() if spec["group"] == "marketing"}
    assert marketing
    items = {p["uuid"]: p for p in read_all(base_url, token)}
    for uuid, raw in pim.store.products.items():
        assert set(items[uuid]["values"]) == set(raw["values"]) - marketing
        assert items[uuid]["values"]["sku"] == raw["values"]["sku"]


def test_direct_access_to_a_hidden_product_is_404(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app, token = app_token(pim, browser)
    pim.apps.set_permissions(app.client_id, trees_view=["clothing"])
    clothing = subtree(pim, "clothing")
    hidden = next(
        u
        for u, p in pim.store.products.items()
        if p["categories"] and not (set(p["categories"]) & clothing)
    )
    shown = next(u for u, p in pim.store.products.items() if set(p["categories"]) & clothing)
    answer = httpx.get(f"{base_url}{PRODUCTS}/{hidden}", headers=bearer(token))
    assert answer.status_code == 404
    assert answer.json() == {
        "code": 404,
        "message": f'Product "{hidden}" does not exist or you do not have permission to access it.',
    }
    assert httpx.get(f"{base_url}{PRODUCTS}/{shown}", headers=bearer(token)).status_code == 200
    identifier = pim.store.products[hidden]["identifier"]
    legacy = httpx.get(f"{base_url}/api/rest/v1/products/{identifier}", headers=bearer(token))
    assert legacy.status_code == 404


def test_writes_need_edit_rights(pim: AkeneoSandbox, base_url: str, browser: Browser) -> None:
    app, token = app_token(pim, browser)
    pim.apps.set_permissions(
        app.client_id,
        trees_view=["clothing", "sales"],
        trees_edit=["clothing"],
        trees_own=["men_tshirts"],
        locales_view=["fr_FR"],
        locales_edit=["en_US"],
        attribute_groups_view=["marketing"],
        attribute_groups_edit=["erp", "technical"],
    )
    men, women = subtree(pim, "men_tshirts"), subtree(pim, "women_tshirts")
    clothing = subtree(pim, "clothing")
    products = pim.store.products
    sales = subtree(pim, "sales")
    view_only = next(
        u
        for u, p in products.items()
        if set(p["categories"]) & sales and not set(p["categories"]) & clothing
    )
    owned = next(u for u, p in products.items() if set(p["categories"]) & men)
    edit_only = next(
        u
        for u, p in products.items()
        if set(p["categories"]) & women and not (set(p["categories"]) & men)
    )

    def patch(uuid: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.patch(f"{base_url}{PRODUCTS}/{uuid}", json=body, headers=bearer(token))

    before = dict(products[view_only])
    answer = patch(view_only, {"enabled": False})
    assert answer.status_code == 403
    assert set(answer.json()) == {"code", "message"} and answer.json()["code"] == 403
    assert products[view_only] == before

    weight = [{"locale": None, "scope": None, "data": {"amount": 3, "unit": "KILOGRAM"}}]
    name = lambda locale: {"name": [{"locale": locale, "scope": None, "data": "X"}]}  # noqa: E731
    assert patch(owned, {"values": name("fr_FR")}).json() == {
        "code": 403,
        "message": 'Attribute "name" belongs to the attribute group "marketing" on which you '
        "only have view permission.",
    }
    assert patch(owned, {"values": {"color": weight}}).json() == {
        "code": 422,
        "message": "The color attribute does not exist in your PIM.",
    }
    assert patch(owned, {"categories": ["master"]}).json()["code"] == 422  # not viewable
    assert patch(owned, {"values": {"weight": weight}}).status_code == 204
    assert products[owned]["values"]["weight"][0]["data"]["amount"] == 3
    assert "master" in products[owned]["categories"]
    assert patch(owned, {"categories": ["men_tshirts", "sales_new"]}).status_code == 204
    # "master" is hidden from the app: replacing the categories does not drop it.
    assert sorted(products[owned]["categories"]) == ["master", "men_tshirts", "sales_new"]

    untouched = dict(products[edit_only])
    assert patch(edit_only, {"values": {"weight": weight}}).status_code == 204  # a draft
    assert products[edit_only] == untouched
    assert (app.client_id, edit_only) in pim.apps.drafts
    assert (
        httpx.delete(f"{base_url}{PRODUCTS}/{edit_only}", headers=bearer(token)).status_code == 403
    )


def test_locale_write_rights(pim: AkeneoSandbox, base_url: str, browser: Browser) -> None:
    app, token = app_token(pim, browser)
    pim.apps.set_permissions(app.client_id, locales_view=["fr_FR"], locales_edit=["en_US"])
    uuid = next(u for u, p in pim.store.products.items() if p["categories"])

    def name(locale: str) -> httpx.Response:
        body = {"values": {"name": [{"locale": locale, "scope": None, "data": "X"}]}}
        return httpx.patch(f"{base_url}{PRODUCTS}/{uuid}", json=body, headers=bearer(token))

    assert name("fr_FR").json() == {
        "code": 403,
        "message": 'You only have a view permission on the locale "fr_FR".',
    }
    assert name("de_DE").status_code == 422
    assert name("en_US").status_code == 204


def test_a_connection_token_still_sees_everything(
    pim: AkeneoSandbox, base_url: str, browser: Browser
) -> None:
    app, _ = app_token(pim, browser)
    pim.apps.set_permissions(
        app.client_id, trees_view=["clothing"], locales_view=["en_US"], attribute_groups_view=[]
    )
    token = connection_token(base_url)
    seen: dict[str, Any] = {}
    url: str | None = f"{base_url}{PRODUCTS}?limit=100"
    while url:
        page = httpx.get(url, headers=bearer(token)).json()
        seen.update((p["uuid"], p) for p in page["_embedded"]["items"])
        url = page["_links"].get("next", {}).get("href")
    assert set(seen) == set(pim.store.products)
    for uuid, raw in pim.store.products.items():
        assert seen[uuid]["values"] == raw["values"]
        assert seen[uuid]["categories"] == raw["categories"]


def test_community_edition_has_no_permissions() -> None:
    sb = AkeneoSandbox.demo(products=3)
    app = sb.register_app(CALLBACK)
    with pytest.raises(ValueError, match="Enterprise"):
        sb.apps.set_permissions(app.client_id, trees_view=["clothing"])
