"""The CLI on each state store backend (PostgreSQL as in production)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.cli._cli import PROJECT, Invoke, write_catalog


def test_init_run_and_inspect_on_each_backend(
    database_url: str, tmp_path: Path, home: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_DATABASE_URL", database_url)
    write_catalog(tmp_path / "catalog.jsonl", 20)
    (tmp_path / "pimsync.toml").write_text(PROJECT.format(folder=tmp_path))

    init = invoke("init")
    assert init.exit_code == 0, init.stderr
    assert invoke("db", "status").exit_code == 0

    run = invoke("run", "publish", "--full", "--json")
    assert run.exit_code == 0, run.stderr
    assert orjson.loads(run.stdout)["totals"]["created"] == 20

    runs = orjson.loads(invoke("runs", "list", "--json").stdout)
    assert [(r["run_id"], r["status"]) for r in runs] == [(1, "succeeded")]
    assert invoke("init").exit_code == 0  # idempotent here too
