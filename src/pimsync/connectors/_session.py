"""An API reached with OAuth tokens: the plumbing every connector's client shares."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Self

import httpx
from pydantic import SecretStr

from ._auth import BearerTokenAuth, CachedTokenProvider, OAuthToken, TokenFetcher
from ._client import DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT, HttpClient
from ._redact import Redactor
from ._retry import RetryPolicy


class OAuthSession:
    """One connection to an OAuth-protected API.

    Two pooled keep-alive clients share one redactor: ``http`` for the API (bearer tokens,
    renewed by ``tokens`` before expiry and on a 401) and a second one for the token
    endpoint, which ``fetcher`` receives to build the token fetcher. ``secrets`` (client
    secret, password) are redacted from every log line and error from the start.
    """

    def __init__(
        self,
        base_url: str,
        fetcher: Callable[[HttpClient], TokenFetcher],
        *,
        secrets: Iterable[str | SecretStr | None] = (),
        headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base_url = base_url.rstrip("/")
        self.redactor = Redactor(secrets)
        token_http = HttpClient(
            base_url,
            redactor=self.redactor,
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )
        self._token_http = token_http
        self.tokens = CachedTokenProvider(fetcher(token_http), redactor=self.redactor)
        self.http = HttpClient(
            base_url,
            auth=BearerTokenAuth(self.tokens),
            headers=headers,
            redactor=self.redactor,
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )

    @property
    def base_url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def token(self) -> OAuthToken:
        """A valid access token (signing in if needed): the cheapest credentials check.

        Raises :class:`~pimsync.errors.AuthenticationError` when the credentials are
        refused, :class:`~pimsync.errors.ConfigError` when the URL is not the system.
        """
        return self.tokens.token()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close both clients' pooled connections."""
        self.http.close()
        self._token_http.close()
