"""Akeneo App activation, from the App's side: scopes, authorize URL, code exchange.

An App does not sign in with a password: a PIM user activates it, the PIM redirects the
browser to the App's callback with a one-use ``code``, and the App trades the code for
a token it keeps. The client secret never travels; the token request carries
``code_challenge`` = hex SHA-256 of a fresh ``code_identifier`` followed by the secret.

App tokens do not expire and have no refresh token, so :class:`AkeneoAppClient` is an
:class:`AkeneoClient` whose token provider only hands out the stored token; a 401 means
the app was disconnected and needs a new activation. The client secret, the code and
the token are registered with the connection's redactor and never logged.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import orjson
from pydantic import SecretStr

from pimsync.connectors.http import (
    DEFAULT_RETRY_POLICY,
    DEFAULT_TIMEOUT,
    HttpClient,
    OAuthSession,
    OAuthToken,
    Redactor,
    RetryPolicy,
    TokenFetcher,
    remote_message,
)
from pimsync.errors import AuthenticationError, ConfigError

from ._auth import AkeneoCredentials
from ._client import PAGE_SIZE, AkeneoClient

__all__ = [
    "APP_AUTHORIZE_PATH",
    "APP_TOKEN_PATH",
    "CATALOG_READS",
    "FLOW_SCOPES",
    "AkeneoAppClient",
    "AkeneoAppToken",
    "AppTokenFetcher",
    "authorize_url",
    "code_challenge",
    "exchange_code",
    "new_state",
    "read_callback",
    "scopes_for",
]

log = logging.getLogger("pimsync.akeneo")

APP_AUTHORIZE_PATH = "/connect/apps/v1/authorize"
APP_TOKEN_PATH = "/connect/apps/v1/oauth2/token"  # noqa: S105 - a URL path
# Errors on the token request: Akeneo answers 400; the others would be a proxy's refusal.
_REFUSED = (400, 401, 403, 422)
_NOT_AKENEO = (404, 405)
# App tokens never expire; a far date keeps the token cache from renewing them.
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)

# What reading products needs besides products: the structure that explains them.
_PRODUCT_READS = (
    "read_products",
    "read_catalog_structure",
    "read_channel_localization",
    "read_channel_settings",
    "read_attribute_options",
    "read_categories",
)
FLOW_SCOPES: Mapping[str, tuple[str, ...]] = {
    "akeneo.products": _PRODUCT_READS,
    "oro.structure": _PRODUCT_READS[1:],
    "oro.products": (*_PRODUCT_READS, "read_association_types"),
    "oro.reference-entities": (
        "read_catalog_structure",
        "read_attribute_options",
        "read_reference_entities",
        "read_reference_entity_records",
    ),
    # Catalogs for Apps: the App creates, reads and deletes its own catalogs.
    "catalogs": ("read_products", "read_catalogs", "write_catalogs", "delete_catalogs"),
    # A products job reading through an Akeneo catalog (its option akeneo_catalog).
    "akeneo-catalog": ("read_products", "read_catalogs"),
}
CATALOG_READS = "akeneo-catalog"
"""The :data:`FLOW_SCOPES` entry of a job with the ``akeneo_catalog`` option."""


def scopes_for(flows: Iterable[str], *, identify_user: bool = False) -> str:
    """The space-separated scopes the given flows need, nothing more.

    Read-only scopes, so an App token can never change the PIM's data. ``identify_user``
    adds ``openid`` (only needed to know which PIM user activated the app). Raises
    ConfigError for an unknown flow.
    """
    wanted: list[str] = []
    for flow in flows:
        try:
            needed = FLOW_SCOPES[flow]
        except KeyError:
            known = ", ".join(sorted(FLOW_SCOPES))
            raise ConfigError(f"no App scopes known for flow {flow!r} (known: {known})") from None
        wanted.extend(s for s in needed if s not in wanted)
    if identify_user:
        wanted.append("openid")
    return " ".join(wanted)


def new_state() -> str:
    """A random anti-CSRF ``state`` to send with the authorization request."""
    return secrets.token_urlsafe(24)


def authorize_url(pim_url: str, client_id: str, scopes: str, state: str) -> str:
    """Where to send the PIM user's browser to activate the App (step 2 of the flow)."""
    query = urlencode(
        {"response_type": "code", "client_id": client_id, "scope": scopes, "state": state}
    )
    return f"{pim_url.rstrip('/')}{APP_AUTHORIZE_PATH}?{query}"


def read_callback(query: str | Mapping[str, str], state: str) -> str:
    """The ``code`` of the PIM's redirect to the callback, after checking ``state``.

    Raises AuthenticationError when the user cancelled (``error=access_denied``) or the
    state differs from the one sent (a forged or stale redirect).
    """
    params = dict(parse_qsl(query.lstrip("?"))) if isinstance(query, str) else dict(query)
    if params.get("state") != state:
        raise AuthenticationError("App activation refused: the callback's state does not match")
    if "error" in params:
        raise AuthenticationError(f"App activation refused by the PIM: {params['error']}")
    code = params.get("code")
    if not code:
        raise AuthenticationError("App activation failed: the callback has no code")
    return code


def code_challenge(code_identifier: str, client_secret: str) -> str:
    """Akeneo's proof of the secret: hex SHA-256 of the identifier followed by the secret."""
    return hashlib.sha256((code_identifier + client_secret).encode()).hexdigest()


@dataclass(frozen=True)
class AkeneoAppToken:
    """An App's access token and the scopes the PIM granted; the secret never shows."""

    access_token: SecretStr
    scopes: tuple[str, ...] = ()
    id_token: SecretStr | None = field(default=None, repr=False)

    def oauth_token(self) -> OAuthToken:
        """The token as the HTTP layer's token cache holds it (never expiring)."""
        return OAuthToken(self.access_token, _NEVER)


def exchange_code(
    pim_url: str,
    client_id: str,
    client_secret: str | SecretStr,
    code: str,
    *,
    allow_insecure_http: bool = False,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY_POLICY,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AkeneoAppToken:
    """Trade the callback's ``code`` for an App token (step 4 of the flow).

    Exchange it at once: Akeneo's codes expire after about 30 seconds and work once.
    Raises AuthenticationError when the PIM refuses (bad, used or expired code, wrong
    client or secret), ConfigError when ``pim_url`` does not answer like an Akeneo PIM.
    """
    secret = SecretStr(client_secret) if isinstance(client_secret, str) else client_secret
    identifier = secrets.token_hex(30)
    redactor = Redactor([secret, code])
    with HttpClient(
        pim_url.rstrip("/"),
        redactor=redactor,
        allow_insecure_http=allow_insecure_http,
        timeout=timeout,
        retry=retry,
        transport=transport,
        sleep=sleep,
    ) as http:
        where = redactor.redact(str(http.base_url).rstrip("/"))
        try:
            response = http.request(
                "POST",
                APP_TOKEN_PATH,
                data={
                    "grant_type": "authorization_code",
                    "client_id": client_id,
                    "code": code,
                    "code_identifier": identifier,
                    "code_challenge": code_challenge(identifier, secret.get_secret_value()),
                },
                expected=_REFUSED + _NOT_AKENEO,
                # The code works once: replaying a request the PIM may have served fails.
                idempotent=False,
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(f"{where} is not a valid URL: {exc}") from None
        if response.status_code in _NOT_AKENEO:
            raise ConfigError(
                f"{where} does not look like an Akeneo PIM ({APP_TOKEN_PATH} answers "
                f"{response.status_code}); check the PIM URL"
            )
        if response.status_code in _REFUSED:
            message = redactor.redact(remote_message(response))
            raise AuthenticationError(
                f"App activation failed for {where}: {message}",
                status_code=response.status_code,
                url=where,
            )
        token = _parse_token(response.content, where)
    redactor.add(token.access_token, token.id_token)
    log.info("App %s activated on %s with scopes: %s", client_id, where, " ".join(token.scopes))
    return token


def _parse_token(content: bytes, where: str) -> AkeneoAppToken:
    try:
        payload: Any = orjson.loads(content)
    except orjson.JSONDecodeError:
        payload = None
    access = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(access, str) or not access:
        raise ConfigError(f"{where} answered the App token request without an access token")
    scope = payload.get("scope")
    id_token = payload.get("id_token")
    return AkeneoAppToken(
        SecretStr(access),
        tuple(scope.split()) if isinstance(scope, str) else (),
        SecretStr(id_token) if isinstance(id_token, str) and id_token else None,
    )


class AppTokenFetcher:
    """A :data:`TokenFetcher` that only has the stored App token to give.

    There is nothing to renew: when the PIM refuses the token (the app was disconnected)
    it raises AuthenticationError asking for a new activation.
    """

    def __init__(self, token: AkeneoAppToken) -> None:
        self._token = token

    def __call__(self, previous: OAuthToken | None) -> OAuthToken:
        if previous is not None:
            raise AuthenticationError(
                "the PIM refused the App token (the App was probably disconnected); "
                "activate the App again"
            )
        return self._token.oauth_token()


class _AppTokenSession(OAuthSession):
    """Swaps the password-grant fetcher :class:`AkeneoClient` passes for the App's one.

    It sits after AkeneoClient in :class:`AkeneoAppClient`'s MRO, so AkeneoClient's own
    set-up runs unchanged and connection credentials keep their behaviour.
    """

    _app_token: AkeneoAppToken

    def __init__(
        self,
        base_url: str,
        fetcher: Callable[[HttpClient], TokenFetcher],
        *,
        secrets: Iterable[str | SecretStr | None] = (),
        **options: Any,
    ) -> None:
        token = self._app_token
        super().__init__(
            base_url,
            lambda _http: AppTokenFetcher(token),
            secrets=(*secrets, token.access_token, token.id_token),
            **options,
        )


class AkeneoAppClient(AkeneoClient, _AppTokenSession):
    """An :class:`AkeneoClient` that authenticates with an activated App's token."""

    def __init__(
        self,
        base_url: str,
        token: AkeneoAppToken,
        *,
        allow_insecure_http: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._app_token = token
        self.scopes = token.scopes
        super().__init__(
            base_url,
            # Never used: _AppTokenSession replaces the password grant with the App token.
            AkeneoCredentials.of("app", "", "app", ""),
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
            page_size=page_size,
        )
