"""Injected faults answered the Oro way: a JSON:API error document, not Akeneo's body.

The fault plan itself (:class:`~pimsync.sandbox.akeneo._faults.Faults`) is shared with
the Akeneo sandbox; only the middleware that applies it differs.
"""

from __future__ import annotations

from collections import Counter

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.akeneo._faults import Faults, apply_faults
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
        await apply_faults(self.faults, self.app, scope, receive, send, _oro_error)


def _oro_error(_path: str, status: int) -> tuple[bytes, bytes]:
    return fault_body(status), JSON_API.encode()
