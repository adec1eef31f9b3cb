"""The catalogs screen and ``/api/v1/catalogs`` over HTTP, against an Akeneo sandbox.

Counts are compared with counts computed here from the sandbox's raw store, never from
pimsync; every refused input must leave the stored catalogs as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.state._users import create_token
from pimsync.web._connections import add_connection
from tests.web.conftest import Hub, csrf_of


@dataclass
class Pim:
    """The hub with an Akeneo connection ``pim`` (the sandbox) and a destination ``shop``."""

    hub: Hub
    sandbox: AkeneoSandbox

    def raw(self) -> list[dict[str, Any]]:
        return list(self.sandbox.store.products.values())

    def count(self, keep: Callable[[dict[str, Any]], bool]) -> int:
        return sum(1 for product in self.raw() if keep(product))

    def token(self, username: str) -> httpx.Client:
        with self.hub.runner.db.begin() as conn:
            token = create_token(conn, username, "test")
        return self.hub.client(headers={"Authorization": f"Bearer {token}"})


def add_pim_and_shop(hub: Hub, pim_url: str, sandbox: AkeneoSandbox) -> None:
    """The connections a catalog needs: an Akeneo source and a destination (never called)."""
    credentials = sandbox.credentials
    add_connection(
        hub.runner,
        "pim",
        "akeneo",
        {"url": pim_url, "client_id": credentials.client_id, "username": credentials.username},
        {"secret": credentials.secret, "password": credentials.password},
    )
    add_connection(
        hub.runner,
        "shop",
        "oro",
        {"url": "https://shop.example.com", "client_id": "shop"},
        {"client_secret": "shop-secret"},
    )


@pytest.fixture
def pim(hub: Hub) -> Iterator[Pim]:
    sandbox = AkeneoSandbox.demo(products=40)
    with serve_akeneo(sandbox) as url:
        add_pim_and_shop(hub, url, sandbox)
        yield Pim(hub, sandbox)


def _color(product: dict[str, Any]) -> Any:
    return next((v["data"] for v in product["values"].get("color", [])), None)


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]*)">([^<]*)<', html))


def _count_of(html: str) -> int:
    found = re.search(r"(\d+) products? selected", html)
    assert found is not None, html
    return int(found[1])


def create(browser: httpx.Client, name: str = "web", destination: str = "shop") -> httpx.Response:
    listing = browser.get("/catalogs")
    data = {"csrf_token": csrf_of(listing), "name": name, "destination": destination}
    return browser.post("/catalogs", data=data)


def test_create_on_the_list_then_edit_count_and_save_in_the_editor(pim: Pim) -> None:
    browser = pim.hub.sign_in("max")
    created = create(browser)
    assert created.status_code == 200 and str(created.url).endswith("/catalogs/web")
    csrf = csrf_of(created)
    # system fields first, then the attributes by attribute group, with the search box
    picker = created.text[created.text.index('class="picker"') :]
    assert picker.index(">Status<") < picker.index(">Identifier<") < picker.index(">Color<")
    assert 'id="field-search"' in picker
    assert "Price" not in picker  # prices cannot select products
    everything = browser.post("/catalogs/web/count", data={"csrf_token": csrf})
    assert _count_of(everything.text) == len(pim.raw())

    form: dict[str, Any] = {"csrf_token": csrf, "source": "pim", "destination": "shop"}
    added = browser.post("/catalogs/web/editor", data={**form, "add": "family"})
    assert added.status_code == 200
    operators = re.findall(r'<option value="([^"]+)"', added.text.split("criteria.0.operator")[1])
    assert operators[:4] == ["IN", "NOT IN", "EMPTY", "NOT EMPTY"]
    assert 'name="criteria.0.value" multiple' in added.text
    assert "field-choice used" in added.text  # the chosen field is marked as used

    form |= {"criteria.0.field": "family", "criteria.0.operator": "IN"}
    form["criteria.0.value"] = ["shoes", "chairs"]
    one = browser.post("/catalogs/web/count", data=form)
    assert _count_of(one.text) == pim.count(lambda p: p["family"] in ("shoes", "chairs"))

    form |= {"criteria.1.field": "enabled", "criteria.1.operator": "=", "criteria.1.value": "true"}
    two = browser.post("/catalogs/web/count", data=form)
    expected_two = pim.count(lambda p: p["family"] in ("shoes", "chairs") and p["enabled"])
    assert _count_of(two.text) == expected_two

    # a scopable and localizable attribute asks for a channel and a locale
    described = browser.post("/catalogs/web/editor", data={**form, "add": "description"})
    assert 'aria-label="Channel of Description"' in described.text
    assert 'aria-label="Locale of Description"' in described.text
    assert 'aria-label="Channel of Color"' not in described.text

    form |= {"criteria.2.field": "color", "criteria.2.operator": "IN", "criteria.2.value": "white"}
    three = browser.post("/catalogs/web/count", data=form)
    expected = pim.count(
        lambda p: p["family"] in ("shoes", "chairs") and p["enabled"] and _color(p) == "white"
    )
    assert 0 < _count_of(three.text) == expected < expected_two

    removed = browser.post("/catalogs/web/editor", data={**form, "remove": "1"})
    assert removed.text.count('class="criterion"') == 2
    assert "Status" not in removed.text.split('class="picker"')[0]

    saved = browser.post("/catalogs/web", data={**form, "locales": ["en_US"]})
    assert saved.status_code == 200, field_errors(saved.text)
    assert "saved catalog web: 3 criteria" in saved.text
    stored = pim.hub.runner.project().catalogs["web"]
    assert [c.field for c in stored.criteria] == ["family", "enabled", "color"]
    assert list(stored.criteria[0].value) == ["shoes", "chairs"]
    assert stored.value_filters.locales == ("en_US",)
    assert stored.enabled is False

    enabled = browser.post("/catalogs/web/enable", data={"csrf_token": csrf})
    assert "catalog web enabled" in enabled.text
    assert pim.hub.runner.project().catalogs["web"].enabled is True
    listing = browser.get("/catalogs")
    row = listing.text[listing.text.index('href="/catalogs/web"') :].split("</tr>")[0]
    assert "pim" in row and "shop" in row and ">yes<" in row and "family IN shoes, chairs" in row


BAD_LINES = [
    ({"criteria.0.field": "nope", "criteria.0.operator": "IN", "criteria.0.value": "x"}, "field"),
    ({"criteria.0.field": "family", "criteria.0.operator": "CONTAINS"}, "operator"),
    ({"criteria.0.field": "family", "criteria.0.operator": "LIKE"}, "operator"),
    ({"criteria.0.field": "family", "criteria.0.operator": "IN"}, "value"),
    ({"criteria.0.field": "family", "criteria.0.operator": "IN", "criteria.0.value": "x"}, "value"),
    ({"criteria.0.field": "completeness", "criteria.0.operator": ">", "criteria.0.value": "101",
      "criteria.0.scope": "ecommerce", "criteria.0.locale": "en_US"}, "value"),
    ({"criteria.0.field": "description", "criteria.0.operator": "CONTAINS",
      "criteria.0.value": "chair", "criteria.0.locale": "en_US"}, "scope"),
    ({"criteria.0.field": "description", "criteria.0.operator": "CONTAINS",
      "criteria.0.value": "chair", "criteria.0.scope": "ecommerce"}, "locale"),
    ({"criteria.0.field": "weight", "criteria.0.operator": ">", "criteria.0.value": "heavy",
      "criteria.0.unit": "KILOGRAM"}, "value"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "where"), BAD_LINES)
def test_a_bad_criterion_is_shown_on_its_input_and_nothing_is_saved(
    pim: Pim, line: dict[str, str], where: str
) -> None:
    browser = pim.hub.sign_in("max")
    csrf = csrf_of(create(browser))
    answer = browser.post("/catalogs/web", data={"csrf_token": csrf, **line})
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert f"criteria.0.{where}" in errors, errors
    assert pim.hub.runner.project().catalogs["web"].criteria == ()
    count = browser.post("/catalogs/web/count", data={"csrf_token": csrf, **line})
    assert "cannot count" in count.text


def test_bad_value_filters_destination_and_names_are_refused_on_their_field(pim: Pim) -> None:
    browser = pim.hub.sign_in("max")
    csrf = csrf_of(create(browser))
    for data, where in [
        ({"channels": "moon"}, "channels"),
        ({"locales": "xx_XX"}, "locales"),
        ({"currencies": "ZZZ"}, "currencies"),
        ({"destination": "nowhere"}, "destination"),
    ]:
        answer = browser.post("/catalogs/web", data={"csrf_token": csrf, **data})
        assert answer.status_code == 422, data
        assert where in field_errors(answer.text), (data, field_errors(answer.text))
    stored = pim.hub.runner.project().catalogs["web"]
    assert stored.value_filters.channels == () and stored.destination == "shop"

    for name, destination, where in [
        ("Bad Name", "shop", "name"),
        ("web", "shop", "name"),  # taken
        ("other", "nowhere", "destination"),
        ("other", "pim", "destination"),  # Akeneo is a source, never fed
    ]:
        answer = create(browser, name, destination)
        assert answer.status_code == 422
        assert where in field_errors(answer.text)
    assert sorted(pim.hub.runner.project().catalogs) == ["web"]


def test_the_api_creates_counts_changes_enables_and_removes(pim: Pim) -> None:
    criteria = [
        {"field": "family", "operator": "IN", "value": ["shoes", "tshirts"]},
        {"field": "enabled", "operator": "=", "value": True},
    ]
    with pim.token("max") as api:
        made = api.post("/api/v1/catalogs", json={"name": "web", "destination": "shop",
                                                  "criteria": criteria})  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["enabled"] is False and made.json()["source"] == "pim"
        again = api.post("/api/v1/catalogs", json={"name": "web", "destination": "shop"})
        assert again.status_code == 409

        counted = api.post("/api/v1/catalogs/web/count")
        assert counted.status_code == 200, counted.text
        expected = pim.count(lambda p: p["family"] in ("shoes", "tshirts") and p["enabled"])
        assert counted.json()["selected"] == expected
        other = api.post(
            "/api/v1/catalogs/web/count",
            json={"criteria": [{"field": "family", "operator": "IN", "value": ["chairs"]}]},
        )
        assert other.json()["selected"] == pim.count(lambda p: p["family"] == "chairs")

        fields = api.get("/api/v1/catalogs/web/fields").json()
        assert next(g["code"] for g in fields["groups"]) == "system"
        color = next(f for g in fields["groups"] for f in g["fields"] if f["code"] == "color")
        assert color["operators"] == ["IN", "NOT IN", "EMPTY", "NOT EMPTY"]
        assert "white" in color["choices"]

        bad = api.put(
            "/api/v1/catalogs/web",
            json={"destination": "shop", "criteria": [
                {"field": "colour", "operator": "IN", "value": ["white"]},
                {"field": "family", "operator": "CONTAINS", "value": "x"},
            ]},
        )  # fmt: skip
        assert bad.status_code == 422
        assert set(bad.json()["problems"]) == {"criteria.0.field", "criteria.1.operator"}
        assert len(pim.hub.runner.project().catalogs["web"].criteria) == 2

        changed = api.put(
            "/api/v1/catalogs/web",
            json={"destination": "shop", "criteria": criteria[:1],
                  "value_filters": {"channels": ["ecommerce"]}},
        )  # fmt: skip
        assert changed.status_code == 200, changed.text
        assert changed.json()["value_filters"]["channels"] == ["ecommerce"]

        assert api.post("/api/v1/catalogs/web/enable").json()["enabled"] is True
        assert api.get("/api/v1/catalogs/web").json()["enabled"] is True
        assert api.post("/api/v1/catalogs/web/disable").json()["enabled"] is False
        assert api.get("/api/v1/catalogs").json()["catalogs"][0]["name"] == "web"
        assert api.delete("/api/v1/catalogs/web").status_code == 204
        assert api.get("/api/v1/catalogs/web").status_code == 404
        assert pim.hub.runner.project().catalogs == {}


def test_the_api_is_in_the_openapi_schema(hub: Hub) -> None:
    with hub.client() as client:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/catalogs"]) == {"get", "post"}
    assert set(paths["/api/v1/catalogs/{name}"]) == {"get", "put", "delete"}
    for action in ("count", "enable", "disable"):
        assert "post" in paths[f"/api/v1/catalogs/{{name}}/{action}"]
    assert "/catalogs/{name}/editor" not in paths  # pages are not API


def test_anonymous_callers_are_refused(pim: Pim) -> None:
    with pim.token("max") as api:
        api.post("/api/v1/catalogs", json={"name": "web", "destination": "shop"})
    with pim.hub.client() as anonymous:
        for path in ("/catalogs", "/catalogs/web"):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        for path in ("/catalogs", "/catalogs/web", "/catalogs/web/count", "/catalogs/web/enable"):
            assert anonymous.post(path, data={}).status_code == 303
        assert anonymous.get("/api/v1/catalogs").status_code == 401
        assert anonymous.post("/api/v1/catalogs/web/count").status_code == 401
        assert anonymous.delete("/api/v1/catalogs/web").status_code == 401
    assert "web" in pim.hub.runner.project().catalogs


def test_a_viewer_reads_and_counts_but_changes_nothing(pim: Pim) -> None:
    with pim.token("max") as api:
        api.post("/api/v1/catalogs", json={"name": "web", "destination": "shop"})
    viewer = pim.hub.sign_in("val")
    editor = viewer.get("/catalogs/web")
    assert editor.status_code == 200
    assert ">Save<" not in editor.text and ">Enable<" not in editor.text
    assert 'action="/catalogs"' not in viewer.get("/catalogs").text  # no create form
    csrf = csrf_of(editor)
    assert _count_of(viewer.post("/catalogs/web/count", data={"csrf_token": csrf}).text) == 40
    line = {"criteria.0.field": "family", "criteria.0.operator": "IN", "criteria.0.value": "shoes"}
    for path, data in [
        ("/catalogs", {"name": "other", "destination": "shop"}),
        ("/catalogs/web", line),
        ("/catalogs/web/enable", {}),
        ("/catalogs/web/disable", {}),
        ("/catalogs/web/remove", {}),
    ]:
        answer = viewer.post(path, data={"csrf_token": csrf, **data})
        assert answer.status_code == 403, path
    with pim.token("val") as api:
        assert api.get("/api/v1/catalogs/web").status_code == 200
        assert api.post("/api/v1/catalogs/web/count").status_code == 200
        writes = [
            api.post("/api/v1/catalogs", json={"name": "other", "destination": "shop"}),
            api.put("/api/v1/catalogs/web", json={"destination": "shop"}),
            api.post("/api/v1/catalogs/web/enable"),
            api.post("/api/v1/catalogs/web/disable"),
            api.delete("/api/v1/catalogs/web"),
        ]
        assert [w.status_code for w in writes] == [403] * 5
    project = pim.hub.runner.project()
    assert list(project.catalogs) == ["web"]
    assert project.catalogs["web"].enabled is False and project.catalogs["web"].criteria == ()


def test_forms_and_cookie_api_calls_need_the_csrf_token(pim: Pim) -> None:
    browser = pim.hub.sign_in("max")
    csrf = csrf_of(create(browser))
    line = {"criteria.0.field": "family", "criteria.0.operator": "IN", "criteria.0.value": "shoes"}
    for path, data in [
        ("/catalogs", {"name": "other", "destination": "shop"}),
        ("/catalogs/web", line),
        ("/catalogs/web/editor", line),
        ("/catalogs/web/count", line),
        ("/catalogs/web/enable", {}),
        ("/catalogs/web/remove", {}),
    ]:
        assert browser.post(path, data=data).status_code == 403, path
        assert browser.post(path, data={**data, "csrf_token": "forged"}).status_code == 403
    assert browser.post("/api/v1/catalogs/web/enable").status_code == 403
    allowed = browser.post("/api/v1/catalogs/web/enable", headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 200
    project = pim.hub.runner.project()
    assert list(project.catalogs) == ["web"] and project.catalogs["web"].criteria == ()


def test_criteria_are_not_saved_unchecked_when_akeneo_cannot_be_read(pim: Pim) -> None:
    with pim.token("max") as api:
        # no criteria: nothing to check against Akeneo, so Akeneo is not asked
        assert api.post("/api/v1/catalogs", json={"name": "web", "destination": "shop"}).is_success
        pim.sandbox.faults.fail_next("/api/oauth/v1/token", 401)
        refused = api.put(
            "/api/v1/catalogs/web",
            json={"destination": "shop",
                  "criteria": [{"field": "family", "operator": "IN", "value": ["shoes"]}]},
        )  # fmt: skip
        assert refused.status_code == 422
        assert "cannot read Akeneo connection 'pim'" in refused.json()["problems"]["source"]
    assert pim.hub.runner.project().catalogs["web"].criteria == ()
    # once Akeneo answers again, the editor shows its fields
    browser = pim.hub.sign_in("max")
    assert ">Family<" in browser.get("/catalogs/web").text
