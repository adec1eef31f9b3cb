"""The ``akeneo`` connection: its settings, how to connect, and its health check.

Two ways to sign in: connection credentials (``client_id``, ``username`` and the secrets
``secret`` and ``password``), or as an App (``app_client_id`` and the secret
``app_client_secret``), activated once with ``pimsync connections activate``, which
stores the secret ``app_token``. Once a connection holds an ``app_token``, every client
made by :func:`connect` uses it.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

from pimsync.errors import ConfigError, RemoteError

from ._app_auth import AkeneoAppClient, AkeneoAppToken
from ._auth import AkeneoCredentials
from ._client import API, AkeneoClient

__all__ = [
    "APP_SECRET_FIELDS",
    "PASSWORD_SECRET_FIELDS",
    "SECRET_FIELDS",
    "AkeneoSettings",
    "check_akeneo",
    "connect",
]

PASSWORD_SECRET_FIELDS = ("secret", "password")
APP_SECRET_FIELDS = ("app_client_secret", "app_token")
SECRET_FIELDS = PASSWORD_SECRET_FIELDS + APP_SECRET_FIELDS


class AkeneoSettings(BaseModel):
    """An Akeneo PIM reached through its REST API.

    Connection credentials: ``client_id`` and ``username`` (secrets ``secret`` and
    ``password``). App: ``app_client_id`` (secret ``app_client_secret``); activation
    adds the secret ``app_token`` and the granted ``app_scopes``.
    """

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    client_id: str | None = Field(None, min_length=1)
    username: str | None = Field(None, min_length=1)
    app_client_id: str | None = Field(None, min_length=1)
    app_scopes: str | None = None
    allow_insecure_http: bool = False
    timeout: float = Field(60.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> AkeneoSettings:
        if (self.client_id is None) != (self.username is None):
            missing = "username" if self.username is None else "client_id"
            raise ValueError(
                f"connection credentials need both client_id and username; set {missing}"
            )
        if self.client_id is None and self.app_client_id is None:
            raise ValueError(
                "set client_id and username (connection credentials, with the secrets "
                "secret and password), or app_client_id (an App, with the secret "
                "app_client_secret)"
            )
        return self

    @property
    def is_app(self) -> bool:
        """Whether the connection is set up as an App (``app_client_id``)."""
        return self.app_client_id is not None


def _timeout(settings: AkeneoSettings) -> httpx.Timeout:
    return httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))


def _missing(secrets: Mapping[str, SecretStr], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not secrets.get(name)]


def connect(
    settings: AkeneoSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> AkeneoClient:
    """A client for the connection: an :class:`AkeneoAppClient` when it holds an
    ``app_token``, else one signing in with the connection credentials.

    Raises :class:`ConfigError` when a secret is missing, an App is not activated yet,
    or the URL may not carry credentials (plain HTTP).
    """
    token = secrets.get("app_token")
    if token is not None and token.get_secret_value():
        scopes = tuple((settings.app_scopes or "").split())
        return AkeneoAppClient(
            str(settings.url),
            AkeneoAppToken(token, scopes),
            allow_insecure_http=settings.allow_insecure_http,
            timeout=_timeout(settings),
            transport=transport,
        )
    if settings.client_id is None or settings.username is None:
        missing = _missing(secrets, ("app_client_secret",))
        if missing:
            raise ConfigError(
                "the akeneo connection is an App (app_client_id) without the secret "
                "app_client_secret: add it (connections add --replace … --secret "
                "app_client_secret), then activate the App"
            )
        raise ConfigError(
            "the akeneo connection is an App that is not activated yet: run "
            "`pimsync connections activate NAME`"
        )
    missing = _missing(secrets, PASSWORD_SECRET_FIELDS)
    if missing:
        raise ConfigError(f"the akeneo connection needs the secret(s) {', '.join(missing)}")
    credentials = AkeneoCredentials(
        settings.client_id, secrets["secret"], settings.username, secrets["password"]
    )
    return AkeneoClient(
        str(settings.url),
        credentials,
        allow_insecure_http=settings.allow_insecure_http,
        timeout=_timeout(settings),
        transport=transport,
    )


def _edition(client: AkeneoClient) -> str:
    try:
        return client.edition().value
    except RemoteError as exc:
        # An App asks for the scopes of its flows only; asset families may not be one.
        if exc.status_code == 403 and isinstance(client, AkeneoAppClient):
            return "not checked (the App's scopes do not cover asset families)"
        raise


def check_akeneo(settings: AkeneoSettings, secrets: Mapping[str, SecretStr]) -> list[str]:
    """Sign in and report what can be read: counts of products, channels, locales, and
    the edition. Raises :class:`~pimsync.errors.AuthenticationError` for refused
    credentials, :class:`ConfigError` for a URL that is not an Akeneo PIM."""
    with connect(settings, secrets) as client:
        client.token()
        if isinstance(client, AkeneoAppClient):
            scopes = " ".join(client.scopes) or "unknown"
            who = f"as the App {settings.app_client_id or '?'} (scopes: {scopes})"
        else:
            who = f"as {settings.username}"
        lines = [f"{client.base_url}: signed in {who}"]
        for label, path in (
            ("products", f"{API}/products-uuid"),
            ("channels", f"{API}/channels"),
            ("locales", f"{API}/locales"),
        ):
            count = client.count(path)
            lines.append(f"{label}: {'readable' if count is None else count}")
        lines.append(f"edition: {_edition(client)}")
        system = client.system_information()
        if system is not None:
            lines.append(f"PIM version {system.get('version', '?')} ({system.get('edition', '?')})")
        return lines
