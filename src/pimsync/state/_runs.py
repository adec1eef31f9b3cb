"""Runs and their per-item outcomes, as the CLI and the web app show them."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from pimsync.state._tables import failed_items, run_items, runs


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run as stored."""

    id: int
    job: str
    mode: str
    dry_run: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, Any]
    error: str | None
    host: str
    pid: int

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class RunItem:
    """A rejected record or a planned change of a dry run."""

    stream: str
    key: str
    action: str
    message: str | None


@dataclass(frozen=True, slots=True)
class FailedItem:
    """A record whose last attempt failed; ``parked`` ones wait for `pimsync failed retry`."""

    job: str
    stream: str
    key: str
    status: str
    attempts: int
    last_error: str
    first_failed_at: datetime
    last_failed_at: datetime
    last_run_id: int


def start_run(conn: Connection, job: str, mode: str, dry_run: bool) -> int:
    """Insert a run in status ``running`` and return its id."""
    result = conn.execute(
        insert(runs).values(
            job=job,
            mode=mode,
            dry_run=dry_run,
            status="running",
            started_at=datetime.now(UTC),
            counts={},
            host=socket.gethostname(),
            pid=os.getpid(),
        )
    )
    run_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert isinstance(run_id, int)
    return run_id


def update_counts(conn: Connection, run_id: int, counts: Mapping[str, Any]) -> None:
    conn.execute(update(runs).where(runs.c.id == run_id).values(counts=dict(counts)))


def finish_run(
    conn: Connection,
    run_id: int,
    status: str,
    counts: Mapping[str, Any],
    error: str | None = None,
) -> None:
    conn.execute(
        update(runs)
        .where(runs.c.id == run_id)
        .values(status=status, counts=dict(counts), error=error, finished_at=datetime.now(UTC))
    )


def add_items(conn: Connection, run_id: int, items: Sequence[RunItem]) -> None:
    if items:
        conn.execute(
            insert(run_items),
            [
                {
                    "run_id": run_id,
                    "stream": i.stream,
                    "key": i.key,
                    "action": i.action,
                    "message": i.message,
                }
                for i in items
            ],
        )


def _run_row(row: Any) -> RunRow:
    return RunRow(**row._mapping)


def get_run(conn: Connection, run_id: int) -> RunRow | None:
    row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
    return _run_row(row) if row else None


def list_runs(
    conn: Connection, job: str | None = None, limit: int = 20, *, status: str | None = None
) -> list[RunRow]:
    """The newest runs first, of ``job`` and in ``status`` when given."""
    stmt = select(runs).order_by(runs.c.id.desc()).limit(limit)
    if job:
        stmt = stmt.where(runs.c.job == job)
    if status:
        stmt = stmt.where(runs.c.status == status)
    return [_run_row(r) for r in conn.execute(stmt)]


def run_history(conn: Connection, job: str, limit: int = 30) -> list[RunRow]:
    """The last ``limit`` finished runs of ``job`` that were not dry runs, oldest first:
    what a chart of durations and throughput draws."""
    stmt = (
        select(runs)
        .where(runs.c.job == job, runs.c.dry_run.is_(False), runs.c.finished_at.is_not(None))
        .order_by(runs.c.id.desc())
        .limit(limit)
    )
    return [_run_row(r) for r in reversed(conn.execute(stmt).all())]


def list_items(
    conn: Connection, run_id: int, action: str | None = None, limit: int = 1000
) -> list[RunItem]:
    stmt = (
        select(run_items.c.stream, run_items.c.key, run_items.c.action, run_items.c.message)
        .where(run_items.c.run_id == run_id)
        .order_by(run_items.c.id)
        .limit(limit)
    )
    if action:
        stmt = stmt.where(run_items.c.action == action)
    return [RunItem(*r) for r in conn.execute(stmt)]


def find_item(conn: Connection, run_id: int, stream: str, key: str) -> RunItem | None:
    """The first item of ``run_id`` for record ``key`` of ``stream``, if it has one."""
    stmt = (
        select(run_items.c.stream, run_items.c.key, run_items.c.action, run_items.c.message)
        .where(run_items.c.run_id == run_id, run_items.c.stream == stream, run_items.c.key == key)
        .order_by(run_items.c.id)
        .limit(1)
    )
    row = conn.execute(stmt).first()
    return RunItem(*row) if row else None


def count_items(conn: Connection, run_id: int) -> dict[str, int]:
    stmt = (
        select(run_items.c.action, func.count())
        .where(run_items.c.run_id == run_id)
        .group_by(run_items.c.action)
    )
    return {str(action): int(n) for action, n in conn.execute(stmt)}


def list_failed(
    conn: Connection, job: str | None = None, status: str | None = None, limit: int = 1000
) -> list[FailedItem]:
    stmt = select(failed_items).order_by(
        failed_items.c.job, failed_items.c.stream, failed_items.c.source_key
    )
    if job:
        stmt = stmt.where(failed_items.c.job == job)
    if status:
        stmt = stmt.where(failed_items.c.status == status)
    return [_failed_item(r) for r in conn.execute(stmt.limit(limit))]


def _failed_item(r: Any) -> FailedItem:
    return FailedItem(
        job=r.job,
        stream=r.stream,
        key=r.source_key,
        status=r.status,
        attempts=r.attempts,
        last_error=r.last_error,
        first_failed_at=r.first_failed_at,
        last_failed_at=r.last_failed_at,
        last_run_id=r.last_run_id,
    )


def get_failed(conn: Connection, job: str, stream: str, key: str) -> FailedItem | None:
    """Record ``key`` of ``job``'s ``stream`` if its last attempt failed."""
    found = list_failed_keys(conn, job, stream, [key])
    return found[0] if found else None


def list_failed_keys(
    conn: Connection, job: str, stream: str, keys: Sequence[str]
) -> list[FailedItem]:
    """Those of ``keys`` (at most a few hundred) whose last attempt failed."""
    stmt = select(failed_items).where(
        failed_items.c.job == job,
        failed_items.c.stream == stream,
        failed_items.c.source_key.in_(list(keys)),
    )
    return [_failed_item(r) for r in conn.execute(stmt.order_by(failed_items.c.source_key))]


def failures_key(conn: Connection, run: RunRow) -> str:
    """The key under which ``run``'s job keeps its failed records: its name, or the state
    key its flow shares with other jobs (read from a failure the run recorded; if later
    runs recorded all of them again, the job's name)."""
    stmt = select(failed_items.c.job).where(failed_items.c.last_run_id == run.id).limit(1)
    found = conn.execute(stmt).scalar()
    return str(found) if found is not None else run.job


def requeue_run_failures(conn: Connection, run_id: int, state_key: str | None = None) -> int:
    """Make the records ``run_id`` refused due again, with a fresh attempt count, where
    they still failed last (parked ones included); return how many.

    ``state_key`` is the job's key in the state store when it is not the job's name
    (jobs that share their state). The job's next differential run reads the records
    again: it retries every pending record.
    """
    run = get_run(conn, run_id)
    if run is None:
        return 0
    refused = select(run_items.c.key).where(
        run_items.c.run_id == run_id,
        run_items.c.action == "rejected",
        run_items.c.stream == failed_items.c.stream,
        run_items.c.key == failed_items.c.source_key,
    )
    stmt = (
        update(failed_items)
        .where(failed_items.c.job == (state_key or run.job), refused.exists())
        .values(status="pending", attempts=0, hash="")
    )
    return conn.execute(stmt).rowcount


def requeue_failed(conn: Connection, job: str | None = None, key: str | None = None) -> int:
    """Make failed records (parked ones included) due again with a fresh attempt count."""
    stmt = update(failed_items).values(status="pending", attempts=0, hash="")
    if job:
        stmt = stmt.where(failed_items.c.job == job)
    if key:
        stmt = stmt.where(failed_items.c.source_key == key)
    return conn.execute(stmt).rowcount


def last_runs(conn: Connection) -> dict[str, RunRow]:
    """Each job's latest run that was not a dry run, in one query."""
    latest = select(func.max(runs.c.id)).where(runs.c.dry_run.is_(False)).group_by(runs.c.job)
    return {
        r.job: r for r in map(_run_row, conn.execute(select(runs).where(runs.c.id.in_(latest))))
    }


def failed_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Job → status (``pending``, ``parked``) → how many of its records last failed."""
    stmt = select(failed_items.c.job, failed_items.c.status, func.count()).group_by(
        failed_items.c.job, failed_items.c.status
    )
    counts: dict[str, dict[str, int]] = {}
    for job, status, n in conn.execute(stmt):
        counts.setdefault(str(job), {})[str(status)] = int(n)
    return counts
