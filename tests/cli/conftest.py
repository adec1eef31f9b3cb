"""Fixtures for CLI tests: an isolated PIMSYNC_HOME, a runner for commands, a small project."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pimsync.cli import app
from tests.cli._cli import PROJECT, Invoke, write_catalog


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI configures pimsync's loggers; give other tests theirs back."""
    saved = {
        name: (lg.level, list(lg.handlers), lg.propagate)
        for name in ("pimsync", "pimsync.engine")
        for lg in [logging.getLogger(name)]
    }
    yield
    for name, (level, handlers, propagate) in saved.items():
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate = propagate


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PIMSYNC_HOME; the working folder is ``tmp_path``."""
    for name in ("PIMSYNC_DATABASE_URL", "PIMSYNC_SECRET_KEY", "PIMSYNC_LOG_LEVEL", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "home"
    monkeypatch.setenv("PIMSYNC_HOME", str(path))
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def invoke(home: Path) -> Invoke:
    """Run ``pimsync ARGS…`` in-process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


@dataclass
class Project:
    folder: Path
    home: Path

    @property
    def catalog(self) -> Path:
        return self.folder / "catalog.jsonl"

    @property
    def output(self) -> Path:
        return self.folder / "output"


@pytest.fixture
def project(tmp_path: Path, home: Path, invoke: Invoke) -> Project:
    """An initialised installation with job ``publish``: 30 products, file to folder."""
    write_catalog(tmp_path / "catalog.jsonl", 30)
    (tmp_path / "pimsync.toml").write_text(PROJECT.format(folder=tmp_path))
    result = invoke("init")
    assert result.exit_code == 0, result.stderr
    return Project(tmp_path, home)
