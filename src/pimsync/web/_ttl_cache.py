"""What the web app has read from a connection, kept for a short while.

The editors (catalog criteria, job mapping) re-render at every change; reading a PIM's
structure each time would make every keystroke wait for it. A :class:`TtlCache` keeps
each value for ``seconds`` (a minute by default) per key; the key must change whenever
what was read could differ (another connection, changed settings).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["DEFAULT_SECONDS", "TtlCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_SECONDS = 60.0


class TtlCache(Generic[K, V]):
    """Values by key, each read at most once per ``seconds`` of ``clock``; thread-safe.

    The read itself runs outside the lock: two requests missing the same key at once
    both read, and the later one is kept.
    """

    def __init__(
        self, seconds: float = DEFAULT_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[K, tuple[float, V]] = {}

    def get(self, key: K, read: Callable[[], V], *, refresh: bool = False) -> V:
        """The value held for ``key`` while it is fresh, else ``read()``'s (then held).

        ``refresh`` reads again whatever is held. Raises what ``read`` raises (and then
        holds nothing new).
        """
        if not refresh:
            with self._lock:
                held = self._held.get(key)
            if held is not None and self._clock() - held[0] < self._seconds:
                return held[1]
        value = read()
        now = self._clock()
        with self._lock:
            # Entries under keys no longer asked for (old settings) go once stale.
            for stale in [k for k, (at, _) in self._held.items() if now - at >= self._seconds]:
                del self._held[stale]
            self._held[key] = (now, value)
        return value
