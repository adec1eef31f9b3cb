"""What the engine remembers per job and stream: hashes, xrefs, failures, watermarks.

Everything a batch changes is written in one transaction together with the batch's
outcome, so a crash between load and commit re-sends that batch and nothing before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, select, update

from pimsync.state._tables import failed_items, record_hashes, watermarks, xrefs
from pimsync.state._upsert import upsert

# Keeps IN lists under every backend's bound-parameter limit.
_CHUNK = 900


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(keys), _CHUNK):
        yield keys[i : i + _CHUNK]


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knows about one source key."""

    hash: str | None
    state: str | None
    dest_key: str | None
    failed_status: str | None
    failed_hash: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Scope:
    """The keys of a stream's state: job + stream for hashes, connection + entity for xrefs."""

    job: str
    stream: str
    connection: str
    entity: str


def lookup(conn: Connection, scope: Scope, keys: Sequence[str]) -> dict[str, Known]:
    """What is known of ``keys``; keys never seen are absent from the result."""
    hashes: dict[str, tuple[str, str]] = {}
    dests: dict[str, str] = {}
    failed: dict[str, tuple[str, str, int]] = {}
    for chunk in _chunks(keys):
        for key, digest, state in conn.execute(
            select(record_hashes.c.source_key, record_hashes.c.hash, record_hashes.c.state).where(
                record_hashes.c.job == scope.job,
                record_hashes.c.stream == scope.stream,
                record_hashes.c.source_key.in_(chunk),
            )
        ):
            hashes[key] = (digest, state)
        for key, dest in conn.execute(
            select(xrefs.c.source_key, xrefs.c.dest_key).where(
                xrefs.c.connection == scope.connection,
                xrefs.c.entity == scope.entity,
                xrefs.c.source_key.in_(chunk),
            )
        ):
            dests[key] = dest
        for key, status, digest, attempts in conn.execute(
            select(
                failed_items.c.source_key,
                failed_items.c.status,
                failed_items.c.hash,
                failed_items.c.attempts,
            ).where(
                failed_items.c.job == scope.job,
                failed_items.c.stream == scope.stream,
                failed_items.c.source_key.in_(chunk),
            )
        ):
            failed[key] = (status, digest, attempts)
    result: dict[str, Known] = {}
    for key in hashes.keys() | dests.keys() | failed.keys():
        digest_state = hashes.get(key)
        fail = failed.get(key)
        result[key] = Known(
            hash=digest_state[0] if digest_state else None,
            state=digest_state[1] if digest_state else None,
            dest_key=dests.get(key),
            failed_status=fail[0] if fail else None,
            failed_hash=fail[1] if fail else None,
            attempts=fail[2] if fail else 0,
        )
    return result


def mark_seen(conn: Connection, scope: Scope, keys: Sequence[str], run_id: int) -> None:
    """Record that ``keys`` were selected by run ``run_id`` (for deletion reconciliation)."""
    for chunk in _chunks(keys):
        conn.execute(
            update(record_hashes)
            .where(
                record_hashes.c.job == scope.job,
                record_hashes.c.stream == scope.stream,
                record_hashes.c.source_key.in_(chunk),
            )
            .values(seen_run=run_id)
        )


@dataclass(frozen=True, slots=True)
class Written:
    """One record the destination accepted."""

    key: str
    hash: str
    dest_key: str | None
    state: str  # "active", "disabled" or "deleted"


@dataclass(frozen=True, slots=True)
class Failure:
    """One record the destination (or the mapping) refused."""

    key: str
    hash: str
    message: str


def commit_written(conn: Connection, scope: Scope, written: Sequence[Written], run_id: int) -> None:
    """Store hashes and xrefs of accepted records and clear their failures."""
    if not written:
        return
    now = datetime.now(UTC)
    gone = [w.key for w in written if w.state == "deleted"]
    kept = [w for w in written if w.state != "deleted"]
    upsert(
        conn,
        record_hashes,
        [
            {
                "job": scope.job,
                "stream": scope.stream,
                "source_key": w.key,
                "hash": w.hash,
                "state": w.state,
                "seen_run": run_id,
                "updated_at": now,
            }
            for w in kept
        ],
        update=("hash", "state", "seen_run", "updated_at"),
    )
    upsert(
        conn,
        xrefs,
        [
            {
                "connection": scope.connection,
                "entity": scope.entity,
                "source_key": w.key,
                "dest_key": w.dest_key,
                "updated_at": now,
            }
            for w in kept
            if w.dest_key is not None
        ],
        update=("dest_key", "updated_at"),
    )
    for chunk in _chunks(gone):
        conn.execute(
            delete(record_hashes).where(
                record_hashes.c.job == scope.job,
                record_hashes.c.stream == scope.stream,
                record_hashes.c.source_key.in_(chunk),
            )
        )
        conn.execute(
            delete(xrefs).where(
                xrefs.c.connection == scope.connection,
                xrefs.c.entity == scope.entity,
                xrefs.c.source_key.in_(chunk),
            )
        )
    clear_failures(conn, scope, [w.key for w in written])


def clear_failures(conn: Connection, scope: Scope, keys: Sequence[str]) -> None:
    """Forget the failures of ``keys`` (they were written, or are gone from the source)."""
    for chunk in _chunks(keys):
        conn.execute(
            delete(failed_items).where(
                failed_items.c.job == scope.job,
                failed_items.c.stream == scope.stream,
                failed_items.c.source_key.in_(chunk),
            )
        )


def record_failures(
    conn: Connection,
    scope: Scope,
    failures: Sequence[Failure],
    known: dict[str, Known],
    run_id: int,
    max_attempts: int,
) -> list[str]:
    """Count one more attempt for each failure; return the keys that are now parked."""
    if not failures:
        return []
    now = datetime.now(UTC)
    rows = []
    parked = []
    for f in failures:
        prior = known.get(f.key)
        attempts = (prior.attempts if prior else 0) + 1
        status = "parked" if attempts >= max_attempts else "pending"
        if status == "parked":
            parked.append(f.key)
        rows.append(
            {
                "job": scope.job,
                "stream": scope.stream,
                "source_key": f.key,
                "status": status,
                "attempts": attempts,
                "hash": f.hash,
                "last_error": f.message,
                "first_failed_at": now,
                "last_failed_at": now,
                "last_run_id": run_id,
            }
        )
    upsert(
        conn,
        failed_items,
        rows,
        update=("status", "attempts", "hash", "last_error", "last_failed_at", "last_run_id"),
    )
    return parked


def pending_failures(conn: Connection, scope: Scope) -> list[str]:
    """Keys of the stream's failed records that are due for another attempt."""
    return list(
        conn.scalars(
            select(failed_items.c.source_key)
            .where(
                failed_items.c.job == scope.job,
                failed_items.c.stream == scope.stream,
                failed_items.c.status == "pending",
            )
            .order_by(failed_items.c.source_key)
        )
    )


def unseen(conn: Connection, scope: Scope, run_id: int, after: str, limit: int) -> list[str]:
    """Active keys the run did not select, in key order after ``after`` (keyset paging)."""
    return list(
        conn.scalars(
            select(record_hashes.c.source_key)
            .where(
                and_(
                    record_hashes.c.job == scope.job,
                    record_hashes.c.stream == scope.stream,
                    record_hashes.c.seen_run != run_id,
                    record_hashes.c.state == "active",
                    record_hashes.c.source_key > after,
                )
            )
            .order_by(record_hashes.c.source_key)
            .limit(limit)
        )
    )


def get_watermark(conn: Connection, job: str, stream: str) -> datetime | None:
    """The source time from which the next differential run of the stream reads."""
    value: datetime | None = conn.scalar(
        select(watermarks.c.value).where(watermarks.c.job == job, watermarks.c.stream == stream)
    )
    return value


def set_watermark(conn: Connection, job: str, stream: str, value: datetime, run_id: int) -> None:
    """Advance the stream's watermark to ``value`` (only after the whole stream loaded)."""
    upsert(
        conn,
        watermarks,
        [
            {
                "job": job,
                "stream": stream,
                "value": value,
                "run_id": run_id,
                "updated_at": datetime.now(UTC),
            }
        ],
        update=("value", "run_id", "updated_at"),
    )


def reset_job(conn: Connection, job: str, streams: Iterable[str] | None = None) -> None:
    """Forget watermarks and hashes of ``job`` so the next run sends everything again."""
    conds = [watermarks.c.job == job]
    hconds = [record_hashes.c.job == job]
    if streams is not None:
        names = list(streams)
        conds.append(watermarks.c.stream.in_(names))
        hconds.append(record_hashes.c.stream.in_(names))
    conn.execute(delete(watermarks).where(*conds))
    conn.execute(delete(record_hashes).where(*hconds))
