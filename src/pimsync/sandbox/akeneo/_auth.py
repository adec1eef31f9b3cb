"""OAuth2 password grant as Akeneo implements it: tokens, refresh tokens, expiry.

App tokens (see ``_apps``) are checked here too, so one bearer check serves both.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import orjson

_MISSING_CLIENT = (
    'Parameter "client_id" is missing or does not match any client, or secret is invalid'
)
_MISSING_GRANT = 'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
_DISCONNECTED = (
    "The access token provided is invalid. Your app has been disconnected from that PIM."
)


@dataclass(frozen=True)
class Credentials:
    """The API connection and user the sandbox accepts."""

    client_id: str = "pimsync"
    secret: str = "pimsync-secret"  # noqa: S105 - a public sandbox default
    username: str = "admin"
    password: str = "admin"  # noqa: S105 - a public sandbox default


class TokenError(Exception):
    """A token request was refused: ``status`` and Akeneo's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class TokenIssuer:
    """Issues and checks access tokens; ``expire_all`` expires every connection token.

    App tokens (``issue_app_token``) never expire, as in Akeneo; only a disconnect ends them.
    """

    credentials: Credentials
    clock: Callable[[], datetime]
    ttl: int = 3600
    _access: dict[str, datetime] = field(default_factory=dict)
    _refresh: set[str] = field(default_factory=set)
    _apps: dict[str, frozenset[str]] = field(default_factory=dict)
    _revoked: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, authorization: str | None, body: bytes, content_type: str) -> dict[str, Any]:
        """Answer POST /api/oauth/v1/token. Raises TokenError."""
        self._check_client(authorization)
        form = self._form(body, content_type)
        grant_type = form.get("grant_type")
        if grant_type == "password":
            if not form.get("username") or not form.get("password"):
                raise TokenError(422, _MISSING_GRANT)
            if (form["username"], form["password"]) != (
                self.credentials.username,
                self.credentials.password,
            ):
                raise TokenError(422, "No user found for the given username and password")
        elif grant_type == "refresh_token":
            with self._lock:
                if form.get("refresh_token") not in self._refresh:
                    raise TokenError(422, "Invalid refresh token")
                self._refresh.discard(str(form["refresh_token"]))
        else:
            raise TokenError(422, _MISSING_GRANT)
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = self.clock() + timedelta(seconds=self.ttl)
            self._refresh.add(refresh)
        return {
            "access_token": access,
            "expires_in": self.ttl,
            "token_type": "bearer",
            "scope": None,
            "refresh_token": refresh,
        }

    def check(self, authorization: str | None) -> str | None:
        """None if the bearer token is valid, else Akeneo's 401 message."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return "Authentication is required"
        token = authorization[7:].strip()
        if token in self._apps:
            return None  # app tokens never expire
        if token in self._revoked:
            return _DISCONNECTED
        expiry = self._access.get(token)
        if expiry is None:
            return "The access token provided is invalid."
        if expiry <= self.clock():
            return "The access token provided has expired."
        return None

    def issue_app_token(self, scopes: Iterable[str]) -> str:
        """A token for an activated app: no expiry, no refresh token, limited to ``scopes``."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._apps[token] = frozenset(scopes)
        return token

    def app_scopes(self, authorization: str | None) -> frozenset[str] | None:
        """The scopes of an app's bearer token; None for a connection token (all rights)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        return self._apps.get(authorization[7:].strip())

    def revoke_app_tokens(self, tokens: Iterable[str]) -> None:
        """Disconnect: these tokens now get Akeneo's "app has been disconnected" 401."""
        with self._lock:
            for token in tokens:
                if self._apps.pop(token, None) is not None:
                    self._revoked.add(token)

    def expire_all(self) -> None:
        with self._lock:
            moment = self.clock()
            self._access = dict.fromkeys(self._access, moment)

    def _check_client(self, authorization: str | None) -> None:
        if not authorization or not authorization.lower().startswith("basic "):
            raise TokenError(422, _MISSING_CLIENT)
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError(422, _MISSING_CLIENT) from None
        client_id, _, secret = decoded.partition(":")
        if (client_id, secret) != (self.credentials.client_id, self.credentials.secret):
            raise TokenError(422, _MISSING_CLIENT)

    @staticmethod
    def _form(body: bytes, content_type: str) -> dict[str, Any]:
        if "json" in content_type:
            try:
                data = orjson.loads(body or b"null")
            except orjson.JSONDecodeError:
                raise TokenError(400, "Invalid json message received") from None
            if not isinstance(data, dict):
                raise TokenError(400, "Invalid json message received")
            return data
        if "x-www-form-urlencoded" in content_type:
            return dict(parse_qsl(body.decode(errors="replace")))
        raise TokenError(
            415,
            f'The content type "{content_type or "none"}" is not supported. '
            'Only "application/json" and "application/x-www-form-urlencoded" are.',
        )
