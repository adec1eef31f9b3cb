"""The org's daily API allocation, read from ``Sforce-Limit-Info`` on every response.

Salesforce counts every call against a rolling 24-hour allocation and, once it is used
up, refuses calls with ``403 REQUEST_LIMIT_EXCEEDED`` (each refused call still counts).
Other integrations share that allocation, so pimsync slows down above ``slow_down_at``
and stops with :class:`ApiLimitExceeded` at ``stop_at``, before the org runs dry.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pimsync.errors import ConfigError, TransientError

__all__ = ["LIMIT_HEADER", "ApiLimitExceeded", "ApiUsage", "ApiUsageTracker", "parse_limit_info"]

log = logging.getLogger("pimsync.salesforce")

LIMIT_HEADER = "Sforce-Limit-Info"
_USAGE = re.compile(r"(?P<name>[\w-]+)=(?P<used>\d+)/(?P<max>\d+)")
_RETRY_LATER = 3600.0  # seconds: the allocation is a rolling 24 h window


class ApiLimitExceeded(TransientError):
    """The org's API allocation is used up (or pimsync's share of it): stop the run and
    try later; cursors are kept, so nothing is lost."""


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """Calls used out of those allowed in the rolling 24 h (``api-usage=18/5000``)."""

    used: int
    allowed: int
    name: str = "api-usage"

    @property
    def ratio(self) -> float:
        return self.used / self.allowed if self.allowed > 0 else 1.0

    def __str__(self) -> str:
        return f"{self.name} {self.used}/{self.allowed} ({self.ratio:.0%})"


def parse_limit_info(value: str | None) -> ApiUsage | None:
    """The tightest usage in a ``Sforce-Limit-Info`` value (``api-usage`` and
    ``per-app-api-usage``), or None when the header is absent or unreadable."""
    if not value:
        return None
    usages = [ApiUsage(int(m["used"]), int(m["max"]), m["name"]) for m in _USAGE.finditer(value)]
    return max(usages, key=lambda usage: usage.ratio, default=None)


class ApiUsageTracker:
    """Keeps the latest usage and paces calls by it.

    Below ``slow_down_at`` calls go at full speed; from there to ``stop_at`` each call
    first waits up to ``max_delay`` seconds, growing linearly; at ``stop_at`` and above,
    :meth:`before_call` raises :class:`ApiLimitExceeded`. Safe to share between threads.

    Raises :class:`ConfigError` unless ``0 < slow_down_at <= stop_at <= 1``.
    """

    def __init__(
        self,
        *,
        slow_down_at: float = 0.8,
        stop_at: float = 0.95,
        max_delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < slow_down_at <= stop_at <= 1:
            raise ConfigError(
                f"API usage thresholds need 0 < slow_down_at ({slow_down_at}) <= stop_at "
                f"({stop_at}) <= 1"
            )
        self.slow_down_at = slow_down_at
        self.stop_at = stop_at
        self.max_delay = max_delay
        self._sleep = sleep
        self._lock = threading.Lock()
        self._usage: ApiUsage | None = None

    @property
    def usage(self) -> ApiUsage | None:
        """The usage the last response reported (None before the first)."""
        return self._usage

    def record(self, header: str | None) -> None:
        """Remember the usage in a ``Sforce-Limit-Info`` header value (if readable)."""
        usage = parse_limit_info(header)
        if usage is not None:
            with self._lock:
                self._usage = usage

    def before_call(self) -> None:
        """Wait or refuse according to the last known usage.

        Raises :class:`ApiLimitExceeded` at or above ``stop_at``.
        """
        usage = self._usage
        if usage is None or usage.ratio < self.slow_down_at:
            return
        if usage.ratio >= self.stop_at:
            raise ApiLimitExceeded(
                f"Salesforce {usage} has reached pimsync's stop threshold "
                f"({self.stop_at:.0%}); the run stops to leave the rest of the daily "
                "allocation to the org. Try again later or raise api_stop_at.",
                retry_after=_RETRY_LATER,
            )
        span = self.stop_at - self.slow_down_at
        fraction = (usage.ratio - self.slow_down_at) / span if span > 0 else 1.0
        delay = self.max_delay * fraction
        if delay > 0:
            log.info("Salesforce %s: slowing down, %.2f s before the next call", usage, delay)
            self._sleep(delay)
