"""pimsync as an Akeneo App from the hub's web app, end to end over real HTTP.

The hub and an Enterprise sandbox PIM are both served on 127.0.0.1. One browser signs in
to the hub, opens the App's activate URL as the PIM would, signs in to the PIM, allows
the App, keeps View on one category tree only (sales), and lands on the hub's callback, which
stores the token. A job then reads the PIM with that token. Expected products are
computed from the sandbox's raw store, not with its permission code.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from pimsync.config import ProjectConfig
from pimsync.config._stored import connection_secrets, save_project
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._apps import App
from pimsync.state._users import create_token
from tests.sandbox.test_app_permissions import checkboxes, subtree, visible_uuids
from tests.web.conftest import Hub, csrf_of

PIM_LOGIN = "/user/login-check"
PERMISSIONS_STEP = "/connect/apps/v1/authorize/permissions"


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=40, seed=11, edition="enterprise")


@pytest.fixture(scope="module")
def pim_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def request_field(page: httpx.Response) -> str:
    found = re.search(r"name='request' value='([^']+)'", page.text)
    assert found is not None, page.text
    return found[1]


def pim_sign_in(browser: httpx.Client, page: httpx.Response, pim_url: str) -> httpx.Response:
    """Sign in on the PIM's login form the authorize URL showed."""
    target = re.search(r"name='target' value='([^']*)'", page.text)
    assert target is not None, page.text
    return browser.post(
        f"{pim_url}{PIM_LOGIN}",
        data={"username": "admin", "password": "admin", "target": html.unescape(target[1])},
    )


@pytest.fixture
def connected(hub: Hub, pim: AkeneoSandbox, pim_url: str, tmp_path: Path) -> App:
    """The hub with an akeneo connection ``pim`` for a new App, and a job reading it."""
    app = pim.register_app(f"{hub.url}/apps/akeneo/callback")
    project = ProjectConfig.model_validate(
        {
            "version": 1,
            "connections": {
                "pim": {
                    "kind": "akeneo",
                    "url": pim_url,
                    "app_client_id": app.client_id,
                    "app_client_secret": {"env": "UNUSED"},
                },
                "out": {"kind": "directory", "path": str(tmp_path / "out")},
            },
            "jobs": {
                "publish": {
                    "flow": "akeneo.products",
                    "source": "pim",
                    "destination": "out",
                    "options": {"locale": "en_US", "scope": "ecommerce"},
                }
            },
        }
    )
    with hub.runner.db.begin() as conn:
        save_project(conn, hub.runner.box, project)
    with hub.client(headers={"Authorization": f"Bearer {_token(hub, 'max')}"}) as api:
        view = api.get("/api/v1/connections/pim").json()
        replaced = api.post(
            "/api/v1/connections",
            json={
                "name": "pim",
                "kind": "akeneo",
                "settings": view["settings"],
                "secrets": {"app_client_secret": app.secret},
                "replace": True,
            },
        )
    assert replaced.status_code == 201, replaced.text
    return app


def test_activation_through_the_hub_with_view_on_one_tree(
    hub: Hub, pim: AkeneoSandbox, pim_url: str, connected: App, tmp_path: Path
) -> None:
    browser = hub.sign_in("max")
    # The PIM opens the App's activate URL with its own address.
    consent = pim_sign_in(
        browser, browser.get("/apps/akeneo/activate", params={"pim_url": pim_url}), pim_url
    )
    assert consent.status_code == 200 and consent.url.path == "/connect/apps/v1/authorize"
    assert consent.url.params["client_id"] == connected.client_id
    asked = set(consent.url.params["scope"].split())
    assert "read_products" in asked and not {s for s in asked if s.startswith("write_")}
    step = browser.post(
        f"{pim_url}/connect/apps/v1/authorize/allow", data={"request": request_field(consent)}
    )
    assert step.status_code == 200, step.text
    keep = [(n, v) for n, v in checkboxes(step.text) if not n.startswith("trees_") or v == "sales"]
    landed = browser.post(
        f"{pim_url}{PERMISSIONS_STEP}",
        content=urlencode([("request", request_field(step)), *keep]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert landed.status_code == 200, landed.text
    assert landed.url.path == "/apps/akeneo/callback"
    assert "connected pim as an App" in landed.text
    with hub.runner.db.connect() as conn:
        stored = connection_secrets(conn, hub.runner.box, "pim")
    token = stored["app_token"].get_secret_value()
    dump = b"".join(p.read_bytes() for p in hub.home.glob("pimsync.db*"))
    assert token.encode() not in dump and connected.secret.encode() not in dump
    assert token not in landed.text and landed.url.params["code"] not in landed.text

    # The job reads with the App token: exactly the sales tree's and unclassified products.
    with hub.client(headers={"Authorization": f"Bearer {_token(hub, 'max')}"}) as api:
        tested = api.post("/api/v1/connections/pim/test").json()
        assert tested["ok"], tested
        started = api.post("/api/v1/jobs/publish/runs", json={"mode": "full"})
        assert started.status_code == 202, started.text
        run = _finished(api)
    assert run["status"] == "succeeded", run
    expected = visible_uuids(pim, subtree(pim, "sales"))
    assert expected and len(expected) < len(pim.store.products)
    written = {
        orjson.loads(path.read_bytes())["uuid"] for path in (tmp_path / "out").glob("*.json")
    }
    assert written == expected


def _token(hub: Hub, username: str) -> str:
    with hub.runner.db.begin() as conn:
        return create_token(conn, username, "api")


def _finished(api: httpx.Client) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = api.get("/api/v1/runs").json()["runs"]
        if runs and runs[0]["status"] != "running":
            return dict(runs[0])
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def test_a_viewer_cannot_start_an_activation(hub: Hub, pim_url: str, connected: App) -> None:
    browser = hub.sign_in("val")
    answer = browser.get("/apps/akeneo/activate", params={"pim_url": pim_url})
    assert answer.status_code == 403
    assert answer.url.host == "127.0.0.1" and answer.url.path == "/apps/akeneo/activate"


def test_an_unknown_pim_is_refused_with_what_to_do(hub: Hub, connected: App) -> None:
    browser = hub.sign_in("max")
    answer = browser.get("/apps/akeneo/activate", params={"pim_url": "https://evil.example.com"})
    assert answer.status_code == 404
    assert (
        "no akeneo connection of the hub points at the PIM https://evil.example.com" in answer.text
    )


def test_a_callback_not_started_in_this_session_is_refused(
    hub: Hub, pim_url: str, connected: App
) -> None:
    started = hub.sign_in("max")
    consent = started.get("/apps/akeneo/activate", params={"pim_url": pim_url})
    state = httpx.URL(str(consent.history[0].headers["location"])).params["state"]
    other = hub.sign_in("max")
    forged = other.get("/apps/akeneo/callback", params={"state": state, "code": "stolen"})
    assert forged.status_code == 400
    assert "does not belong to an activation started in this browser session" in forged.text
    with hub.runner.db.connect() as conn:
        assert "app_token" not in connection_secrets(conn, hub.runner.box, "pim")


def test_cancel_in_the_pim_stores_nothing(hub: Hub, pim_url: str, connected: App) -> None:
    browser = hub.sign_in("max")
    page = browser.get("/connections")
    consent = pim_sign_in(
        browser,
        browser.post("/connections/pim/activate", data={"csrf_token": csrf_of(page)}),
        pim_url,
    )
    landed = browser.get(
        f"{pim_url}/connect/apps/v1/authorize/cancel", params={"request": request_field(consent)}
    )
    assert landed.url.path == "/apps/akeneo/callback"
    assert "the PIM user cancelled the activation" in landed.text
    with hub.runner.db.connect() as conn:
        assert "app_token" not in connection_secrets(conn, hub.runner.box, "pim")
