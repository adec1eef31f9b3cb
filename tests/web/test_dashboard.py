"""The dashboard: each connection's health from its jobs' last runs, each job's last and
next run, and what needs attention (failed or partial runs, parked records)."""

from __future__ import annotations

import re
from pathlib import Path

from pimsync.config import ProjectConfig
from pimsync.config._stored import save_project
from pimsync.state import _runs, _sync
from pimsync.state._users import create_token
from tests.web.conftest import Hub


def _project(tmp_path: Path) -> ProjectConfig:
    folder = str(tmp_path / "out")
    return ProjectConfig.model_validate(
        {
            "connections": {
                "files": {"kind": "jsonl", "path": str(tmp_path / "in.jsonl")},
                "out": {"kind": "directory", "path": folder},
                "archive": {"kind": "directory", "path": folder + "2"},
                "spare": {"kind": "directory", "path": folder + "3"},
            },
            "jobs": {
                "publish": {
                    "flow": "files.products",
                    "source": "files",
                    "destination": "out",
                    "schedule": "30 2 * * *",
                },
                "backup": {"flow": "files.products", "source": "files", "destination": "archive"},
            },
        }
    )


def _run(hub: Hub, job: str, status: str, counts: dict[str, int], error: str | None = None) -> int:
    """A finished run with ``counts`` in its one stream, stored as the engine stores them."""
    stored = {"streams": {"products": counts}, "watermarks": {}, "notes": []}
    with hub.runner.db.begin() as conn:
        run_id = _runs.start_run(conn, job, "diff", False)
        _runs.finish_run(conn, run_id, status, stored, error)
    return run_id


def _row(html: str, name: str) -> str:
    found = re.search(rf"<tr>\s*<td>{name}</td>.*?</tr>", html, re.S)
    assert found is not None, html
    return found[0]


def test_health_last_and_next_runs_and_what_needs_attention(hub: Hub, tmp_path: Path) -> None:
    with hub.runner.db.begin() as conn:
        save_project(conn, hub.runner.box, _project(tmp_path))
    _run(hub, "publish", "succeeded", {"created": 3})
    partial = _run(hub, "publish", "partial", {"created": 1, "rejected": 2})
    failed = _run(hub, "backup", "failed", {}, "cannot write to /nowhere")
    with hub.runner.db.begin() as conn:  # a dry run does not count for health
        dry = _runs.start_run(conn, "backup", "diff", True)
        _runs.finish_run(conn, dry, "succeeded", {}, None)
        scope = _sync.Scope("publish", "products", "out", "product")
        failures = [_sync.Failure("sku-1", "h", "refused"), _sync.Failure("sku-2", "h", "refused")]
        _sync.record_failures(conn, scope, failures, {}, partial, max_attempts=1)

    html = hub.sign_in("val").get("/").text

    assert "health-partial" in _row(html, "out") and "2 record(s) refused" in _row(html, "out")
    assert "health-failing" in _row(html, "archive")
    assert "cannot write to /nowhere" in _row(html, "archive")
    assert "health-unused" in _row(html, "spare")
    files = _row(html, "files")  # the worst of its two jobs' last runs
    assert "health-failing" in files and "backup: cannot write to /nowhere" in files
    publish = _row(html, "publish")
    assert f"#{partial}" in publish and re.search(r"\d{4}-\d\d-\d\d 02:30 UTC", publish)
    assert f"#{failed}" in _row(html, "backup") and "UTC" not in _row(html, "backup")
    attention = html[html.index("Needs attention") : html.index("<h2>Connections")]
    assert "last run failed: cannot write to /nowhere" in attention
    assert "last run refused 2 record(s)" in attention
    assert "2 record(s) parked" in attention


def test_a_new_hub_has_nothing_needing_attention(hub: Hub) -> None:
    html = hub.sign_in("val").get("/").text
    assert "Needs attention" not in html
    assert "No jobs yet." in html


def test_the_api_gives_the_dashboard_to_a_viewer_and_refuses_anonymous(
    hub: Hub, tmp_path: Path
) -> None:
    with hub.runner.db.begin() as conn:
        save_project(conn, hub.runner.box, _project(tmp_path))
        token = create_token(conn, "val", "dashboard")
    failed = _run(hub, "backup", "failed", {}, "disk full")
    with hub.client() as anonymous:
        assert anonymous.get("/api/v1/dashboard").status_code == 401
    with hub.client(headers={"Authorization": f"Bearer {token}"}) as api:
        body = api.get("/api/v1/dashboard").json()
    health = {c["name"]: c["health"] for c in body["connections"]}
    assert health == {
        "archive": "failing",
        "files": "failing",
        "out": "never run",
        "spare": "unused",
    }
    jobs = {j["name"]: j for j in body["jobs"]}
    assert jobs["backup"]["last_run"]["id"] == failed and jobs["backup"]["next_run"] is None
    assert jobs["publish"]["next_run"].endswith("02:30:00+00:00")
    assert body["attention"] == [
        {
            "job": "backup",
            "message": "last run failed: disk full",
            "run_id": failed,
            "severity": "error",
        }
    ]
