"""Every error is one `error:` line on stderr with a documented exit code; tracebacks only with
--debug."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from pimsync.cli import EXIT_FAILED, EXIT_INTERNAL, EXIT_USAGE
from pimsync.runners.local import LocalRunner
from pimsync.state import create_state_engine
from tests.cli._cli import Invoke, one_error_line
from tests.cli.conftest import Project


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run", "ghost"], EXIT_USAGE, "unknown job 'ghost' (known: publish)"),
        (["run"], EXIT_USAGE, "Missing argument 'JOB'. (see `pimsync run --help`)"),
        (["run", "publish", "--fast"], EXIT_USAGE, "No such option: --fast"),
        (["frobnicate"], EXIT_USAGE, "No such command 'frobnicate'. (see `pimsync --help`)"),
        (["connections", "test", "ghost"], EXIT_USAGE, "unknown connection 'ghost'"),
        (["runs", "show", "x"], EXIT_USAGE, "Invalid value for 'RUN_ID'"),
        (["runs", "list", "--limit", "0"], EXIT_USAGE, "Invalid value for '--limit'"),
        (["config", "import", "missing.toml"], EXIT_USAGE, "missing.toml: no such project file"),
        (["demo", "--products", "2"], EXIT_USAGE, "greater than or equal to 5"),
    ],
)
def test_bad_input(
    project: Project, invoke: Invoke, args: list[str], code: int, message: str
) -> None:
    result = invoke(*args)

    assert result.exit_code == code
    assert message in one_error_line(result)


def test_an_unreachable_database(
    home: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_DATABASE_URL", "postgresql://u:pw@127.0.0.1:1/x")

    for args in (("runs", "list"), ("db", "upgrade"), ("init",)):
        result = invoke(*args)
        assert result.exit_code == EXIT_FAILED
        line = one_error_line(result)
        assert "cannot reach the state database postgresql+psycopg://u:***@127.0.0.1:1/x" in line
        assert "pw" not in line


def test_an_invalid_database_url(
    home: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_DATABASE_URL", "not a url")

    result = invoke("db", "status")

    assert result.exit_code == EXIT_FAILED
    assert "invalid database URL" in one_error_line(result)


def test_an_old_schema_asks_for_db_upgrade(project: Project, invoke: Invoke) -> None:
    engine = create_state_engine(f"sqlite:///{project.home / 'pimsync.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_FAILED
    assert "run `pimsync db upgrade`" in one_error_line(result)


def test_debug_shows_the_traceback(project: Project, invoke: Invoke) -> None:
    plain = invoke("run", "ghost")
    debug = invoke("--debug", "run", "ghost")

    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()
    assert debug.exit_code == plain.exit_code == EXIT_USAGE


def test_a_bug_is_an_internal_error_with_a_hint(
    project: Project, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(LocalRunner, "run", broken)

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_INTERNAL
    line = one_error_line(result)
    assert "internal error: ZeroDivisionError: division by zero" in line
    assert "--debug" in line


def test_help_lists_the_exit_codes(invoke: Invoke) -> None:
    result = invoke("--help")

    assert result.exit_code == 0
    expected = (
        "Exit codes",
        "0: success",
        "1: the run finished but rejected",
        "2: usage",
        "3: the run failed",
        "4: the job is already running",
        "130: interrupted",
    )
    for line in expected:
        assert line in result.stdout


def test_a_group_without_a_command_shows_its_help(invoke: Invoke) -> None:
    for args in ((), ("connections",), ("runs",)):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "Usage: " in result.stdout
        assert result.stderr == ""


def test_version(invoke: Invoke) -> None:
    result = invoke("--version")

    assert result.exit_code == 0
    assert result.stdout.startswith("pimsync ")
