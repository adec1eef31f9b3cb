"""The ``akeneo`` connection: its settings, how to connect, and its health check."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from pimsync.errors import ConfigError

from ._auth import AkeneoCredentials
from ._client import API, AkeneoClient

__all__ = ["SECRET_FIELDS", "AkeneoSettings", "check_akeneo", "connect"]

SECRET_FIELDS = ("secret", "password")


class AkeneoSettings(BaseModel):
    """An Akeneo PIM reached through its REST API (secrets: ``secret``, ``password``)."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    client_id: str = Field(min_length=1)
    username: str = Field(min_length=1)
    allow_insecure_http: bool = False
    timeout: float = Field(60.0, gt=0, le=3600)


def connect(
    settings: AkeneoSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> AkeneoClient:
    """A client for the connection. Raises :class:`ConfigError` when a secret is missing
    or the URL may not carry credentials (plain HTTP)."""
    missing = [name for name in SECRET_FIELDS if not secrets.get(name)]
    if missing:
        raise ConfigError(f"the akeneo connection needs the secret(s) {', '.join(missing)}")
    credentials = AkeneoCredentials(
        settings.client_id, secrets["secret"], settings.username, secrets["password"]
    )
    timeout = httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))
    return AkeneoClient(
        str(settings.url),
        credentials,
        allow_insecure_http=settings.allow_insecure_http,
        timeout=timeout,
        transport=transport,
    )


def check_akeneo(settings: AkeneoSettings, secrets: Mapping[str, SecretStr]) -> list[str]:
    """Sign in and report what can be read: counts of products, channels, locales, and
    the edition. Raises :class:`~pimsync.errors.AuthenticationError` for refused
    credentials, :class:`ConfigError` for a URL that is not an Akeneo PIM."""
    with connect(settings, secrets) as client:
        client.token()
        lines = [f"{client.base_url}: signed in as {settings.username}"]
        for label, path in (
            ("products", f"{API}/products-uuid"),
            ("channels", f"{API}/channels"),
            ("locales", f"{API}/locales"),
        ):
            count = client.count(path)
            lines.append(f"{label}: {'readable' if count is None else count}")
        lines.append(f"edition: {client.edition().value}")
        system = client.system_information()
        if system is not None:
            lines.append(f"PIM version {system.get('version', '?')} ({system.get('edition', '?')})")
        return lines
