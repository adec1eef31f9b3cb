"""Faults a test can ask for: error statuses, dropped connections, slowness, expired tokens.

The rules are applied by :class:`FaultMiddleware`, in front of authentication, the way a
gateway or an overloaded PIM would answer. Path prefixes match the request path
(``/api/rest/v1/products`` also matches ``/api/rest/v1/products-uuid``).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

_REASONS = {
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


@dataclass
class _Rule:
    prefix: str
    kind: str  # "fail", "drop" or "slow"
    remaining: int = 1
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0


class Faults:
    """The fault plan of one sandbox. Thread-safe: tests call it while the server runs."""

    def __init__(self, expire_tokens: Callable[[], None]) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._expire_tokens = expire_tokens
        # set by serve(): aborts the TCP connection of a (host, port) client
        self.dropper: Callable[[tuple[str, int] | None], bool] | None = None

    def fail_next(
        self, path_prefix: str, status: int, times: int = 1, retry_after: float | None = None
    ) -> None:
        """Answer the next ``times`` requests under ``path_prefix`` with ``status``.

        A 429 always carries ``Retry-After`` (``retry_after`` seconds, default 1).
        """
        with self._lock:
            self._rules.append(_Rule(path_prefix, "fail", times, status, retry_after))

    def drop_next(self, path_prefix: str, times: int = 1) -> None:
        """Close the connection of the next ``times`` requests without any response."""
        with self._lock:
            self._rules.append(_Rule(path_prefix, "drop", times))

    def slow(self, path_prefix: str, seconds: float) -> None:
        """Delay every request under ``path_prefix`` by ``seconds`` until ``clear()``."""
        with self._lock:
            self._rules.append(_Rule(path_prefix, "slow", seconds=seconds))

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid (401 until a new one is fetched)."""
        self._expire_tokens()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, path: str) -> tuple[float, _Rule | None]:
        """The delay for ``path`` and the one-shot rule to apply now, if any."""
        delay, chosen = 0.0, None
        with self._lock:
            for rule in self._rules:
                if not path.startswith(rule.prefix):
                    continue
                if rule.kind == "slow":
                    delay += rule.seconds
                elif chosen is None and rule.remaining > 0:
                    rule.remaining -= 1
                    chosen = rule
            self._rules = [r for r in self._rules if r.kind == "slow" or r.remaining > 0]
        return delay, chosen


ErrorBody = Callable[[str, int], tuple[bytes, bytes]]
"""``(path, status)`` → ``(body, content type)`` of an injected error, per sandbox."""


async def apply_faults(
    faults: Faults,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    error_body: ErrorBody,
) -> None:
    """Apply the fault plan to one HTTP request: delay it, drop its connection, answer
    an error as ``error_body`` shapes it, or pass it on to ``app``."""
    path: str = scope["path"]
    delay, rule = faults.take(path)
    if delay:
        await asyncio.sleep(delay)
    if rule is None:
        await app(scope, receive, send)
    elif rule.kind == "drop":
        dropper = faults.dropper
        if dropper is None or not dropper(scope.get("client")):
            raise ConnectionAbortedError("fault injection: drop the connection")
    else:
        body, content_type = error_body(path, rule.status)
        headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
        if rule.status == 429 or rule.retry_after is not None:
            seconds = 1.0 if rule.retry_after is None else rule.retry_after
            text = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
            headers.append((b"retry-after", text.encode()))
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _akeneo_error(_path: str, status: int) -> tuple[bytes, bytes]:
    body = orjson.dumps({"code": status, "message": _REASONS.get(status, "Injected fault")})
    return body, b"application/json"


class FaultMiddleware:
    """Counts requests per path, then applies the fault plan before the app sees them."""

    def __init__(self, app: ASGIApp, faults: Faults, requests: Counter[str]) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests[scope["path"]] += 1
        await apply_faults(self.faults, self.app, scope, receive, send, _akeneo_error)
