"""A run killed with SIGKILL mid-load: the next run finishes the job, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
from sqlalchemy import Engine

from pimsync.connectors.files import DirectoryDestination, JsonlProductSource
from pimsync.jobs import JobEngine, JobSpec, Mode, RunStatus, StreamSpec
from pimsync.runners.flows import product_document
from pimsync.sandbox.catalog import products
from pimsync.state import _runs

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pimsync.state import create_state_engine
    from tests.jobs.test_crash import build_job
    from pimsync.jobs import JobEngine, Mode

    url, catalog, out, marker = sys.argv[1:]
    job = build_job(Path(catalog), Path(out), slow_after=2, marker=Path(marker))
    JobEngine(create_state_engine(url)).run(job, Mode.FULL)
    """
)


class SlowAfter(DirectoryDestination):
    """Writes batches; after ``slow_after`` batches it says so and hangs (to be killed)."""

    def __init__(self, path: Path, slow_after: int, marker: Path) -> None:
        super().__init__(path)
        self.slow_after = slow_after
        self.marker = marker
        self.batches = 0

    def write(self, changes):  # type: ignore[no-untyped-def]
        results = super().write(changes)
        self.batches += 1
        if self.batches == self.slow_after:
            self.marker.write_text("loaded, not committed")
            time.sleep(600)
        return results


def build_job(
    catalog: Path,
    out: Path,
    *,
    slow_after: int = 0,
    marker: Path | None = None,
    name: str = "crash",
) -> JobSpec:
    destination = (
        SlowAfter(out, slow_after, marker) if marker is not None else DirectoryDestination(out)
    )
    stream = StreamSpec(
        name="products",
        source=JsonlProductSource(catalog, page_size=50),
        destination=destination,
        map=lambda p: product_document(p, locale="en_US", scope="ecommerce", currencies=()),
        connection=f"{name}-files",
        entity="product",
    )
    return JobSpec(name=name, streams=[stream], batch_size=40, load_concurrency=1)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def test_sigkill_mid_load_then_rerun_matches_an_uninterrupted_run(
    state_db: Engine, database_url: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in products(200)))
    killed_out, clean_out, marker = tmp_path / "killed", tmp_path / "clean", tmp_path / "marker"

    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(catalog), str(killed_out), str(marker)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child run ended before it was killed"
            assert time.monotonic() < deadline, "the child run never reached its second batch"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert 0 < len(snapshot(killed_out)) < 200

    report = JobEngine(state_db).run(build_job(catalog, killed_out), Mode.DIFF)

    assert report.status is RunStatus.SUCCEEDED
    counts = report.streams["products"]
    assert counts.created + counts.updated == 200 - 40  # batch 1 was committed: not re-sent
    with state_db.connect() as conn:
        killed = _runs.list_runs(conn)[1]
    assert killed.status == "interrupted"
    assert "exited" in (killed.error or "")

    reference = build_job(catalog, clean_out, name="reference")  # an uninterrupted run
    JobEngine(state_db).run(reference, Mode.FULL)
    assert snapshot(killed_out) == snapshot(clean_out)
    assert len(snapshot(killed_out)) == 200
