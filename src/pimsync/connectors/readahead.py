"""Reading ahead: iterators drained by background threads into a bounded buffer.

A reader's next request then waits on the network while its caller works on the
current page, and disjoint parts of a source can be read in parallel. Memory stays
bounded by ``depth`` items whatever the size of what is read.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(
    readers: Sequence[Callable[[], Iterator[T]]], *, threads: int = 1, depth: int = 2
) -> Generator[T, None, None]:
    """Every item of every reader, read by up to ``threads`` threads, ``depth`` items ahead.

    Items of one reader keep their order; readers interleave. An error in any reader is
    raised in the caller; closing the generator stops the threads after their current item.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def drain(reader: Callable[[], Iterator[T]]) -> None:
        try:
            for item in reader():
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            put(_Raised(exc))
            return
        put(_DONE)

    pool = ThreadPoolExecutor(max_workers=max(1, min(threads, len(readers))))
    try:
        for reader in readers:
            pool.submit(drain, reader)
        remaining = len(readers)
        while remaining:
            item = buffer.get()
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, _Raised):
                raise item.error
            else:
                yield item  # type: ignore[misc]
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
