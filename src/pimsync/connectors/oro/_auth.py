"""Oro's OAuth 2 (``POST /oauth2-token``): client credentials or password grant, refresh.

The token endpoint has no ``/admin`` prefix. A refused client or grant answers 401 or 400
with league/oauth2-server JSON (``error``, ``error_description``, ``message``). Anything
that is not a token (404, 405, HTML, JSON without ``access_token``) means the URL is not
an OroCommerce back office: a configuration mistake, not an authentication failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from pydantic import SecretStr

from pimsync.connectors.http import HttpClient, OAuthToken, request_token
from pimsync.errors import AuthenticationError

__all__ = ["TOKEN_PATH", "OroCredentials", "OroTokenFetcher"]

log = logging.getLogger("pimsync.oro")

TOKEN_PATH = "/oauth2-token"  # noqa: S105 - a URL path, not a secret
_REFUSED = (400, 401, 403)
_NOT_ORO = (404, 405)

_utc_now: Callable[[], datetime] = partial(datetime.now, UTC)


@dataclass(frozen=True)
class OroCredentials:
    """An OAuth application of the back office; with ``username``/``password`` it uses the
    password grant, otherwise client credentials (acting as the application's user)."""

    client_id: str
    client_secret: SecretStr = field(repr=False)
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls, client_id: str, client_secret: str, username: str | None = None, password: str = ""
    ) -> OroCredentials:
        """Credentials from plain strings (tests, the sandbox)."""
        secret = SecretStr(password) if username is not None else None
        return cls(client_id, SecretStr(client_secret), username, secret)

    @property
    def grant_type(self) -> str:
        return "password" if self.username is not None else "client_credentials"

    def grant(self) -> dict[str, str]:
        """The body of a fresh token request (no refresh token)."""
        body = {
            "grant_type": self.grant_type,
            "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
        }
        if self.username is not None:
            body["username"] = self.username
            body["password"] = self.password.get_secret_value() if self.password else ""
        return body


class OroTokenFetcher:
    """A :data:`~pimsync.connectors.http.TokenFetcher` for Oro.

    With a previous token that has a refresh token (password grant), it tries the
    ``refresh_token`` grant first and falls back to the configured grant when refused.
    Raises :class:`AuthenticationError` ("authentication failed for <url>: <Oro message>"),
    :class:`ConfigError` when the URL does not answer like Oro, and what
    :meth:`HttpClient.request` raises otherwise.
    """

    def __init__(
        self,
        client: HttpClient,
        credentials: OroCredentials,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._clock = clock
        client.redactor.add(credentials.client_secret, credentials.password)

    def __call__(self, previous: OAuthToken | None) -> OAuthToken:
        if previous is not None and previous.refresh_token is not None:
            grant = {
                "grant_type": "refresh_token",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret.get_secret_value(),
                "refresh_token": previous.refresh_token.get_secret_value(),
            }
            try:
                return self._request(grant)
            except AuthenticationError as exc:
                log.info("refresh token refused (%s); signing in again", exc)
        return self._request(self._credentials.grant())

    def _request(self, grant: Mapping[str, str]) -> OAuthToken:
        return request_token(
            self._client,
            TOKEN_PATH,
            json=dict(grant),
            system="OroCommerce",
            refused=_REFUSED,
            absent=_NOT_ORO,
            clock=self._clock,
        )
