"""Runs in the state store as the web app reads them: filters, chart history, one item,
and making the records one run refused due again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from pimsync.state import _runs, _sync, create_state_engine, upgrade
from pimsync.state._tables import runs


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    engine = create_state_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _finished(db: Engine, job: str, status: str, *, dry: bool = False, seconds: int = 1) -> int:
    with db.begin() as conn:
        run_id = _runs.start_run(conn, job, "diff", dry)
        _runs.finish_run(conn, run_id, status, {})
        started = conn.execute(select(runs.c.started_at).where(runs.c.id == run_id)).scalar_one()
        ended = started + timedelta(seconds=seconds)
        conn.execute(update(runs).where(runs.c.id == run_id).values(finished_at=ended))
    return run_id


def test_runs_are_listed_by_job_and_status(db: Engine) -> None:
    ok = _finished(db, "publish", "succeeded")
    failed = _finished(db, "publish", "failed")
    other = _finished(db, "archive", "failed")
    with db.connect() as conn:
        assert [r.id for r in _runs.list_runs(conn, status="failed")] == [other, failed]
        assert [r.id for r in _runs.list_runs(conn, "publish", status="failed")] == [failed]
        assert [r.id for r in _runs.list_runs(conn, "publish")] == [failed, ok]


def test_run_history_is_finished_real_runs_oldest_first(db: Engine) -> None:
    first = _finished(db, "publish", "succeeded", seconds=3)
    _finished(db, "publish", "succeeded", dry=True)
    second = _finished(db, "publish", "partial", seconds=5)
    with db.begin() as conn:
        _runs.start_run(conn, "publish", "diff", False)  # still running
        history = _runs.run_history(conn, "publish")
        last = _runs.run_history(conn, "publish", limit=1)
    assert [(r.id, r.seconds) for r in history] == [(first, 3.0), (second, 5.0)]
    assert [r.id for r in last] == [second]


def _refuse(conn: object, run_id: int, keys: list[str], max_attempts: int = 3) -> None:
    scope = _sync.Scope("publish", "products", "out", "product")
    failures = [_sync.Failure(k, "h", f"{k} refused") for k in keys]
    _sync.record_failures(conn, scope, failures, {}, run_id, max_attempts)  # type: ignore[arg-type]
    items = [_runs.RunItem("products", k, "rejected", f"{k} refused") for k in keys]
    _runs.add_items(conn, run_id, items)  # type: ignore[arg-type]


def test_requeue_run_failures_makes_only_that_runs_refused_records_due_again(
    db: Engine,
) -> None:
    with db.begin() as conn:
        earlier = _runs.start_run(conn, "publish", "diff", False)
        _refuse(conn, earlier, ["p-9"], max_attempts=1)  # parked by another run
        run_id = _runs.start_run(conn, "publish", "diff", False)
        _refuse(conn, run_id, ["p-1", "p-2"], max_attempts=1)  # parked at once
        _runs.add_items(conn, run_id, [_runs.RunItem("products", "p-3", "create", None)])

        assert _runs.requeue_run_failures(conn, run_id) == 2

        failed = {f.key: (f.status, f.attempts) for f in _runs.list_failed(conn, "publish")}
        item = _runs.find_item(conn, run_id, "products", "p-2")
        state = _runs.get_failed(conn, "publish", "products", "p-1")
    assert failed == {"p-1": ("pending", 0), "p-2": ("pending", 0), "p-9": ("parked", 1)}
    assert item == _runs.RunItem("products", "p-2", "rejected", "p-2 refused")
    assert state is not None and state.status == "pending"


def test_requeue_run_failures_follows_the_jobs_state_key_and_skips_loaded_records(
    db: Engine,
) -> None:
    with db.begin() as conn:
        run_id = _runs.start_run(conn, "sfcc-products", "diff", False)
        scope = _sync.Scope("sfcc-shared", "products", "out", "product")
        _sync.record_failures(conn, scope, [_sync.Failure("p-1", "h", "no")], {}, run_id, 1)
        _runs.add_items(
            conn,
            run_id,
            [
                _runs.RunItem("products", "p-1", "rejected", "no"),
                _runs.RunItem("products", "p-2", "rejected", "loaded since"),
            ],
        )
        run = _runs.get_run(conn, run_id)
        assert run is not None and _runs.failures_key(conn, run) == "sfcc-shared"
        assert _runs.requeue_run_failures(conn, run_id) == 0  # not under the job's name
        assert _runs.requeue_run_failures(conn, run_id, "sfcc-shared") == 1
        assert _runs.requeue_run_failures(conn, run_id + 1) == 0  # no such run
