"""Runs started from the web app: started in a background thread, followed live.

The engine tells a :class:`~pimsync.jobs.RunObserver` how each stream's counts grow;
:class:`ProgressBoard` keeps the latest counts of the runs this process started, so the
progress fragment can be polled every second without touching the state store. A run
this process did not start (the scheduler's, another server's), or one that finished
long ago, is read from the store instead: its counts are stored with each committed
batch and when it ends.

The engine does not hand its run id to the observer, and the page needs it at once to
follow the run. The run's row is written (and its lock taken) before the first stream
starts, so at the first ``stream_started`` the observer looks up the running run of
the job that this process wrote; the job lock allows only one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from pimsync.errors import ConfigError, JobLocked, PimsyncError
from pimsync.jobs import JobEngine, Mode, PairEngine, PairSpec, RunReport, StreamCounts
from pimsync.runners.local import LocalRunner
from pimsync.state._tables import runs

log = logging.getLogger("pimsync.web")

# How long a request waits for the run it started to get its id.
_ID_TIMEOUT = 30.0
# Finished runs kept in memory; older ones are read from the state store.
_KEEP_FINISHED = 50


@dataclass(slots=True)
class LiveRun:
    """What this process knows of a run it started."""

    job: str
    mode: str
    dry_run: bool
    started_at: datetime
    run_id: int | None = None
    streams: dict[str, dict[str, int]] = field(default_factory=dict)
    current: str | None = None
    done: bool = False
    status: str = "running"
    error: str | None = None
    # Why the run could not start (the job is locked, say); raised to the request.
    failure: Exception | None = None
    identified: threading.Event = field(default_factory=threading.Event)


class ProgressBoard:
    """The runs this process started, by run id, with their latest counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: OrderedDict[int, LiveRun] = OrderedDict()

    def snapshot(self, run_id: int) -> dict[str, Any] | None:
        """The run's counts and state as plain data, or None if this process did not
        start it (or forgot it)."""
        with self._lock:
            live = self._runs.get(run_id)
            if live is None:
                return None
            return {
                "streams": {name: dict(counts) for name, counts in live.streams.items()},
                "current": live.current,
                "done": live.done,
                "status": live.status,
                "error": live.error,
            }

    def running(self) -> dict[str, int]:
        """Job → id of its run in progress that this process started."""
        with self._lock:
            return {v.job: k for k, v in self._runs.items() if not v.done}

    def identify(self, live: LiveRun, run_id: int) -> None:
        """``live`` is run ``run_id``: from now on the board answers for it."""
        with self._lock:
            live.run_id = run_id
            self._runs[run_id] = live
            finished = [k for k, v in self._runs.items() if v.done]
            for key in finished[: max(0, len(finished) - _KEEP_FINISHED)]:
                del self._runs[key]
        live.identified.set()

    def counted(self, live: LiveRun, stream: str, counts: StreamCounts | None) -> None:
        with self._lock:
            live.current = stream
            live.streams[stream] = (counts or StreamCounts()).as_dict()

    def finish(self, live: LiveRun, report: RunReport | None, failure: Exception | None) -> None:
        """The run ended with ``report``, or never started because of ``failure``."""
        if report is not None and live.run_id is None:
            self.identify(live, report.run_id)
        with self._lock:
            if report is not None:
                live.streams = {n: c.as_dict() for n, c in report.streams.items()}
                live.status = report.status.value
                live.error = report.error
            else:
                live.status = "failed"
                live.failure = failure
                live.error = str(failure)
            live.done = True
        live.identified.set()


class _BoardObserver:
    """Feeds one run's counts to the board; finds the run's id at its first stream."""

    def __init__(self, board: ProgressBoard, db: Engine, live: LiveRun) -> None:
        self._board = board
        self._db = db
        self._live = live

    def stream_started(self, stream: str) -> None:
        if self._live.run_id is None:
            run_id = _running_run_of(self._db, self._live.job)
            if run_id is not None:
                self._board.identify(self._live, run_id)
        self._board.counted(self._live, stream, None)

    def progressed(self, stream: str, counts: StreamCounts) -> None:
        self._board.counted(self._live, stream, counts)

    def stream_finished(self, stream: str, counts: StreamCounts) -> None:
        self._board.counted(self._live, stream, counts)


def _running_run_of(db: Engine, job: str) -> int | None:
    """The id of ``job``'s running run that this process stored (the job lock allows one)."""
    stmt = (
        select(runs.c.id)
        .where(
            runs.c.job == job,
            runs.c.status == "running",
            runs.c.host == socket.gethostname(),
            runs.c.pid == os.getpid(),
        )
        .order_by(runs.c.id.desc())
        .limit(1)
    )
    with db.connect() as conn:
        found = conn.execute(stmt).scalar()
    return int(found) if found is not None else None


def start_run(
    runner: LocalRunner, board: ProgressBoard, job: str, mode: Mode, dry_run: bool
) -> int:
    """Start a run of ``job`` in a background thread and return its run id once stored.

    The job is built first (connections and catalogs checked), so a configuration
    problem raises :class:`ConfigError` here instead of becoming a failed run; so does a
    dry run of a two-way job, which has none. Raises :class:`JobLocked` when the job is
    already running.
    """
    spec = runner.build(job)
    if isinstance(spec, PairSpec) and dry_run:
        raise ConfigError(f"job {job!r} syncs both ways, which has no dry run yet")
    run_mode = Mode.DIFF if isinstance(spec, PairSpec) else spec.mode or mode
    live = LiveRun(job, run_mode.value, dry_run, datetime.now(UTC))
    observer = _BoardObserver(board, runner.db, live)

    def run_job() -> None:
        report: RunReport | None = None
        failure: Exception | None = None
        try:
            if isinstance(spec, PairSpec):
                report = PairEngine(runner.db).run(spec)
            else:
                report = JobEngine(runner.db, observer).run(spec, mode, dry_run=dry_run)
        except JobLocked as exc:
            failure = exc
        except Exception as exc:  # a run the engine could not record: log it, show it
            log.exception("job %s: the run started from the web app failed", job)
            failure = exc
        finally:
            board.finish(live, report, failure)

    threading.Thread(target=run_job, name=f"pimsync-run-{job}", daemon=True).start()
    deadline = time.monotonic() + _ID_TIMEOUT
    while not live.identified.wait(0.05) and time.monotonic() < deadline:
        if isinstance(spec, PairSpec):  # the two-way engine tells no observer
            run_id = _running_run_of(runner.db, job)
            if run_id is not None:
                board.identify(live, run_id)
    if live.run_id is not None:
        return live.run_id
    if isinstance(live.failure, PimsyncError):
        raise live.failure
    if live.failure is not None:
        raise ConfigError(f"job {job!r} could not start: {live.failure}")
    raise ConfigError(f"job {job!r}: the run did not start within {_ID_TIMEOUT:.0f} s")
