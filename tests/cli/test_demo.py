"""`pimsync demo`: a working setup in one folder, which can be made again."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.cli._cli import Invoke, one_error_line


def test_demo_runs_twice_and_leaves_a_working_setup(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo keeps to its own folder, whatever the environment points at.
    monkeypatch.setenv("PIMSYNC_DATABASE_URL", "postgresql://u@127.0.0.1:1/x")
    folder = tmp_path / "demo"

    for _ in range(2):
        result = invoke("demo", "--dir", str(folder), "--products", "50")

        assert result.exit_code == 0, result.output
        assert "Akeneo sandbox serving 50 generated products at http://127.0.0.1:" in (
            result.stdout
        )
        assert "run 1 of pim-to-files (full): succeeded: 50 extracted, 50 created" in (
            result.stdout
        )
        assert "run 2 of pim-to-files (diff): succeeded: 0 extracted, 0 written" in (result.stdout)
        assert "3 updated" in result.stdout
        assert "1 disabled" in result.stdout
        assert f"export PIMSYNC_HOME={folder / '.pimsync'}" in result.stdout
        assert "unset PIMSYNC_DATABASE_URL" in result.stdout
        assert result.stderr == ""

    documents = sorted((folder / "output").glob("*.json"))
    assert len(documents) == 50
    disabled = [d for d in documents if orjson.loads(d.read_bytes())["enabled"] is False]
    assert disabled  # the deleted product (and any the catalog has disabled anyway)
    project = (folder / "pimsync.toml").read_text()
    assert "[connections.pim]" in project
    assert "[connections.shop-files]" in project
    assert 'kind = "akeneo"' in project
    assert "pimsync-secret" not in project  # secrets are stored encrypted, never in the file

    monkeypatch.delenv("PIMSYNC_DATABASE_URL")
    runs = orjson.loads(invoke("--home", str(folder / ".pimsync"), "runs", "list", "--json").stdout)
    assert [r["run_id"] for r in runs] == [4, 3, 2, 1]  # the second demo started afresh


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path, invoke: Invoke) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")

    result = invoke("demo", "--dir", str(folder), "--products", "5")

    assert result.exit_code == 2
    assert "was not made by `pimsync demo`" in one_error_line(result)
    assert (folder / "thesis.tex").exists()
