"""The installed `pimsync` script, run for real in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli._cli import PROJECT, write_catalog

PIMSYNC = Path(sys.executable).with_name("pimsync")


def test_the_console_script_runs_jobs_and_reports_errors_in_one_line(tmp_path: Path) -> None:
    write_catalog(tmp_path / "catalog.jsonl", 10, extra_lines={3: b"not json"})
    (tmp_path / "pimsync.toml").write_text(PROJECT.format(folder=tmp_path))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIMSYNC_")}
    env["PIMSYNC_HOME"] = str(tmp_path / "home")

    def pimsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PIMSYNC), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip

    init = pimsync("init")
    assert init.returncode == 0, init.stderr
    assert "imported pimsync.toml" in init.stdout

    run = pimsync("run", "publish")
    assert run.returncode == 1, run.stderr  # one line rejected, the rest loaded
    assert "catalog.jsonl line 4: invalid JSON" in run.stdout
    assert len(list((tmp_path / "output").glob("*.json"))) == 10

    unknown = pimsync("run", "ghost")
    assert unknown.returncode == 2
    assert unknown.stderr == "error: unknown job 'ghost' (known: publish)\n"
