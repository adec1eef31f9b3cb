"""What the dashboard shows: each connection's health as the runs of its jobs tell it,
each job's last and next run, and the failures that need someone's attention.

Health comes from the runs rather than from calling every system on each page view: the
page stays fast (one query for the last runs, one for the failed records) and says what
the jobs actually met. "Test" on the connections page asks the system itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection

from pimsync.config._schema import ProjectConfig
from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner
from pimsync.runners.scheduler import next_fire
from pimsync.state._runs import RunRow, failed_counts, last_runs
from pimsync.web._api import Viewer
from pimsync.web._api import _run as run_json
from pimsync.web._auth import db

__all__ = [
    "Attention",
    "ConnectionHealth",
    "Dashboard",
    "JobLine",
    "dashboard_api",
    "dashboard_view",
]


@dataclass(frozen=True, slots=True)
class JobLine:
    name: str
    flow: str
    source: str
    destination: str
    schedule: str | None
    last: RunRow | None
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    """The worst last run of the jobs using the connection: ``failing``, ``partial``
    (records refused), ``running`` or ``ok``; else ``never run`` (its jobs have not
    run) or ``unused`` (no job uses it)."""

    name: str
    kind: str
    state: str
    detail: str
    run: RunRow | None
    jobs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Attention:
    """Something to look at: a failed or partial last run, or records that keep failing."""

    job: str
    message: str
    run_id: int | None = None
    severity: str = "warning"  # or "error"


@dataclass
class Dashboard:
    connections: list[ConnectionHealth] = field(default_factory=list)
    jobs: list[JobLine] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)


_RANK = {"failed": 3, "partial": 2, "running": 1}


def _rejected(run: RunRow) -> int:
    """Records the run refused, over its streams (``runs.counts`` holds them per stream)."""
    streams = run.counts.get("streams") or {}
    return sum(int(c.get("rejected", 0) or 0) for c in streams.values())


def _health(
    name: str, kind: str, project: ProjectConfig, last: dict[str, RunRow]
) -> ConnectionHealth:
    jobs = tuple(sorted(j for j, c in project.jobs.items() if name in (c.source, c.destination)))
    if not jobs:
        return ConnectionHealth(name, kind, "unused", "no job uses it", None, jobs)
    ran = [last[j] for j in jobs if j in last]
    if not ran:
        return ConnectionHealth(name, kind, "never run", "its jobs have not run yet", None, jobs)
    # The worst of its jobs' last runs (a run does not say which side failed).
    worst = max(ran, key=lambda r: (_RANK.get(r.status, 0), r.started_at))
    if worst.status == "failed":
        detail = f"{worst.job}: {worst.error or 'failed'}"
        return ConnectionHealth(name, kind, "failing", detail, worst, jobs)
    if worst.status == "partial":
        rejected = _rejected(worst)
        detail = f"{worst.job}: {rejected} record(s) refused"
        return ConnectionHealth(name, kind, "partial", detail, worst, jobs)
    if worst.status == "running":
        return ConnectionHealth(name, kind, "running", f"{worst.job} is running", worst, jobs)
    return ConnectionHealth(name, kind, "ok", f"{worst.job} {worst.status}", worst, jobs)


def dashboard_view(conn: Connection, project: ProjectConfig, now: datetime) -> Dashboard:
    """The dashboard of ``project`` at ``now`` (UTC)."""
    last = last_runs(conn)
    failed = failed_counts(conn)
    view = Dashboard()
    for name, connection in sorted(project.connections.items()):
        view.connections.append(_health(name, connection.kind, project, last))
    for name, job in sorted(project.jobs.items()):
        try:
            upcoming = next_fire(job.schedule, now) if job.schedule else None
        except ConfigError:
            upcoming = None
        run = last.get(name)
        view.jobs.append(
            JobLine(name, job.flow, job.source, job.destination, job.schedule, run, upcoming)
        )
        if run is not None and run.status == "failed":
            view.attention.append(
                Attention(name, f"last run failed: {run.error or 'no message'}", run.id, "error")
            )
        elif run is not None and run.status == "partial":
            rejected = _rejected(run)
            view.attention.append(Attention(name, f"last run refused {rejected} record(s)", run.id))
        parked = failed.get(name, {}).get("parked", 0)
        if parked:
            view.attention.append(
                Attention(
                    name,
                    f"{parked} record(s) parked after repeated failures: retried only when "
                    "they change, or with `pimsync failed retry`",
                    severity="error",
                )
            )
    return view


dashboard_api = APIRouter(prefix="/api/v1", tags=["hub"])


@dashboard_api.get("/dashboard")
def dashboard_json(request: Request, caller: Viewer) -> dict[str, Any]:
    """What the dashboard page shows: connections' health, jobs' last and next runs,
    what needs attention."""
    runner: LocalRunner = request.app.state.runner
    with db(request).connect() as conn:
        view = dashboard_view(conn, runner.project(), datetime.now(UTC))
    return {
        "connections": [
            {
                "name": c.name,
                "kind": c.kind,
                "health": c.state,
                "detail": c.detail,
                "run_id": c.run.id if c.run else None,
                "jobs": list(c.jobs),
            }
            for c in view.connections
        ],
        "jobs": [
            {
                "name": j.name,
                "flow": j.flow,
                "source": j.source,
                "destination": j.destination,
                "schedule": j.schedule,
                "last_run": run_json(j.last) if j.last else None,
                "next_run": j.next_run.isoformat() if j.next_run else None,
            }
            for j in view.jobs
        ],
        "attention": [
            {"job": a.job, "message": a.message, "run_id": a.run_id, "severity": a.severity}
            for a in view.attention
        ],
    }
