"""The permissions screen and ``/api/v1/permissions`` over HTTP, against an Akeneo sandbox.

The codes offered are compared with the sandbox's raw store; every refused input must
leave the stored permissions as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest

from pimsync.catalogs import Permissions
from pimsync.web._connections import add_connection
from tests.web.conftest import Hub, csrf_of
from tests.web.test_mapping_ui import Systems, pim_and_shop


@pytest.fixture
def systems(hub: Hub) -> Iterator[Systems]:
    with pim_and_shop(hub) as found:
        yield found


def stored(systems: Systems) -> Permissions | None:
    return systems.hub.runner.project().permissions.get("shop")


def field_errors(html: str) -> dict[str, str]:
    found = re.findall(r'data-field="([^"]*)"(?: role="alert")?>([^<]*)<', html)
    return {where: unescape(text) for where, text in found}


def checkboxes(html: str, name: str) -> list[str]:
    return re.findall(rf'type="checkbox" name="{name}" value="([^"]+)"', html)


def form(csrf: str, **dimensions: list[str] | None) -> dict[str, Any]:
    """The editor's fields: a dimension given as None is "all", a list "only these"."""
    data: dict[str, Any] = {"csrf_token": csrf}
    for name in ("category_trees", "locales", "attribute_groups"):
        codes = dimensions.get(name)
        data[f"{name}.mode"] = "all" if codes is None else "only"
        data[name] = codes or []
    return data


def token(systems: Systems, username: str) -> httpx.Client:
    return systems.token(username)


def test_the_editor_offers_the_codes_of_the_akeneo_source(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    listing = browser.get("/permissions")
    assert listing.status_code == 200
    row = re.search(r'<tr data-destination="shop">(.*?)</tr>', listing.text, re.S)
    assert row is not None
    assert row[1].count(">all<") == 3
    assert ">pim<" in row[1]

    editor = browser.get("/permissions/shop")
    assert editor.status_code == 200
    store = systems.pim.store
    trees = [code for code, c in store.categories.items() if c["parent"] is None]
    assert sorted(checkboxes(editor.text, "category_trees")) == sorted(trees)
    enabled = [code for code, loc in store.locales.items() if loc["enabled"]]
    assert sorted(checkboxes(editor.text, "locales")) == sorted(enabled)
    assert sorted(checkboxes(editor.text, "attribute_groups")) == sorted(store.attribute_groups)
    assert editor.text.count('value="all" checked') == 3


def test_save_restricts_then_clears_what_a_destination_receives(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get("/permissions/shop"))

    saved = browser.post(
        "/permissions/shop",
        data=form(csrf, category_trees=["sales"], locales=["en_US", "fr_FR"], attribute_groups=[]),
    )

    assert saved.status_code == 200, field_errors(saved.text)
    assert "saved the permissions of shop" in saved.text
    assert stored(systems) == Permissions(
        category_trees=("sales",), locales=("en_US", "fr_FR"), attribute_groups=()
    )
    assert 'name="category_trees" value="sales" checked' in saved.text
    row = re.search(
        r'<tr data-destination="shop">(.*?)</tr>', browser.get("/permissions").text, re.S
    )
    assert row is not None
    assert ">sales<" in row[1] and ">en_US, fr_FR<" in row[1] and ">none<" in row[1]

    cleared = browser.post("/permissions/shop", data=form(csrf))
    assert cleared.status_code == 200
    assert stored(systems) is None  # no restriction: nothing stored, as the CLI does


@pytest.mark.parametrize(
    ("dimensions", "where", "says"),
    [
        ({"category_trees": ["print"]}, "category_trees", "unknown category tree 'print'"),
        ({"category_trees": ["sneakers"]}, "category_trees", "not the root of a tree"),
        ({"locales": ["es_ES"]}, "locales", "unknown or disabled locale 'es_ES'"),
        ({"attribute_groups": ["seo"]}, "attribute_groups", "unknown attribute group 'seo'"),
    ],
)
def test_unknown_codes_are_refused_at_their_field_and_nothing_is_saved(
    systems: Systems, dimensions: dict[str, list[str]], where: str, says: str
) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get("/permissions/shop"))
    before = browser.post("/permissions/shop", data=form(csrf, locales=["en_US"]))
    assert before.status_code == 200
    kept = stored(systems)

    refused = browser.post("/permissions/shop", data=form(csrf, **dimensions))

    assert refused.status_code == 422
    assert says in field_errors(refused.text).get(where, ""), field_errors(refused.text)
    assert stored(systems) == kept
    # the refused choice comes back checked, marked as unknown, to be corrected
    code = dimensions[where][0]
    assert f'name="{where}" value="{code}" checked' in refused.text


def test_a_bad_mode_and_a_destination_without_akeneo_job_are_refused(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get("/permissions/shop"))
    bad = {"csrf_token": csrf, "locales.mode": "some"}
    refused = browser.post("/permissions/shop", data=bad)
    assert refused.status_code == 422
    assert "choose all or only these" in field_errors(refused.text)["locales"]
    assert stored(systems) is None

    add_connection(
        systems.hub.runner,
        "outlet",
        "oro",
        {"url": "https://outlet.example.com", "client_id": "outlet"},
        {"client_secret": "outlet-secret-31"},
    )
    page = browser.get("/permissions/outlet")
    assert page.status_code == 200
    assert "no job reads Akeneo into outlet" in page.text
    refused = browser.post("/permissions/outlet", data=form(csrf, locales=["en_US"]))
    assert refused.status_code == 422
    assert "no job reads Akeneo" in field_errors(refused.text)[""]
    assert "outlet" not in systems.hub.runner.project().permissions
    assert "outlet-secret-31" not in page.text
    assert browser.get("/permissions/nowhere").status_code == 404


def test_pages_refuse_anonymous_viewer_writes_and_missing_csrf(systems: Systems) -> None:
    anonymous = systems.hub.client()
    for path in ("/permissions", "/permissions/shop"):
        answer = anonymous.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
    assert anonymous.post("/permissions/shop", data={}).status_code == 303

    viewer = systems.hub.sign_in("val")
    page = viewer.get("/permissions/shop")
    assert page.status_code == 200
    assert '<button type="submit">Save</button>' not in page.text
    refused = viewer.post("/permissions/shop", data=form(csrf_of(page), locales=["en_US"]))
    assert refused.status_code == 403
    assert stored(systems) is None

    manager = systems.hub.sign_in("max")
    fields = {k: v for k, v in form("", locales=["en_US"]).items() if k != "csrf_token"}
    assert manager.post("/permissions/shop", data=fields).status_code == 403
    forged = {**fields, "csrf_token": "forged"}
    assert manager.post("/permissions/shop", data=forged).status_code == 403
    assert stored(systems) is None

    html = manager.get("/permissions/shop").text + manager.get("/permissions").text
    for secret in (
        systems.pim.credentials.secret,
        systems.pim.credentials.password,
        systems.shop.credentials.client_secret,
    ):
        assert secret not in html


def test_api_reads_and_saves_with_the_same_rules(systems: Systems) -> None:
    manager = token(systems, "max")
    listed = manager.get("/api/v1/permissions").json()["destinations"]
    shop: dict[str, Any] = next(d for d in listed if d["destination"] == "shop")
    assert shop["category_trees"] is None and shop["sources"] == ["pim"]

    offered = manager.get("/api/v1/permissions/shop", params={"choices": "true"}).json()
    assert sorted(offered["choices"]["attribute_groups"]) == sorted(
        systems.pim.store.attribute_groups
    )
    assert offered["choices"]["source"] == "pim"

    refused = manager.put(
        "/api/v1/permissions/shop", json={"category_trees": ["print"], "locales": ["xx_XX"]}
    )
    assert refused.status_code == 422
    assert set(refused.json()["problems"]) == {"category_trees", "locales"}
    assert stored(systems) is None

    saved = manager.put(
        "/api/v1/permissions/shop", json={"category_trees": ["master"], "attribute_groups": []}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["category_trees"] == ["master"]
    assert stored(systems) == Permissions(category_trees=("master",), attribute_groups=())
    assert manager.get("/api/v1/permissions/nowhere").status_code == 404


def test_api_refuses_anonymous_viewer_writes_and_cookie_without_csrf(systems: Systems) -> None:
    body = {"locales": ["en_US"]}
    anonymous = systems.hub.client()
    assert anonymous.get("/api/v1/permissions").status_code == 401
    assert anonymous.get("/api/v1/permissions/shop").status_code == 401
    assert anonymous.put("/api/v1/permissions/shop", json=body).status_code == 401

    viewer = token(systems, "val")
    assert viewer.get("/api/v1/permissions/shop").status_code == 200
    assert viewer.put("/api/v1/permissions/shop", json=body).status_code == 403

    cookie = systems.hub.sign_in("max")
    assert cookie.put("/api/v1/permissions/shop", json=body).status_code == 403
    assert stored(systems) is None

    schema = anonymous.get("/api/v1/openapi.json").json()
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/permissions/{destination}"])
    assert "get" in schema["paths"]["/api/v1/permissions"]
