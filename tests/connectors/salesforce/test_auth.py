"""Signing in with the three grants, the instance URL, and re-auth on INVALID_SESSION_ID."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from pimsync.connectors.salesforce import SalesforceClient, SalesforceCredentials, default_audience
from pimsync.errors import AuthenticationError, ConfigError

from ._fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    ORG_ID,
    PASSWORD,
    PRIVATE_PEM,
    ROOT,
    SECURITY_TOKEN,
    USER_ID,
    USERNAME,
    FakeSalesforce,
    route,
)
from .conftest import MakeClient


def _accounts(fake: FakeSalesforce) -> None:
    fake.routes.append(
        route(
            "GET",
            r"/query/",
            lambda request: httpx.Response(
                200, json={"totalSize": 1, "done": True, "records": [{"Id": "001A"}]}
            ),
        )
    )


def test_client_credentials_signs_in_and_calls_the_instance(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    _accounts(fake)

    pages = list(client.query("SELECT Id FROM Account"))

    assert pages == [[{"Id": "001A"}]]
    assert fake.grants == [
        {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    ]
    call = fake.api_calls("GET")[0]
    assert str(call.url).startswith(f"{INSTANCE}{ROOT}/query/")
    assert call.headers["Authorization"] == f"Bearer {fake.tokens_issued[0]}"
    session = client.session()
    assert (session.org_id, session.user_id) == (ORG_ID, USER_ID)


def test_jwt_bearer_assertion_is_signed_rs256_with_the_claims(
    fake: FakeSalesforce, make_client: MakeClient
) -> None:
    fake.audience = "https://test.salesforce.com"
    credentials = SalesforceCredentials(
        "jwt",
        CLIENT_ID,
        username=USERNAME,
        private_key=SecretStr(PRIVATE_PEM),
        audience="https://test.salesforce.com",
    )
    _accounts(fake)

    list(make_client(credentials).query("SELECT Id FROM Account"))

    # The fake verified signature and claims; a refused assertion would have raised.
    assert fake.grants[0]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert set(fake.grants[0]) == {"grant_type", "assertion"}


def test_jwt_with_the_wrong_audience_is_refused(
    fake: FakeSalesforce, make_client: MakeClient
) -> None:
    credentials = SalesforceCredentials(
        "jwt", CLIENT_ID, username=USERNAME, private_key=SecretStr(PRIVATE_PEM), audience="x"
    )
    with pytest.raises(AuthenticationError, match=r"jwt grant.*invalid_grant"):
        make_client(credentials).session()


def test_password_grant_appends_the_security_token(
    fake: FakeSalesforce, make_client: MakeClient
) -> None:
    credentials = SalesforceCredentials(
        "password",
        CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        username=USERNAME,
        password=SecretStr(PASSWORD),
        security_token=SecretStr(SECURITY_TOKEN),
    )

    assert make_client(credentials).instance_url == INSTANCE
    assert fake.grants[0]["password"] == PASSWORD + SECURITY_TOKEN


def test_not_a_pem_key_is_a_config_error(make_client: MakeClient) -> None:
    credentials = SalesforceCredentials(
        "jwt", CLIENT_ID, username=USERNAME, private_key=SecretStr("not a key")
    )
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        make_client(credentials).session()


def test_a_grant_without_its_secrets_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="jwt grant needs username, private_key"):
        SalesforceCredentials("jwt", CLIENT_ID)


def test_refused_credentials_name_the_error_and_hide_the_secret(
    fake: FakeSalesforce, client: SalesforceClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.refuse_grant = True
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AuthenticationError) as raised:
        client.session()

    assert "invalid_grant: authentication failure" in str(raised.value)
    assert CLIENT_SECRET not in str(raised.value)
    assert CLIENT_SECRET not in caplog.text


def test_session_expired_mid_run_re_authenticates_once_and_retries(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    _accounts(fake)
    list(client.query("SELECT Id FROM Account"))
    fake.expire_sessions()

    pages = list(client.query("SELECT Id FROM Account"))

    assert pages == [[{"Id": "001A"}]]
    assert len(fake.tokens_issued) == 2
    last_two = fake.requests[-3:]
    assert [r.url.path for r in last_two] == [
        f"{ROOT}/query/",
        "/services/oauth2/token",
        f"{ROOT}/query/",
    ]
    assert last_two[-1].headers["Authorization"] == f"Bearer {fake.tokens_issued[1]}"


def test_a_session_refused_after_re_auth_is_an_authentication_error(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    client.session()
    fake.expire_sessions()
    fake.accept_tokens = False  # e.g. the integration user lost API access

    with pytest.raises(AuthenticationError, match="INVALID_SESSION_ID"):
        client.get("Account", "001A")
    assert len(fake.tokens_issued) == 2  # one re-auth, not a loop


@pytest.mark.parametrize(
    ("login", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
    ],
)
def test_default_jwt_audience(login: str, audience: str) -> None:
    assert default_audience(login) == audience
