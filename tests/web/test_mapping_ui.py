"""The mapping screen and ``/api/v1/jobs/{name}/mapping`` over HTTP, against an Akeneo and
an Oro sandbox.

Previewed values are compared with the sandbox's raw products, never with pimsync's
reading of them; every refused input must leave the job's stored options as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from pimsync.config import JobConfig, ProjectConfig
from pimsync.config._stored import save_project
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.state._users import create_token
from pimsync.web._connections import add_connection
from tests.web.conftest import Hub, csrf_of

JOB = "oro-products"
# Oro has the boolean fields featured and newArrival out of the box: no import needed.
OPTIONS: dict[str, Any] = {
    "attributes": [{"akeneo": "eco_label", "oro": "featured"}],
    "categories": {"mode": "none"},
}


@dataclass
class Systems:
    """A hub whose job ``oro-products`` maps the Akeneo sandbox to the Oro sandbox."""

    hub: Hub
    pim: AkeneoSandbox
    shop: OroSandbox

    def options(self, job: str = JOB) -> dict[str, Any]:
        return dict(self.hub.runner.project().jobs[job].options)

    def raw(self, sku: str) -> dict[str, Any]:
        found = self.pim.store.product_by_identifier(sku)
        assert found is not None, sku
        return found

    def token(self, username: str) -> httpx.Client:
        with self.hub.runner.db.begin() as conn:
            token = create_token(conn, username, "test")
        return self.hub.client(headers={"Authorization": f"Bearer {token}"})


def add_job(hub: Hub, name: str, flow: str, destination: str, options: dict[str, Any]) -> None:
    """Store a job reading the ``pim`` connection, as `pimsync config import` would."""
    job = JobConfig(flow=flow, source="pim", destination=destination, options=options)
    project = ProjectConfig.model_construct(
        connections={}, jobs={name: job}, mappings={}, catalogs={}, permissions={}
    )
    with hub.runner.db.begin() as conn:
        save_project(conn, hub.runner.box, project)


@contextmanager
def pim_and_shop(hub: Hub, products: int = 6) -> Iterator[Systems]:
    """Both sandboxes served, the hub's connections ``pim`` and ``shop``, job ``oro-products``."""
    pim = AkeneoSandbox.demo(products=products)
    shop = OroSandbox()
    with serve_akeneo(pim) as pim_url, serve_oro(shop) as shop_url:
        pc, sc = pim.credentials, shop.credentials
        add_connection(
            hub.runner,
            "pim",
            "akeneo",
            {"url": pim_url, "client_id": pc.client_id, "username": pc.username},
            {"secret": pc.secret, "password": pc.password},
        )
        add_connection(
            hub.runner,
            "shop",
            "oro",
            {"url": shop_url, "client_id": sc.client_id, "version": "6.1.10"},
            {"client_secret": sc.client_secret},
        )
        add_job(hub, JOB, "oro.products", "shop", OPTIONS)
        yield Systems(hub, pim, shop)


@pytest.fixture
def systems(hub: Hub) -> Iterator[Systems]:
    with pim_and_shop(hub) as found:
        yield found


def field_errors(html: str) -> dict[str, str]:
    found = re.findall(r'data-field="([^"]*)">([^<]*)<', html)
    return {where: unescape(text) for where, text in found}


def preview_fields(html: str) -> dict[str, str]:
    rows = re.findall(
        r'data-preview-field="([^"]+)"><td>[^<]*</td><td class="value">([^<]*)<', html
    )
    return {field: unescape(value) for field, value in rows}


def _value(raw: dict[str, Any], attribute: str) -> Any:
    return next((v["data"] for v in raw["values"].get(attribute, [])), None)


def _shown(value: Any) -> str:
    return "(empty: cleared)" if value is None else str(value).lower()


def form_of(csrf: str, lines: list[tuple[str, str]], **more: str) -> dict[str, str]:
    data = {"csrf_token": csrf, "categories.mode": "none", **more}
    for n, (akeneo, field) in enumerate(lines):
        data[f"attributes.{n}.akeneo"] = akeneo
        data[f"attributes.{n}.field"] = field
    return data


def test_editor_shows_the_stored_mapping_and_previews_the_first_product(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    listing = browser.get("/mapping")
    assert listing.status_code == 200
    assert f'href="/mapping/{JOB}"' in listing.text

    editor = browser.get(f"/mapping/{JOB}")
    assert editor.status_code == 200
    assert 'name="attributes.0.akeneo" value="eco_label"' in editor.text
    assert 'name="attributes.0.field" value="featured"' in editor.text
    assert 'name="attributes.1.akeneo" value=""' in editor.text  # a blank line to add one
    shown = re.search(r'<span class="preview-sku">([^<]+)</span>', editor.text)
    assert shown is not None, editor.text
    sku = shown[1]  # the first product Akeneo lists
    raw = systems.raw(sku)
    fields = preview_fields(editor.text)
    assert fields["sku"] == sku
    assert fields["featured"] == _shown(_value(raw, "eco_label"))
    assert "newArrival" not in fields
    # the suggestions come from both systems
    assert '<option value="release_date">pim_catalog_date</option>' in editor.text
    assert '<option value="newArrival">boolean</option>' in editor.text


def test_the_preview_uses_the_unsaved_edits_and_stores_nothing(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))
    sku = systems.pim.store.identifier_order()[3]
    raw = systems.raw(sku)
    form = form_of(csrf, [("eco_label", "newArrival")], sku=sku)

    shown = browser.post(f"/mapping/{JOB}/preview", data=form)

    assert shown.status_code == 200
    assert "<html" not in shown.text  # a fragment for htmx
    fields = preview_fields(shown.text)
    assert fields["sku"] == sku
    assert fields["newArrival"] == _shown(_value(raw, "eco_label"))
    assert "featured" not in fields
    assert systems.options() == OPTIONS


def test_adding_and_removing_lines_rerenders_the_lines_with_a_new_preview(
    systems: Systems,
) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))
    two = form_of(csrf, [("eco_label", "featured"), ("eco_label", "newArrival")])

    added = browser.post(f"/mapping/{JOB}/editor", data={**two, "add": "1"})
    assert added.status_code == 200
    assert added.text.count('class="mapping-line"') == 4  # two lines and two blank ones
    assert 'hx-swap-oob="true"' in added.text
    assert {"featured", "newArrival"} <= set(preview_fields(added.text))

    removed = browser.post(f"/mapping/{JOB}/editor", data={**two, "remove": "0"})
    assert 'name="attributes.0.field" value="newArrival"' in removed.text
    assert removed.text.count('class="mapping-line"') == 2
    assert "featured" not in preview_fields(removed.text)
    assert systems.options() == OPTIONS


def test_save_stores_the_lines_and_categories_in_the_job_options(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))
    form = form_of(csrf, [("eco_label", "newArrival")])
    form |= {"attributes.0.locale": "", "categories.mode": "explicit"}
    form["categories.map"] = "sneakers=12\nboots=13\n"

    saved = browser.post(f"/mapping/{JOB}", data=form)

    assert saved.status_code == 200, field_errors(saved.text)
    assert f"saved the mapping of {JOB}" in saved.text
    options = systems.options()
    assert options["attributes"] == [{"akeneo": "eco_label", "oro": "newArrival"}]
    assert options["categories"] == {"mode": "explicit", "map": {"sneakers": "12", "boots": "13"}}
    again = browser.get(f"/mapping/{JOB}")
    assert 'name="attributes.0.field" value="newArrival"' in again.text
    assert "sneakers=12\nboots=13" in again.text


@pytest.mark.parametrize(
    ("lines", "more", "where", "says"),
    [
        ([("colour", "featured")], {}, "attributes.0.akeneo", "Akeneo has no attribute 'colour'"),
        ([("eco_label", "ecoLabel")], {}, "attributes.0.field", "Oro product has no field"),
        (
            [("eco_label", "featured"), ("eco_label", "featured")],
            {},
            "attributes.1.field",
            "already mapped on line 1",
        ),
        ([("name", "featured")], {}, "attributes.0", "of type 'boolean'"),
        ([("eco_label", "names")], {}, "attributes.0.field", "filled by the mapping itself"),
        ([("", "featured")], {}, "attributes.0.akeneo", "choose the Akeneo attribute"),
        ([("eco_label", "featured")], {"categories.mode": "tree"}, "categories", "needs root"),
        (
            [("eco_label", "featured")],
            {"categories.mode": "tree", "categories.root": "1", "categories.tree": "nowhere"},
            "categories.tree",
            "Akeneo has no category 'nowhere'",
        ),
        (
            [("eco_label", "featured")],
            {"categories.mode": "explicit", "categories.map": "sneakers"},
            "categories.map",
            "expected AKENEO_CODE=ORO_CATEGORY_ID",
        ),
        ([("eco_label", "featured")], {"sku": "NO-SUCH-SKU"}, "sku", "no product"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(
    systems: Systems,
    lines: list[tuple[str, str]],
    more: dict[str, str],
    where: str,
    says: str,
) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))

    refused = browser.post(f"/mapping/{JOB}", data=form_of(csrf, lines, **more))

    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert says in errors.get(where, ""), errors
    assert systems.options() == OPTIONS
    # the form comes back as it was sent, to be corrected
    assert f'name="attributes.0.akeneo" value="{lines[0][0]}"' in refused.text
    # and the preview (which a viewer may ask for) says what stops it
    viewer = systems.hub.sign_in("val")
    own = csrf_of(viewer.get(f"/mapping/{JOB}"))
    shown = viewer.post(f"/mapping/{JOB}/preview", data=form_of(own, lines, **more))
    assert shown.status_code == 200
    assert f'data-problem="{where}"' in shown.text
    assert "data-preview-field" not in shown.text


def test_pages_refuse_anonymous_viewer_writes_and_missing_csrf(systems: Systems) -> None:
    anonymous = systems.hub.client()
    for path in ("/mapping", f"/mapping/{JOB}"):
        answer = anonymous.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
    assert anonymous.post(f"/mapping/{JOB}", data={}).status_code == 303

    viewer = systems.hub.sign_in("val")
    page = viewer.get(f"/mapping/{JOB}")
    assert page.status_code == 200
    assert ">Save</button>" not in page.text
    form = form_of(csrf_of(page), [("eco_label", "newArrival")])
    assert viewer.post(f"/mapping/{JOB}", data=form).status_code == 403
    assert systems.options() == OPTIONS

    manager = systems.hub.sign_in("max")
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    for path in (f"/mapping/{JOB}", f"/mapping/{JOB}/preview", f"/mapping/{JOB}/editor"):
        assert manager.post(path, data=no_csrf).status_code == 403
        assert manager.post(path, data={**no_csrf, "csrf_token": "forged"}).status_code == 403
    assert systems.options() == OPTIONS

    assert manager.get("/mapping/no-such-job").status_code == 404
    html = manager.get(f"/mapping/{JOB}").text
    for secret in (systems.pim.credentials.secret, systems.pim.credentials.password):
        assert secret not in html
    assert systems.shop.credentials.client_secret not in html


def test_api_reads_previews_and_saves_with_the_same_rules(systems: Systems) -> None:
    manager = systems.token("max")
    listed = manager.get("/api/v1/mappings").json()
    assert [j["job"] for j in listed["jobs"]] == [JOB]
    stored = manager.get(f"/api/v1/jobs/{JOB}/mapping").json()
    assert stored["attributes"] == [{"akeneo": "eco_label", "field": "featured"}]
    assert stored["categories"] == {"mode": "none"}
    assert stored["destination_kind"] == "oro"

    sku = systems.pim.store.identifier_order()[2]
    body = {"attributes": [{"akeneo": "eco_label", "field": "newArrival"}], "sku": sku}
    preview = manager.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=body)
    assert preview.status_code == 200, preview.text
    fields = {f["field"]: f["value"] for f in preview.json()["fields"]}
    assert fields["newArrival"] == _shown(_value(systems.raw(sku), "eco_label"))
    assert systems.options() == OPTIONS

    bad = {
        "attributes": [
            {"akeneo": "nope", "field": "featured"},
            {"akeneo": "eco_label", "field": "x"},
        ]
    }
    refused = manager.put(f"/api/v1/jobs/{JOB}/mapping", json=bad)
    assert refused.status_code == 422
    assert set(refused.json()["problems"]) == {"attributes.0.akeneo", "attributes.1.field"}
    assert systems.options() == OPTIONS
    assert manager.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=bad).status_code == 422

    good = {
        "attributes": [{"akeneo": "eco_label", "field": "newArrival"}],
        "categories": {"mode": "tree", "root": "1"},
    }
    saved = manager.put(f"/api/v1/jobs/{JOB}/mapping", json=good)
    assert saved.status_code == 200, saved.text
    assert systems.options()["attributes"] == [{"akeneo": "eco_label", "oro": "newArrival"}]
    assert systems.options()["categories"] == {"mode": "tree", "root": "1"}
    assert manager.get("/api/v1/jobs/nope/mapping").status_code == 404


def test_api_refuses_anonymous_viewer_writes_and_cookie_without_csrf(systems: Systems) -> None:
    body = {"attributes": [{"akeneo": "eco_label", "field": "newArrival"}]}
    anonymous = systems.hub.client()
    assert anonymous.get(f"/api/v1/jobs/{JOB}/mapping").status_code == 401
    assert anonymous.put(f"/api/v1/jobs/{JOB}/mapping", json=body).status_code == 401
    assert anonymous.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=body).status_code == 401
    assert anonymous.get("/api/v1/mappings").status_code == 401

    viewer = systems.token("val")
    assert viewer.get(f"/api/v1/jobs/{JOB}/mapping").status_code == 200
    assert viewer.put(f"/api/v1/jobs/{JOB}/mapping", json=body).status_code == 403
    assert viewer.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=body).status_code == 200

    cookie = systems.hub.sign_in("max")
    assert cookie.put(f"/api/v1/jobs/{JOB}/mapping", json=body).status_code == 403
    assert systems.options() == OPTIONS

    schema = anonymous.get("/api/v1/openapi.json").json()
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/jobs/{name}/mapping"])
    assert "post" in schema["paths"]["/api/v1/jobs/{name}/mapping/preview"]
    assert "get" in schema["paths"]["/api/v1/mappings"]


def test_an_sfcc_job_maps_system_attributes_and_storefront_trees(
    systems: Systems, tmp_path: Path
) -> None:
    hub = systems.hub
    add_connection(hub.runner, "site", "sfcc", {"deliver": False, "output_dir": str(tmp_path)}, {})
    add_job(hub, "sfcc-master", "sfcc.full-import-master", "site", {})
    browser = hub.sign_in("max")
    editor = browser.get("/mapping/sfcc-master")
    assert editor.status_code == 200
    assert 'name="attributes.0.akeneo" value="name"' in editor.text
    assert 'name="attributes.0.field" value="name"' in editor.text
    fields = preview_fields(editor.text)
    raw = systems.raw(fields["product_id"])
    english = next(v["data"] for v in raw["values"]["name"] if v["locale"] == "en_US")
    assert f'"x-default":"{english}"' in fields["display_name"]

    csrf = csrf_of(editor)
    form = {
        "csrf_token": csrf,
        "attributes.0.akeneo": "name",
        "attributes.0.field": "page_title",
        "attributes.1.akeneo": "brand",
        "attributes.1.field": "colour",
        "categories.trees": "master",
    }
    refused = browser.post("/mapping/sfcc-master", data=form)
    assert refused.status_code == 422
    assert (
        "SFCC has no system attribute 'colour'" in field_errors(refused.text)["attributes.1.field"]
    )
    assert hub.runner.project().jobs["sfcc-master"].options == {}

    form["attributes.1.field"] = "brand"
    saved = browser.post("/mapping/sfcc-master", data=form)
    assert saved.status_code == 200, field_errors(saved.text)
    options = hub.runner.project().jobs["sfcc-master"].options
    assert options["trees"] == ["master"]
    system = {k: v for k, v in options["mapping"]["system_attributes"].items() if v}
    assert system == {"page_title": "name", "brand": "brand"}

    form["categories.trees"] = "sneakers"  # a category, not a tree
    refused = browser.post("/mapping/sfcc-master", data=form)
    assert refused.status_code == 422
    assert "sneakers" in field_errors(refused.text)["categories.trees"]


def test_a_line_keeps_its_value_options_and_the_warnings_come_back(systems: Systems) -> None:
    manager = systems.token("max")
    line = {"akeneo": "eco_label", "field": "featured", "locale": "fr_FR"}
    saved = manager.put(f"/api/v1/jobs/{JOB}/mapping", json={"attributes": [line]})
    assert saved.status_code == 200, saved.text
    assert any("'eco_label' is not localizable" in w for w in saved.json()["warnings"])
    assert systems.options()["attributes"] == [
        {"akeneo": "eco_label", "oro": "featured", "locale": "fr_FR"}
    ]
    editor = systems.hub.sign_in("max").get(f"/mapping/{JOB}")
    assert 'name="attributes.0.locale" value="fr_FR"' in editor.text


def test_an_unreachable_akeneo_is_said_on_the_page_and_nothing_is_saved(systems: Systems) -> None:
    browser = systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))
    systems.pim.faults.fail_next("/api/oauth/v1/token", 401)  # credentials refused
    refused = browser.post(f"/mapping/{JOB}", data=form_of(csrf, [("eco_label", "newArrival")]))
    assert refused.status_code == 502
    assert "cannot check the mapping" in refused.text
    assert systems.options() == OPTIONS
