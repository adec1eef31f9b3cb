"""Bounded concurrency around the engine: prefetching source pages, loading batches.

Both sides hold at most a fixed number of pages or batches, so memory does not grow
with the catalog.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from pimsync.connectors.base import Source, SourceRecord, Window
from pimsync.connectors.readahead import read_ahead

T = TypeVar("T")
log = logging.getLogger("pimsync.engine")


# gen0 threshold during runs: a batch of 1,000 products is about 200,000 containers (its
# Oro document), which live for the seconds the batch takes to load. With the default of
# 700, they were promoted and rescanned again and again: 8.6 of 18.8 CPU-seconds of a
# 20,000-product Oro sync were the collector's, 1.8 with this (benchmarks/RESULTS.md).
RUN_GC_THRESHOLD = (200_000, 50, 20)


class _Heap:
    """How many runs of this process are going, and the thresholds before the first."""

    lock = threading.Lock()
    runs = 0
    saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the garbage collector's work in proportion to what a run allocates.

    A run allocates dozens of objects per record, so the collector runs often, and each
    full pass would rescan every long-lived object (modules, settings, caches): measured at
    a quarter of an Akeneo read's time, halved by freezing them. Garbage is collected
    first, so nothing unreachable is kept. The collector also waits for
    ``RUN_GC_THRESHOLD`` new objects instead of 700, so a batch in flight is not rescanned
    at every step. Both are undone when the last run in the process ends (runs can
    overlap in threads).
    """
    with _Heap.lock:
        if _Heap.runs == 0:
            _Heap.saved = gc.get_threshold()
            gc.collect()
            gc.freeze()
            gc.set_threshold(*RUN_GC_THRESHOLD)
        _Heap.runs += 1
    try:
        yield
    finally:
        with _Heap.lock:
            _Heap.runs -= 1
            if _Heap.runs == 0:
                gc.set_threshold(*_Heap.saved)
                gc.unfreeze()


def prefetch_pages(
    source: Source[Any], since: datetime | None, concurrency: int
) -> Generator[Sequence[SourceRecord[Any]], None, None]:
    """Pages of every partition of ``source``, read by up to ``concurrency`` threads.

    An error in any reader is raised here, in the consumer; closing the generator
    stops the readers.
    """
    readers = [
        partial(source.extract, Window(since=since, partition=part))
        for part in source.partitions(since)
    ]
    return read_ahead(readers, threads=concurrency, depth=2 * concurrency)


class Loader(Generic[T]):
    """Runs load calls in a thread pool, at most ``concurrency`` in flight.

    ``submit`` blocks while the pool is full, handing finished calls to ``on_done``
    (in the caller's thread, so state commits stay on one thread).
    """

    def __init__(self, concurrency: int, on_done: Callable[[T, Future[Any]], None]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load")
        self._limit = concurrency
        self._on_done = on_done
        self._pending: dict[Future[Any], T] = {}

    def submit(self, context: T, call: Callable[[], Any]) -> None:
        while len(self._pending) >= self._limit:
            self._collect(wait_all=False)
        self._pending[self._pool.submit(call)] = context

    def _collect(self, *, wait_all: bool) -> None:
        done, _ = wait(
            list(self._pending), return_when="ALL_COMPLETED" if wait_all else FIRST_COMPLETED
        )
        for future in done:
            context = self._pending.pop(future)
            self._on_done(context, future)

    def drain(self) -> None:
        """Wait for every call in flight and hand each to ``on_done``."""
        while self._pending:
            self._collect(wait_all=True)

    def abandon(self) -> None:
        """After an error: wait for calls in flight, hand over the ones that succeeded."""
        while self._pending:
            done, _ = wait(list(self._pending))
            for future in done:
                context = self._pending.pop(future)
                if future.exception() is None:
                    try:
                        self._on_done(context, future)
                    except Exception:  # the error already propagating is the one reported
                        log.warning("could not commit a finished batch", exc_info=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
