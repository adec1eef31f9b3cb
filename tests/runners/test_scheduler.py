"""The foreground scheduler: cron fires, one run at a time, missed fires coalesced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pimsync.errors import ConfigError, JobLocked
from pimsync.runners.scheduler import Scheduler, next_fire


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_next_fire_follows_the_cron_expression() -> None:
    after = datetime(2026, 3, 1, 10, 7, tzinfo=UTC)
    assert next_fire("*/15 * * * *", after) == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    with pytest.raises(ConfigError, match="not a valid cron"):
        next_fire("every minute", after)


def test_jobs_run_when_due_and_runs_never_overlap() -> None:
    clock, log, running = FakeClock(), [], []

    def run(job: str) -> None:
        assert not running, "a run started while another was in progress"
        running.append(job)
        log.append((job, clock.now))
        clock.now += timedelta(minutes=2)  # each run takes two minutes
        running.pop()

    scheduler = Scheduler({"structure": "*/5 * * * *", "products": "*/5 * * * *"}, run, clock=clock)
    assert scheduler.run_due() == []
    clock.now = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    assert sorted(scheduler.run_due()) == ["products", "structure"]
    assert [t for _job, t in log] == [
        datetime(2026, 3, 1, 10, 5, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 7, tzinfo=UTC),
    ]


def test_fires_missed_during_a_long_run_collapse_into_one() -> None:
    clock, runs = FakeClock(), []

    def slow(job: str) -> None:
        runs.append(clock.now)
        clock.now += timedelta(minutes=12)  # spans two more fires of */5

    scheduler = Scheduler({"products": "*/5 * * * *"}, slow, clock=clock)
    clock.now = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    scheduler.run_due()
    assert scheduler.upcoming() == [("products", datetime(2026, 3, 1, 10, 20, tzinfo=UTC))]
    assert scheduler.run_due() == []  # 10:17: the 10:10 and 10:15 fires are not replayed


def test_a_locked_job_is_skipped_and_the_scheduler_goes_on() -> None:
    clock = FakeClock()

    def locked(job: str) -> None:
        raise JobLocked(job, "run 3, pid 99 on host, since 2026-03-01 10:00:00 UTC")

    scheduler = Scheduler({"products": "* * * * *"}, locked, clock=clock)
    clock.now += timedelta(minutes=1)
    assert scheduler.run_due() == ["products"]


def test_no_scheduled_job_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no job has a schedule"):
        Scheduler({}, lambda job: None)
