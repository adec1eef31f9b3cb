"""Running jobs and looking at what runs did: `run`, `runs list|show`, `failed list|retry`."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pimsync.cli._exit import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, exit_code_for_run, fail
from pimsync.cli._output import (
    STATUS_STYLE,
    fmt_seconds,
    fmt_time,
    render_run,
    run_document,
    run_line,
    totals,
    written,
)
from pimsync.cli._prefect import RunnerName, runner_named
from pimsync.cli._progress import RunProgress, observer_for
from pimsync.cli._session import Session, command_group, session_of
from pimsync.errors import ConfigError, JobLocked
from pimsync.jobs import Mode, RunStatus
from pimsync.runners.flows import run_order
from pimsync.runners.local import LocalRunner
from pimsync.state._runs import list_failed, list_runs, requeue_failed

runs_app = command_group("Runs: what each run of a job did.")
failed_app = command_group(
    "Records whose last attempt failed; retried by the next run until parked."
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
JobFilter = Annotated[str | None, typer.Option("--job", "-j", help="Only this job.")]


def execute(
    session: Session,
    runner: LocalRunner,
    job: str,
    mode: Mode,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Run ``job`` once (with live progress on a terminal) and return its run document.

    Ctrl-C stops the run, which is stored as interrupted; the command then exits 130.
    """
    observer, display = observer_for(session.err)
    shown: AbstractContextManager[RunProgress | None] = display or nullcontext()
    try:
        with shown:
            report = runner.run(job, mode, dry_run=dry_run, observer=observer)
    except KeyboardInterrupt:
        fail(
            f"interrupted: the run of {job} stopped; it is stored as interrupted and the "
            "next run starts from where the last complete run left off",
            EXIT_INTERRUPTED,
        )
    with runner.db.connect() as conn:
        return run_document(conn, report.run_id)


def finish(doc: dict[str, Any]) -> None:
    """End a command that ran ``doc``: its exit code, and an ``error:`` line if it failed."""
    code = exit_code_for_run(doc["status"])
    if doc["status"] == RunStatus.FAILED:
        typer.echo(f"error: run {doc['run_id']} of {doc['job']} failed: {doc['error']}", err=True)
    if code:
        raise typer.Exit(code)


def run_command(
    ctx: typer.Context,
    job: Annotated[
        str, typer.Argument(metavar="JOB", help="The job to run (see `pimsync jobs list`).")
    ],
    full: Annotated[
        bool,
        typer.Option(
            "--full/--diff",
            help="Full: read everything and apply the deletion policy to what vanished. "
            "Diff (default): only what changed since the last run.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Plan the changes and show them; write nothing."),
    ] = False,
    as_json: JsonOption = False,
    chain: Annotated[
        bool,
        typer.Option(
            "--chain",
            help="First run the jobs JOB needs (its `requires`, and the jobs its flow "
            "runs after on the same connections, e.g. sf.accounts before sf.contacts), as "
            "`pimsync schedule` does; stop at the first that fails.",
        ),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Run again and again, waiting --interval between the end of a run and "
            "the start of the next, until Ctrl-C (near-real-time flows such as orders).",
        ),
    ] = False,
    interval: Annotated[
        str, typer.Option("--interval", metavar="DURATION", help="With --watch: 30s, 2m, 1h.")
    ] = "30s",
    count: Annotated[
        int | None,
        typer.Option("--count", min=1, help="With --watch: stop after this many runs."),
    ] = None,
    runner_name: Annotated[
        RunnerName,
        typer.Option(
            "--runner",
            help="local: in this process. prefect: as a Prefect flow (extra "
            "pimsync[prefect]; see docs/prefect.md).",
        ),
    ] = RunnerName.LOCAL,
) -> None:
    """Run a job once and show what it did: in this process, or with `--runner prefect`
    as a Prefect flow (see docs/prefect.md)."""
    session = session_of(ctx)
    runner = runner_named(session, runner_name)
    mode = Mode.FULL if full else Mode.DIFF
    if watch:
        _watch(session, runner, job, mode, parse_duration(interval), count)
        return
    jobs = runner.project().jobs
    names = run_order(jobs, job) if chain and job in jobs else [job]
    docs = []
    for name in names:
        doc = execute(session, runner, name, mode, dry_run=dry_run)
        docs.append(doc)
        if not as_json:
            render_run(session.out, doc)
        if name != job and doc["status"] not in ("succeeded", "partial"):
            if as_json:
                session.emit_json(docs)
            fail(f"stopped before {job}: {name} (run {doc['run_id']}) {doc['status']}", EXIT_FAILED)
    if as_json:
        session.emit_json(docs if chain else docs[0])
    finish(docs[-1])


def parse_duration(text: str) -> float:
    """``30s``, ``2m``, ``1h`` or plain seconds; :class:`ConfigError` otherwise."""
    units = {"s": 1, "m": 60, "h": 3600}
    value, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(value) * units[unit]
    except ValueError:
        raise ConfigError(
            f"--interval {text!r}: expected a duration such as 30s, 2m or 1h"
        ) from None
    if seconds <= 0:
        raise ConfigError(f"--interval {text!r}: must be more than 0")
    return seconds


def _watch(
    session: Session, runner: LocalRunner, job: str, mode: Mode, seconds: float, count: int | None
) -> None:
    """Run ``job`` every ``seconds`` until Ctrl-C (or ``count`` runs); one line per run."""
    done = 0
    worst = EXIT_OK
    while count is None or done < count:
        if done:
            time.sleep(seconds)
        stamp = f"{datetime.now(UTC):%H:%M:%S}"
        try:
            doc = execute(session, runner, job, mode)
        except JobLocked as exc:
            session.note(f"{stamp} skipped {job}: {exc}")
            done += 1
            continue
        done += 1
        session.say(f"{stamp} {run_line(doc)}")
        if doc["error"]:
            typer.echo(f"error: {stamp} {job}: {doc['error']}", err=True)
        worst = max(worst, exit_code_for_run(doc["status"]))
    if worst:
        raise typer.Exit(worst)


@runs_app.command("list")
def runs_list(
    ctx: typer.Context,
    job: JobFilter = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The latest runs, newest first."""
    session = session_of(ctx)
    with session.read() as conn:
        rows = list_runs(conn, job, limit)
    if as_json:
        session.emit_json(
            [
                {
                    "run_id": r.id,
                    "job": r.job,
                    "mode": r.mode,
                    "dry_run": r.dry_run,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(),
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    "seconds": r.seconds,
                    "totals": totals(r.counts.get("streams", {})),
                    "error": r.error,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        session.say("no runs yet" + (f" of {job}" if job else "") + "; start one: pimsync run JOB")
        return
    table = Table()
    for name in ("run", "job", "mode", "status", "started (UTC)", "took"):
        table.add_column(name)
    for name in ("read", "written", "rejected"):
        table.add_column(name, justify="right")
    for r in rows:
        total = totals(r.counts.get("streams", {}))
        table.add_row(
            str(r.id),
            escape(r.job),
            f"{r.mode} (dry run)" if r.dry_run else r.mode,
            f"[{STATUS_STYLE.get(r.status, '')}]{r.status}[/]",
            fmt_time(r.started_at),
            fmt_seconds(r.seconds),
            str(total.get("extracted", 0)),
            str(written(total)),
            str(total.get("rejected", 0)),
        )
    session.out.print(table)


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run_id: Annotated[
        int, typer.Argument(metavar="RUN_ID", help="The run's number (see `pimsync runs list`).")
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Rejected items and changes to list.")
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """One run: counts per stream, timings, error, rejected items or planned changes."""
    session = session_of(ctx)
    with session.read() as conn:
        doc = run_document(conn, run_id, item_limit=limit)
    if as_json:
        session.emit_json(doc)
    else:
        render_run(session.out, doc, item_limit=limit)


@failed_app.command("list")
def failed_list(
    ctx: typer.Context,
    job: JobFilter = None,
    parked: Annotated[
        bool, typer.Option("--parked", help="Only records that ran out of attempts.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Records whose last attempt failed, with their error."""
    session = session_of(ctx)
    with session.read() as conn:
        items = list_failed(conn, job, "parked" if parked else None)
    if as_json:
        session.emit_json(
            [
                {
                    "job": i.job,
                    "stream": i.stream,
                    "key": i.key,
                    "status": i.status,
                    "attempts": i.attempts,
                    "last_error": i.last_error,
                    "first_failed_at": i.first_failed_at.isoformat(),
                    "last_failed_at": i.last_failed_at.isoformat(),
                    "last_run_id": i.last_run_id,
                }
                for i in items
            ]
        )
        return
    if not items:
        session.say("no parked records" if parked else "no failed records")
        return
    table = Table()
    for name in ("job", "stream", "key", "status", "attempts", "last error", "failed (UTC)", "run"):
        table.add_column(name)
    for i in items:
        table.add_row(
            escape(i.job),
            escape(i.stream),
            escape(i.key),
            i.status,
            str(i.attempts),
            escape(i.last_error),
            fmt_time(i.last_failed_at),
            str(i.last_run_id),
        )
    session.out.print(table)
    session.say(
        "pending records are retried by the next run; parked ones after `pimsync failed retry`"
    )


@failed_app.command("retry")
def failed_retry(
    ctx: typer.Context,
    job: JobFilter = None,
    key: Annotated[str | None, typer.Option("--key", "-k", help="Only this record.")] = None,
) -> None:
    """Give failed records (parked ones too) a fresh set of attempts in the next run."""
    session = session_of(ctx)
    if job is not None:
        known = session.runner.project().jobs
        if job not in known:
            raise ConfigError(f"unknown job {job!r} (known: {', '.join(sorted(known)) or 'none'})")
    with session.write() as conn:
        count = requeue_failed(conn, job, key)
    if not count:
        session.say("no failed records match; nothing to retry")
        return
    target = f"{job} (pimsync run {job})" if job else "their jobs"
    session.say(f"{count} record(s) will be retried by the next run of {target}")
