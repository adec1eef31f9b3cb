"""Injected faults answered the way each SFCC surface answers: an OCAPI fault document,
a plain-text WebDAV error, an Account Manager error.

The fault plan itself (:class:`~pimsync.sandbox.akeneo._faults.Faults`) is shared with the
other sandboxes; only the middleware that applies it differs.
"""

from __future__ import annotations

from collections import Counter

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.akeneo._faults import Faults, apply_faults

OCAPI = "/s/-/dw/data/"
_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def ocapi_fault(version: str, type_: str, message: str, **arguments: object) -> bytes:
    """The OCAPI fault envelope (A4)."""
    fault: dict[str, object] = {"type": type_, "message": message}
    if arguments:
        fault["arguments"] = arguments
    return orjson.dumps({"_v": version, "fault": fault})


class SfccFaultMiddleware:
    """Counts requests per path, then applies the fault plan before the app sees them."""

    def __init__(self, app: ASGIApp, faults: Faults, requests: Counter[str]) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests[f"{scope['method']} {scope['path']}"] += 1
        await apply_faults(self.faults, self.app, scope, receive, send, _sfcc_error)


def _sfcc_error(path: str, status: int) -> tuple[bytes, bytes]:
    """An OCAPI fault document under OCAPI, plain text elsewhere (WebDAV, tokens)."""
    reason = _REASONS.get(status, "Injected fault")
    if path.startswith(OCAPI):
        version = path[len(OCAPI) :].split("/", 1)[0].replace("v", "", 1).replace("_", ".")
        body = ocapi_fault(version, "InternalServerErrorException", reason)
        return body, b"application/json;charset=UTF-8"
    return reason.encode(), b"text/plain;charset=UTF-8"
