"""The job engine: extract → select → map → diff → load → commit.

* Hashes and xrefs are committed per loaded batch, so a crash after batch *k* re-sends
  nothing from batches before *k*, and destinations upsert by key so re-sending batch
  *k* creates no duplicate.
* A stream's watermark is the source time at which it started extracting, stored only
  when every selected record has been loaded or recorded as failed.
* Full runs reconcile deletions: records the run did not select follow the job's
  deletion policy.
* A :class:`~pimsync.connectors.base.StagedDestination` only stages its batches; what
  the engine would commit for them (hashes, xrefs, watermarks) waits in memory until
  its ``deliver`` succeeds at the end of the run, so a failed delivery loses nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import Engine, delete

from pimsync.connectors.base import (
    Change,
    ItemResult,
    Op,
    SourceRecord,
    StagedDestination,
    Window,
)
from pimsync.connectors.readahead import read_ahead
from pimsync.errors import AwaitingParent, ConfigError, JobLocked, PimsyncError, RejectedRecord
from pimsync.jobs._pipeline import Loader, frozen_heap, prefetch_pages
from pimsync.jobs._report import RunObserver, RunReport, RunStatus, SilentObserver, StreamCounts
from pimsync.jobs._spec import DeletionPolicy, JobSpec, Mode, StreamSpec
from pimsync.model import to_json
from pimsync.state import _runs, _sync
from pimsync.state._locks import JobLock
from pimsync.state._tables import runs

log = logging.getLogger("pimsync.engine")

# The report counter a planned action of a dry run adds to.
_COUNTER = {"create": "created", "update": "updated", "delete": "deleted", "disable": "disabled"}


def content_hash(payload: Any) -> str:
    """A stable digest of a mapped record: equal payloads give equal hashes."""
    return hashlib.blake2b(to_json(payload), digest_size=16).hexdigest()


@dataclass(slots=True)
class _Batch:
    """Changes sent to the destination in one write, with what to commit afterwards."""

    changes: list[Change]
    hashes: dict[str, str]
    created: set[str]
    known: dict[str, _sync.Known]
    sources: dict[str, Any]


@dataclass(slots=True)
class _Plan:
    """The outcome of diffing one batch of source records."""

    changes: list[Change] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    failures: list[_sync.Failure] = field(default_factory=list)
    # Source data of each upsert, hashed only if the destination rejects it (see parking).
    sources: dict[str, Any] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Staging:
    """What waits for the staged destinations of a run: the destinations (in the order
    they were first written to) and the commits and watermarks of their streams."""

    destinations: list[StagedDestination] = field(default_factory=list)
    written: list[tuple[_sync.Scope, list[_sync.Written], list[str]]] = field(default_factory=list)
    watermarks: list[tuple[str, str, datetime]] = field(default_factory=list)

    def add(self, destination: StagedDestination) -> None:
        if not any(d is destination for d in self.destinations):
            self.destinations.append(destination)

    def count(self) -> int:
        return sum(len(written) for _, written, _ in self.written)

    def discard(self) -> None:
        """Drop the staged records: nothing of them is committed."""
        for destination in self.destinations:
            try:
                destination.discard()
            except Exception:  # the run's own error matters more than this one
                log.warning("discarding staged records failed", exc_info=True)
        self.destinations.clear()
        self.written.clear()
        self.watermarks.clear()


@dataclass(frozen=True, slots=True)
class StreamWindow:
    """What every part of one stream of a run reads, as plain data that tasks on other
    threads or machines can be handed: whether the run is full, changes since when, the
    source time it started at (the next watermark), its partitions, and the keys of
    records whose last attempt failed (read again by themselves, left out of partitions).
    """

    stream: str
    full: bool
    since: datetime | None
    started: datetime
    partitions: tuple[Hashable | None, ...]
    retry_keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _batched(records: Iterator[SourceRecord[Any]], size: int) -> Iterator[list[SourceRecord[Any]]]:
    while batch := list(islice(records, size)):
        yield batch


class JobEngine:
    """Runs jobs against a state store; one instance may run many jobs one after another."""

    def __init__(self, db: Engine, observer: RunObserver | None = None) -> None:
        self._db = db
        self._observer: RunObserver = observer or SilentObserver()

    def run(self, spec: JobSpec, mode: Mode = Mode.DIFF, *, dry_run: bool = False) -> RunReport:
        """Run ``spec`` once and return its report.

        A run that fails (source or destination unusable) is returned with status
        ``failed`` and its error; :class:`JobLocked` is raised when another run of the
        job holds the lock. Anything else propagates after the run is marked.
        """
        report, taken = self._open(spec, mode, dry_run)
        mode = Mode(report.mode)  # the job's own mode wins
        staging = _Staging()
        with self._concluded(spec, report, taken, staging), frozen_heap():
            for stream in spec.streams:
                _StreamRun(
                    self._db, spec, stream, mode, dry_run, report, self._observer, staging
                ).run()
            self._deliver(staging, report, dry_run)
        return report

    @contextmanager
    def _concluded(
        self,
        spec: JobSpec,
        report: RunReport,
        taken: Sequence[JobLock],
        staging: _Staging | None = None,
    ) -> Iterator[None]:
        """Conclude the run of the block: succeeded or partial; failed on a
        :class:`PimsyncError` (kept in the report, not raised); interrupted on anything
        else (raised). Releases the locks, discards what ``staging`` still holds on a
        failure, and stores the outcome."""
        try:
            yield
            report.status = RunStatus.PARTIAL if report.totals().rejected else RunStatus.SUCCEEDED
        except PimsyncError as exc:
            if staging is not None:
                if staged := staging.count():
                    report.notes.append(
                        f"{staged} staged record(s) were not delivered and nothing about them "
                        "was stored: the next run sends them again"
                    )
                staging.discard()
            report.status = RunStatus.FAILED
            report.error = str(exc)
            log.error("run %s of %s failed: %s", report.run_id, spec.name, exc)
        except BaseException as exc:
            if staging is not None:
                staging.discard()
            report.status = RunStatus.INTERRUPTED
            report.error = f"{type(exc).__name__}: {exc}"
            self._finish(report)
            raise
        finally:
            for lock in reversed(taken):
                lock.release()
        self._finish(report)

    def _open(self, spec: JobSpec, mode: Mode, dry_run: bool) -> tuple[RunReport, list[JobLock]]:
        """Store a new run of ``spec`` and take its locks; :class:`JobLocked` if taken."""
        mode = spec.mode or mode
        with self._db.begin() as conn:
            run_id = _runs.start_run(conn, spec.name, mode.value, dry_run)
        locks = [JobLock(self._db, spec.name, run_id, spec.lock_ttl)]
        if spec.exclusive_group is not None:
            group = f"group:{spec.exclusive_group}"
            locks.append(JobLock(self._db, group, run_id, spec.lock_ttl, job=spec.name))
        taken: list[JobLock] = []
        try:
            for lock in locks:
                lock.acquire()
                taken.append(lock)
        except JobLocked:
            for lock in taken:
                lock.release()
            with self._db.begin() as conn:
                conn.execute(delete(runs).where(runs.c.id == run_id))
            raise
        report = RunReport(
            run_id=run_id,
            job=spec.name,
            mode=mode.value,
            dry_run=dry_run,
            started_at=datetime.now(UTC),
            notes=list(spec.notes),
        )
        return report, taken

    # -- the partition-level API: a run whose parts other workers run -----------------

    @staticmethod
    def partitionable(spec: JobSpec) -> bool:
        """Whether ``spec`` can run part by part: not if a destination only stages its
        records, since what waits for their delivery lives in one process's memory."""
        return not any(isinstance(s.destination, StagedDestination) for s in spec.streams)

    @contextmanager
    def held_run(
        self, spec: JobSpec, mode: Mode = Mode.DIFF, *, dry_run: bool = False
    ) -> Iterator[RunReport]:
        """A run of ``spec`` whose streams are run part by part by the caller (with
        :meth:`plan_stream`, :meth:`run_partition`, :meth:`run_retries` and
        :meth:`close_stream`, in any process sharing this state store).

        The run is stored and its locks are held (with their heartbeat, in this process)
        for the block. The caller adds each part's counts to the yielded report. A
        :class:`PimsyncError` out of the block marks the run failed and is not raised
        (as :meth:`run` returns a failed report); anything else marks it interrupted and
        propagates. Raises :class:`JobLocked` when another run holds the lock.
        """
        if not self.partitionable(spec):
            raise ConfigError(f"job {spec.name!r} stages its records and runs only as a whole")
        report, taken = self._open(spec, mode, dry_run)
        # Parts run in this process then skip frozen_heap's collection (see run_partition).
        with self._concluded(spec, report, taken), frozen_heap():
            yield report

    def plan_stream(self, spec: JobSpec, stream: str, report: RunReport) -> StreamWindow:
        """What every part of ``stream`` reads in the run of ``report``: worked out once,
        before any part runs, so that all parts read from the same ``since`` and the
        watermark is the source time before the first read."""
        return self._stream_run(spec, stream, report).plan()

    def run_partition(
        self, spec: JobSpec, window: StreamWindow, partition: Hashable | None, report: RunReport
    ) -> None:
        """Extract, diff, load and commit one partition of ``window``; counts go into
        ``report.streams``. Hashes and xrefs are committed per batch, so running the same
        partition again (after a crash) re-sends only what was not committed."""
        self._stream_run(spec, window.stream, report, window).run_partition(window, partition)

    def run_retries(self, spec: JobSpec, window: StreamWindow, report: RunReport) -> None:
        """Read again and send the records whose last attempt failed (``window.retry_keys``)."""
        self._stream_run(spec, window.stream, report, window).run_retries(window)

    def close_stream(self, spec: JobSpec, window: StreamWindow, report: RunReport) -> None:
        """After every part of ``window`` succeeded: reconcile deletions (full runs) and
        advance the stream's watermark to ``window.started``."""
        self._stream_run(spec, window.stream, report, window).close(window)

    def _stream_run(
        self,
        spec: JobSpec,
        name: str,
        report: RunReport,
        window: StreamWindow | None = None,
    ) -> _StreamRun:
        streams = {s.name: s for s in spec.streams}
        if name not in streams:
            raise ConfigError(f"job {spec.name!r} has no stream {name!r}")
        mode = Mode(report.mode)
        run = _StreamRun(
            self._db, spec, streams[name], mode, report.dry_run, report, self._observer, _Staging()
        )
        if window is not None:
            run.full = window.full
        return run

    def _deliver(self, staging: _Staging, report: RunReport, dry_run: bool) -> None:
        """Deliver what staged destinations hold, then commit what waited for it."""
        if dry_run:
            staging.discard()
            return
        for destination in staging.destinations:
            report.notes.extend(destination.deliver())
        staging.destinations.clear()
        with self._db.begin() as conn:
            for scope, written, had_failures in staging.written:
                _sync.commit_written(conn, scope, written, report.run_id, had_failures)
            for job, stream, value in staging.watermarks:
                _sync.set_watermark(conn, job, stream, value, report.run_id)

    def _finish(self, report: RunReport) -> None:
        report.finished_at = datetime.now(UTC)
        with self._db.begin() as conn:
            _runs.finish_run(
                conn, report.run_id, report.status.value, report.as_counts(), report.error
            )


class _StreamRun:
    """One stream of one run."""

    def __init__(
        self,
        db: Engine,
        job: JobSpec,
        stream: StreamSpec,
        mode: Mode,
        dry_run: bool,
        report: RunReport,
        observer: RunObserver,
        staging: _Staging,
    ) -> None:
        self.db = db
        self.staging = staging
        destination = stream.destination
        self.staged = isinstance(destination, StagedDestination) and not dry_run
        if self.staged:
            staging.add(destination)  # type: ignore[arg-type]
        self.job = job
        self.stream = stream
        self.dry_run = dry_run
        self.report = report
        self.observer = observer
        self.state = job.state_key or job.name
        self.scope = _sync.Scope(self.state, stream.name, stream.connection, stream.entity)
        self.counts = report.streams.setdefault(stream.name, StreamCounts())
        self.batch_size = stream.batch_size or job.batch_size
        self.mode = mode
        self.full = mode is Mode.FULL or stream.complete

    # -- the stream as a whole -------------------------------------------------------

    def run(self) -> None:
        self.observer.stream_started(self.stream.name)
        since, retry_keys, started = self._window()
        loader: Loader[_Batch] = Loader(self.job.load_concurrency, self._committed)
        try:
            if retry_keys:
                for batch in _batched(self.stream.source.read(retry_keys), self.batch_size):
                    self._process(batch, loader)
            pages: Generator[Sequence[SourceRecord[Any]], None, None] = prefetch_pages(
                self.stream.source, since, self.job.extract_concurrency
            )
            self._consume(pages, set(retry_keys), loader)
            if self.full:
                self._reconcile(loader)
            loader.drain()
        except BaseException:
            loader.abandon()
            raise
        finally:
            loader.close()
        self._advance(started)
        self.observer.stream_finished(self.stream.name, self.counts)

    def _window(self) -> tuple[datetime | None, list[str], datetime]:
        """Read changes since when, which failed records to retry, and the next watermark."""
        with self.db.connect() as conn:
            watermark = _sync.get_watermark(conn, self.state, self.stream.name)
            retry_keys = [] if self.full else _sync.pending_failures(conn, self.scope)
        if watermark is None and not self.full:
            self.full = True
            self.report.notes.append(f"{self.stream.name}: no watermark yet, ran as a full run")
        since = None if self.full or watermark is None else watermark - self.job.overlap
        return since, retry_keys, self.stream.source.clock()

    def _consume(
        self,
        pages: Generator[Sequence[SourceRecord[Any]], None, None],
        retried: set[str],
        loader: Loader[_Batch],
    ) -> None:
        """Diff and send ``pages`` in batches, leaving out the ``retried`` keys."""
        buffer: list[SourceRecord[Any]] = []
        # closing(): an error here must stop the reader threads at once.
        with closing(pages):
            for page in pages:
                buffer.extend(r for r in page if r.key not in retried)
                while len(buffer) >= self.batch_size:
                    self._process(buffer[: self.batch_size], loader)
                    del buffer[: self.batch_size]
        if buffer:
            self._process(buffer, loader)

    def _advance(self, started: datetime) -> None:
        """Store ``started`` as the stream's watermark (staged: once delivered)."""
        if self.staged:
            self.staging.watermarks.append((self.state, self.stream.name, started))
        elif not self.dry_run:
            with self.db.begin() as conn:
                _sync.set_watermark(conn, self.state, self.stream.name, started, self.report.run_id)
        self.report.watermarks[self.stream.name] = started.isoformat()

    # -- the stream in parts (JobEngine's partition-level API) ------------------------

    def plan(self) -> StreamWindow:
        notes = len(self.report.notes)
        since, retry_keys, started = self._window()
        partitions = tuple(self.stream.source.partitions(since))
        return StreamWindow(
            self.stream.name,
            self.full,
            since,
            started,
            partitions,
            tuple(retry_keys),
            tuple(self.report.notes[notes:]),
        )

    def run_partition(self, window: StreamWindow, partition: Hashable | None) -> None:
        source = self.stream.source
        readers = [partial(source.extract, Window(since=window.since, partition=partition))]
        # One reader thread: the next pages are read while this one is diffed and loaded.
        pages = read_ahead(readers, threads=1, depth=2 * self.job.extract_concurrency)
        with frozen_heap():
            self._loading(lambda loader: self._consume(pages, set(window.retry_keys), loader))

    def run_retries(self, window: StreamWindow) -> None:
        def send(loader: Loader[_Batch]) -> None:
            for batch in _batched(self.stream.source.read(window.retry_keys), self.batch_size):
                self._process(batch, loader)

        self._loading(send)

    def close(self, window: StreamWindow) -> None:
        if window.full:
            self._loading(self._reconcile)
        self._advance(window.started)

    def _loading(self, work: Callable[[Loader[_Batch]], None]) -> None:
        """Run ``work`` with a loader; every batch it sends is loaded and committed."""
        loader: Loader[_Batch] = Loader(self.job.load_concurrency, self._committed)
        try:
            work(loader)
            loader.drain()
        except BaseException:
            loader.abandon()
            raise
        finally:
            loader.close()

    # -- diff --------------------------------------------------------------------------

    def _process(self, records: Sequence[SourceRecord[Any]], loader: Loader[_Batch]) -> None:
        counts = self.counts
        counts.extracted += len(records)
        keys = [r.key for r in records]
        with self.db.begin() as conn:
            known = _sync.lookup(conn, self.scope, keys)
            plan = _Plan()
            seen: list[str] = []
            for record in records:
                self._diff_one(record, known.get(record.key), plan, seen)
            stored = [k for k in seen if (found := known.get(k)) is not None and found.hash]
            if self.full and stored:
                _sync.mark_seen(conn, self.scope, stored, self.report.run_id)
            if plan.failures:
                self._record_failures(conn, plan.failures, known)
            if plan.gone and not self.dry_run:
                _sync.clear_failures(conn, self.scope, plan.gone)
        self._send(plan, known, loader)

    def _diff_one(
        self,
        record: SourceRecord[Any],
        known: _sync.Known | None,
        plan: _Plan,
        seen: list[str],
    ) -> None:
        key = record.key
        stream = self.stream
        if record.error is not None:
            seen.append(key)
            digest = content_hash(record.error)  # the same broken input, the same error
            if (
                known is not None
                and known.failed_status == "parked"
                and known.failed_hash == digest
            ):
                self.counts.skipped_parked += 1
                return
            plan.failures.append(_sync.Failure(key, digest, record.error))
            return
        if record.deleted or record.data is None:
            if known is not None and known.failed_status is not None:
                plan.gone.append(key)
            self._plan_removal(key, known, plan)
            return
        try:
            selected = stream.select is None or stream.select(record.data)
        except Exception as exc:  # noqa: BLE001 - a broken criterion rejects one record
            plan.failures.append(_sync.Failure(key, "", f"selection failed: {exc!r}"))
            seen.append(key)
            return
        if not selected:
            self._plan_removal(key, known, plan)
            return
        self.counts.selected += 1
        seen.append(key)
        parked = known is not None and known.failed_status == "parked"
        if parked and known.failed_hash == content_hash(record.data):  # type: ignore[union-attr]
            self.counts.skipped_parked += 1
            return
        try:
            payload = stream.map(record.data)
        except RejectedRecord as exc:
            waiting = isinstance(exc, AwaitingParent)  # retried without using up attempts
            plan.failures.append(_sync.Failure(key, content_hash(record.data), exc.reason, waiting))
            return
        except Exception as exc:  # one unmappable record must not stop the run
            log.debug("mapping %s failed", key, exc_info=True)
            message = f"mapping failed: {type(exc).__name__}: {exc}"
            plan.failures.append(_sync.Failure(key, content_hash(record.data), message))
            return
        digest = content_hash(payload)
        if known is not None and known.hash == digest and known.state == "active":
            self.counts.unchanged += 1
            return
        if known is None or (known.hash is None and known.dest_key is None):
            plan.created.add(key)
        plan.hashes[key] = digest
        plan.sources[key] = record.data
        plan.changes.append(Change(Op.UPSERT, key, known.dest_key if known else None, payload))

    def _plan_removal(self, key: str, known: _sync.Known | None, plan: _Plan) -> None:
        if known is None or known.state != "active":
            return
        policy = self.job.deletion_policy
        if policy is DeletionPolicy.IGNORE:
            self.counts.orphaned += 1
            return
        op = Op.DELETE if policy is DeletionPolicy.DELETE else Op.DISABLE
        plan.changes.append(Change(op, key, known.dest_key))

    def _reconcile(self, loader: Loader[_Batch]) -> None:
        """Apply the deletion policy to active records this full run did not select."""
        after = ""
        while True:
            with self.db.connect() as conn:
                keys = _sync.unseen(conn, self.scope, self.report.run_id, after, self.batch_size)
                if not keys:
                    return
                known = _sync.lookup(conn, self.scope, keys)
            after = keys[-1]
            plan = _Plan()
            for key in keys:
                self._plan_removal(key, known.get(key), plan)
            self._send(plan, known, loader)

    # -- load and commit ---------------------------------------------------------------

    def _send(self, plan: _Plan, known: dict[str, _sync.Known], loader: Loader[_Batch]) -> None:
        if not plan.changes:
            self._progressed()
            return
        if self.dry_run:
            self._record_plan(plan)
            return
        batch = _Batch(plan.changes, plan.hashes, plan.created, known, plan.sources)
        destination = self.stream.destination
        self.counts.writes += 1
        loader.submit(batch, lambda: destination.write(batch.changes))

    def _committed(self, batch: _Batch, future: Future[Any]) -> None:
        results: Sequence[ItemResult] = future.result()
        by_key = {r.key: r for r in results}
        written: list[_sync.Written] = []
        failures: list[_sync.Failure] = []
        done = dict.fromkeys(_COUNTER.values(), 0)
        for change in batch.changes:
            key = change.key
            result = by_key.get(key)
            if result is None or result.error is not None:
                data = batch.sources.get(key)
                digest = "" if data is None else content_hash(data)
                message = (
                    "the destination returned no result for this record"
                    if result is None
                    else result.error
                )
                waiting = result is not None and result.waiting
                failures.append(_sync.Failure(key, digest, message or "", waiting))
                continue
            op = change.op
            if op is Op.UPSERT:
                state = "active"
                done["created" if key in batch.created else "updated"] += 1
            elif op is Op.DELETE:
                state = "deleted"
                done["deleted"] += 1
            else:
                state = "disabled"
                done["disabled"] += 1
            dest_key = result.dest_key or change.dest_key
            written.append(_sync.Written(key, batch.hashes.get(key, ""), dest_key, state))
        had_failures = [
            c.key for c in batch.changes if (k := batch.known.get(c.key)) and k.failed_status
        ]
        self._add(done)  # stored with the batch, so the run's counts match its commits
        if self.staged:
            self.staging.written.append((self.scope, written, had_failures))
        try:
            with self.db.begin() as conn:
                if not self.staged:
                    _sync.commit_written(
                        conn, self.scope, written, self.report.run_id, had_failures
                    )
                if failures:
                    self._record_failures(conn, failures, batch.known)
                _runs.update_counts(conn, self.report.run_id, self.report.as_counts())
        except BaseException:
            self._add({counter: -n for counter, n in done.items()})
            raise
        self._progressed()

    def _add(self, deltas: dict[str, int]) -> None:
        for counter, n in deltas.items():
            setattr(self.counts, counter, getattr(self.counts, counter) + n)

    def _record_failures(
        self, conn: Any, failures: list[_sync.Failure], known: dict[str, _sync.Known]
    ) -> None:
        self.counts.rejected += len(failures)
        for f in failures:
            log.warning("%s %s rejected: %s", self.stream.name, f.key, f.message)
        items = [_runs.RunItem(self.stream.name, f.key, "rejected", f.message) for f in failures]
        _runs.add_items(conn, self.report.run_id, items)
        if not self.dry_run:
            parked = _sync.record_failures(
                conn, self.scope, failures, known, self.report.run_id, self.job.max_attempts
            )
            self.counts.parked += len(parked)

    def _record_plan(self, plan: _Plan) -> None:
        items = []
        for change in plan.changes:
            if change.op is Op.UPSERT:
                action = "create" if change.key in plan.created else "update"
            else:
                action = change.op.value
            counter = _COUNTER[action]
            setattr(self.counts, counter, getattr(self.counts, counter) + 1)
            items.append(_runs.RunItem(self.stream.name, change.key, action, None))
        with self.db.begin() as conn:
            _runs.add_items(conn, self.report.run_id, items)
        self._progressed()

    def _progressed(self) -> None:
        self.observer.progressed(self.stream.name, self.counts)
