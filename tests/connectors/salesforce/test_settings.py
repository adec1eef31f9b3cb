"""The ``salesforce`` connection kind: settings, secrets, ``pimsync connections test``."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.connectors.salesforce import SalesforceSettings, check_salesforce, connect
from pimsync.errors import AuthenticationError, ConfigError, RemoteError

from ._fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    LOGIN,
    ORG_ID,
    PRIVATE_PEM,
    USER_ID,
    USERNAME,
    FakeSalesforce,
    route,
    sf_error,
)

SECRETS = {"client_secret": SecretStr(CLIENT_SECRET)}


def _limits(fake: FakeSalesforce) -> None:
    fake.routes.append(
        route(
            "GET",
            r"/limits/",
            lambda r: httpx.Response(
                200, json={"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}
            ),
        )
    )


def test_the_kind_is_registered_with_its_secrets() -> None:
    kind = get_kind("salesforce")
    assert set(kind.secret_fields) == {"client_secret", "password", "security_token", "private_key"}
    settings = parse_settings("crm", kind, {"url": LOGIN, "client_id": CLIENT_ID})
    assert isinstance(settings, SalesforceSettings)
    assert settings.api_version == "v62.0"
    with pytest.raises(ConfigError, match="jwt grant needs a username"):
        parse_settings("crm", kind, {"url": LOGIN, "client_id": CLIENT_ID, "auth": "jwt"})


@pytest.mark.parametrize(
    "bad",
    [
        {"api_version": "v45.0"},
        {"api_version": "62"},
        {"api_slow_down_at": 0.99, "api_stop_at": 0.9},
        {"auth": "oauth"},
    ],
)
def test_invalid_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SalesforceSettings.model_validate({"url": LOGIN, "client_id": CLIENT_ID, **bad})


def test_check_reports_instance_org_user_and_api_usage(fake: FakeSalesforce) -> None:
    _limits(fake)
    settings = SalesforceSettings(url=LOGIN, client_id=CLIENT_ID)  # type: ignore[arg-type]

    lines = check_salesforce(settings, SECRETS, transport=fake.transport())

    assert lines == [
        f"{INSTANCE}: signed in (client credentials grant)",
        f"org {ORG_ID}, integration user {USER_ID}",
        "API v62.0: 1000/15000 daily requests used (7%); pimsync stops at 95%",
    ]


def test_check_with_jwt(fake: FakeSalesforce) -> None:
    _limits(fake)
    fake.audience = LOGIN  # not a salesforce.com host: the URL itself is the audience
    settings = SalesforceSettings.model_validate(
        {"url": LOGIN, "client_id": CLIENT_ID, "auth": "jwt", "username": USERNAME}
    )
    lines = check_salesforce(
        settings, {"private_key": SecretStr(PRIVATE_PEM)}, transport=fake.transport()
    )
    assert lines[0] == f"{INSTANCE}: signed in (jwt grant)"


def test_missing_secret_is_a_config_error() -> None:
    settings = SalesforceSettings.model_validate(
        {"url": LOGIN, "client_id": CLIENT_ID, "auth": "password", "username": USERNAME}
    )
    with pytest.raises(ConfigError, match="needs the secret\\(s\\) client_secret, password"):
        connect(settings, {})


def test_plain_http_is_refused_except_on_loopback() -> None:
    remote = SalesforceSettings.model_validate({"url": "http://crm.example.com", "client_id": "c"})
    with pytest.raises(ConfigError, match="refusing plain HTTP"):
        connect(remote, SECRETS)
    local = SalesforceSettings.model_validate({"url": "http://127.0.0.1:8765", "client_id": "c"})
    connect(local, SECRETS).close()


def test_secrets_and_tokens_never_reach_logs_or_errors(
    fake: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.routes.append(
        route(
            "GET",
            r"/limits/",
            lambda r: sf_error(400, "MALFORMED_ID", f"boom {r.headers['Authorization']}"),
        )
    )
    settings = SalesforceSettings(url=LOGIN, client_id=CLIENT_ID)  # type: ignore[arg-type]
    client = connect(settings, SECRETS, transport=fake.transport())

    with pytest.raises(RemoteError) as raised:
        client.http.request("GET", client.api_url("limits/"))
    client.close()
    fake.refuse_grant = True
    fake.expire_sessions()
    with pytest.raises(AuthenticationError) as refused:
        check_salesforce(settings, SECRETS, transport=fake.transport())

    texts = [str(raised.value), str(refused.value), caplog.text]
    for secret in (CLIENT_SECRET, *fake.tokens_issued):
        assert all(secret not in text for text in texts), secret
    assert "MALFORMED_ID: boom Bearer ***" in str(raised.value)
