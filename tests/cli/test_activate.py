"""`pimsync connections activate`: an akeneo connection becomes an App, over real HTTP.

The sandbox PIM is served on 127.0.0.1; the command runs in a thread and listens for the
PIM's redirect; the test plays the PIM user's browser (sign in, open the authorize URL,
Allow or Cancel) and the browser lands on the command's callback.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr
from typer.testing import Result

import pimsync.cli._activate as activate_module
from pimsync.config._stored import connection_secrets
from pimsync.connectors.akeneo import authorize_url, new_state, scopes_for
from pimsync.runners.apps import prepare_activation
from pimsync.runners.local import LocalRunner
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._apps import App
from pimsync.settings import Settings
from tests.cli._cli import Invoke, one_error_line
from tests.sandbox._apps import Browser

PROJECT = """\
version = 1

[connections.pim]
kind = "akeneo"
url = "{pim_url}"
app_client_id = "{client_id}"
app_client_secret = {{ stored = true }}

[connections.out]
kind = "directory"
path = "{folder}/out"

[jobs.publish]
flow = "akeneo.products"
source = "pim"
destination = "out"

[jobs.publish.options]
locale = "en_US"
scope = "ecommerce"
"""


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=12, seed=5)


@pytest.fixture(scope="module")
def pim_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class Activation:
    """An installation whose akeneo connection ``pim`` is an App not activated yet."""

    pim: AkeneoSandbox
    pim_url: str
    app: App
    port: int
    home: Path
    folder: Path
    invoke: Invoke
    states: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def start(self, *args: str) -> Callable[[], Result]:
        """Run `connections activate pim` in a thread; returns a function joining it."""
        done: dict[str, Result] = {}
        thread = threading.Thread(
            target=lambda: done.setdefault(
                "result",
                self.invoke(
                    "connections", "activate", "pim",
                    "--port", str(self.port), "--no-browser", *args,
                ),
            )
        )  # fmt: skip
        thread.start()

        def join() -> Result:
            thread.join(30)
            assert not thread.is_alive(), "the command did not finish"
            return self.check(done["result"])

        return join

    def wait_for_state(self) -> str:
        """The state the running command sent (it is listening by then)."""
        deadline = time.monotonic() + 10
        while not self.states:
            assert time.monotonic() < deadline, "the command did not start listening"
            time.sleep(0.02)
        return self.states[-1]

    def url(self, state: str) -> str:
        """The authorize URL, computed the way the command does."""
        return authorize_url(self.pim_url, self.app.client_id, self.scopes, state)

    @property
    def scopes(self) -> str:
        return scopes_for(["akeneo.products"])

    def check(self, result: Result) -> Result:
        """``result`` after checking that no secret is in its output."""
        for secret in [self.app.secret, *self.secrets]:
            assert secret not in result.stdout
            assert secret not in result.stderr
        assert "Traceback" not in result.output
        return result

    def stored_secrets(self) -> dict[str, SecretStr]:
        runner = LocalRunner(Settings())
        try:
            with runner.db.connect() as conn:
                return connection_secrets(conn, runner.box, "pim")
        finally:
            runner.db.dispose()


@pytest.fixture
def activation(
    pim: AkeneoSandbox,
    pim_url: str,
    tmp_path: Path,
    home: Path,
    invoke: Invoke,
    monkeypatch: pytest.MonkeyPatch,
) -> Activation:
    port = free_port()
    app = pim.register_app(f"http://127.0.0.1:{port}/callback")
    setup = Activation(pim, pim_url, app, port, home, tmp_path, invoke)

    def recording_state() -> str:
        state = new_state()
        setup.states.append(state)
        return state

    monkeypatch.setattr(activate_module, "new_state", recording_state)
    assert invoke("init").exit_code == 0
    added = invoke(
        "connections", "add", "pim", "--kind", "akeneo",
        "--set", f"url={pim_url}", "--set", f"app_client_id={app.client_id}",
        "--secret", "app_client_secret=stdin", input=app.secret + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    project = tmp_path / "pimsync.toml"
    project.write_text(PROJECT.format(pim_url=pim_url, client_id=app.client_id, folder=tmp_path))
    imported = invoke("config", "import", str(project))
    assert imported.exit_code == 0, imported.output
    return setup


@pytest.fixture
def browser(pim_url: str) -> Iterator[Browser]:
    b = Browser(pim_url)
    yield b
    b.close()


def test_activate_stores_the_token_encrypted_and_jobs_use_it(
    activation: Activation, browser: Browser
) -> None:
    join = activation.start()
    state = activation.wait_for_state()
    page = browser.open(activation.url(state))
    assert page.status_code == 200, page.text
    landed = browser.allow(page)
    assert landed.status_code == 200
    assert "pimsync received the PIM's answer" in landed.text
    assert landed.url.port == activation.port and landed.url.path == "/callback"
    code = landed.url.params["code"]
    activation.secrets.append(code)

    result = join()

    assert result.exit_code == 0, result.output
    assert activation.url(state) in result.stdout  # the URL printed is the one opened
    assert f"http://127.0.0.1:{activation.port}/callback" in result.stdout
    granted = re.search(r"^connected pim as an App \(scopes: ([^)]*)\)$", result.stdout, re.M)
    assert granted is not None, result.stdout
    assert set(granted[1].split()) == set(activation.scopes.split())
    token = activation.stored_secrets()["app_token"].get_secret_value()
    activation.secrets.append(token)
    activation.check(result)

    # Stored encrypted: not in any byte of the state store, nor in its dump.
    files = [p for p in activation.home.iterdir() if p.name.startswith("pimsync.db")]
    assert files
    for path in files:
        data = path.read_bytes()
        assert token.encode() not in data, path.name
        assert activation.app.secret.encode() not in data, path.name
    with sqlite3.connect(activation.home / "pimsync.db") as db:
        dump = "\n".join(db.iterdump())
    assert activation.app.client_id in dump
    assert token not in dump

    listed = activation.check(activation.invoke("connections", "list"))
    assert "app_token: set" in listed.stdout
    tested = activation.check(activation.invoke("connections", "test", "pim"))
    assert tested.exit_code == 0, tested.output
    assert f"signed in as the App {activation.app.client_id}" in tested.stdout
    assert "products: 12" in tested.stdout
    assert "connection pim works" in tested.stdout

    # A job reads the PIM with the App token (the connection has no password at all).
    ran = activation.check(activation.invoke("run", "publish"))
    assert ran.exit_code == 0, ran.output
    assert len(list((activation.folder / "out").glob("*.json"))) == 12

    # Disconnected in the PIM: the token stops working and the message says what to do.
    activation.pim.apps.disconnect(activation.app.client_id)
    refused = activation.check(activation.invoke("connections", "test", "pim"))
    assert refused.exit_code == 3
    assert "activate the App again" in one_error_line(refused)


def test_cancel_in_the_pim_exits_3_and_stores_nothing(
    activation: Activation, browser: Browser
) -> None:
    join = activation.start()
    page = browser.open(activation.url(activation.wait_for_state()))
    landed = browser.cancel(page)
    assert "Activation cancelled" in landed.text

    result = join()

    assert result.exit_code == 3
    assert "the PIM user cancelled the activation" in one_error_line(result)
    assert "app_token" not in activation.stored_secrets()
    untested = activation.check(activation.invoke("connections", "test", "pim"))
    assert untested.exit_code == 2
    assert "not activated yet" in one_error_line(untested)


def test_a_callback_with_another_state_is_refused(activation: Activation, browser: Browser) -> None:
    join = activation.start()
    sent = activation.wait_for_state()
    # A forged request: the same App and scopes, but not the state the command sent.
    page = browser.open(activation.url("forged-" + sent[:8]))
    landed = browser.allow(page)
    activation.secrets.append(landed.url.params["code"])

    result = join()

    assert result.exit_code == 3
    assert "state does not match" in one_error_line(result)
    assert "app_token" not in activation.stored_secrets()


def test_no_answer_within_the_timeout_exits_3(activation: Activation) -> None:
    result = activation.start("--timeout", "1")()

    assert result.exit_code == 3
    assert "no answer from the PIM within 1 s" in one_error_line(result)


def test_activation_needs_app_credentials(
    activation: Activation, invoke: Invoke, tmp_path: Path
) -> None:
    replaced = invoke(
        "connections", "add", "pim", "--kind", "akeneo", "--replace",
        "--set", f"url={activation.pim_url}", "--set", f"app_client_id={activation.app.client_id}",
    )  # fmt: skip
    assert replaced.exit_code == 0, replaced.output
    no_secret = activation.start()()
    assert no_secret.exit_code == 2
    assert "has app_client_id but no app_client_secret" in one_error_line(no_secret)

    half = invoke(
        "connections", "add", "pim2", "--kind", "akeneo",
        "--set", f"url={activation.pim_url}", "--set", "client_id=abc",
    )  # fmt: skip
    assert half.exit_code == 2
    assert "need both client_id and username; set username" in one_error_line(half)
    neither = invoke(
        "connections", "add", "pim2", "--kind", "akeneo", "--set", f"url={activation.pim_url}"
    )
    assert neither.exit_code == 2
    assert "or app_client_id (an App" in one_error_line(neither)

    files = invoke(
        "connections", "add", "files", "--kind", "directory", "--set", f"path={tmp_path}/x"
    )
    assert files.exit_code == 0
    wrong_kind = invoke("connections", "activate", "files", "--no-browser")
    assert wrong_kind.exit_code == 2
    assert "only akeneo connections can be activated" in one_error_line(wrong_kind)


def test_a_job_reading_through_an_akeneo_catalog_asks_for_read_catalogs(
    activation: Activation, invoke: Invoke
) -> None:
    project = activation.folder / "pimsync.toml"
    project.write_text(
        PROJECT.format(
            pim_url=activation.pim_url, client_id=activation.app.client_id, folder=activation.folder
        )
        + """
[connections.shop]
kind = "oro"
url = "https://shop.example.com"
client_id = "shop"

[jobs.products]
flow = "oro.products"
source = "pim"
destination = "shop"

[jobs.products.options]
akeneo_catalog = "0b0f6c1c-7d66-4cbb-9d6a-1f5e1d9d0c11"
"""
    )
    imported = invoke("config", "import", str(project))
    assert imported.exit_code == 0, imported.output
    runner = LocalRunner(Settings())
    try:
        scopes = prepare_activation(runner, "pim").scopes.split()
    finally:
        runner.db.dispose()
    assert "read_catalogs" in scopes
    assert not [s for s in scopes if not s.startswith("read_")]


def test_catalogs_flag_then_create_and_list_akeneo_catalogs(
    activation: Activation, browser: Browser, invoke: Invoke
) -> None:
    join = activation.start("--catalogs")
    state = activation.wait_for_state()
    scopes = scopes_for(["akeneo.products", "catalogs"])
    url = authorize_url(activation.pim_url, activation.app.client_id, scopes, state)
    landed = browser.allow(browser.open(url))
    assert landed.status_code == 200
    result = join()
    assert result.exit_code == 0, result.output
    assert url in result.stdout  # the URL the command printed asks for the catalog scopes
    granted = re.search(r"scopes: ([^)]*)\)", result.stdout)
    assert granted is not None and {"write_catalogs", "delete_catalogs"} <= set(granted[1].split())

    assert "no Akeneo catalogs yet" in invoke("catalogs", "akeneo-list", "pim").stdout
    created = activation.check(invoke("catalogs", "akeneo-create", "pim", "Web shop"))
    assert created.exit_code == 0, created.output
    found = re.search(
        r"^created Akeneo catalog ([0-9a-f-]{36}) \(Web shop\), disabled$", created.stdout, re.M
    )
    assert found is not None, created.stdout
    catalog_id = found[1]
    assert f"{activation.pim_url}/connect/apps/v1/catalogs/{catalog_id}" in created.stdout
    assert f'akeneo_catalog = "{catalog_id}"' in created.stdout
    owned = activation.pim.catalogs_api.get(catalog_id)
    assert owned is not None and owned.name == "Web shop" and not owned.enabled
    listed = orjson.loads(invoke("catalogs", "akeneo-list", "pim", "--json").stdout)
    assert [(c["id"], c["name"], c["enabled"]) for c in listed] == [(catalog_id, "Web shop", False)]


def test_akeneo_catalog_commands_need_an_app(
    activation: Activation, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = invoke(
        "connections", "add", "pwd", "--kind", "akeneo", "--set", f"url={activation.pim_url}",
        "--set", "client_id=pimsync", "--set", "username=admin",
        "--secret", "secret=env:PIM_SECRET", "--secret", "password=env:PIM_PASSWORD",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("PIM_SECRET", "pimsync-secret")
    monkeypatch.setenv("PIM_PASSWORD", "admin")
    refused = invoke("catalogs", "akeneo-list", "pwd")
    assert refused.exit_code == 2
    assert "run `pimsync connections activate pwd --catalogs` first" in one_error_line(refused)
