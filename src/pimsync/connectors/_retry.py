"""What the HTTP client does with each response or transport error.

The decisions are data: :data:`RESPONSE_RULES` and :data:`ERROR_RULES` are checked in
order and the first rule that matches wins. :class:`RetryPolicy` bounds how long the
client keeps trying.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from pimsync.errors import ConfigError

# RFC 9110 idempotent methods: repeating them cannot create a second record.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class Action(enum.Enum):
    """What to do with a response or error that is not a success."""

    RETRY = "retry"  # wait (Retry-After when honoured, else backoff) and send again
    REFRESH_AUTH = "refresh auth"  # renew the credentials once and send again
    FAIL = "fail"  # raise a RemoteError now


@dataclass(frozen=True)
class ResponseRule:
    """Maps HTTP statuses to an action.

    ``maybe_processed`` says whether the server may have acted on the request before
    failing; such failures are only retried for idempotent requests.
    """

    statuses: Container[int]
    action: Action
    reason: str
    honour_retry_after: bool = False
    maybe_processed: bool = True


@dataclass(frozen=True)
class ErrorRule:
    """Maps httpx transport errors to an action (see :class:`ResponseRule`)."""

    errors: tuple[type[httpx.TransportError], ...]
    action: Action
    reason: str
    maybe_processed: bool = True


RESPONSE_RULES: tuple[ResponseRule, ...] = (
    # 429 and 503 mean "not now": the request was not processed, so any method may retry.
    ResponseRule(
        frozenset({429}),
        Action.RETRY,
        "rate limited",
        honour_retry_after=True,
        maybe_processed=False,
    ),
    ResponseRule(
        frozenset({503}),
        Action.RETRY,
        "service unavailable",
        honour_retry_after=True,
        maybe_processed=False,
    ),
    ResponseRule(range(500, 600), Action.RETRY, "server error"),
    ResponseRule(frozenset({401}), Action.REFRESH_AUTH, "unauthorized"),
    ResponseRule(range(400, 500), Action.FAIL, "client error"),
)

# Anything no rule matches (1xx, unexpected 3xx) fails: the client never follows redirects.
UNMATCHED_RESPONSE = ResponseRule(range(0), Action.FAIL, "unexpected status")

ERROR_RULES: tuple[ErrorRule, ...] = (
    # Nothing reached the server: safe to repeat for any method.
    ErrorRule(
        (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout),
        Action.RETRY,
        "could not connect",
        maybe_processed=False,
    ),
    ErrorRule(
        (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError),
        Action.RETRY,
        "connection dropped",
    ),
    ErrorRule((httpx.ReadTimeout, httpx.WriteTimeout), Action.RETRY, "timed out"),
)


def match_response(status: int, rules: Sequence[ResponseRule]) -> ResponseRule:
    """The first rule whose statuses contain ``status``, else :data:`UNMATCHED_RESPONSE`."""
    return next((rule for rule in rules if status in rule.statuses), UNMATCHED_RESPONSE)


def match_error(error: httpx.TransportError, rules: Sequence[ErrorRule]) -> ErrorRule | None:
    """The first rule matching the error's type, or ``None`` (the error is not retried)."""
    return next((rule for rule in rules if isinstance(error, rule.errors)), None)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to keep trying a request.

    ``max_attempts`` counts every send, the first included. Backoff uses full jitter:
    a random wait in ``[0, min(max_delay, base_delay * 2**(retry - 1))]``. A
    ``Retry-After`` is honoured up to ``max_retry_after`` seconds.

    Raises :class:`~pimsync.errors.ConfigError` for non-positive attempts or negative
    delays.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be at least 1, got {self.max_attempts}")
        for name in ("base_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ConfigError(f"{name} must be a finite number >= 0, got {value}")

    def backoff_cap(self, retry: int) -> float:
        """Upper bound of the wait before retry number ``retry`` (1 for the first retry)."""
        exponent = min(max(retry - 1, 0), 62)  # 2**62 already dwarfs any max_delay
        return min(self.max_delay, self.base_delay * 2.0**exponent)

    def retry_after_wait(self, requested: float) -> float:
        """The wait for a server-requested delay, capped at ``max_retry_after``."""
        return min(max(requested, 0.0), self.max_retry_after)


def full_jitter(cap: float) -> float:
    """A uniformly random wait in ``[0, cap]`` (AWS "full jitter")."""
    return random.uniform(0.0, cap)  # noqa: S311 - spreading retries, not cryptography


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    Returns ``None`` when the header is absent or unreadable; a date in the past gives
    ``0.0``. Never raises.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT by definition
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)
