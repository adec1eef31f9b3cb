"""A foreground scheduler: runs jobs on their cron schedules, one run at a time.

Runs never overlap: jobs run one after another in this process, and the engine's lock
refuses a run of a job that another process is running. A fire missed while another
run was busy is run once as soon as possible, not once per missed tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import croniter

from pimsync.errors import ConfigError, JobLocked, PimsyncError

log = logging.getLogger("pimsync.scheduler")


@dataclass(slots=True)
class _Entry:
    job: str
    cron: str
    due: datetime


def next_fire(cron: str, after: datetime) -> datetime:
    """The first time after ``after`` (UTC) that ``cron`` fires."""
    if not croniter.is_valid(cron):
        raise ConfigError(f"{cron!r} is not a valid cron expression")
    nxt = croniter(cron, after.astimezone(UTC)).get_next(datetime)
    assert isinstance(nxt, datetime)
    return nxt.astimezone(UTC)


class Scheduler:
    """Runs ``run(job)`` for each job when its cron expression fires.

    ``clock`` and ``stop`` are injectable so tests need not wait for real minutes.
    """

    def __init__(
        self,
        schedules: Mapping[str, str],
        run: Callable[[str], object],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stop: threading.Event | None = None,
    ) -> None:
        if not schedules:
            raise ConfigError('no job has a schedule; set `schedule = "*/15 * * * *"` on a job')
        now = clock()
        self._entries = [_Entry(job, cron, next_fire(cron, now)) for job, cron in schedules.items()]
        self._run = run
        self._clock = clock
        self.stop = stop or threading.Event()

    def upcoming(self) -> list[tuple[str, datetime]]:
        return sorted(((e.job, e.due) for e in self._entries), key=lambda x: x[1])

    def run_due(self) -> list[str]:
        """Run every job that is due now, in due order; return their names."""
        ran = []
        for entry in sorted(self._entries, key=lambda e: e.due):
            if entry.due > self._clock():
                continue
            try:
                self._run(entry.job)
            except JobLocked as exc:
                log.warning("skipped %s: %s", entry.job, exc)
            except PimsyncError as exc:
                log.error("run of %s failed: %s", entry.job, exc)
            ran.append(entry.job)
            # Computed after the run: fires missed while it ran collapse into one.
            entry.due = next_fire(entry.cron, self._clock())
        return ran

    def serve(self, max_wait: float = 30.0) -> None:
        """Run jobs until ``stop`` is set."""
        while not self.stop.is_set():
            self.run_due()
            wait = min(e.due for e in self._entries) - self._clock()
            self.stop.wait(min(max(wait.total_seconds(), 0.05), max_wait))
