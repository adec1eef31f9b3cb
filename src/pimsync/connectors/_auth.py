"""Credentials the HTTP client applies to each request.

An :class:`Auth` sets the ``Authorization`` header and, on a 401, may renew its
credentials once. :class:`BearerTokenAuth` gets OAuth tokens from a
:class:`TokenProvider`; :class:`CachedTokenProvider` caches them, renews them shortly
before they expire or when the server refuses them, and is safe to share between
threads. :func:`request_token` is the OAuth token request connectors build on.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import orjson
from pydantic import SecretStr

from pimsync.errors import AuthenticationError, ConfigError

from ._redact import Redactor

if TYPE_CHECKING:
    from ._client import HttpClient

_utc_now: Callable[[], datetime] = partial(datetime.now, UTC)


@dataclass(frozen=True)
class OAuthToken:
    """An OAuth access token with its expiry; the secrets never show in ``repr``.

    Raises :class:`ValueError` if ``expires_at`` is naive.
    """

    access_token: SecretStr
    expires_at: datetime
    refresh_token: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.expires_at.utcoffset() is None:
            raise ValueError("OAuthToken.expires_at must be timezone-aware (UTC)")

    @classmethod
    def from_response(
        cls,
        payload: Mapping[str, Any],
        *,
        now: datetime,
        default_lifetime: timedelta = timedelta(hours=1),
    ) -> OAuthToken:
        """Build a token from an RFC 6749 token response (``access_token``, ``expires_in``…).

        ``default_lifetime`` applies when the server gives no ``expires_in`` (Salesforce).
        Raises :class:`AuthenticationError` if there is no access token.
        """
        access = payload.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthenticationError("the token response contains no access_token")
        lifetime = default_lifetime
        expires_in = payload.get("expires_in")
        if isinstance(expires_in, int | float | str) and not isinstance(expires_in, bool):
            # An unreadable lifetime keeps the default: safer than failing the run.
            with contextlib.suppress(ValueError, OverflowError):
                lifetime = timedelta(seconds=float(expires_in))
        refresh = payload.get("refresh_token")
        return cls(
            access_token=SecretStr(access),
            expires_at=now + lifetime,
            refresh_token=SecretStr(refresh) if isinstance(refresh, str) and refresh else None,
        )

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        """Whether the token is expired or expires within ``margin`` of ``now``."""
        return self.expires_at - margin <= now


TokenFetcher = Callable[[OAuthToken | None], OAuthToken]
"""Fetches a new token; receives the previous one (for a refresh_token grant) or None."""


class TokenProvider(Protocol):
    """Hands out OAuth tokens to :class:`BearerTokenAuth`."""

    def token(self) -> OAuthToken:
        """A token that is not about to expire."""
        ...

    def refresh(self, refused: str) -> OAuthToken:
        """A token other than ``refused``, the access token the server just rejected."""
        ...


class CachedTokenProvider:
    """Caches the token from ``fetch`` and renews it before expiry or when refused.

    One lock serialises fetching, so threads sharing a client fetch one token, not one
    each. Fetched tokens are registered with ``redactor`` if one is given. Errors from
    ``fetch`` (typically :class:`AuthenticationError` or
    :class:`~pimsync.errors.TransientError`) propagate to the request that needed it.
    """

    def __init__(
        self,
        fetch: TokenFetcher,
        *,
        refresh_margin: timedelta = timedelta(seconds=60),
        redactor: Redactor | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._fetch = fetch
        self._margin = refresh_margin
        self._redactor = redactor
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: OAuthToken | None = None

    def token(self) -> OAuthToken:
        with self._lock:
            cached = self._cached
            if cached is None or cached.expires_within(self._margin, self._clock()):
                cached = self._renew(cached)
            return cached

    def refresh(self, refused: str) -> OAuthToken:
        with self._lock:
            cached = self._cached
            # Another thread may already have replaced the refused token: reuse its fetch.
            if (
                cached is None
                or cached.access_token.get_secret_value() == refused
                or cached.expires_within(self._margin, self._clock())
            ):
                cached = self._renew(cached)
            return cached

    def _renew(self, previous: OAuthToken | None) -> OAuthToken:
        token = self._fetch(previous)
        if self._redactor is not None:
            self._redactor.add(token.access_token, token.refresh_token)
        self._cached = token
        return token


class Auth(Protocol):
    """Credentials applied by :class:`~pimsync.connectors.http.HttpClient` to each request."""

    def authorize(self, request: httpx.Request) -> None:
        """Set the credentials (usually the ``Authorization`` header) on ``request``."""
        ...

    def refresh(self, request: httpx.Request) -> bool:
        """Renew credentials after ``request`` got a 401; ``True`` if worth one more try."""
        ...


class BearerTokenAuth:
    """``Authorization: Bearer <token>`` with tokens from a :class:`TokenProvider`."""

    def __init__(self, provider: TokenProvider) -> None:
        self._provider = provider

    def authorize(self, request: httpx.Request) -> None:
        token = self._provider.token()
        request.headers["Authorization"] = f"Bearer {token.access_token.get_secret_value()}"

    def refresh(self, request: httpx.Request) -> bool:
        refused = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self._provider.refresh(refused)
        return True


class BasicAuth:
    """``Authorization: Basic …``; a 401 is final since the password cannot renew itself."""

    def __init__(self, username: str, password: str | SecretStr) -> None:
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        encoded = base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")
        self._header = SecretStr(f"Basic {encoded}")

    def authorize(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = self._header.get_secret_value()

    def refresh(self, request: httpx.Request) -> bool:
        return False

    def __repr__(self) -> str:
        return "BasicAuth(***)"


def request_token(
    client: HttpClient,
    url: str,
    *,
    json: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    system: str = "an OAuth server",
    refused: tuple[int, ...] = (400, 401),
    absent: tuple[int, ...] = (404, 405),
    default_lifetime: timedelta = timedelta(hours=1),
    clock: Callable[[], datetime] = _utc_now,
) -> OAuthToken:
    """POST an OAuth token request (JSON or form body) and parse the token response.

    Retries like any request (a repeated token request is harmless). Raises
    :class:`AuthenticationError` ("authentication failed for <base URL>: <message>") when
    the server answers a ``refused`` status (RFC 6749 servers answer ``invalid_grant`` /
    ``invalid_client`` with 400 or 401; some use 403 or 422); :class:`ConfigError` naming
    ``system`` when the URL is invalid, the token endpoint is ``absent``, or the answer is
    not a JSON token; :class:`~pimsync.errors.TransientError` when it stays unavailable.
    """
    where = client.redactor.redact(str(client.base_url).rstrip("/"))

    def not_the_system(why: str) -> ConfigError:
        return ConfigError(f"{where} does not look like {system} ({why}); check the connection URL")

    requested_at = clock()  # the lifetime counts from the request, not the answer
    try:
        response = client.request(
            "POST",
            url,
            json=json,
            data=data,
            headers=headers,
            expected=refused + absent,
            idempotent=True,
        )
    except httpx.InvalidURL as exc:
        raise ConfigError(f"{where} is not a valid URL: {exc}") from None
    if response.status_code in absent:
        raise not_the_system(f"{url} answers {response.status_code}")
    if response.status_code in refused:
        from ._client import remote_message

        message = client.redactor.redact(remote_message(response))
        raise AuthenticationError(
            f"authentication failed for {where}: {message}",
            status_code=response.status_code,
            url=where,
        )
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        kind = response.headers.get("Content-Type", "unknown content")
        raise not_the_system(
            f"{url} answers {response.status_code} with {kind}, not JSON"
        ) from None
    if not isinstance(payload, dict) or not payload.get("access_token"):
        raise not_the_system("its token endpoint answers without an access token")
    return OAuthToken.from_response(payload, now=requested_at, default_lifetime=default_lifetime)
