"""`pimsync init` and `pimsync db`: setting up a home folder, its key and its schema."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest
from cryptography.fernet import Fernet

from tests.cli._cli import PROJECT, Invoke, one_error_line


def test_init_creates_home_key_and_schema_and_is_idempotent(home: Path, invoke: Invoke) -> None:
    first = invoke("init")

    assert first.exit_code == 0, first.stderr
    key = home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "secret key: created" in first.stdout
    assert "created at revision" in first.stdout
    content = key.read_bytes()

    second = invoke("init")

    assert second.exit_code == 0, second.stderr
    assert "already exists, kept" in second.stdout
    assert "already at the newest revision" in second.stdout
    assert key.read_bytes() == content


def test_init_uses_the_key_from_the_environment_instead_of_a_file(
    home: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_SECRET_KEY", Fernet.generate_key().decode())

    result = invoke("init")

    assert result.exit_code == 0, result.stderr
    assert "from PIMSYNC_SECRET_KEY" in result.stdout
    assert not (home / "secret.key").exists()


def test_init_imports_the_project_file_of_the_working_folder(
    tmp_path: Path, home: Path, invoke: Invoke
) -> None:
    (tmp_path / "pimsync.toml").write_text(PROJECT.format(folder=tmp_path))

    result = invoke("init")

    assert result.exit_code == 0, result.stderr
    assert "imported pimsync.toml: 2 connection(s)" in result.stdout
    jobs = invoke("jobs", "list", "--json")
    assert [job["name"] for job in orjson.loads(jobs.stdout)] == ["publish"]


def test_init_with_a_missing_project_file_says_so(home: Path, invoke: Invoke) -> None:
    result = invoke("init", "--project", "nowhere.toml")

    assert result.exit_code == 2
    assert "nowhere.toml: no such project file" in one_error_line(result)


def test_db_upgrade_and_status(home: Path, invoke: Invoke) -> None:
    upgraded = invoke("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "created at revision 0003" in upgraded.stdout

    again = invoke("db", "upgrade")
    assert "already at the newest revision 0003" in again.stdout

    status = invoke("db", "status", "--json")
    assert status.exit_code == 0
    assert orjson.loads(status.stdout)["up_to_date"] is True


def test_commands_before_init_say_to_run_init_and_create_nothing(
    home: Path, invoke: Invoke
) -> None:
    for args in (("runs", "list"), ("db", "status"), ("jobs", "list")):
        result = invoke(*args)
        assert result.exit_code == 3
        assert "run `pimsync init`" in one_error_line(result)
    assert not home.exists()


def test_home_option_overrides_the_environment(tmp_path: Path, invoke: Invoke) -> None:
    other = tmp_path / "elsewhere"

    result = invoke("--home", str(other), "init")

    assert result.exit_code == 0, result.stderr
    assert (other / "pimsync.db").exists()
