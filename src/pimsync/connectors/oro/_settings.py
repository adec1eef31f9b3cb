"""The ``oro`` connection: its settings, how to connect, and its health check."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from pimsync.errors import ConfigError

from ._auth import OroCredentials
from ._capabilities import parse_version
from ._client import OroClient

__all__ = ["SECRET_FIELDS", "OroSettings", "check_oro", "connect"]

SECRET_FIELDS = ("client_secret",)
PASSWORD_FIELD = "password"  # noqa: S105 - the name of an optional secret, not a secret


class OroSettings(BaseModel):
    """An OroCommerce back office reached through its JSON:API (secret: ``client_secret``;
    also ``password`` when ``username`` selects the password grant).

    ``version`` (e.g. ``"6.1.10"``) enables upsert, synchronous batches and ext_id
    addressing where that version has them; leave it empty to use none of them.
    """

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    client_id: str = Field(min_length=1)
    username: str | None = None
    version: str | None = None
    allow_insecure_http: bool = False
    timeout: float = Field(60.0, gt=0, le=3600)

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_version(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return value


def connect(
    settings: OroSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> OroClient:
    """A client for the connection. Raises :class:`ConfigError` when a secret is missing
    or the URL may not carry credentials (plain HTTP)."""
    needed = SECRET_FIELDS + ((PASSWORD_FIELD,) if settings.username is not None else ())
    missing = [name for name in needed if not secrets.get(name)]
    if missing:
        raise ConfigError(f"the oro connection needs the secret(s) {', '.join(missing)}")
    credentials = OroCredentials(
        settings.client_id,
        secrets["client_secret"],
        settings.username,
        secrets.get(PASSWORD_FIELD) if settings.username is not None else None,
    )
    timeout = httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))
    return OroClient(
        str(settings.url),
        credentials,
        version=settings.version,
        allow_insecure_http=settings.allow_insecure_http,
        timeout=timeout,
        transport=transport,
    )


def check_oro(
    settings: OroSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Sign in and report what can be read: localizations, the product count, whether
    categories are writable, and the capabilities of the configured version.

    Raises :class:`~pimsync.errors.AuthenticationError` for refused credentials,
    :class:`ConfigError` for a URL that is not an OroCommerce back office.
    """
    with connect(settings, secrets, transport=transport) as client:
        client.token()
        grant = "password" if settings.username else "client credentials"
        lines = [f"{client.base_url}: signed in ({grant} grant)"]
        localizations = [
            str(r.attributes.get("name") or r.id) for r in client.list("localizations")
        ]
        lines.append(f"localizations: {', '.join(localizations) or 'none'}")
        count = client.count("products")
        lines.append(f"products: {'readable' if count is None else count}")
        writable = client.categories_writable()
        lines.append(f"categories: {'writable' if writable else 'read-only'}")
        caps = client.capabilities
        enabled = [
            name for name in ("upsert", "sync_batch", "validate", "ext_id") if getattr(caps, name)
        ]
        version = settings.version or "unknown version"
        lines.append(f"{version}: {', '.join(enabled) or 'no optional API features used'}")
        return lines
