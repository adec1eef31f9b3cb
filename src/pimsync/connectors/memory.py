"""In-memory source and destination: for tests, benchmarks and trying flows out.

:class:`MemorySource` holds records with update times on a clock it controls;
:class:`MemoryDestination` upserts by key and counts every write, so tests can
prove what a run sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window


class MemorySource:
    """Records keyed by string, each with the source time of its last change.

    ``partitions`` splits keys into ``partition_count`` hash partitions so the engine
    can read them in parallel.
    """

    def __init__(
        self,
        records: dict[str, Any] | None = None,
        *,
        page_size: int = 100,
        partition_count: int = 1,
        start: datetime | None = None,
    ) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._records: dict[str, tuple[Any, datetime]] = {}
        self._lock = threading.Lock()
        self.page_size = page_size
        self.partition_count = partition_count
        self.pages_read = 0
        for key, data in (records or {}).items():
            self.put(key, data)

    def tick(self, seconds: float = 1.0) -> datetime:
        """Advance the source clock."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def put(self, key: str, data: Any) -> None:
        """Create or change a record; its update time is the clock's next tick."""
        stamp = self.tick(0.001)
        with self._lock:
            self._records[key] = (data, stamp)

    def remove(self, key: str) -> None:
        with self._lock:
            del self._records[key]

    def clock(self) -> datetime:
        with self._lock:
            return self._now

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        if self.partition_count == 1:
            return [None]
        return list(range(self.partition_count))

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Any]]]:
        with self._lock:
            items = sorted(self._records.items(), key=lambda kv: (kv[1][1], kv[0]))
        page: list[SourceRecord[Any]] = []
        for key, (data, updated) in items:
            if window.since is not None and updated <= window.since:
                continue
            if (
                window.partition is not None
                and hash(key) % self.partition_count != window.partition
            ):
                continue
            page.append(SourceRecord(key, data, updated))
            if len(page) == self.page_size:
                self.pages_read += 1
                yield page
                page = []
        if page:
            self.pages_read += 1
            yield page

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Any]]:
        for key in keys:
            with self._lock:
                entry = self._records.get(key)
            if entry is None:
                yield SourceRecord(key, None, None, deleted=True)
            else:
                yield SourceRecord(key, entry[0], entry[1])


@dataclass(slots=True)
class StoredItem:
    payload: Any
    enabled: bool = True


class MemoryDestination:
    """Upserts by source key, like a destination with external ids.

    ``reject`` returns an error message for payloads the destination refuses;
    ``before_write`` runs first and may raise to simulate an outage.
    """

    def __init__(
        self,
        *,
        reject: Callable[[Change], str | None] | None = None,
        before_write: Callable[[Sequence[Change]], None] | None = None,
        after_write: Callable[[Sequence[Change]], None] | None = None,
    ) -> None:
        self.items: dict[str, StoredItem] = {}
        self.reject = reject
        self.before_write = before_write
        self.after_write = after_write
        self.write_calls = 0
        self.written: list[tuple[Op, str]] = []
        self._lock = threading.Lock()

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        if self.before_write is not None:
            self.before_write(changes)
        results = []
        with self._lock:
            self.write_calls += 1
            for change in changes:
                error = self.reject(change) if self.reject else None
                if error is not None:
                    results.append(ItemResult(change.key, error=error))
                    continue
                self.written.append((change.op, change.key))
                created = change.key not in self.items
                if change.op is Op.UPSERT:
                    self.items[change.key] = StoredItem(change.payload)
                elif change.op is Op.DISABLE and change.key in self.items:
                    self.items[change.key].enabled = False
                elif change.op is Op.DELETE:
                    self.items.pop(change.key, None)
                results.append(ItemResult(change.key, dest_key=f"d-{change.key}", created=created))
        if self.after_write is not None:
            self.after_write(changes)
        return results
