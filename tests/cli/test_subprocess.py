"""The installed `pimsync` script, run for real in a child process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

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


def test_serve_answers_on_its_port_and_stops_on_sigint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIMSYNC_")}
    env["PIMSYNC_HOME"] = str(tmp_path / "home")
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 60}
    assert subprocess.run([str(PIMSYNC), "init"], check=True, **run).returncode == 0
    subprocess.run(
        [str(PIMSYNC), "users", "add", "ada", "--role", "admin", "--password-stdin"],
        input="long-enough-1\n", check=True, **run,
    )  # fmt: skip
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [str(PIMSYNC), "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "pimsync serve did not answer"
                time.sleep(0.1)
        assert answer.status_code == 200 and "Sign in to pimsync" in answer.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/runs").status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert f"pimsync web app on http://127.0.0.1:{port}/" in stderr
    assert "Traceback" not in stderr
