"""Jobs and runs: the screens and their ``/api/v1`` twins.

* ``/jobs`` lists every job with its last and next run and, for users who may run
  jobs, **Run now** (full, differential, dry run). The run starts in a background
  thread (:mod:`pimsync.web._run_progress`) and its progress fragment polls itself
  every second (htmx, no script of our own) until the run ends.
* ``/runs`` is the run history with counts, durations and throughput, filtered by job
  and status, and a chart per job (:mod:`pimsync.web._run_chart`).
* ``/runs/{id}`` shows a run's streams and the records it refused, each with the
  destination's message; **Retry failed items** makes them due again and starts a
  differential run, which retries every pending record. A dry run links to its diff
  (:mod:`pimsync.web._dry_run_diff`).

Pages and API share the same functions, so both follow the same rules: viewing needs
``view``, starting a run or a retry needs ``run``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import Connection

from pimsync.errors import ConfigError, JobLocked
from pimsync.jobs import Mode, PairSpec
from pimsync.runners.local import LocalRunner
from pimsync.state._runs import (
    FailedItem,
    RunItem,
    RunRow,
    count_items,
    failures_key,
    find_item,
    get_failed,
    get_run,
    list_failed_keys,
    list_items,
    list_runs,
    requeue_run_failures,
    run_history,
)
from pimsync.state._users import Permission
from pimsync.web._api import Runner, Viewer
from pimsync.web._api import _run as stored_run_json
from pimsync.web._app import page, templates
from pimsync.web._auth import CallerDep, check_csrf, db
from pimsync.web._dashboard import JobLine, dashboard_view
from pimsync.web._dry_run_diff import DiffCache, DryRunDiff, compute_diff
from pimsync.web._run_chart import RunChart, chart_points, per_second, run_chart
from pimsync.web._run_progress import ProgressBoard, start_run

jobs_pages = APIRouter(include_in_schema=False)
jobs_api = APIRouter(prefix="/api/v1", tags=["jobs and runs"])

CsrfField = Annotated[str, Form(alias="csrf_token")]
STATUSES = ("running", "succeeded", "partial", "failed", "interrupted")
# The counters the screens show, in this order; "read" is the engine's "extracted".
SHOWN = ("read", "created", "updated", "unchanged", "rejected", "deleted", "disabled")
_CHART_RUNS = 30
_SHARED = threading.Lock()


# -- shared state of the app -------------------------------------------------------------


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


def _shared(request: Request, name: str, factory: Any) -> Any:
    """One object per app (the progress board, the diff cache), made on first use."""
    with _SHARED:
        found = getattr(request.app.state, name, None)
        if found is None:
            found = factory()
            setattr(request.app.state, name, found)
        return found


def board_of(request: Request) -> ProgressBoard:
    board: ProgressBoard = _shared(request, "run_progress", ProgressBoard)
    return board


def _diffs(request: Request) -> DiffCache:
    cache: DiffCache = _shared(request, "dry_run_diffs", DiffCache)
    return cache


# -- views -----------------------------------------------------------------------------


def shown_counts(counts: Mapping[str, Any]) -> dict[str, int]:
    """The shown counters of one stream's counts."""
    return {
        name: int(counts.get("extracted" if name == "read" else name, 0) or 0) for name in SHOWN
    }


def stream_counts(counts: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Stream → shown counters, from a run's stored counts."""
    streams = counts.get("streams")
    if not isinstance(streams, Mapping):
        return {}
    return {str(n): shown_counts(c) for n, c in streams.items() if isinstance(c, Mapping)}


def totals(streams: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {name: sum(s.get(name, 0) for s in streams.values()) for name in SHOWN}


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands: live counts from this process, or the stored ones."""

    run: RunRow
    status: str
    done: bool
    live: bool
    current: str | None
    streams: dict[str, dict[str, int]]
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run.id,
            "job": self.run.job,
            "status": self.status,
            "done": self.done,
            "live": self.live,
            "current_stream": self.current,
            "streams": self.streams,
            "totals": totals(self.streams),
            "error": self.error,
        }


def progress_of(request: Request, run_id: int) -> Progress:
    """Raises a 404 for an unknown run."""
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
    if run is None:
        raise HTTPException(404, f"no run #{run_id}")
    live = board_of(request).snapshot(run_id)
    if live is not None and not live["done"]:
        streams = {n: shown_counts(c) for n, c in live["streams"].items()}
        return Progress(run, "running", False, True, live["current"], streams, None)
    done = run.status != "running"
    return Progress(run, run.status, done, False, None, stream_counts(run.counts), run.error)


def run_json(run: RunRow) -> dict[str, Any]:
    """A run as the API gives it: as stored, with totals over its streams and its
    throughput (records read per second)."""
    rate = per_second(run)
    return {
        **stored_run_json(run),
        "records_per_second": None if rate is None else round(rate, 2),
        "totals": totals(stream_counts(run.counts)),
    }


def _job_lines(request: Request) -> list[JobLine]:
    project = _runner(request).project()
    with db(request).connect() as conn:
        return dashboard_view(conn, project, datetime.now(UTC)).jobs


def _running(request: Request) -> dict[str, int]:
    """Job → its run in progress (started here or anywhere that shares the store)."""
    with db(request).connect() as conn:
        stored = {r.job: r.id for r in list_runs(conn, limit=50, status="running")}
    return {**stored, **board_of(request).running()}


def _state_key(runner: LocalRunner, job: str) -> str:
    """The job's key in the state store (jobs may share their state); its name if the job
    cannot be built now."""
    try:
        spec = runner.build(job)
    except ConfigError:
        return job
    return spec.name if isinstance(spec, PairSpec) else spec.state_key or spec.name


def _start(request: Request, job: str, mode: Mode, dry_run: bool) -> int:
    """Start a run; a locked job is a 409."""
    try:
        return start_run(_runner(request), board_of(request), job, mode, dry_run)
    except JobLocked as exc:
        raise HTTPException(409, str(exc)) from exc


def _retry(request: Request, run_id: int) -> tuple[int, int]:
    """Make the records run ``run_id`` refused due again and start a differential run;
    (how many were made due, the new run's id). A 409 when none still fails."""
    runner = _runner(request)
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
    if run is None:
        raise HTTPException(404, f"no run #{run_id}")
    if run.dry_run:
        raise HTTPException(409, f"run #{run_id} is a dry run: it sent nothing, so nothing failed")
    with db(request).begin() as conn:
        requeued = requeue_run_failures(conn, run_id, _state_key(runner, run.job))
    if not requeued:
        raise HTTPException(
            409, f"no record refused by run #{run_id} is still failing: nothing to retry"
        )
    return requeued, _start(request, run.job, Mode.DIFF, False)


def _item_failures(
    conn: Connection, state: str, items: list[RunItem]
) -> dict[tuple[str, str], FailedItem]:
    """(stream, key) → the failed-items row of the run's refused records still failing."""
    found: dict[tuple[str, str], FailedItem] = {}
    by_stream: dict[str, list[str]] = {}
    for item in items:
        if item.action == "rejected":
            by_stream.setdefault(item.stream, []).append(item.key)
    for stream, keys in by_stream.items():
        for start in range(0, len(keys), 500):
            for failed in list_failed_keys(conn, state, stream, keys[start : start + 500]):
                found[(stream, failed.key)] = failed
    return found


def _diff(request: Request, run_id: int, refresh: bool = False) -> DryRunDiff:
    cache = _diffs(request)
    cached = None if refresh else cache.get(run_id)
    if cached is not None:
        return cached
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
        if run is None:
            raise HTTPException(404, f"no run #{run_id}")
        diff = compute_diff(_runner(request), run, conn)
    cache.put(diff)
    return diff


def _charts(request: Request, jobs: list[str]) -> list[RunChart]:
    with db(request).connect() as conn:
        return [run_chart(job, run_history(conn, job, _CHART_RUNS)) for job in jobs]


# -- pages -----------------------------------------------------------------------------


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _fragment(request: Request, progress: Progress, **context: Any) -> Response:
    return templates.TemplateResponse(
        request, "run_progress.html", {"p": progress, "shown": SHOWN, **context}
    )


@jobs_pages.get("/jobs")
def jobs_page(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    lines = _job_lines(request)
    running = _running(request)
    progress = {job: progress_of(request, run_id) for job, run_id in running.items()}
    return page(
        request,
        "jobs.html",
        caller,
        title="Jobs",
        jobs=lines,
        progress=progress,
        shown=SHOWN,
        can_run=caller.user.can(Permission.RUN),
    )


@jobs_pages.post("/jobs/{name}/runs")
def jobs_run_now(
    request: Request,
    caller: CallerDep,
    name: str,
    csrf_token: CsrfField,
    run: Annotated[str, Form()] = "diff",
) -> Response:
    """Run now: ``run`` is ``full``, ``diff`` or ``dry-run`` (a differential dry run)."""
    check_csrf(caller, csrf_token)
    caller.require(Permission.RUN)
    if run not in ("full", "diff", "dry-run"):
        raise HTTPException(422, f"run: {run!r} is not full, diff or dry-run")
    mode = Mode.FULL if run == "full" else Mode.DIFF
    try:
        run_id = _start(request, name, mode, run == "dry-run")
    except (ConfigError, HTTPException) as exc:
        if not _is_htmx(request):
            raise
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return templates.TemplateResponse(
            request, "run_refused.html", {"message": message, "job": name}
        )
    if _is_htmx(request):
        return _fragment(request, progress_of(request, run_id))
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@jobs_pages.get("/runs/{run_id}/progress")
def run_progress_fragment(request: Request, caller: CallerDep, run_id: int) -> Response:
    caller.require(Permission.VIEW)
    return _fragment(request, progress_of(request, run_id))


@jobs_pages.get("/runs")
def runs_page(
    request: Request, caller: CallerDep, job: str | None = None, status: str | None = None
) -> Response:
    caller.require(Permission.VIEW)
    job, status = job or None, status or None
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status: {status!r} is not one of {', '.join(STATUSES)}")
    with db(request).connect() as conn:
        runs = list_runs(conn, job, limit=100, status=status)
    names = sorted(_runner(request).project().jobs)
    rows = [(r, totals(stream_counts(r.counts)), per_second(r)) for r in runs]
    return page(
        request,
        "runs.html",
        caller,
        title="Runs",
        rows=rows,
        jobs=names,
        statuses=STATUSES,
        job=job,
        status=status,
        charts=_charts(request, [job] if job else names),
    )


@jobs_pages.get("/runs/{run_id}")
def run_page(request: Request, caller: CallerDep, run_id: int) -> Response:
    caller.require(Permission.VIEW)
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
        if run is None:
            raise HTTPException(404, f"no run #{run_id}")
        items = list_items(conn, run_id)
        actions = count_items(conn, run_id)
        failing = _item_failures(conn, failures_key(conn, run), items)
    return page(
        request,
        "run.html",
        caller,
        title=f"Run #{run_id}",
        run=run,
        items=items,
        actions=actions,
        failing=failing,
        progress=progress_of(request, run_id),
        shown=SHOWN,
        can_run=caller.user.can(Permission.RUN),
    )


@jobs_pages.get("/runs/{run_id}/items/{stream}/{key:path}")
def run_item_page(
    request: Request, caller: CallerDep, run_id: int, stream: str, key: str
) -> Response:
    """One record of a run: its action, the destination's message, and whether it is still
    failing (pending or parked)."""
    caller.require(Permission.VIEW)
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
        item = find_item(conn, run_id, stream, key) if run is not None else None
        if run is None or item is None:
            raise HTTPException(404, f"run #{run_id} has no item {key!r} in {stream}")
        failed = get_failed(conn, failures_key(conn, run), stream, key)
    return page(
        request,
        "run_item.html",
        caller,
        title=f"Run #{run_id}: {key}",
        run=run,
        item=item,
        failed=failed,
        can_run=caller.user.can(Permission.RUN),
    )


@jobs_pages.post("/runs/{run_id}/retry")
def run_retry(request: Request, caller: CallerDep, run_id: int, csrf_token: CsrfField) -> Response:
    check_csrf(caller, csrf_token)
    caller.require(Permission.RUN)
    _requeued, new_run = _retry(request, run_id)
    return RedirectResponse(f"/runs/{new_run}", status_code=303)


@jobs_pages.get("/runs/{run_id}/diff")
def run_diff_page(
    request: Request, caller: CallerDep, run_id: int, refresh: bool = False
) -> Response:
    caller.require(Permission.VIEW)
    diff = _diff(request, run_id, refresh)
    return page(request, "run_diff.html", caller, title=f"Dry run #{run_id}: diff", diff=diff)


# -- API -------------------------------------------------------------------------------


@jobs_api.get("/jobs")
def api_jobs(request: Request, _caller: Viewer) -> dict[str, Any]:
    """Every job with its flow, connections, schedule, last run (dry runs aside), next
    scheduled run and the run in progress, if any."""
    running = _running(request)
    return {
        "jobs": [
            {
                "name": line.name,
                "flow": line.flow,
                "source": line.source,
                "destination": line.destination,
                "schedule": line.schedule,
                "last_run": None if line.last is None else run_json(line.last),
                "next_run_at": line.next_run.isoformat() if line.next_run else None,
                "running_run_id": running.get(line.name),
            }
            for line in _job_lines(request)
        ]
    }


class RunRequest(BaseModel):
    mode: Mode = Mode.DIFF
    dry_run: bool = False


@jobs_api.post("/jobs/{name}/runs", status_code=202)
def api_start_run(request: Request, _caller: Runner, name: str, body: RunRequest) -> dict[str, Any]:
    """Start a run of job ``name`` in the background; follow it with
    ``GET /runs/{run_id}/progress``.

    The job is built (connections checked, catalogs validated) before answering, so a
    configuration problem is a 422 here rather than a failed run; a job already running
    is a 409.
    """
    run_id = _start(request, name, body.mode, body.dry_run)
    return {
        "job": name,
        "mode": body.mode.value,
        "dry_run": body.dry_run,
        "started": True,
        "run_id": run_id,
    }


@jobs_api.get("/jobs/{name}/chart")
def api_job_chart(request: Request, _caller: Viewer, name: str, limit: int = 30) -> dict[str, Any]:
    """Duration and throughput (records read per second) of the job's last finished
    runs, dry runs aside, oldest first."""
    if name not in _runner(request).project().jobs:
        raise HTTPException(404, f"unknown job {name!r}")
    with db(request).connect() as conn:
        history = run_history(conn, name, max(1, min(limit, 500)))
    return {
        "job": name,
        "points": [
            {
                "run_id": p.run_id,
                "started_at": p.started_at,
                "status": p.status,
                "seconds": p.seconds,
                "records": p.records,
                "records_per_second": p.per_second,
            }
            for p in chart_points(history)
        ],
    }


@jobs_api.get("/runs")
def api_runs(
    request: Request,
    _caller: Viewer,
    job: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """The latest runs, newest first, of ``job`` and in ``status`` when given."""
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status: {status!r} is not one of {', '.join(STATUSES)}")
    with db(request).connect() as conn:
        rows = list_runs(conn, job, limit=max(1, min(limit, 1000)), status=status)
    return {"runs": [run_json(r) for r in rows]}


def _items_json(conn: Connection, run_id: int, action: str | None, limit: int) -> list[Any]:
    return [
        {"stream": i.stream, "key": i.key, "action": i.action, "message": i.message}
        for i in list_items(conn, run_id, action, limit=limit)
    ]


@jobs_api.get("/runs/{run_id}")
def api_run(request: Request, _caller: Viewer, run_id: int) -> dict[str, Any]:
    """One run with its refused records and planned changes (the first 1000)."""
    with db(request).connect() as conn:
        row = get_run(conn, run_id)
        if row is None:
            raise HTTPException(404, f"no run #{run_id}")
        items = _items_json(conn, run_id, None, 1000)
    return {**run_json(row), "items": items}


@jobs_api.get("/runs/{run_id}/progress")
def api_run_progress(request: Request, _caller: Viewer, run_id: int) -> dict[str, Any]:
    """Where a run stands: per-stream counts, live while this server runs it."""
    return progress_of(request, run_id).as_json()


@jobs_api.get("/runs/{run_id}/items")
def api_run_items(
    request: Request,
    _caller: Viewer,
    run_id: int,
    action: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    """The run's items: ``rejected`` records with the destination's message, or a dry
    run's planned ``create``/``update``/``delete``/``disable``; with ``still_failing``
    for refused records whose last attempt failed (``pending`` or ``parked``)."""
    with db(request).connect() as conn:
        run = get_run(conn, run_id)
        if run is None:
            raise HTTPException(404, f"no run #{run_id}")
        items = list_items(conn, run_id, action, limit=max(1, min(limit, 10_000)))
        failing = _item_failures(conn, failures_key(conn, run), items)
    return {
        "run_id": run_id,
        "items": [
            {
                "stream": i.stream,
                "key": i.key,
                "action": i.action,
                "message": i.message,
                "still_failing": failing[(i.stream, i.key)].status
                if (i.stream, i.key) in failing
                else None,
            }
            for i in items
        ],
    }


@jobs_api.post("/runs/{run_id}/retry", status_code=202)
def api_run_retry(request: Request, _caller: Runner, run_id: int) -> dict[str, Any]:
    """Make the records the run refused due again (parked ones too, with fresh attempts)
    and start a differential run of its job, which retries every pending record."""
    requeued, new_run = _retry(request, run_id)
    return {"requeued": requeued, "run_id": new_run}


@jobs_api.get("/runs/{run_id}/diff")
def api_run_diff(
    request: Request, _caller: Viewer, run_id: int, refresh: bool = False
) -> dict[str, Any]:
    """A dry run's planned creates, updates, deletes and disables; for the first few
    creates and updates, field-level changes where the destination can read its records
    back (``field_level``). Worked out when first asked (``refresh`` again)."""
    return _diff(request, run_id, refresh).as_json()
