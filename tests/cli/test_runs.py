"""`pimsync run`, `runs`, `failed` and `schedule` on a small catalog with the files flow."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import insert

from pimsync.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_PARTIAL
from pimsync.runners.local import LocalRunner
from pimsync.runners.scheduler import Scheduler
from pimsync.settings import Settings
from pimsync.state import create_state_engine
from pimsync.state._tables import locks
from tests.cli._cli import Invoke, one_error_line, write_catalog
from tests.cli.conftest import Project


def _json(text: str) -> dict[str, object]:
    data = orjson.loads(text)
    assert isinstance(data, dict)
    return data


def test_full_diff_and_dry_runs(project: Project, invoke: Invoke) -> None:
    full = invoke("run", "publish", "--full")

    assert full.exit_code == 0, full.stderr
    assert "run 1 of publish (full): succeeded" in full.stdout
    assert len(list(project.output.glob("*.json"))) == 30
    document = orjson.loads(next(project.output.glob("*.json")).read_bytes())
    assert {"uuid", "sku", "name", "prices", "enabled"} <= document.keys()

    diff = _json(invoke("run", "publish", "--json").stdout)
    assert diff["mode"] == "diff"
    assert diff["totals"]["created"] == diff["totals"]["updated"] == 0  # type: ignore[index]

    write_catalog(project.catalog, 32)
    dry = invoke("run", "publish", "--full", "--dry-run")

    assert dry.exit_code == 0, dry.stderr
    assert "planned changes (dry run)" in dry.stdout
    assert "planned: 2" in dry.stdout
    assert dry.stdout.count("create") >= 2
    assert len(list(project.output.glob("*.json"))) == 30  # nothing written
    planned = _json(invoke("runs", "show", "3", "--json").stdout)
    assert planned["dry_run"] is True
    assert [p["action"] for p in planned["planned"]] == ["create", "create"]  # type: ignore[union-attr]


def test_the_default_is_a_differential_run(project: Project, invoke: Invoke) -> None:
    first = _json(invoke("run", "publish", "--json").stdout)
    assert first["notes"] == ["products: no watermark yet, ran as a full run"]

    second = _json(invoke("run", "publish", "--json").stdout)

    assert second["mode"] == "diff"
    assert second["totals"]["extracted"] == 0  # type: ignore[index]


def test_a_bad_line_is_rejected_the_rest_loads_and_the_exit_code_is_1(
    project: Project, invoke: Invoke
) -> None:
    write_catalog(project.catalog, 30, extra_lines={4: b'{"uuid": broken'})

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_PARTIAL
    assert "partial" in result.stdout
    assert "catalog.jsonl line 5: invalid JSON" in result.stdout
    assert "pimsync runs show 1" in result.stdout
    assert len(list(project.output.glob("*.json"))) == 30

    shown = _json(invoke("runs", "show", "1", "--json").stdout)
    assert shown["status"] == "partial"
    assert shown["rejected"][0]["key"] == "catalog.jsonl line 5"  # type: ignore[index]

    failed = orjson.loads(invoke("failed", "list", "--json").stdout)
    assert [(f["key"], f["status"], f["attempts"]) for f in failed] == [
        ("catalog.jsonl line 5", "pending", 1)
    ]
    assert "no parked records" in invoke("failed", "list", "--parked").stdout

    retried = invoke("failed", "retry", "--job", "publish")
    assert retried.exit_code == 0
    assert "1 record(s) will be retried by the next run of publish" in retried.stdout
    assert orjson.loads(invoke("failed", "list", "--json").stdout)[0]["attempts"] == 0

    nothing = invoke("failed", "retry", "--job", "publish", "--key", "no-such-key")
    assert "nothing to retry" in nothing.stdout
    unknown = invoke("failed", "retry", "--job", "ghost")
    assert unknown.exit_code == 2
    assert "unknown job 'ghost'" in one_error_line(unknown)


def test_runs_list(project: Project, invoke: Invoke) -> None:
    assert "no runs yet" in invoke("runs", "list").stdout
    invoke("run", "publish", "--full")
    invoke("run", "publish")

    table = invoke("runs", "list")
    rows = orjson.loads(invoke("runs", "list", "--job", "publish", "--limit", "1", "--json").stdout)

    assert "succeeded" in table.stdout and "full" in table.stdout
    assert [(r["run_id"], r["mode"]) for r in rows] == [(2, "diff")]
    assert rows[0]["totals"]["extracted"] == 0
    assert "unknown run 99" in one_error_line(invoke("runs", "show", "99"))


def test_jobs_list(project: Project, invoke: Invoke) -> None:
    invoke("run", "publish")

    jobs = orjson.loads(invoke("jobs", "list", "--json").stdout)
    table = invoke("jobs", "list").stdout

    assert jobs[0]["name"] == "publish"
    assert jobs[0]["last_run"]["status"] == "succeeded"
    assert datetime.fromisoformat(jobs[0]["next_run_at"]).minute % 15 == 0
    assert "catalog → shop" in table and "*/15 * * * *" in table


def test_a_run_whose_source_is_gone_fails_with_exit_code_3(
    project: Project, invoke: Invoke
) -> None:
    project.catalog.unlink()

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_FAILED
    line = one_error_line(result)
    assert line.startswith("error: run 1 of publish failed: cannot read")
    assert "failed" in result.stdout


def test_a_job_already_running_gives_exit_code_4(project: Project, invoke: Invoke) -> None:
    engine = create_state_engine(f"sqlite:///{project.home / 'pimsync.db'}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(locks).values(
                name="publish", run_id=41, host=socket.gethostname(), pid=os.getpid(),
                acquired_at=now, heartbeat_at=now,
            )
        )  # fmt: skip

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_LOCKED
    assert "job 'publish' is already running (run 41" in one_error_line(result)


def test_ctrl_c_during_a_run_gives_exit_code_130(
    project: Project, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalRunner, "run", interrupted)

    result = invoke("run", "publish")

    assert result.exit_code == EXIT_INTERRUPTED
    assert "interrupted" in one_error_line(result)


def test_schedule_once_runs_what_is_due_then_nothing(project: Project, invoke: Invoke) -> None:
    first = invoke("schedule", "--once")

    assert first.exit_code == 0, first.stderr
    assert "run 1 of publish (diff): succeeded" in first.stdout
    assert len(list(project.output.glob("*.json"))) == 30

    second = invoke("schedule", "--once")
    assert second.exit_code == 0
    # Due again only if a quarter hour began between the two calls.
    assert "nothing is due now" in second.stdout or "run 2 of publish" in second.stdout


def test_schedule_without_scheduled_jobs(project: Project, invoke: Invoke) -> None:
    text = (project.folder / "pimsync.toml").read_text()
    (project.folder / "pimsync.toml").write_text(text.replace('schedule = "*/15 * * * *"\n', ""))
    invoke("config", "import", "pimsync.toml")

    result = invoke("schedule", "--once")

    assert result.exit_code == 2
    assert "no job has a schedule" in one_error_line(result)


def test_runs_use_the_engine_settings_from_the_environment(
    project: Project, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIMSYNC_ENGINE__BATCH_SIZE", "7")
    assert Settings().engine.batch_size == 7

    doc = _json(invoke("run", "publish", "--full", "--json").stdout)

    assert doc["totals"]["writes"] == 5  # type: ignore[index]  # 30 records / 7 per batch

    monkeypatch.setenv("PIMSYNC_ENGINE__BATCH_SIZE", "lots")
    bad = invoke("run", "publish")
    assert bad.exit_code == 2
    assert "invalid setting: PIMSYNC_ENGINE__BATCH_SIZE" in one_error_line(bad)


def test_schedule_serves_until_ctrl_c(
    project: Project, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[bool] = []

    def serve(self: Scheduler, max_wait: float = 30.0) -> None:
        served.append(True)
        raise KeyboardInterrupt

    monkeypatch.setattr(Scheduler, "serve", serve)

    result = invoke("schedule")

    assert result.exit_code == 0, result.stderr
    assert served == [True]
    assert "upcoming runs" in result.stdout and "publish" in result.stdout
    assert result.stdout.rstrip().endswith("scheduler stopped")


def test_jobs_reset_makes_the_next_run_send_everything_again(
    project: Project, invoke: Invoke
) -> None:
    assert invoke("run", "publish", "--full").exit_code == 0
    for document in project.output.glob("*.json"):
        document.unlink()  # the destination lost everything

    assert invoke("jobs", "reset", "publish").exit_code == 0
    again = _json(invoke("run", "publish", "--json").stdout)

    assert again["totals"]["updated"] == 30  # type: ignore[index]
    assert len(list(project.output.glob("*.json"))) == 30
    assert "unknown job 'ghost'" in one_error_line(invoke("jobs", "reset", "ghost"))


def _add_first_job(project: Project, *, broken: bool = False) -> None:
    """Job ``first`` (the same flow to another folder), required by ``publish``."""
    toml = project.folder / "pimsync.toml"
    text = toml.read_text().replace(
        'deletion_policy = "disable"\n', 'deletion_policy = "disable"\nrequires = ["first"]\n', 1
    )
    path = "missing.jsonl" if broken else "catalog.jsonl"
    text += (
        f'\n[connections.first-source]\nkind = "jsonl"\npath = "{project.folder}/{path}"\n'
        f'\n[connections.first-out]\nkind = "directory"\npath = "{project.folder}/first"\n'
        '\n[jobs.first]\nflow = "files.products"\nsource = "first-source"\n'
        'destination = "first-out"\n'
    )
    toml.write_text(text)


def test_schedule_runs_the_required_job_first(project: Project, invoke: Invoke) -> None:
    _add_first_job(project)
    assert invoke("config", "import", "pimsync.toml").exit_code == 0

    result = invoke("schedule", "--once")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.index("of first (diff)") < result.stdout.index("of publish (diff)")
    assert len(list((project.folder / "first").glob("*.json"))) == 30


def test_a_failed_required_job_skips_the_scheduled_one(project: Project, invoke: Invoke) -> None:
    _add_first_job(project, broken=True)
    assert invoke("config", "import", "pimsync.toml").exit_code == 0

    result = invoke("schedule", "--once")

    assert result.exit_code != 0
    assert "skipped publish: the job it requires, first, failed" in result.stderr
    assert "of publish" not in result.stdout
    assert not project.output.exists() or not list(project.output.glob("*.json"))


def test_requires_must_name_jobs_without_cycles(project: Project, invoke: Invoke) -> None:
    _add_first_job(project)
    toml = project.folder / "pimsync.toml"
    toml.write_text(
        toml.read_text().replace("[jobs.first]\n", '[jobs.first]\nrequires = ["publish"]\n')
    )
    cycle = invoke("config", "validate", "pimsync.toml")
    assert cycle.exit_code == 2
    assert "cycle: first → publish → first" in one_error_line(cycle) or (
        "cycle: publish → first → publish" in one_error_line(cycle)
    )

    toml.write_text(toml.read_text().replace('requires = ["publish"]', 'requires = ["nope"]'))
    unknown = invoke("config", "validate", "pimsync.toml")
    assert unknown.exit_code == 2
    assert "requires 'nope', which is not a job" in one_error_line(unknown)


def test_run_chain_runs_the_required_jobs_first_and_stops_at_a_failure(
    project: Project, invoke: Invoke
) -> None:
    text = (project.folder / "pimsync.toml").read_text()
    second = f"""
[connections.archive]
kind = "directory"
path = "{project.folder}/archive"

[jobs.archive]
flow = "files.products"
source = "catalog"
destination = "archive"
requires = ["publish"]

[jobs.archive.options]
locale = "en_US"
scope = "ecommerce"
"""
    (project.folder / "pimsync.toml").write_text(text + second)
    assert invoke("config", "import", "pimsync.toml").exit_code == 0

    alone = invoke("run", "archive", "--json")
    assert orjson.loads(alone.stdout)["job"] == "archive"
    chained = invoke("run", "archive", "--chain", "--json")
    assert chained.exit_code == 0, chained.output
    assert [d["job"] for d in orjson.loads(chained.stdout)] == ["publish", "archive"]

    (project.folder / "catalog.jsonl").unlink()  # the required job now fails
    stopped = invoke("run", "archive", "--chain")
    assert stopped.exit_code == 3
    assert "stopped before archive: publish" in one_error_line(stopped)


def test_watch_runs_again_after_each_interval(project: Project, invoke: Invoke) -> None:
    watched = invoke("run", "publish", "--watch", "--interval", "0.01", "--count", "3")
    assert watched.exit_code == 0, watched.output
    lines = [line for line in watched.stdout.splitlines() if " of publish " in line]
    assert len(lines) == 3
    assert "30 created" in lines[0]
    assert all("succeeded: 0 extracted, 0 written" in line for line in lines[1:])
    bad = invoke("run", "publish", "--watch", "--interval", "soon")
    assert bad.exit_code == 2
    assert "--interval 'soon': expected a duration such as 30s, 2m or 1h" in one_error_line(bad)
