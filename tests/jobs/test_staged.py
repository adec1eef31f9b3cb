"""Staged destinations (import files delivered at the end of a run) and job groups that
never run at the same time."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.errors import FatalDestinationError, JobLocked
from pimsync.jobs import JobEngine, Mode, RunStatus, StagedDestination
from pimsync.state._tables import record_hashes, watermarks, xrefs
from tests.jobs.test_engine import make_job, make_source, table_rows


class FileLikeDestination:
    """Stages upserts and deletions in a list, like lines of an import file; ``deliver``
    moves them to ``delivered`` (or fails as told) and ``discard`` forgets them."""

    def __init__(self, *, refuse: str | None = None) -> None:
        self.staged: list[Change] = []
        self.delivered: dict[str, Any] = {}
        self.deliveries = 0
        self.discarded = 0
        self.fail_with: str | None = None
        self.refuse = refuse

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results = []
        for change in changes:
            if change.key == self.refuse:
                results.append(ItemResult(change.key, error="illegal character in name"))
                continue
            self.staged.append(change)
            results.append(ItemResult(change.key, dest_key=change.key))
        return results

    def deliver(self) -> Sequence[str]:
        self.deliveries += 1
        if self.fail_with is not None:
            raise FatalDestinationError(self.fail_with)
        for change in self.staged:
            if change.op is Op.UPSERT:
                self.delivered[change.key] = change.payload
            else:
                self.delivered.pop(change.key, None)
        count = len(self.staged)
        self.staged.clear()
        return [f"import of {count} record(s) finished"]

    def discard(self) -> None:
        self.discarded += 1
        self.staged.clear()


def test_the_protocol_recognises_staged_destinations() -> None:
    assert isinstance(FileLikeDestination(), StagedDestination)


def test_nothing_is_committed_until_delivery_succeeds(state_db: Engine) -> None:
    source, dest = make_source(25), FileLikeDestination()
    dest.fail_with = "the import job ended in ERROR: catalog.xml line 3: invalid element"

    failed = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)

    assert failed.status is RunStatus.FAILED
    assert "catalog.xml line 3" in (failed.error or "")
    assert dest.discarded == 1 and dest.delivered == {}
    assert "25 staged record(s) were not delivered" in " ".join(failed.notes)
    assert table_rows(state_db, record_hashes) == []
    assert table_rows(state_db, xrefs) == []
    assert table_rows(state_db, watermarks) == []

    dest.fail_with = None
    retried = JobEngine(state_db).run(make_job(source, dest))  # differential: ran as full

    assert retried.status is RunStatus.SUCCEEDED
    assert retried.streams["products"].created == 25
    assert len(dest.delivered) == 25
    assert "import of 25 record(s) finished" in retried.notes
    assert len(table_rows(state_db, record_hashes)) == 25
    assert len(table_rows(state_db, watermarks)) == 1

    source.put("p0003", {"sku": "p0003", "name": "Renamed", "stock": 3})
    source.tick(3600)
    again = JobEngine(state_db).run(make_job(source, dest))
    assert again.streams["products"].updated == 1
    assert dest.delivered["p0003"] == {"sku": "p0003", "name": "Renamed"}


def test_a_record_refused_while_staging_is_rejected_and_the_rest_delivered(
    state_db: Engine,
) -> None:
    source, dest = make_source(5), FileLikeDestination(refuse="p0002")
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)

    assert report.status is RunStatus.PARTIAL
    assert report.streams["products"].rejected == 1
    assert sorted(dest.delivered) == ["p0000", "p0001", "p0003", "p0004"]


def test_deletions_are_staged_too(state_db: Engine) -> None:
    source, dest = make_source(5), FileLikeDestination()
    JobEngine(state_db).run(make_job(source, dest), Mode.FULL)
    source.remove("p0001")
    source.tick(3600)
    dest.fail_with = "WebDAV answered 413"
    assert JobEngine(state_db).run(make_job(source, dest), Mode.FULL).status is RunStatus.FAILED
    assert "p0001" in dest.delivered  # the deletion was not delivered, nor forgotten
    dest.fail_with = None
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)
    assert report.streams["products"].disabled == 1
    assert "p0001" not in dest.delivered


def test_a_dry_run_delivers_nothing(state_db: Engine) -> None:
    source, dest = make_source(5), FileLikeDestination()
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL, dry_run=True)
    assert report.streams["products"].created == 5
    assert dest.deliveries == 0 and dest.staged == []


def test_jobs_of_one_group_never_run_at_the_same_time(state_db: Engine) -> None:
    entered, release = threading.Event(), threading.Event()

    class Slow(FileLikeDestination):
        def deliver(self) -> Sequence[str]:
            entered.set()
            assert release.wait(30)
            return super().deliver()

    full = replace(make_job(make_source(3), Slow()), name="full-import", exclusive_group="sfcc")
    diff = replace(
        make_job(make_source(3), FileLikeDestination()),
        name="differential-import",
        exclusive_group="sfcc",
    )
    other = replace(make_job(make_source(3), FileLikeDestination()), name="unrelated")
    first = threading.Thread(target=lambda: JobEngine(state_db).run(full, Mode.FULL))
    first.start()
    try:
        assert entered.wait(30)
        with pytest.raises(JobLocked) as refused:
            JobEngine(state_db).run(diff)
        message = str(refused.value)
        assert "job 'differential-import' cannot start while job 'full-import' runs" in message
        assert "jobs of group 'sfcc' never run at the same time" in message
        assert JobEngine(state_db).run(other).status is RunStatus.SUCCEEDED
    finally:
        release.set()
        first.join()
    assert JobEngine(state_db).run(diff).status is RunStatus.SUCCEEDED
