"""One run per job at a time, with stale locks of dead processes expiring."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pimsync.errors import JobLocked
from pimsync.state._tables import locks, runs

log = logging.getLogger("pimsync.lock")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobLock:
    """A lock row per job; a background heartbeat keeps it fresh while the run works.

    A lock is stale when its heartbeat is older than ``ttl`` or when it belongs to a
    process on this host that no longer exists; a stale lock is taken over.
    """

    def __init__(
        self, engine: Engine, name: str, run_id: int, ttl: timedelta, *, job: str | None = None
    ) -> None:
        self._engine = engine
        self.name = name
        # A group lock (``job`` given) is named after the job that wants it in errors.
        self._job = job
        self.run_id = run_id
        self._ttl = ttl
        self._host = socket.gethostname()
        self._pid = os.getpid()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the lock; :class:`JobLocked` names the run holding it."""
        for _ in range(2):
            now = datetime.now(UTC)
            try:
                with self._engine.begin() as conn:
                    conn.execute(
                        insert(locks).values(
                            name=self.name,
                            run_id=self.run_id,
                            host=self._host,
                            pid=self._pid,
                            acquired_at=now,
                            heartbeat_at=now,
                        )
                    )
            except IntegrityError:
                if not self._remove_if_stale():
                    raise self._locked() from None
                continue
            self._beat = threading.Thread(target=self._heartbeat, daemon=True, name="lock-beat")
            self._beat.start()
            return
        raise self._locked()

    def _locked(self) -> JobLocked:
        if self._job is None:
            return JobLocked(self.name, self._holder())
        row = self._row()
        other = None
        if row is not None and row[0] is not None:
            with self._engine.connect() as conn:
                other = conn.execute(select(runs.c.job).where(runs.c.id == row[0])).scalar()
        holder = f"job {other!r} runs ({self._holder()})" if other else "another job runs"
        return JobLocked(self._job, holder, group=self.name.removeprefix("group:"))

    def _row(self) -> tuple[int | None, str, int, datetime, datetime] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(
                    locks.c.run_id,
                    locks.c.host,
                    locks.c.pid,
                    locks.c.acquired_at,
                    locks.c.heartbeat_at,
                ).where(locks.c.name == self.name)
            ).first()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _holder(self) -> str:
        row = self._row()
        if row is None:
            return "a run that just finished"
        run_id, host, pid, acquired, _ = row
        return f"run {run_id}, pid {pid} on {host}, since {acquired:%Y-%m-%d %H:%M:%S} UTC"

    def _remove_if_stale(self) -> bool:
        row = self._row()
        if row is None:
            return True
        run_id, host, pid, _acquired, beat = row
        dead = host == self._host and not _process_alive(pid)
        expired = datetime.now(UTC) - beat > self._ttl
        if not (dead or expired):
            return False
        reason = f"process {pid} on {host} " + ("exited" if dead else "stopped responding")
        log.warning("taking over the lock of job %s from run %s: %s", self.name, run_id, reason)
        with self._engine.begin() as conn:
            conn.execute(
                delete(locks).where(
                    locks.c.name == self.name, locks.c.pid == pid, locks.c.host == host
                )
            )
            # The run that held it never finished: say so instead of leaving it "running".
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status == "running")
                .values(
                    status="interrupted",
                    error=f"{reason} during the run",
                    finished_at=datetime.now(UTC),
                )
            )
        return True

    def _heartbeat(self) -> None:
        interval = max(self._ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                with self._engine.begin() as conn:
                    conn.execute(
                        update(locks)
                        .where(locks.c.name == self.name, locks.c.run_id == self.run_id)
                        .values(heartbeat_at=datetime.now(UTC))
                    )
            except SQLAlchemyError as exc:
                # The run notices an unreachable store itself; a missed beat is only logged.
                log.warning("lock heartbeat for %s failed: %s", self.name, exc)

    def release(self) -> None:
        """Stop the heartbeat and delete the lock row if it is still ours."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        with self._engine.begin() as conn:
            conn.execute(
                delete(locks).where(locks.c.name == self.name, locks.c.run_id == self.run_id)
            )
