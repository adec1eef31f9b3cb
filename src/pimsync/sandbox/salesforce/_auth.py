"""OAuth 2.0 at ``POST /services/oauth2/token`` (brief §1): client credentials, JWT bearer
(RS256 assertions verified against the connected app's certificate) and the legacy
username-password grant; sessions with a lifetime, which ``expire_all`` invalidates."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
INTEGRATION_USER = "pimsync@sandbox.example"


@dataclass(frozen=True)
class ConnectedApp:
    """The connected app the sandbox trusts.

    ``run_as``: the client-credentials execution user (None: the flow is not enabled).
    ``certificate``: PEM certificate or public key for JWT bearer (None: no JWT flow).
    ``approved_users``: usernames pre-authorized for JWT bearer.
    ``password_flow=False`` plays an org that blocks the username-password flow.
    """

    client_id: str = "3MVG9pimsync.sandbox.consumer.key"
    client_secret: str = "pimsync-salesforce-secret"  # noqa: S105 - a public sandbox default
    run_as: str | None = INTEGRATION_USER
    certificate: bytes | None = None
    approved_users: tuple[str, ...] = (INTEGRATION_USER,)
    password_flow: bool = True


@dataclass(frozen=True)
class Login:
    """A user's password and security token (the username-password grant)."""

    username: str = INTEGRATION_USER
    password: str = "pimsync-password"  # noqa: S105 - a public sandbox default
    security_token: str = "SANDBOXTOKEN"  # noqa: S105 - a public sandbox default


class TokenError(Exception):
    """A refused token request: 400 and the OAuth error body (brief §1.5)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class Sessions:
    """Issues access tokens and resolves them to the user id they act as."""

    app: ConnectedApp
    logins: dict[str, Login]
    user_id: Callable[[str], str | None]  # username → User id
    org_id: str
    clock: Callable[[], datetime]
    ttl: timedelta = timedelta(hours=2)
    _tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(self, form: dict[str, str], authorization: str | None, base: str) -> dict[str, Any]:
        """Answer a token request (form fields, Authorization header, instance URL).
        Raises TokenError."""
        grant_type = form.get("grant_type", "")
        if grant_type == "client_credentials":
            client_id, secret = _basic(authorization) or (
                form.get("client_id", ""),
                form.get("client_secret", ""),
            )
            self._client(client_id, secret)
            if self.app.run_as is None:
                raise TokenError("invalid_grant", "no client credentials user enabled")
            username = self.app.run_as
        elif grant_type == "password":
            self._client(form.get("client_id", ""), form.get("client_secret", ""))
            username = form.get("username", "")
            login = self.logins.get(username)
            given = form.get("password", "")
            if (
                not self.app.password_flow
                or login is None
                or not secrets.compare_digest(given, login.password + login.security_token)
            ):
                raise TokenError("invalid_grant", "authentication failure")
        elif grant_type == JWT_BEARER:
            username = self._jwt(form.get("assertion", ""), base)
        else:
            raise TokenError("unsupported_grant_type", "grant type not supported")
        user = self.user_id(username)
        if user is None:
            raise TokenError("invalid_grant", "authentication failure")
        return self._issue(user, base)

    def check(self, authorization: str | None) -> str | None:
        """The user id of a live bearer token, else None."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        with self._lock:
            found = self._tokens.get(authorization[7:].strip())
        return found[0] if found is not None and found[1] > self.clock() else None

    def expire_all(self) -> None:
        with self._lock:
            now = self.clock()
            self._tokens = {t: (u, now) for t, (u, _e) in self._tokens.items()}

    def _client(self, client_id: str, secret: str) -> None:
        if client_id != self.app.client_id:
            raise TokenError("invalid_client_id", "client identifier invalid")
        if not secrets.compare_digest(secret, self.app.client_secret):
            raise TokenError("invalid_client", "invalid client credentials")

    def _issue(self, user: str, base: str) -> dict[str, Any]:
        now = self.clock()
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens[token] = (user, now + self.ttl)
        identity = f"{base}/id/{self.org_id}/{user}"
        issued_at = str(int(now.timestamp() * 1000))
        digest = hmac.new(
            self.app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return {
            "access_token": token,
            "signature": base64.b64encode(digest).decode(),
            "scope": "api",
            "instance_url": base,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }

    def _jwt(self, assertion: str, base: str) -> str:
        """The ``sub`` of a valid assertion. Raises TokenError."""
        if self.app.certificate is None:
            raise TokenError("invalid_client", "invalid client credentials")
        try:
            head, payload, signature = assertion.split(".")
            header = orjson.loads(_b64url(head))
            claims = orjson.loads(_b64url(payload))
            signed = _b64url(signature)
        except (ValueError, binascii.Error, orjson.JSONDecodeError):
            raise TokenError("invalid_grant", "invalid assertion") from None
        if (
            not isinstance(header, dict)
            or header.get("alg") != "RS256"
            or not isinstance(claims, dict)
        ):
            raise TokenError("invalid_grant", "invalid assertion")
        try:
            _public_key(self.app.certificate).verify(
                signed, f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise TokenError("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != self.app.client_id:
            raise TokenError("invalid_client_id", "client identifier invalid")
        if str(claims.get("aud", "")).rstrip("/") not in (*AUDIENCES, base):
            raise TokenError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= self.clock().timestamp():
            raise TokenError("invalid_grant", "expired authorization code")
        username = claims.get("sub")
        if username not in self.app.approved_users:
            raise TokenError("invalid_grant", "user hasn't approved this consumer")
        return str(username)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_key(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key: Any = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TokenError("invalid_client", "the app's certificate is not an RSA key")
    return key


def _basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (unquote(user), unquote(password)) if sep else None
