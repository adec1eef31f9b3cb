"""`pimsync config`: export, import, validate; the project file survives a round trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from pimsync.connectors.kinds import KINDS
from tests.cli._cli import PROJECT, Invoke, one_error_line
from tests.cli.conftest import Project

EXTRA = """
[connections.archive]
kind = "directory"
path = "{folder}/archive"

[jobs.archive]
flow = "files.products"
source = "catalog"
destination = "archive"
deletion_policy = "delete"
batch_size = 50
overlap_seconds = 0.0

[jobs.archive.options]
locale = "fr_FR"
scope = "mobile"
currencies = ["EUR"]
enabled_only = true
"""


def test_export_import_export_is_lossless(project: Project, invoke: Invoke, tmp_path: Path) -> None:
    bigger = tmp_path / "bigger.toml"
    bigger.write_text((tmp_path / "pimsync.toml").read_text() + EXTRA.format(folder=tmp_path))
    assert invoke("config", "import", str(bigger)).exit_code == 0
    first = invoke("config", "export")
    assert first.exit_code == 0
    assert 'currencies = [\n    "EUR",\n]' in first.stdout or 'currencies = ["EUR"]' in first.stdout

    exported = tmp_path / "exported.toml"
    assert invoke("config", "export", "--output", str(exported)).exit_code == 0
    assert exported.read_text() == first.stdout
    imported = invoke("config", "import", str(exported))
    assert imported.exit_code == 0, imported.stderr
    second = invoke("config", "export")

    assert second.stdout == first.stdout


def test_import_with_prune_removes_what_the_file_lacks(
    project: Project, invoke: Invoke, tmp_path: Path
) -> None:
    bigger = tmp_path / "bigger.toml"
    bigger.write_text((tmp_path / "pimsync.toml").read_text() + EXTRA.format(folder=tmp_path))
    invoke("config", "import", str(bigger))

    kept = invoke("config", "import", "pimsync.toml")
    assert "archive" in invoke("config", "export").stdout
    assert "removed" not in kept.stdout

    pruned = invoke("config", "import", "pimsync.toml", "--prune")

    assert pruned.exit_code == 0, pruned.stderr
    assert "removed: job archive, connection archive" in pruned.stdout
    jobs = orjson.loads(invoke("jobs", "list", "--json").stdout)
    assert [j["name"] for j in jobs] == ["publish"]


def test_validate_accepts_a_good_file(home: Path, invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(PROJECT.format(folder=tmp_path))

    result = invoke("config", "validate", "p.toml")

    assert result.exit_code == 0
    assert "p.toml is valid: 2 connection(s)" in result.stdout
    assert not home.exists()  # validating needs no state store


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 1\n[jobs\n", "invalid TOML: Expected ']'"),
        ("version = 2\n", "version: Input should be 1"),
        ("colour = 1\n", "colour: Extra inputs are not permitted"),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\n[connections.b]\nkind = "directory"\n'
            'path = "b"\n[jobs.j]\nflow = "files.products"\nsource = "a"\ndestination = "b"\n'
            'schedule = "every 5 minutes"\n',
            "jobs.j.schedule: 'every 5 minutes' is not a cron expression",
        ),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\n[jobs.j]\nflow = "files.products"\n'
            'source = "a"\ndestination = "ghost"\n',
            "destination connection 'ghost' is not defined",
        ),
        ('[connections.a]\nkind = "ftp"\n', "connection 'a': unknown connection kind 'ftp'"),
        ('[connections.a]\nkind = "jsonl"\n', "connection 'a' (jsonl): path: Field required"),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\n[jobs.j]\nflow = "files.products"\n'
            'source = "a"\ndestination = "a"\n',
            "flow files.products needs a directory destination, but connection 'a' is jsonl",
        ),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\n[jobs.j]\nflow = "ftp.sync"\n'
            'source = "a"\ndestination = "a"\n',
            "job 'j': unknown flow 'ftp.sync'",
        ),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\n[connections.b]\nkind = "directory"\n'
            'path = "b"\n[jobs.j]\nflow = "files.products"\nsource = "a"\ndestination = "b"\n'
            '[jobs.j.options]\ncurrencies = "EUR"\n',
            "job 'j' (files.products): options.currencies: Input should be a valid list",
        ),
        (
            '[connections.a]\nkind = "jsonl"\npath = "a"\npassword = { prompt = true }\n',
            "unknown secret(s) password",
        ),
    ],
)
def test_validate_and_import_refuse_a_bad_file_with_one_line(
    project: Project, invoke: Invoke, tmp_path: Path, text: str, message: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    before = invoke("config", "export").stdout

    for command in ("validate", "import"):
        result = invoke("config", command, str(bad))
        assert result.exit_code == 2, result.output
        assert message in one_error_line(result)

    assert invoke("config", "export").stdout == before


def test_import_of_a_prompted_secret_without_a_terminal_fails_clearly(
    project: Project, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, "jsonl", replace(KINDS["jsonl"], secret_fields=("password",)))
    (tmp_path / "p.toml").write_text(
        '[connections.a]\nkind = "jsonl"\npath = "a"\npassword = { prompt = true }\n'
    )

    result = invoke("config", "import", "p.toml")

    assert result.exit_code == 2
    assert "secret 'password' must be typed in, but there is no terminal" in one_error_line(result)


def test_export_to_an_unwritable_place(project: Project, invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("config", "export", "--output", str(tmp_path / "no" / "such" / "dir.toml"))

    assert result.exit_code == 2
    assert "cannot write" in one_error_line(result)
