"""Injected faults answered the way each SFCC surface answers: an OCAPI fault document,
a plain-text WebDAV error, an Account Manager error.

The fault plan itself (:class:`~pimsync.sandbox.akeneo._faults.Faults`) is shared with the
other sandboxes; only the middleware that applies it differs.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.akeneo._faults import Faults

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
        path: str = scope["path"]
        self.requests[f"{scope['method']} {path}"] += 1
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
            await _send_error(send, path, rule.status, rule.retry_after)


async def _send_error(send: Send, path: str, status: int, retry_after: float | None) -> None:
    reason = _REASONS.get(status, "Injected fault")
    if path.startswith(OCAPI):
        version = path[len(OCAPI) :].split("/", 1)[0].replace("v", "", 1).replace("_", ".")
        body = ocapi_fault(version, "InternalServerErrorException", reason)
        content_type = b"application/json;charset=UTF-8"
    else:
        body, content_type = reason.encode(), b"text/plain;charset=UTF-8"
    headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
    if status == 429 or retry_after is not None:
        seconds = 1.0 if retry_after is None else retry_after
        text = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        headers.append((b"retry-after", text.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
