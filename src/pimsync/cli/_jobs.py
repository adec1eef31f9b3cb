"""Jobs: `jobs list`, and `schedule`, which runs them on their cron schedules."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Annotated, Any

import typer
from croniter import croniter
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection

from pimsync.cli._exit import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    CommandFailed,
    exit_code_for,
    exit_code_for_run,
    one_line,
)
from pimsync.cli._output import STATUS_STYLE, fmt_time, run_line
from pimsync.cli._runs import execute
from pimsync.cli._session import Session, command_group, session_of
from pimsync.errors import ConfigError, JobLocked, PimsyncError
from pimsync.jobs import Mode
from pimsync.runners.flows import run_order
from pimsync.runners.scheduler import Scheduler, next_fire
from pimsync.state._runs import RunRow, list_runs
from pimsync.state._sync import reset_job

jobs_app = command_group("Jobs: flows from a source connection to a destination.")


def last_run(conn: Connection, job: str, *, real_only: bool = False) -> RunRow | None:
    """The newest run of ``job`` (with ``real_only``, the newest that was not a dry run)."""
    for row in list_runs(conn, job, limit=20):
        if not (real_only and row.dry_run):
            return row
    return None


def missed_fire(cron: str, last_started: datetime | None, now: datetime) -> bool:
    """Whether ``cron`` fired since ``last_started``; a job that never ran has missed one."""
    if last_started is None:
        return True
    previous = croniter(cron, now.astimezone(UTC)).get_prev(datetime)
    assert isinstance(previous, datetime)
    return last_started < previous.astimezone(UTC)


@jobs_app.command("reset")
def jobs_reset(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job to reset.")],
) -> None:
    """Forget what JOB sent (hashes and watermarks) so its next run sends everything again.

    Use it when the destination lost data pimsync had written. Cross-references are kept,
    so records are updated in place rather than created twice.
    """
    session = session_of(ctx)
    if job not in session.runner.project().jobs:
        raise ConfigError(f"unknown job {job!r}")
    with session.write() as conn:
        reset_job(conn, job)
    session.say(f"job {job} reset: its next run reads and sends every record")


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The jobs: flow, source → destination, schedule, last run, next scheduled run."""
    session = session_of(ctx)
    project = session.runner.project()
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    with session.read() as conn:
        for name, job in project.jobs.items():
            last = last_run(conn, name)
            rows.append(
                {
                    "name": name,
                    "flow": job.flow,
                    "source": job.source,
                    "destination": job.destination,
                    "schedule": job.schedule,
                    "last_run": None
                    if last is None
                    else {
                        "run_id": last.id,
                        "status": last.status,
                        "started_at": last.started_at.isoformat(),
                    },
                    "next_run_at": next_fire(job.schedule, now).isoformat()
                    if job.schedule
                    else None,
                }
            )
    if as_json:
        session.emit_json(rows)
        return
    if not rows:
        session.say("no jobs yet; import a project: pimsync config import pimsync.toml")
        return
    table = Table()
    for column in ("job", "flow", "source → destination", "schedule", "last run", "next (UTC)"):
        table.add_column(column)
    for row in rows:
        last = row["last_run"]
        last_text = (
            "never"
            if last is None
            else f"[{STATUS_STYLE.get(last['status'], '')}]{last['status']}[/] "
            f"{fmt_time(last['started_at'])} (run {last['run_id']})"
        )
        table.add_row(
            escape(row["name"]),
            row["flow"],
            escape(f"{row['source']} → {row['destination']}"),
            escape(row["schedule"] or "-"),
            last_text,
            fmt_time(row["next_run_at"]) if row["next_run_at"] else "-",
        )
    session.out.print(table)


class _ScheduledRuns:
    """Runs one job at a time for the scheduler and remembers the worst exit code."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.exit_code = EXIT_OK

    def __call__(self, job: str) -> None:
        """Run the jobs ``job`` needs (:func:`run_order`), then ``job``; stop at the first
        that fails."""
        jobs = self.session.runner.project().jobs
        for name in run_order(jobs, job):
            if not self._run_one(name):
                if name != job:
                    typer.echo(
                        f"error: skipped {job}: the job it requires, {name}, failed", err=True
                    )
                return

    def _run_one(self, job: str) -> bool:
        session = self.session
        stamp = f"{datetime.now(UTC):%H:%M:%S}"
        try:
            doc = execute(session, session.runner, job, Mode.DIFF)
        except JobLocked as exc:
            session.note(f"{stamp} skipped {job}: {exc}")
            self.exit_code = max(self.exit_code, exit_code_for(exc))
            return False
        except (PimsyncError, CommandFailed) as exc:
            if isinstance(exc, CommandFailed) and exc.exit_code == EXIT_INTERRUPTED:
                raise
            typer.echo(f"error: {stamp} {job}: {one_line(str(exc))}", err=True)
            self.exit_code = max(self.exit_code, exit_code_for(exc))
            return False
        session.say(f"{stamp} {run_line(doc)}")
        if doc["error"]:
            typer.echo(f"error: {stamp} {job}: {doc['error']}", err=True)
        self.exit_code = max(self.exit_code, exit_code_for_run(doc["status"]))
        return doc["status"] in ("succeeded", "partial")


@contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (service managers) stops after the run in progress, like a clean Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _show_upcoming(session: Session, schedules: Mapping[str, str], scheduler: Scheduler) -> None:
    table = Table(title="upcoming runs", title_justify="left")
    for column in ("job", "schedule", "next (UTC)"):
        table.add_column(column)
    for job, due in scheduler.upcoming():
        table.add_row(escape(job), escape(schedules[job]), fmt_time(due))
    session.out.print(table)


def schedule_command(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help="Run the jobs that are due now, then exit."),
    ] = False,
) -> None:
    """Run jobs on their schedules (differential runs), one at a time, until Ctrl-C.

    A job that missed a fire while no scheduler ran (or that never ran) runs once at
    start. Runs never overlap: jobs run one after another here, and a job another process
    is running is skipped. Restart after `pimsync config import` to pick up changes.
    """
    session = session_of(ctx)
    runner = session.runner
    schedules = {n: j.schedule for n, j in runner.project().jobs.items() if j.schedule}
    stop = threading.Event()
    run = _ScheduledRuns(session)
    scheduler = Scheduler(schedules, run, stop=stop)
    now = datetime.now(UTC)
    with session.read() as conn:
        starts = {job: last_run(conn, job, real_only=True) for job in schedules}
    due = [
        job
        for job, cron in schedules.items()
        if missed_fire(cron, (r.started_at if (r := starts[job]) else None), now)
    ]
    try:
        with _stop_on_sigterm(stop):
            if not due:
                session.say("nothing is due now")
            for job in due:
                if stop.is_set():
                    break
                run(job)
            _show_upcoming(session, schedules, scheduler)
            if once:
                raise typer.Exit(run.exit_code)
            session.say("scheduler running; Ctrl-C stops it")
            scheduler.serve()
    except KeyboardInterrupt:
        pass  # Ctrl-C between runs is the normal way to stop; a run it cut short exits 130
    session.say("scheduler stopped")
