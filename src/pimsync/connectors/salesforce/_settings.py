"""The ``salesforce`` connection: its settings, how to connect, and its health check."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

from pimsync.errors import ConfigError

from ._auth import Grant, SalesforceCredentials, default_audience
from ._client import API_VERSION, SalesforceClient
from ._limits import ApiUsageTracker, parse_limit_info

__all__ = ["SECRET_FIELDS", "SalesforceSettings", "check_salesforce", "connect"]

SECRET_FIELDS = ("client_secret", "password", "security_token", "private_key")
_NEEDS: dict[str, tuple[str, ...]] = {
    "client_credentials": ("client_secret",),
    "jwt": ("private_key",),
    "password": ("client_secret", "password"),
}


class SalesforceSettings(BaseModel):
    """A Salesforce org (Sales Cloud REST API).

    ``url`` is where pimsync signs in: the org's My Domain
    (``https://acme.my.salesforce.com``, required for client credentials),
    ``https://login.salesforce.com`` or ``https://test.salesforce.com``; API calls go to
    the instance the token names. ``auth`` picks the grant and its secrets:
    ``client_credentials`` (``client_secret``), ``jwt`` (``username`` + ``private_key``,
    PEM) or ``password`` (``username`` + ``client_secret`` + ``password`` [+
    ``security_token``]; blocked in new orgs — avoid).

    The run slows down once the org's daily API usage passes ``api_slow_down_at`` and
    stops at ``api_stop_at`` (fractions of the allocation), leaving the rest to the org.
    """

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    api_version: str = Field(API_VERSION, pattern=r"^v\d{2,3}\.0$")
    auth: Grant = "client_credentials"
    client_id: str = Field(min_length=1)
    username: str | None = Field(None, min_length=1)
    jwt_audience: str | None = Field(
        None, description="JWT aud; default: login/test.salesforce.com from the URL"
    )
    allow_insecure_http: bool = False
    timeout: float = Field(60.0, gt=0, le=3600)
    api_slow_down_at: float = Field(0.8, gt=0, le=1)
    api_stop_at: float = Field(0.95, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> SalesforceSettings:
        if self.auth in ("jwt", "password") and not self.username:
            raise ValueError(f"the {self.auth} grant needs a username")
        if int(self.api_version[1:].split(".")[0]) < 46:
            raise ValueError("pimsync needs Salesforce API v46.0 or later")
        if self.api_slow_down_at > self.api_stop_at:
            raise ValueError("api_slow_down_at must not be above api_stop_at")
        return self


def connect(
    settings: SalesforceSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> SalesforceClient:
    """A client for the connection. Raises :class:`ConfigError` when a secret the grant
    needs is missing or the URL may not carry credentials (plain HTTP)."""
    missing = [name for name in _NEEDS[settings.auth] if not secrets.get(name)]
    if missing:
        raise ConfigError(
            f"the salesforce connection ({settings.auth} grant) needs the secret(s) "
            f"{', '.join(missing)}"
        )
    login_url = str(settings.url).rstrip("/")
    credentials = SalesforceCredentials(
        settings.auth,
        settings.client_id,
        client_secret=secrets.get("client_secret"),
        username=settings.username,
        password=secrets.get("password"),
        security_token=secrets.get("security_token"),
        private_key=secrets.get("private_key"),
        audience=settings.jwt_audience or default_audience(login_url),
    )
    timeout = httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))
    return SalesforceClient(
        login_url,
        credentials,
        api_version=settings.api_version,
        allow_insecure_http=settings.allow_insecure_http,
        timeout=timeout,
        transport=transport,
        usage=ApiUsageTracker(slow_down_at=settings.api_slow_down_at, stop_at=settings.api_stop_at),
    )


def check_salesforce(
    settings: SalesforceSettings,
    secrets: Mapping[str, SecretStr],
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Sign in and report the instance, org and integration user, and API usage.

    Raises :class:`~pimsync.errors.AuthenticationError` for refused credentials,
    :class:`ConfigError` for a URL that is not a Salesforce login URL.
    """
    with connect(settings, secrets, transport=transport) as client:
        session = client.session()
        lines = [f"{session.instance_url}: signed in ({settings.auth.replace('_', ' ')} grant)"]
        if session.org_id:
            lines.append(f"org {session.org_id}, integration user {session.user_id}")
        response = client.request("GET", "limits/")
        daily = client.http.decode_json(response).get("DailyApiRequests") or {}
        allowed, remaining = daily.get("Max"), daily.get("Remaining")
        if isinstance(allowed, int) and isinstance(remaining, int) and allowed > 0:
            used = allowed - remaining
            lines.append(
                f"API {settings.api_version}: {used}/{allowed} daily requests used "
                f"({used / allowed:.0%}); pimsync stops at {settings.api_stop_at:.0%}"
            )
        else:
            usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
            lines.append(f"API {settings.api_version}: {usage or 'usage not reported'}")
        return lines
