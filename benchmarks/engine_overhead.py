"""Engine overhead: select → map → diff → load → commit with in-memory source and destination.

For throughput the source's pages are built in memory before the clock starts and the
destination only counts, so what is timed is pimsync's own work (selection, mapping,
hashing, diffing, state commits). With ``--rss`` the source generates pages on the fly
instead, so peak RSS shows whether the engine's memory grows with the catalog.

usage:
  python benchmarks/engine_overhead.py --records 100000 [--database-url URL] [--runs full,full]
  python benchmarks/engine_overhead.py --records 1000000 --rss   # peak RSS only
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Hashable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pimsync.connectors.base import Change, ItemResult, SourceRecord, Window
from pimsync.jobs import JobEngine, JobSpec, Mode, StreamSpec
from pimsync.state import create_state_engine, upgrade

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class GeneratedSource:
    """``count`` product-like records, generated page by page and never held."""

    def __init__(
        self, count: int, revision: int = 0, page_size: int = 100, *, in_memory: bool = False
    ) -> None:
        self.count = count
        self.revision = revision
        self.page_size = page_size
        # in_memory: build every page up front, so only the engine's work is timed.
        self._pages = list(self._generate()) if in_memory else None

    def clock(self) -> datetime:
        return EPOCH + timedelta(days=1 + self.revision)

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def record(self, i: int) -> SourceRecord[dict[str, Any]]:
        data = {
            "sku": f"SKU-{i:08d}",
            "family": ("shoes", "tshirts", "laptops")[i % 3],
            "enabled": i % 17 != 0,
            "categories": ["master", f"cat_{i % 40}"],
            "name": {"en_US": f"Product {i}", "fr_FR": f"Produit {i}"},
            "price": {"EUR": f"{i % 500}.99", "USD": f"{i % 500 + 10}.99"},
            "revision": self.revision if i % 10 == 0 else 0,
        }
        return SourceRecord(data["sku"], data, EPOCH + timedelta(seconds=i))

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[dict[str, Any]]]]:
        return iter(self._pages) if self._pages is not None else self._generate()

    def _generate(self) -> Iterator[Sequence[SourceRecord[dict[str, Any]]]]:
        for start in range(0, self.count, self.page_size):
            yield [self.record(i) for i in range(start, min(start + self.page_size, self.count))]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[dict[str, Any]]]:
        for key in keys:
            yield self.record(int(key.removeprefix("SKU-")))


class CountingDestination:
    """Accepts everything and keeps only a count."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        self.written += len(changes)
        return [ItemResult(c.key, dest_key=c.key, created=True) for c in changes]


def to_destination(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "sku": data["sku"],
        "status": "enabled" if data["enabled"] else "disabled",
        "names": data["name"],
        "prices": data["price"],
        "categories": data["categories"],
        "rev": data["revision"],
    }


def job(source: GeneratedSource, dest: CountingDestination, batch_size: int) -> JobSpec:
    stream = StreamSpec(
        name="products",
        source=source,
        destination=dest,
        map=to_destination,
        select=lambda d: d["family"] != "",
        connection="bench",
        entity="product",
    )
    return JobSpec(name="bench", streams=[stream], batch_size=batch_size)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--runs",
        default="full,full,change",
        help="comma list: full (same data), change (10%% of records changed, diff run)",
    )
    parser.add_argument("--rss", action="store_true", help="one full run, print peak RSS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        db = create_state_engine(url)
        upgrade(db)
        engine = JobEngine(db)
        runs = ["full"] if args.rss else args.runs.split(",")
        revision = 0
        for kind in runs:
            if kind == "change":
                revision += 1
            source = GeneratedSource(args.records, revision=revision, in_memory=not args.rss)
            dest = CountingDestination()
            started = time.perf_counter()
            report = engine.run(
                job(source, dest, args.batch_size), Mode.FULL if kind == "full" else Mode.DIFF
            )
            seconds = time.perf_counter() - started
            counts = report.streams["products"]
            print(
                f"{kind:6} {db.dialect.name:10} {args.records:>9} records "
                f"{seconds:7.2f} s {args.records / seconds:>9.0f} rec/s  "
                f"written={dest.written} unchanged={counts.unchanged} "
                f"status={report.status.value} peak_rss={peak_rss_mb():.0f} MB"
            )
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
