"""`pimsync connections`: add, list, test, remove — and secrets that never show."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

import orjson
import pytest
from pydantic import BaseModel, ConfigDict, SecretStr

from pimsync.cli._session import Session
from pimsync.connectors.kinds import KINDS, ConnectorKind
from pimsync.errors import ConfigError
from tests.cli._cli import Invoke, one_error_line
from tests.cli.conftest import Project

SECRET = "s3cr3t-Value-4a7f19"
ENV_SECRET = "env-Secret-88c2e0"


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    timeout: float = 10.0


def _check_api(settings: ApiSettings, secrets: Mapping[str, SecretStr]) -> list[str]:
    if settings.url == "http://down.invalid":
        raise ConfigError(f"{settings.url}: connection refused")
    # Proves the secrets arrived without showing them.
    lengths = ", ".join(
        f"{k}: {len(v.get_secret_value())} chars" for k, v in sorted(secrets.items())
    )
    return [f"{settings.url}: reachable", f"credentials: {lengths}"]


@pytest.fixture
def api_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kind with secrets, like the Akeneo and Oro kinds to come."""
    kind = ConnectorKind(
        "api", "a test API", ApiSettings, ("source",), _check_api, ("password", "token")
    )
    monkeypatch.setitem(KINDS, "api", kind)


@pytest.fixture
def initialised(home: Path, invoke: Invoke) -> Path:
    assert invoke("init").exit_code == 0
    return home


def test_add_list_test_remove_with_secrets_from_env_and_stdin(
    initialised: Path, invoke: Invoke, api_kind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIM_TOKEN", ENV_SECRET)

    added = invoke(
        "connections", "add", "pim", "--kind", "api",
        "--set", "url=https://pim.example.com", "--set", "timeout=5",
        "--secret", "password=stdin", "--secret", "token=env:PIM_TOKEN",
        input=SECRET + "\n",
    )  # fmt: skip

    assert added.exit_code == 0, added.stderr
    assert "password (stored encrypted)" in added.stdout
    assert "token (env:PIM_TOKEN)" in added.stdout

    listed = invoke("connections", "list", "--json")
    assert orjson.loads(listed.stdout) == [
        {
            "name": "pim",
            "kind": "api",
            "settings": {"url": "https://pim.example.com", "timeout": 5.0},
            "secrets": {"password": "set", "token": "env:PIM_TOKEN"},
        }
    ]
    table = invoke("connections", "list")
    assert "password: set" in table.stdout and "token: env:PIM_TOKEN" in table.stdout

    tested = invoke("connections", "test", "pim")
    assert tested.exit_code == 0, tested.stderr
    assert f"password: {len(SECRET)} chars" in tested.stdout
    assert f"token: {len(ENV_SECRET)} chars" in tested.stdout
    assert "connection pim works" in tested.stdout

    exported = invoke("config", "export")
    assert "[connections.pim.password]\nstored = true" in exported.stdout
    assert 'env = "PIM_TOKEN"' in exported.stdout

    for result in (added, listed, table, tested, exported):
        assert SECRET not in result.output and ENV_SECRET not in result.output

    removed = invoke("connections", "remove", "pim")
    assert removed.exit_code == 0
    assert orjson.loads(invoke("connections", "list", "--json").stdout) == []


def test_a_dump_of_the_state_store_holds_no_plaintext_secret(
    initialised: Path, invoke: Invoke, api_kind: None
) -> None:
    added = invoke(
        "connections", "add", "pim", "--kind", "api", "--set", "url=https://pim.example.com",
        "--secret", "password=stdin", input=SECRET + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr

    # Every byte on disk: the database and its write-ahead log.
    files = [p for p in initialised.iterdir() if p.name.startswith("pimsync.db")]
    assert files
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path.name
    with sqlite3.connect(initialised / "pimsync.db") as db:
        dump = "\n".join(db.iterdump())
    assert "pim.example.com" in dump  # the dump does hold the connection…
    assert SECRET not in dump  # …but not its secret


def test_a_secret_can_be_typed_in_on_a_terminal(
    initialised: Path, invoke: Invoke, api_kind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Session, "can_prompt", lambda self: True)

    added = invoke(
        "connections", "add", "pim", "--kind", "api", "--set", "url=https://pim.example.com",
        "--secret", "password", input=SECRET + "\n",
    )  # fmt: skip

    assert added.exit_code == 0, added.stderr
    assert "password of connection pim" in added.stdout  # the prompt, without echo
    assert SECRET not in added.stdout
    tested = invoke("connections", "test", "pim")
    assert f"password: {len(SECRET)} chars" in tested.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nope"], "unknown connection kind 'nope' (known: "),
        (["--kind", "api"], "url: Field required"),
        (["--kind", "api", "--set", "url=x", "--set", "colour=red"], "colour: Extra inputs"),
        (["--kind", "api", "--set", "oops"], "--set 'oops': expected KEY=VALUE"),
        (["--kind", "api", "--set", "url=x", "--set", "password=hunter2"], "is a secret"),
        (["--kind", "api", "--set", "url=x", "--secret", "password=hunter2"], "shell history"),
        (["--kind", "api", "--set", "url=x", "--secret", "pin=stdin"], "no secret 'pin'"),
        (["--kind", "api", "--set", "url=x", "--secret", "password"], "no terminal"),
        (["--kind", "api", "--set", "url=x", "--secret", "password=stdin"], "nothing to read"),
        (["--kind"], "requires an argument"),
    ],
)
def test_add_refuses_bad_input_with_one_line(
    initialised: Path, invoke: Invoke, api_kind: None, args: list[str], message: str
) -> None:
    result = invoke("connections", "add", "pim", *args)

    assert result.exit_code == 2
    assert message in one_error_line(result)
    assert "hunter2" not in result.output


def test_add_refuses_to_replace_unless_asked(
    initialised: Path, invoke: Invoke, tmp_path: Path
) -> None:
    args = ("connections", "add", "files", "--kind", "directory", "--set", f"path={tmp_path}")
    assert invoke(*args).exit_code == 0

    again = invoke(*args)
    assert again.exit_code == 2
    assert "exists; add --replace" in one_error_line(again)
    assert invoke(*args, "--replace").exit_code == 0


def test_the_connection_after_the_limit_is_refused(
    initialised: Path, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_MAX_CONNECTIONS", "3")
    for n in range(3):
        args = ("connections", "add", f"files{n}", "--kind", "directory")
        assert invoke(*args, "--set", f"path={tmp_path}").exit_code == 0

    fourth = invoke(
        "connections", "add", "files3", "--kind", "directory", "--set", f"path={tmp_path}"
    )
    assert fourth.exit_code == 2
    assert "4 connections: the hub holds at most 3" in one_error_line(fourth)
    replaced = ("connections", "add", "files0", "--kind", "directory", "--replace")
    assert invoke(*replaced, "--set", f"path={tmp_path}").exit_code == 0  # not one more

    (tmp_path / "more.toml").write_text(
        f'version = 1\n[connections.other]\nkind = "directory"\npath = "{tmp_path}"\n'
    )
    imported = invoke("config", "import", str(tmp_path / "more.toml"))
    assert imported.exit_code == 2
    assert "at most 3" in one_error_line(imported)
    pruned = invoke("config", "import", str(tmp_path / "more.toml"), "--prune")
    assert pruned.exit_code == 0, pruned.stderr  # the file replaces the three


def test_the_default_limit_is_akeneos_fifty() -> None:
    from pimsync.settings import Settings

    assert Settings().max_connections == 50


def test_test_reports_a_broken_connection(
    initialised: Path, invoke: Invoke, api_kind: None
) -> None:
    invoke("connections", "add", "down", "--kind", "api", "--set", "url=http://down.invalid")

    result = invoke("connections", "test", "down")

    assert result.exit_code == 2
    assert one_error_line(result) == (
        "error: connection 'down': http://down.invalid: connection refused"
    )


def test_unknown_connections_and_connections_in_use(project: Project, invoke: Invoke) -> None:
    for args in (("test", "ghost"), ("remove", "ghost")):
        result = invoke("connections", *args)
        assert result.exit_code == 2
        assert "unknown connection 'ghost'" in one_error_line(result)

    in_use = invoke("connections", "remove", "catalog")

    assert in_use.exit_code == 2
    assert "used by job(s) publish; remove those first" in one_error_line(in_use)


def test_secrets_need_the_key(initialised: Path, invoke: Invoke, api_kind: None) -> None:
    (initialised / "secret.key").unlink()

    result = invoke(
        "connections", "add", "pim", "--kind", "api", "--set", "url=https://x",
        "--secret", "password=stdin", input="x\n",
    )  # fmt: skip

    assert result.exit_code == 2
    assert "no secret key: set PIMSYNC_SECRET_KEY or run `pimsync init`" in one_error_line(result)
