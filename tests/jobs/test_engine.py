"""The engine's promises, each proved with in-memory source and destination doubles."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from pimsync.connectors.memory import MemoryDestination, MemorySource
from pimsync.errors import FatalSourceError, JobLocked, RejectedRecord
from pimsync.jobs import (
    Change,
    DeletionPolicy,
    JobEngine,
    JobSpec,
    Mode,
    Op,
    RunStatus,
    SourceRecord,
    StreamSpec,
)
from pimsync.state import _runs
from pimsync.state._tables import failed_items, locks, record_hashes, watermarks, xrefs


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an error the engine may handle."""


def product(i: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"sku": f"p{i:04d}", "name": name or f"Product {i}", "stock": 3, **extra}


def to_destination(data: dict[str, Any]) -> dict[str, Any]:
    # "stock" is not sent: changing it must not cause a write.
    if data.get("name") == "":
        raise RejectedRecord(data["sku"], "name is required")
    return {"sku": data["sku"], "name": data["name"]}


def make_source(n: int) -> MemorySource:
    source = MemorySource({product(i)["sku"]: product(i) for i in range(n)}, page_size=7)
    source.tick(3600)  # past the overlap window
    return source


def make_job(
    source: MemorySource,
    destination: MemoryDestination,
    *,
    policy: DeletionPolicy = DeletionPolicy.DISABLE,
    select: Callable[[Any], bool] | None = None,
    batch_size: int = 10,
    load_concurrency: int = 1,
    max_attempts: int = 3,
) -> JobSpec:
    stream = StreamSpec(
        name="products",
        source=source,
        destination=destination,
        map=to_destination,
        connection="shop",
        entity="product",
        select=select,
    )
    return JobSpec(
        name="demo",
        streams=[stream],
        deletion_policy=policy,
        batch_size=batch_size,
        load_concurrency=load_concurrency,
        max_attempts=max_attempts,
        overlap=timedelta(seconds=60),
    )


def table_rows(db: Engine, table: Any) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        rows = conn.execute(select(table)).all()
    return sorted(tuple(r) for r in rows)


def test_full_run_loads_every_record_and_stores_xrefs(state_db: Engine) -> None:
    source, dest = make_source(25), MemoryDestination()
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)

    assert report.status is RunStatus.SUCCEEDED
    assert report.streams["products"].created == 25
    assert dest.write_calls == 3  # batches of 10
    assert dest.items["p0007"].payload == {"sku": "p0007", "name": "Product 7"}
    assert len(table_rows(state_db, xrefs)) == 25
    assert len(table_rows(state_db, watermarks)) == 1


@pytest.mark.parametrize("mode", [Mode.FULL, Mode.DIFF])
def test_unchanged_records_cause_zero_destination_writes(state_db: Engine, mode: Mode) -> None:
    source, dest = make_source(25), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    source.tick(3600)
    source.put("p0003", product(3, stock=99))  # a field the destination does not receive
    calls = dest.write_calls

    report = engine.run(make_job(source, dest), mode)

    assert dest.write_calls == calls
    assert report.streams["products"].unchanged >= 1
    assert report.streams["products"].created + report.streams["products"].updated == 0


@pytest.mark.parametrize("crash_at", [0, 1, 2])
@pytest.mark.parametrize("load_concurrency", [1, 3])
def test_crash_between_load_and_commit_loses_and_duplicates_nothing(
    state_db: Engine, crash_at: int, load_concurrency: int
) -> None:
    source = make_source(30)
    calls = {"n": 0}

    def crash_after_write(changes: Sequence[Change]) -> None:
        calls["n"] += 1
        if calls["n"] == crash_at + 1:
            raise SimulatedCrash  # the destination has the batch; the hub never commits it

    crashing = MemoryDestination(after_write=crash_after_write)
    with pytest.raises(SimulatedCrash):
        JobEngine(state_db).run(
            make_job(source, crashing, load_concurrency=load_concurrency), Mode.DIFF
        )
    assert table_rows(state_db, watermarks) == []  # the run did not finish: no watermark

    sent_first = [key for _op, key in crashing.written]
    crashing.after_write = None
    report = JobEngine(state_db).run(make_job(source, crashing), Mode.DIFF)

    assert report.status is RunStatus.SUCCEEDED
    assert sorted(crashing.items) == sorted(f"p{i:04d}" for i in range(30))
    resent = [key for _op, key in crashing.written[len(sent_first) :]]
    # Only what was loaded but not committed is sent again; nothing is sent three times.
    batch = sorted(sent_first)[crash_at * 10 : crash_at * 10 + 10]
    if load_concurrency == 1:
        assert sorted(resent) == sorted(batch + sent_first_missing(sent_first, 30))
    assert all(crashing.written.count((Op.UPSERT, k)) <= 2 for k in crashing.items)
    assert len(table_rows(state_db, xrefs)) == 30
    assert len(table_rows(state_db, watermarks)) == 1


def sent_first_missing(sent: list[str], n: int) -> list[str]:
    return sorted({f"p{i:04d}" for i in range(n)} - set(sent))


def test_record_changed_during_a_run_is_picked_up_by_the_next_diff_run(
    state_db: Engine,
) -> None:
    source = make_source(30)
    changed = {"done": False}

    def change_during_load(changes: Sequence[Change]) -> None:
        if not changed["done"] and changes[0].key == "p0020":
            source.put("p0001", product(1, name="Renamed during the run"))
            changed["done"] = True

    dest = MemoryDestination(before_write=change_during_load)
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    assert dest.items["p0001"].payload["name"] == "Product 1"
    calls = dest.write_calls

    report = engine.run(make_job(source, dest), Mode.DIFF)

    assert dest.items["p0001"].payload["name"] == "Renamed during the run"
    assert report.streams["products"].updated == 1
    assert dest.write_calls == calls + 1


def test_differential_run_sends_exactly_the_changed_records(state_db: Engine) -> None:
    source, dest = make_source(50), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    source.tick(3600)
    for i in (4, 17, 33):
        source.put(f"p{i:04d}", product(i, name=f"New name {i}"))
    before = len(dest.written)

    report = engine.run(make_job(source, dest), Mode.DIFF)

    assert sorted(k for _op, k in dest.written[before:]) == ["p0004", "p0017", "p0033"]
    assert report.streams["products"].extracted == 3
    assert report.streams["products"].updated == 3


def test_rejected_record_is_reported_and_the_rest_load(state_db: Engine) -> None:
    source = make_source(25)
    dest = MemoryDestination(
        reject=lambda c: "name too long (max 10)" if c.key == "p0012" else None
    )
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)

    assert report.status is RunStatus.PARTIAL
    assert report.streams["products"].rejected == 1
    assert len(dest.items) == 24 and "p0012" not in dest.items
    with state_db.connect() as conn:
        items = _runs.list_items(conn, report.run_id, "rejected")
        failed = _runs.list_failed(conn)
    assert [(i.key, i.message) for i in items] == [("p0012", "name too long (max 10)")]
    assert [(f.key, f.status, f.attempts) for f in failed] == [("p0012", "pending", 1)]
    assert len(table_rows(state_db, watermarks)) == 1  # rejected counts as accounted for


def test_failed_record_is_retried_on_the_next_run_then_parked(state_db: Engine) -> None:
    source, refuse = make_source(15), {"p0005"}
    dest = MemoryDestination(reject=lambda c: "refused" if c.key in refuse else None)
    engine = JobEngine(state_db)
    job = make_job(source, dest, max_attempts=3)
    engine.run(job, Mode.FULL)
    source.tick(3600)

    engine.run(job, Mode.DIFF)  # nothing changed: the failed record is re-read by key
    engine.run(job, Mode.DIFF)
    with state_db.connect() as conn:
        assert [(f.status, f.attempts) for f in _runs.list_failed(conn)] == [("parked", 3)]
    calls = dest.write_calls
    report = engine.run(job, Mode.FULL)  # parked and unchanged: not tried again
    assert dest.write_calls == calls
    assert report.streams["products"].skipped_parked == 1

    refuse.clear()
    with state_db.begin() as conn:
        assert _runs.requeue_failed(conn, job="demo") == 1
    report = engine.run(job, Mode.DIFF)
    assert "p0005" in dest.items
    assert table_rows(state_db, failed_items) == []


def test_mapping_rejection_is_reported_with_the_mappers_message(state_db: Engine) -> None:
    source, dest = make_source(5), MemoryDestination()
    source.put("p0002", {**product(2), "name": ""})
    report = JobEngine(state_db).run(make_job(source, dest), Mode.FULL)
    with state_db.connect() as conn:
        items = _runs.list_items(conn, report.run_id)
    assert [(i.key, i.message) for i in items] == [("p0002", "name is required")]
    assert len(dest.items) == 4


def test_second_concurrent_run_is_refused_with_the_holder(state_db: Engine) -> None:
    source, release, entered = make_source(5), threading.Event(), threading.Event()

    def block(changes: Sequence[Change]) -> None:
        entered.set()
        assert release.wait(30)

    dest = MemoryDestination(before_write=block)
    first = threading.Thread(target=lambda: JobEngine(state_db).run(make_job(source, dest)))
    first.start()
    try:
        assert entered.wait(30)
        with pytest.raises(JobLocked, match=r"already running \(run \d+, pid \d+ on "):
            JobEngine(state_db).run(make_job(source, MemoryDestination()))
    finally:
        release.set()
        first.join()
    with state_db.connect() as conn:
        assert [r.status for r in _runs.list_runs(conn)] == ["succeeded"]


def test_stale_lock_of_a_dead_process_expires(state_db: Engine) -> None:
    import socket
    from datetime import UTC, datetime

    from sqlalchemy import insert

    with state_db.begin() as conn:
        now = datetime.now(UTC)
        conn.execute(
            insert(locks).values(
                name="demo",
                run_id=999,
                host=socket.gethostname(),
                pid=2**22 + 17,  # above the kernel's pid_max: never alive
                acquired_at=now,
                heartbeat_at=now,
            )
        )
    report = JobEngine(state_db).run(make_job(make_source(3), MemoryDestination()))
    assert report.status is RunStatus.SUCCEEDED
    assert table_rows(state_db, locks) == []


@pytest.mark.parametrize("policy", list(DeletionPolicy))
def test_deletion_policy_on_full_runs(state_db: Engine, policy: DeletionPolicy) -> None:
    source, dest = make_source(20), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest, policy=policy), Mode.FULL)
    source.remove("p0004")

    report = engine.run(make_job(source, dest, policy=policy), Mode.FULL)
    counts = report.streams["products"]

    if policy is DeletionPolicy.DELETE:
        assert "p0004" not in dest.items and counts.deleted == 1
        assert len(table_rows(state_db, xrefs)) == 19
    elif policy is DeletionPolicy.DISABLE:
        assert dest.items["p0004"].enabled is False and counts.disabled == 1
        again = engine.run(make_job(source, dest, policy=policy), Mode.FULL)
        assert again.streams["products"].disabled == 0  # disabled once, not every run
    else:
        assert dest.items["p0004"].enabled is True and counts.orphaned == 1
    assert sum(item.enabled for item in dest.items.values()) == 19 + (
        policy is DeletionPolicy.IGNORE
    )


def test_disabled_record_that_returns_is_sent_again(state_db: Engine) -> None:
    source, dest = make_source(5), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    source.remove("p0002")
    engine.run(make_job(source, dest), Mode.FULL)
    source.put("p0002", product(2))
    engine.run(make_job(source, dest), Mode.DIFF)
    assert dest.items["p0002"].enabled is True


def test_record_leaving_the_selection_follows_the_policy_on_diff_runs(
    state_db: Engine,
) -> None:
    source, dest = make_source(10), MemoryDestination()
    engine = JobEngine(state_db)

    def is_selected(d: Any) -> bool:
        return d.get("enabled", True) is not False

    job = make_job(source, dest, policy=DeletionPolicy.DELETE, select=is_selected)
    engine.run(job, Mode.FULL)
    source.tick(3600)
    source.put("p0006", product(6, enabled=False))

    report = engine.run(job, Mode.DIFF)
    assert "p0006" not in dest.items
    assert report.streams["products"].deleted == 1


def test_dry_run_writes_nothing_and_reports_the_diff(state_db: Engine) -> None:
    source, dest = make_source(12), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    source.tick(3600)
    source.put("p0003", product(3, name="Changed"))
    source.remove("p0008")
    source.put("p0100", product(100))
    state_before = [table_rows(state_db, t) for t in (xrefs, watermarks, failed_items)]
    hashes_before = [r[:5] for r in table_rows(state_db, record_hashes)]
    calls = dest.write_calls

    report = engine.run(make_job(source, dest), Mode.FULL, dry_run=True)

    assert dest.write_calls == calls
    assert [table_rows(state_db, t) for t in (xrefs, watermarks, failed_items)] == state_before
    assert [r[:5] for r in table_rows(state_db, record_hashes)] == hashes_before
    with state_db.connect() as conn:
        plan = {(i.action, i.key) for i in _runs.list_items(conn, report.run_id)}
    assert plan == {("update", "p0003"), ("disable", "p0008"), ("create", "p0100")}
    assert report.dry_run and report.status is RunStatus.SUCCEEDED


def test_failed_extraction_fails_the_run_and_keeps_the_watermark(state_db: Engine) -> None:
    class BrokenSource(MemorySource):
        def extract(self, window: Any) -> Any:
            pages = super().extract(window)
            yield next(pages)
            raise FatalSourceError("page http://pim/api/rest/v1/products?page=2 failed: 500")

    source, dest = make_source(20), MemoryDestination()
    engine = JobEngine(state_db)
    engine.run(make_job(source, dest), Mode.FULL)
    before = table_rows(state_db, watermarks)
    broken = BrokenSource({product(i)["sku"]: product(i) for i in range(20)}, page_size=7)
    broken.tick(7200)
    broken.put("p0001", product(1, name="x"))

    report = engine.run(make_job(broken, dest), Mode.DIFF)

    assert report.status is RunStatus.FAILED
    assert "page=2 failed" in (report.error or "")
    assert table_rows(state_db, watermarks) == before


def test_malformed_source_record_is_reported_then_parked_not_retried_forever(
    state_db: Engine,
) -> None:
    class SourceWithBrokenLine(MemorySource):
        def extract(self, window: Any) -> Any:
            yield from super().extract(window)
            yield [SourceRecord("line 7", None, error="line 7: invalid JSON")]

        def read(self, keys: Any) -> Any:
            for key in keys:
                if key == "line 7":
                    yield SourceRecord("line 7", None, error="line 7: invalid JSON")
                else:
                    yield from super().read([key])

    source = SourceWithBrokenLine({product(i)["sku"]: product(i) for i in range(5)})
    dest = MemoryDestination()
    engine = JobEngine(state_db)
    job = make_job(source, dest, max_attempts=2)
    first = engine.run(job, Mode.FULL)
    assert first.status is RunStatus.PARTIAL
    assert len(dest.items) == 5
    engine.run(job, Mode.FULL)  # second attempt: parked

    third = engine.run(job, Mode.FULL)

    assert third.status is RunStatus.SUCCEEDED
    assert third.streams["products"].skipped_parked == 1
    with state_db.connect() as conn:
        assert [(f.key, f.status) for f in _runs.list_failed(conn)] == [("line 7", "parked")]


def test_a_complete_stream_reconciles_deletions_in_differential_runs(state_db: Engine) -> None:
    source, dest = make_source(4), MemoryDestination()
    job = make_job(source, dest, policy=DeletionPolicy.DELETE)
    complete = replace(job, streams=[replace(job.streams[0], complete=True)])
    JobEngine(state_db).run(complete, Mode.FULL)
    source.remove("p0002")
    source.tick(3600)

    plain = JobEngine(state_db).run(job)  # a differential run sees no deletion
    assert plain.streams["products"].deleted == 0
    report = JobEngine(state_db).run(complete)  # differential, but the stream is complete

    assert report.streams["products"].deleted == 1
    assert "p0002" not in dest.items and len(dest.items) == 3
    assert not any("ran as a full run" in n for n in report.notes)
