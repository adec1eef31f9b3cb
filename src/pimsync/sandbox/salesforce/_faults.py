"""The middleware in front of the app: counts requests, applies the fault plan
(Salesforce-shaped error arrays, OAuth errors on the token path) and puts
``Sforce-Limit-Info`` on every REST response (brief §11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pimsync.sandbox.akeneo._faults import Faults, apply_faults

REST = "/services/data/"
_CODES = {
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId "
        "if you contact support: 1-2-3 (-42)",
    ),
    502: ("SERVER_UNAVAILABLE", "Bad gateway"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable, try again later"),
    504: ("SERVER_UNAVAILABLE", "Gateway timeout"),
}


def _salesforce_error(path: str, status: int) -> tuple[bytes, bytes]:
    if not path.startswith(REST):
        body = {"error": "unknown_error", "error_description": "retry your request"}
        return orjson.dumps(body), b"application/json;charset=UTF-8"
    code, message = _CODES.get(status, ("UNKNOWN_EXCEPTION", "Injected fault"))
    return orjson.dumps([{"message": message, "errorCode": code}]), (
        b"application/json;charset=UTF-8"
    )


class SalesforceFaultMiddleware:
    """Counts ``METHOD path``, applies faults, adds the API-usage header."""

    def __init__(
        self, app: ASGIApp, faults: Faults, requests: Counter[str], usage: Callable[[], str]
    ) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests
        self.usage = usage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests[f"{scope['method']} {scope['path']}"] += 1
        rest = str(scope["path"]).startswith(REST)

        async def send_with_usage(message: Message) -> None:
            if rest and message["type"] == "http.response.start":
                headers = [
                    *message.get("headers", []),
                    (b"sforce-limit-info", self.usage().encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await apply_faults(
            self.faults, self.app, scope, receive, send_with_usage, _salesforce_error
        )
