"""Salesforce OAuth 2.0: client credentials, JWT bearer and username-password grants.

All three POST a form to ``{login_url}/services/oauth2/token`` and get the same answer:
an ``access_token`` without ``expires_in``, the ``instance_url`` every API call goes to,
and the identity URL ``…/id/<orgId>/<userId>`` naming the integration user (the user
whose writes the two-way sync must not echo back). None of them issues a refresh token:
a new token comes from the same grant again.

The JWT assertion is signed RS256 with :mod:`cryptography` (already a dependency): the
compact JWS is two base64url JSON documents and a PKCS#1 v1.5 SHA-256 signature, too
small to justify adding pyjwt.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal

import orjson
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from pimsync.connectors.http import HttpClient, OAuthToken, remote_message
from pimsync.errors import AuthenticationError, ConfigError

__all__ = [
    "JWT_LIFETIME",
    "TOKEN_LIFETIME",
    "TOKEN_PATH",
    "Grant",
    "SalesforceCredentials",
    "SalesforceToken",
    "SalesforceTokenFetcher",
    "default_audience",
    "jwt_assertion",
]

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a secret
Grant = Literal["client_credentials", "jwt", "password"]
# Salesforce sends no expires_in: a session lasts the org's timeout (2 h by default, as
# little as 15 min). Renewing early costs one token call; a 401 renews anyway.
TOKEN_LIFETIME = timedelta(minutes=30)
JWT_LIFETIME = timedelta(minutes=3)  # what simple-salesforce uses; Salesforce allows 5
_REFUSED = (400, 401, 403)
_ABSENT = (404, 405)
_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

_utc_now: Callable[[], datetime] = partial(datetime.now, UTC)


@dataclass(frozen=True)
class SalesforceToken(OAuthToken):
    """An access token with the org's ``instance_url`` and the identity URL."""

    instance_url: str = ""
    identity_url: str = ""

    @property
    def org_id(self) -> str:
        """The org id (``00D…``) from the identity URL, or ``""``."""
        parts = self.identity_url.rstrip("/").split("/")
        return parts[-2] if len(parts) >= 2 and parts[-3:-2] == ["id"] else ""

    @property
    def user_id(self) -> str:
        """The integration user's id (``005…``) from the identity URL, or ``""``."""
        parts = self.identity_url.rstrip("/").split("/")
        return parts[-1] if len(parts) >= 3 and parts[-3] == "id" else ""


@dataclass(frozen=True)
class SalesforceCredentials:
    """A connected app and, depending on ``grant``, the user it acts as.

    * ``client_credentials``: ``client_id`` + ``client_secret`` (Run-As user of the app);
    * ``jwt``: ``client_id`` + ``username`` + ``private_key`` (PEM) and ``audience``;
    * ``password``: ``client_id`` + ``client_secret`` + ``username`` + ``password``
      (+ ``security_token`` unless the caller's IP is trusted).

    Raises :class:`ConfigError` naming what the grant is missing.
    """

    grant: Grant
    client_id: str
    client_secret: SecretStr | None = field(default=None, repr=False)
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    security_token: SecretStr | None = field(default=None, repr=False)
    private_key: SecretStr | None = field(default=None, repr=False)
    audience: str = "https://login.salesforce.com"

    def __post_init__(self) -> None:
        needed: dict[Grant, tuple[str, ...]] = {
            "client_credentials": ("client_secret",),
            "jwt": ("username", "private_key"),
            "password": ("client_secret", "username", "password"),
        }
        missing = [name for name in needed[self.grant] if not getattr(self, name)]
        if missing:
            raise ConfigError(
                f"the Salesforce {self.grant} grant needs {', '.join(missing)}"
                " (set them on the connection)"
            )

    @property
    def secrets(self) -> tuple[SecretStr | None, ...]:
        return (self.client_secret, self.password, self.security_token, self.private_key)

    def form(self, *, now: datetime) -> dict[str, str]:
        """The token request body for this grant (a fresh JWT assertion each time)."""
        if self.grant == "jwt":
            assert self.username is not None and self.private_key is not None  # __post_init__
            assertion = jwt_assertion(
                self.private_key,
                issuer=self.client_id,
                subject=self.username,
                audience=self.audience,
                now=now,
            )
            return {"grant_type": _JWT_GRANT, "assertion": assertion}
        assert self.client_secret is not None  # __post_init__
        form = {
            "grant_type": self.grant,
            "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
        }
        if self.grant == "password":
            assert self.username is not None and self.password is not None
            token = self.security_token.get_secret_value() if self.security_token else ""
            form["username"] = self.username
            form["password"] = self.password.get_secret_value() + token
        return form


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_assertion(
    private_key: SecretStr,
    *,
    issuer: str,
    subject: str,
    audience: str,
    now: datetime,
    lifetime: timedelta = JWT_LIFETIME,
) -> str:
    """A JWT bearer assertion (RFC 7523) signed RS256 with the PEM ``private_key``.

    Raises :class:`ConfigError` when the key is not an unencrypted PEM RSA private key.
    """
    try:
        key = serialization.load_pem_private_key(
            private_key.get_secret_value().encode(), password=None
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(
            "the Salesforce private_key is not an unencrypted PEM private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("the Salesforce private_key must be an RSA key (JWT bearer uses RS256)")
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": int((now + lifetime).timestamp()),
    }
    signing_input = f"{_b64url(orjson.dumps(header))}.{_b64url(orjson.dumps(claims))}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


class SalesforceTokenFetcher:
    """A :data:`~pimsync.connectors.http.TokenFetcher` running the configured grant.

    Raises :class:`AuthenticationError` ("authentication failed for <url>: invalid_grant:
    …") when Salesforce refuses the grant, :class:`ConfigError` when the URL does not
    answer like a Salesforce token endpoint, and what :meth:`HttpClient.request` raises
    otherwise (:class:`~pimsync.errors.TransientError` when it stays unavailable).
    """

    def __init__(
        self,
        client: HttpClient,
        credentials: SalesforceCredentials,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._clock = clock
        client.redactor.add(*credentials.secrets)

    def __call__(self, previous: OAuthToken | None) -> SalesforceToken:
        where = self._client.redactor.redact(str(self._client.base_url).rstrip("/"))
        requested_at = self._clock()
        form = self._credentials.form(now=requested_at)
        if "assertion" in form:  # a signed assertion is a credential for a few minutes
            self._client.redactor.add(form["assertion"])
        response = self._client.request(
            "POST", TOKEN_PATH, data=form, expected=_REFUSED + _ABSENT, idempotent=True
        )
        if response.status_code in _ABSENT:
            raise ConfigError(
                f"{where} does not look like a Salesforce login URL ({TOKEN_PATH} answers "
                f"{response.status_code}); use https://login.salesforce.com, "
                "https://test.salesforce.com or the org's My Domain"
            )
        if response.status_code in _REFUSED:
            message = self._client.redactor.redact(remote_message(response))
            raise AuthenticationError(
                f"authentication failed for {where} ({self._credentials.grant} grant): {message}",
                status_code=response.status_code,
                url=where,
            )
        return self._token(response.content, where, requested_at)

    def _token(self, content: bytes, where: str, requested_at: datetime) -> SalesforceToken:
        try:
            payload = orjson.loads(content)
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, Mapping) or not payload.get("access_token"):
            raise ConfigError(
                f"{where} does not look like a Salesforce login URL (its token endpoint "
                "answers without an access token)"
            )
        instance_url = payload.get("instance_url")
        if not isinstance(instance_url, str) or not instance_url.startswith(
            ("https://", "http://")
        ):
            raise ConfigError(f"the token response of {where} has no instance_url")
        base = OAuthToken.from_response(payload, now=requested_at, default_lifetime=TOKEN_LIFETIME)
        identity = payload.get("id")
        return SalesforceToken(
            access_token=base.access_token,
            expires_at=base.expires_at,
            instance_url=instance_url.rstrip("/"),
            identity_url=identity if isinstance(identity, str) else "",
        )


def default_audience(login_url: str) -> str:
    """The JWT ``aud`` for a login URL: test.salesforce.com for sandboxes,
    login.salesforce.com for other Salesforce hosts, the URL itself elsewhere (an
    Experience Cloud site, or a local stand-in)."""
    host = login_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith("salesforce.com"):
        return "https://login.salesforce.com"
    return login_url.rstrip("/")
