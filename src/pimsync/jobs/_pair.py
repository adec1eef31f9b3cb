"""Two-way sync of one entity between two systems (Salesforce accounts ↔ Oro customers).

Two-way sync is where integrations lose data: echoes that bounce forever, conflicting
edits silently overwritten, duplicates after a retry. A :class:`PairEngine` run:

1. reads what changed on each side since that side's watermark (and the records whose
   last attempt failed);
2. maps every record to its **canonical** form (the fields both sides share) and finds
   its pair through the links it keeps (side A's id → side B's id; a record made on B
   is known by ``b:<id>`` until it exists on A);
3. compares each canonical form with the hash of what was last synced for the pair:
   - only one side differs: that side's record is written to the other;
   - neither differs: nothing is written — this is how pimsync's own writes, read back
     from the other side, never bounce (**echo suppression**);
   - both differ (and disagree): a **conflict**. Each field a side owns takes that
     side's value, the others the value of the side modified last; the merged record
     is written wherever it differs, and the conflict is reported with its fields;
4. writes through each side's destination, then stores the links, the hashes and the
   watermarks. A record a side refuses is reported and retried by the next runs, up to
   ``max_attempts`` (then it is parked until it changes again); one refused because a
   record it needs is not synced yet (its account, say) waits for it without using up
   its attempts, so running the jobs in their dependency order brings it over.

A record deleted on one side follows the pair's deletion policy on the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete

from pimsync.connectors.base import (
    Change,
    Destination,
    ItemResult,
    Op,
    Source,
    SourceRecord,
    Window,
)
from pimsync.errors import JobLocked, PimsyncError
from pimsync.jobs._engine import content_hash
from pimsync.jobs._report import RunReport, RunStatus, StreamCounts
from pimsync.jobs._spec import DeletionPolicy, Mode
from pimsync.state import _runs, _sync
from pimsync.state._locks import JobLock
from pimsync.state._store import cross_references
from pimsync.state._tables import runs

__all__ = ["PairEngine", "PairSpec", "Side"]

log = logging.getLogger("pimsync.engine")

Canonical = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Side:
    """One system of the pair.

    ``source`` gives this side's records keyed by its own ids (deleted ones as
    tombstones); ``canonical`` maps a record to the shared fields; ``modified`` gives its
    last modification time (for last-writer-wins); ``destination`` writes canonical
    records to this side (``Change.dest_key``: this side's id, None to create; the
    result's ``dest_key``: the id written) and should upsert by an external id holding
    the other side's id, so a retry after a crash creates no duplicate. ``owns``: the
    canonical fields this side decides in a conflict. ``partner`` gives the other side's
    id a record holds in that external id field (None: none): records are paired by it
    even when the hub has no link for them (it was lost in a crash, say).
    """

    name: str
    source: Source[Any]
    canonical: Callable[[Any], Canonical]
    modified: Callable[[Any], datetime]
    destination: Destination
    owns: frozenset[str] = frozenset()
    partner: Callable[[Any], str | None] | None = None


@dataclass(frozen=True, slots=True)
class PairSpec:
    """A two-way sync job of one ``entity`` between sides ``a`` and ``b``; links are
    kept under ``connection``."""

    name: str
    entity: str
    a: Side
    b: Side
    connection: str
    deletion_policy: DeletionPolicy = DeletionPolicy.IGNORE
    overlap: timedelta = timedelta(seconds=60)
    max_attempts: int = 5
    lock_ttl: timedelta = timedelta(minutes=5)


@dataclass
class _Seen:
    """What one run saw of a pair."""

    a_id: str | None = None
    b_id: str | None = None
    a: Canonical | None = None
    b: Canonical | None = None
    a_time: datetime | None = None
    b_time: datetime | None = None
    a_deleted: bool = False
    b_deleted: bool = False


@dataclass
class _Plan:
    to_a: list[Change] = field(default_factory=list)
    to_b: list[Change] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # pair key → canonical hash
    conflicts: list[_runs.RunItem] = field(default_factory=list)


def _partner(side: Side, record: SourceRecord[Any]) -> str | None:
    """The other side's id ``record`` holds, if the side says where."""
    if side.partner is None or record.data is None:
        return None
    return side.partner(record.data) or None


class PairEngine:
    """Runs :class:`PairSpec` jobs against a state store."""

    def __init__(self, db: Engine) -> None:
        self._db = db

    def run(self, spec: PairSpec) -> RunReport:
        with self._db.begin() as conn:
            run_id = _runs.start_run(conn, spec.name, Mode.DIFF.value, False)
        lock = JobLock(self._db, spec.name, run_id, spec.lock_ttl)
        try:
            lock.acquire()
        except JobLocked:
            with self._db.begin() as conn:
                conn.execute(delete(runs).where(runs.c.id == run_id))
            raise
        report = RunReport(
            run_id=run_id,
            job=spec.name,
            mode=Mode.DIFF.value,
            dry_run=False,
            started_at=datetime.now(UTC),
        )
        try:
            _PairRun(self._db, spec, report).run()
            report.status = RunStatus.PARTIAL if report.totals().rejected else RunStatus.SUCCEEDED
        except PimsyncError as exc:
            report.status = RunStatus.FAILED
            report.error = str(exc)
            log.error("run %s of %s failed: %s", run_id, spec.name, exc)
        finally:
            lock.release()
        report.finished_at = datetime.now(UTC)
        with self._db.begin() as conn:
            _runs.finish_run(conn, run_id, report.status.value, report.as_counts(), report.error)
        return report


class _PairRun:
    def __init__(self, db: Engine, spec: PairSpec, report: RunReport) -> None:
        self.db = db
        self.spec = spec
        self.report = report
        self.scope = _sync.Scope(spec.name, spec.entity, spec.connection, spec.entity)
        self.a_stream = f"{spec.entity}:{spec.a.name}"
        self.b_stream = f"{spec.entity}:{spec.b.name}"
        self.to_a = report.streams.setdefault(f"{spec.entity} → {spec.a.name}", StreamCounts())
        self.to_b = report.streams.setdefault(f"{spec.entity} → {spec.b.name}", StreamCounts())

    def _stream_scope(self, stream: str) -> _sync.Scope:
        return _sync.Scope(self.spec.name, stream, self.spec.connection, self.spec.entity)

    # -- reading ---------------------------------------------------------------------

    def _changes(self, side: Side, stream: str) -> tuple[list[SourceRecord[Any]], datetime]:
        """The side's records changed since its watermark, and its retried failures."""
        with self.db.connect() as conn:
            mark = _sync.get_watermark(conn, self.spec.name, stream)
            retry = _sync.pending_failures(conn, self._stream_scope(stream))
        started = side.source.clock()
        since = None if mark is None else mark - self.spec.overlap
        found: dict[str, SourceRecord[Any]] = {}
        for partition in side.source.partitions(since):
            for page in side.source.extract(Window(since=since, partition=partition)):
                found.update((r.key, r) for r in page)
        missing = [k for k in retry if k not in found]
        if missing:
            found.update((r.key, r) for r in side.source.read(missing))
        return list(found.values()), started

    def run(self) -> None:
        spec = self.spec
        a_records, a_started = self._changes(spec.a, self.a_stream)
        b_records, b_started = self._changes(spec.b, self.b_stream)
        links = cross_references(self.db, spec.connection, spec.entity)  # a id → b id
        back = {b_id: a_id for a_id, b_id in links.items()}
        seen: dict[str, _Seen] = {}
        for record in a_records:
            b_id = links.get(record.key) or _partner(spec.a, record)
            pair = seen.setdefault(record.key, _Seen(a_id=record.key, b_id=b_id))
            pair.b_id = pair.b_id or b_id
            self._note(spec.a, record, pair, "a")
        for record in b_records:
            a_id = back.get(record.key) or _partner(spec.b, record)
            key = a_id if a_id is not None else f"b:{record.key}"
            pair = seen.setdefault(key, _Seen(a_id=a_id, b_id=record.key))
            pair.b_id = record.key
            self._note(spec.b, record, pair, "b")
        self.to_a.extracted += len(b_records)
        self.to_b.extracted += len(a_records)
        with self.db.connect() as conn:
            known = _sync.lookup(conn, self.scope, list(seen))
        plan = _Plan()
        for key, pair in seen.items():
            found = known.get(key)
            self._decide(key, pair, found.hash if found else None, plan)
        self._skip_parked(seen, plan)
        results_b = self._write(spec.b, plan.to_b, self.to_b)
        results_a = self._write(spec.a, plan.to_a, self.to_a)
        self._commit(seen, plan, results_a, results_b, a_started, b_started)

    def _note(self, side: Side, record: SourceRecord[Any], pair: _Seen, which: str) -> None:
        if record.error is not None:
            return  # reported by the side's source; retried when it reads well
        if record.deleted or record.data is None:
            setattr(pair, f"{which}_deleted", True)
            return
        setattr(pair, which, dict(side.canonical(record.data)))
        setattr(pair, f"{which}_time", side.modified(record.data))

    # -- deciding ----------------------------------------------------------------------

    def _decide(self, key: str, pair: _Seen, stored: str | None, plan: _Plan) -> None:
        ha = content_hash(pair.a) if pair.a is not None else None
        hb = content_hash(pair.b) if pair.b is not None else None
        a_changed = ha is not None and ha != stored
        b_changed = hb is not None and hb != stored
        if pair.a_deleted or pair.b_deleted:
            self._deletion(key, pair, plan)
            return
        if a_changed and b_changed and ha != hb:
            assert pair.a is not None and pair.b is not None
            merged = self._resolve(key, pair, plan)
            hm = content_hash(merged)
            plan.hashes[key] = hm
            if hm != ha:
                plan.to_a.append(Change(Op.UPSERT, key, pair.a_id, merged))
            if hm != hb:
                plan.to_b.append(Change(Op.UPSERT, key, pair.b_id, merged))
        elif a_changed and not b_changed:
            assert ha is not None
            plan.hashes[key] = ha
            if ha != hb:
                plan.to_b.append(Change(Op.UPSERT, key, pair.b_id, pair.a))
        elif b_changed and not a_changed:
            assert hb is not None
            plan.hashes[key] = hb
            if hb != ha:
                plan.to_a.append(Change(Op.UPSERT, key, pair.a_id, pair.b))
        elif a_changed or b_changed:  # both changed to the same content
            plan.hashes[key] = ha or hb or ""
        else:
            unchanged = self.to_b if pair.a is not None else self.to_a
            unchanged.unchanged += 1

    def _resolve(self, key: str, pair: _Seen, plan: _Plan) -> dict[str, Any]:
        """Merge a conflict: owned fields from their owner, the others from the side
        modified last; the conflict and its fields go into the run's report."""
        a, b = pair.a or {}, pair.b or {}
        newer_is_a = (pair.a_time or datetime.min.replace(tzinfo=UTC)) >= (
            pair.b_time or datetime.min.replace(tzinfo=UTC)
        )
        merged: dict[str, Any] = {}
        decided: list[str] = []
        for name in sorted(set(a) | set(b)):
            if a.get(name) == b.get(name):
                merged[name] = a.get(name)
                continue
            if name in self.spec.a.owns:
                winner = self.spec.a.name
            elif name in self.spec.b.owns:
                winner = self.spec.b.name
            else:
                winner = self.spec.a.name if newer_is_a else self.spec.b.name
            merged[name] = a.get(name) if winner == self.spec.a.name else b.get(name)
            decided.append(f"{name}: {winner}")
        last = self.spec.a.name if newer_is_a else self.spec.b.name
        message = (
            f"changed on both sides; kept {', '.join(decided)} "
            f"(owned fields, then the last modified: {last})"
        )
        plan.conflicts.append(_runs.RunItem(self.spec.entity, key, "conflict", message))
        log.warning("%s %s: %s", self.spec.entity, key, message)
        return merged

    def _deletion(self, key: str, pair: _Seen, plan: _Plan) -> None:
        policy = self.spec.deletion_policy
        if policy is DeletionPolicy.IGNORE:
            return
        op = Op.DELETE if policy is DeletionPolicy.DELETE else Op.DISABLE
        if pair.a_deleted and pair.b_id is not None and not pair.b_deleted:
            plan.to_b.append(Change(op, key, pair.b_id))
        if pair.b_deleted and pair.a_id is not None and not pair.a_deleted:
            plan.to_a.append(Change(op, key, pair.a_id))

    def _skip_parked(self, seen: Mapping[str, _Seen], plan: _Plan) -> None:
        """Drop the writes of records parked with the content they now have: they wait
        for a change (a parked record read again in the overlap is not retried)."""
        changed = [seen[key] for key in plan.hashes]
        with self.db.connect() as conn:
            parked_a = _sync.lookup(
                conn, self._stream_scope(self.a_stream), [p.a_id for p in changed if p.a_id]
            )
            parked_b = _sync.lookup(
                conn, self._stream_scope(self.b_stream), [p.b_id for p in changed if p.b_id]
            )
        skipped: set[str] = set()
        for key, digest in plan.hashes.items():
            pair = seen[key]
            for found, counts in (
                (parked_a.get(pair.a_id or ""), self.to_b),
                (parked_b.get(pair.b_id or ""), self.to_a),
            ):
                if found and found.failed_status == "parked" and found.failed_hash == digest:
                    skipped.add(key)
                    counts.skipped_parked += 1
                    break
        if skipped:
            plan.to_a = [c for c in plan.to_a if c.key not in skipped]
            plan.to_b = [c for c in plan.to_b if c.key not in skipped]
            for key in skipped:
                del plan.hashes[key]

    # -- writing -----------------------------------------------------------------------

    def _write(
        self, side: Side, changes: Sequence[Change], counts: StreamCounts
    ) -> dict[str, ItemResult]:
        if not changes:
            return {}
        counts.writes += 1
        results = {r.key: r for r in side.destination.write(changes)}
        for change in changes:
            result = results.get(change.key)
            if result is None or result.error is not None:
                counts.rejected += 1
            elif change.op is Op.DELETE:
                counts.deleted += 1
            elif change.op is Op.DISABLE:
                counts.disabled += 1
            elif change.dest_key is None:
                counts.created += 1
            else:
                counts.updated += 1
        return results

    def _commit(
        self,
        seen: Mapping[str, _Seen],
        plan: _Plan,
        to_a: Mapping[str, ItemResult],
        to_b: Mapping[str, ItemResult],
        a_started: datetime,
        b_started: datetime,
    ) -> None:
        """Links, hashes and failures of what was written; watermarks last."""
        written: list[_sync.Written] = []
        moved: list[str] = []
        failures_a: list[_sync.Failure] = []  # records read from A that B refused
        failures_b: list[_sync.Failure] = []
        gone: list[str] = []
        for key, pair in seen.items():
            if pair.a_deleted or pair.b_deleted:
                gone.append(key)
                continue
            if key not in plan.hashes:
                continue
            ra, rb = to_a.get(key), to_b.get(key)
            refused = [r for r in (ra, rb) if r is not None and r.error is not None]
            if refused:
                message = "; ".join(r.error or "" for r in refused)
                waiting = all(r.waiting for r in refused)
                digest = plan.hashes[key]  # what was refused: parked until it changes
                if rb is not None and rb.error is not None and pair.a_id is not None:
                    failures_a.append(_sync.Failure(pair.a_id, digest, message, waiting))
                if ra is not None and ra.error is not None and pair.b_id is not None:
                    failures_b.append(_sync.Failure(pair.b_id, digest, message, waiting))
                continue
            a_id = ra.dest_key if ra is not None and ra.dest_key else pair.a_id
            b_id = rb.dest_key if rb is not None and rb.dest_key else pair.b_id
            if a_id is None:
                continue  # a record made on B that A has not taken yet
            if key != a_id:
                moved.append(key)  # made on B, now on A: known by A's id from now on
            written.append(_sync.Written(a_id, plan.hashes[key], b_id, "active"))
        items = [
            _runs.RunItem(self.spec.entity, f.key, "rejected", f.message)
            for f in (*failures_a, *failures_b)
        ]
        with self.db.begin() as conn:
            _sync.commit_written(conn, self.scope, written, self.report.run_id)
            if moved or gone:
                _sync.commit_written(
                    conn,
                    self.scope,
                    [_sync.Written(k, "", None, "deleted") for k in (*moved, *gone)],
                    self.report.run_id,
                )
            synced = {
                self.a_stream: [w.key for w in written],
                self.b_stream: [w.dest_key for w in written if w.dest_key is not None],
            }
            for stream, failures, counts in (
                (self.a_stream, failures_a, self.to_b),
                (self.b_stream, failures_b, self.to_a),
            ):
                scope = self._stream_scope(stream)
                _sync.clear_failures(conn, scope, synced[stream])
                if failures:
                    prior = _sync.lookup(conn, scope, [f.key for f in failures])
                    parked = _sync.record_failures(
                        conn, scope, failures, prior, self.report.run_id, self.spec.max_attempts
                    )
                    counts.parked += len(parked)
            _runs.add_items(conn, self.report.run_id, [*plan.conflicts, *items])
            _sync.set_watermark(conn, self.spec.name, self.a_stream, a_started, self.report.run_id)
            _sync.set_watermark(conn, self.spec.name, self.b_stream, b_started, self.report.run_id)
        self.report.notes.extend(
            f"conflict on {item.key}: {item.message}" for item in plan.conflicts
        )
