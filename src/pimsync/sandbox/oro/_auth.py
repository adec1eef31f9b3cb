"""OAuth 2 client credentials as oroinc/oauth2-server answers them, with expiring tokens."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import orjson


@dataclass(frozen=True)
class Credentials:
    """The OAuth application the sandbox accepts (client-credentials grant)."""

    client_id: str = "pimsync-oro"
    client_secret: str = "pimsync-oro-secret"  # noqa: S105 - a public sandbox default


class TokenError(Exception):
    """A refused token request: status and league/oauth2-server's error body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description, "message": description}


_BAD_CLIENT = "Client authentication failed"
_UNSUPPORTED = "The authorization grant type is not supported by the authorization server."


@dataclass
class TokenIssuer:
    """Issues and checks bearer tokens; ``expire_all`` invalidates every one issued."""

    credentials: Credentials
    clock: Callable[[], datetime]
    ttl: int = 3600
    _access: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, body: bytes, content_type: str) -> dict[str, Any]:
        """Answer ``POST /oauth2-token``. Raises TokenError."""
        form = _form(body, content_type)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise TokenError(
                400,
                "invalid_request",
                'The request is missing a required parameter. Check the "grant_type" parameter.',
            )
        if grant_type != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", _UNSUPPORTED)
        pair = (form.get("client_id"), form.get("client_secret"))
        if pair != (self.credentials.client_id, self.credentials.client_secret):
            raise TokenError(401, "invalid_client", _BAD_CLIENT)
        access = secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = self.clock() + timedelta(seconds=self.ttl)
        return {"token_type": "Bearer", "expires_in": self.ttl, "access_token": access}

    def valid(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        expiry = self._access.get(authorization[7:].strip())
        return expiry is not None and expiry > self.clock()

    def expire_all(self) -> None:
        with self._lock:
            self._access = dict.fromkeys(self._access, self.clock())


def _form(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            data = orjson.loads(body or b"null")
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise TokenError(400, "invalid_request", "The request body is not valid JSON.")
        return data
    return dict(parse_qsl(body.decode(errors="replace")))
