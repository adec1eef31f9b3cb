"""Akeneo's OAuth: the password grant, the refresh_token grant, and what their errors mean.

Akeneo answers a token request with 422 (sometimes 400 or 401) and a JSON message when
the client id, secret, username or password is wrong. Anything else that is not a token
(404, an HTML page, JSON without ``access_token``) means the URL is not an Akeneo PIM:
that is a configuration mistake, not an authentication failure.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from pydantic import SecretStr

from pimsync.connectors.http import HttpClient, OAuthToken, request_token
from pimsync.errors import AuthenticationError

__all__ = ["TOKEN_PATH", "AkeneoCredentials", "AkeneoTokenFetcher"]

log = logging.getLogger("pimsync.akeneo")

TOKEN_PATH = "/api/oauth/v1/token"  # noqa: S105 - a URL path, not a secret
# Statuses Akeneo uses to refuse credentials or a grant (422 is the usual one).
_REFUSED = (400, 401, 403, 422)
# Statuses that mean "there is no Akeneo token endpoint here".
_NOT_AKENEO = (404, 405)

_utc_now: Callable[[], datetime] = partial(datetime.now, UTC)


@dataclass(frozen=True)
class AkeneoCredentials:
    """An API connection (client id and secret) and the PIM user it acts as."""

    client_id: str
    secret: SecretStr
    username: str
    password: SecretStr = field(repr=False)

    @classmethod
    def of(cls, client_id: str, secret: str, username: str, password: str) -> AkeneoCredentials:
        """Credentials from plain strings (tests, the sandbox)."""
        return cls(client_id, SecretStr(secret), username, SecretStr(password))

    def basic_header(self) -> str:
        """The ``Authorization: Basic`` value for the token endpoint."""
        pair = f"{self.client_id}:{self.secret.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class AkeneoTokenFetcher:
    """A :data:`~pimsync.connectors.http.TokenFetcher` for Akeneo.

    Given the previous token, it first tries the ``refresh_token`` grant and falls back to
    the password grant when the refresh token is refused. Raises
    :class:`AuthenticationError` ("authentication failed for <url>: <Akeneo message>")
    when the password grant is refused, :class:`ConfigError` when the URL does not
    answer like an Akeneo PIM, and what :meth:`HttpClient.request` raises otherwise.
    """

    def __init__(
        self,
        client: HttpClient,
        credentials: AkeneoCredentials,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._clock = clock
        self._basic = credentials.basic_header()
        client.redactor.add(
            credentials.secret,
            credentials.password,
            self._basic.removeprefix("Basic "),
        )

    def __call__(self, previous: OAuthToken | None) -> OAuthToken:
        if previous is not None and previous.refresh_token is not None:
            grant = {
                "grant_type": "refresh_token",
                "refresh_token": previous.refresh_token.get_secret_value(),
            }
            try:
                return self._request(grant)
            except AuthenticationError as exc:
                log.info("refresh token refused (%s); signing in again", exc)
        return self._request(
            {
                "grant_type": "password",
                "username": self._credentials.username,
                "password": self._credentials.password.get_secret_value(),
            }
        )

    def _request(self, grant: Mapping[str, str]) -> OAuthToken:
        return request_token(
            self._client,
            TOKEN_PATH,
            json=dict(grant),
            headers={"Authorization": self._basic},
            system="an Akeneo PIM",
            refused=_REFUSED,
            absent=_NOT_AKENEO,
            clock=self._clock,
        )
