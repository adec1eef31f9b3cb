"""The engine's partition-level API, which the Prefect runner's tasks call: a run whose
partitions are run one by one (in any process sharing the state store), on SQLite and
PostgreSQL, with in-memory source and destination doubles. No Prefect server needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.connectors.memory import MemoryDestination, MemorySource
from pimsync.jobs import (
    Change,
    DeletionPolicy,
    JobEngine,
    JobSpec,
    Mode,
    RunReport,
    RunStatus,
    StreamSpec,
)
from pimsync.state import create_state_engine, upgrade
from pimsync.state._sync import get_watermark

PARTITIONS = 4


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    engine = create_state_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _source(n: int) -> MemorySource:
    source = MemorySource(
        {f"p{i:03d}": {"sku": f"p{i:03d}", "name": f"Product {i}"} for i in range(n)},
        page_size=5,
        partition_count=PARTITIONS,
    )
    source.tick(3600)  # past the overlap window
    return source


def _job(source: MemorySource, destination: MemoryDestination) -> JobSpec:
    stream = StreamSpec(
        name="products",
        source=source,
        destination=destination,
        map=lambda d: {"sku": d["sku"], "name": d["name"]},
        connection="shop",
        entity="product",
    )
    return JobSpec(
        name="demo",
        streams=[stream],
        deletion_policy=DeletionPolicy.DISABLE,
        batch_size=4,
        load_concurrency=1,
        overlap=timedelta(seconds=60),
    )


def _task_report(report: RunReport) -> RunReport:
    """The empty report a task starts from: only the run's identity."""
    return RunReport(report.run_id, report.job, report.mode, report.dry_run)


def _watermark(db: Engine) -> Any:
    with db.connect() as conn:
        return get_watermark(conn, "demo", "products")


def _run_in_parts(engine: JobEngine, spec: JobSpec, mode: Mode) -> RunReport:
    """What the Prefect flow does, on one thread: plan, every partition, close."""
    with engine.held_run(spec, mode) as report:
        window = engine.plan_stream(spec, "products", _task_report(report))
        for partition in window.partitions:
            engine.run_partition(spec, window, partition, _task_report(report))
        engine.close_stream(spec, window, _task_report(report))
    return report


def test_a_partition_run_again_after_a_crash_sends_only_what_was_not_committed(
    db: Engine,
) -> None:
    source = _source(40)
    crash = {"armed": True}
    written: list[str] = []

    def lose_the_worker(changes: Sequence[Change]) -> None:
        if len(written) >= 8 and crash["armed"]:  # after two batches were committed
            crash["armed"] = False
            raise ConnectionResetError("worker lost")
        written.extend(c.key for c in changes)

    destination = MemoryDestination(before_write=lose_the_worker)
    spec = _job(source, destination)
    engine = JobEngine(db)
    with engine.held_run(spec, Mode.FULL) as report:
        window = engine.plan_stream(spec, "products", _task_report(report))
        assert len(window.partitions) == PARTITIONS
        failed = []
        for partition in window.partitions:
            try:
                engine.run_partition(spec, window, partition, _task_report(report))
            except ConnectionResetError:
                failed.append(partition)
        assert len(failed) == 1
        assert 8 <= len(written) < 40
        assert _watermark(db) is None

        engine.run_partition(spec, window, failed[0], _task_report(report))  # the retry
        assert _watermark(db) is None  # not before the stream is closed
        engine.close_stream(spec, window, _task_report(report))

    assert report.status is RunStatus.SUCCEEDED
    assert len(written) == len(set(written)) == 40  # each record sent once, none missing
    assert sorted(written) == sorted(destination.items)
    assert _watermark(db) == window.started


def test_a_full_run_in_parts_disables_what_no_partition_saw(db: Engine) -> None:
    source = _source(30)
    destination = MemoryDestination()
    spec = _job(source, destination)
    engine = JobEngine(db)
    assert _run_in_parts(engine, spec, Mode.FULL).status is RunStatus.SUCCEEDED
    source.remove("p007")
    source.remove("p021")
    source.tick(3600)

    report = _run_in_parts(engine, spec, Mode.FULL)

    assert report.status is RunStatus.SUCCEEDED
    disabled = sorted(k for k, item in destination.items.items() if not item.enabled)
    assert disabled == ["p007", "p021"]


def test_a_differential_run_in_parts_reads_from_the_stored_watermark(db: Engine) -> None:
    source = _source(30)
    destination = MemoryDestination()
    spec = _job(source, destination)
    engine = JobEngine(db)
    assert _run_in_parts(engine, spec, Mode.DIFF).status is RunStatus.SUCCEEDED
    source.tick(3600)
    source.put("p011", {"sku": "p011", "name": "Renamed"})
    calls = destination.write_calls

    with engine.held_run(spec, Mode.DIFF) as report:
        window = engine.plan_stream(spec, "products", _task_report(report))
        assert window.since == _watermark(db) - spec.overlap
        assert not window.full
        for partition in window.partitions:
            engine.run_partition(spec, window, partition, _task_report(report))
        engine.close_stream(spec, window, _task_report(report))

    assert destination.write_calls == calls + 1
    assert destination.items["p011"].payload["name"] == "Renamed"
