"""Injected faults answered the Oro way: a JSON:API error document, not Akeneo's body.

The fault plan itself (:class:`~pimsync.sandbox.akeneo._faults.Faults`) is shared with
the Akeneo sandbox; only the middleware that applies it differs.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.oro._documents import JSON_API

_TITLES = {
    429: ("too many requests http exception", "Too many requests."),
    500: ("runtime exception", "Internal server error."),
    502: ("bad gateway", "Bad gateway."),
    503: ("service unavailable http exception", "Service unavailable."),
    504: ("gateway timeout", "Gateway timeout."),
}


def fault_body(status: int) -> bytes:
    """``{"errors": [{"status", "title", "detail"}]}`` for an injected status."""
    title, detail = _TITLES.get(status, ("injected fault", "Injected fault."))
    return orjson.dumps({"errors": [{"status": str(status), "title": title, "detail": detail}]})


class OroFaultMiddleware:
    """Counts requests per path, then applies the fault plan before the app sees them."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        requests: Counter[str],
        writes: Counter[str] | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests
        self.writes = writes if writes is not None else Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.requests[path] += 1
        if scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS") and path != "/oauth2-token":
            self.writes[f"{scope['method']} {path}"] += 1
        delay, rule = self.faults.take(path)
        if delay:
            await asyncio.sleep(delay)
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "drop":
            dropper = self.faults.dropper
            if dropper is None or not dropper(scope.get("client")):
                raise ConnectionAbortedError("fault injection: drop the connection")
        else:
            await _send_error(send, rule.status, rule.retry_after)


async def _send_error(send: Send, status: int, retry_after: float | None) -> None:
    body = fault_body(status)
    headers = [(b"content-type", JSON_API.encode()), (b"content-length", b"%d" % len(body))]
    if status == 429 or retry_after is not None:
        seconds = 1.0 if retry_after is None else retry_after
        text = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        headers.append((b"retry-after", text.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
