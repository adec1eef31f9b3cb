"""Account Manager client credentials (TRIGGER.md A2): Basic-authenticated token requests,
bearer tokens with an expiry, shared by OCAPI and WebDAV."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote


@dataclass(frozen=True)
class ApiClient:
    """The Account Manager API client the sandbox accepts."""

    client_id: str = "pimsync-sfcc"
    client_secret: str = "pimsync-sfcc-secret"  # noqa: S105 - a public sandbox default


class TokenError(Exception):
    """A refused token request: status and Account Manager's error body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class TokenIssuer:
    """Issues and checks bearer tokens; ``expire_all`` invalidates every one issued."""

    client: ApiClient
    clock: Callable[[], datetime]
    ttl: int = 1799
    _access: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, authorization: str | None, body: bytes) -> dict[str, Any]:
        """Answer ``POST /dwsso/oauth2/access_token``. Raises TokenError."""
        form = dict(parse_qsl(body.decode(errors="replace")))
        if form.get("grant_type") != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", "Grant type not supported.")
        if _basic(authorization) != (self.client.client_id, self.client.client_secret):
            raise TokenError(401, "invalid_client", "Client authentication failed.")
        access = secrets.token_urlsafe(48)
        with self._lock:
            self._access[access] = self.clock() + timedelta(seconds=self.ttl)
        return {
            "access_token": access,
            "scope": "mail roles tenantFilter openid",
            "token_type": "Bearer",
            "expires_in": self.ttl,
        }

    def check(self, authorization: str | None) -> str | None:
        """None for a valid bearer token, else why not: ``missing`` or ``invalid``."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return "missing"
        with self._lock:
            expiry = self._access.get(authorization[7:].strip())
        return None if expiry is not None and expiry > self.clock() else "invalid"

    def expire_all(self) -> None:
        with self._lock:
            self._access = dict.fromkeys(self._access, self.clock())


def _basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (unquote(user), unquote(password)) if sep else None
