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


def list_runs(conn: Connection, job: str | None = None, limit: int = 20) -> list[RunRow]:
    stmt = select(runs).order_by(runs.c.id.desc()).limit(limit)
    if job:
        stmt = stmt.where(runs.c.job == job)
    return [_run_row(r) for r in conn.execute(stmt)]


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
    return [
        FailedItem(
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
        for r in conn.execute(stmt.limit(limit))
    ]


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
