"""OAuth grants, sessions, API usage limits and injected faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pimsync.sandbox.salesforce import JWT_BEARER, ConnectedApp, SalesforceSandbox, serve

from .conftest import Clock, V, create, error, token

TOKEN = "/services/oauth2/token"


def test_client_credentials_token_has_the_brief_shape(sb: SalesforceSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        answer = token(client, sb)
    assert answer["token_type"] == "Bearer"
    assert answer["instance_url"] == base_url
    assert answer["id"] == f"{base_url}/id/{sb.org.id}/{sb.integration_user_id}"
    assert answer["issued_at"].isdigit()
    expected = hmac.new(
        sb.app.client_secret.encode(), (answer["id"] + answer["issued_at"]).encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(answer["signature"]) == expected


def test_client_credentials_in_a_basic_header(sb: SalesforceSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=(sb.app.client_id, sb.app.client_secret),
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("form", "error_code"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
            "invalid_client_id",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "3MVG9pimsync.sandbox.consumer.key",
                "client_secret": "wrong",
            },
            "invalid_client",
        ),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
        (
            {
                "grant_type": "password",
                "client_id": "3MVG9pimsync.sandbox.consumer.key",
                "client_secret": "pimsync-salesforce-secret",
                "username": "pimsync@sandbox.example",
                "password": "pimsync-password",
            },
            "invalid_grant",
        ),  # security token missing
    ],
)
def test_bad_token_requests_answer_oauth_errors(
    base_url: str, form: dict[str, str], error_code: str
) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.post(TOKEN, data=form)
    assert response.status_code == 400
    assert response.json()["error"] == error_code
    assert "error_description" in response.json()


def test_password_grant_with_security_token(sb: SalesforceSandbox, base_url: str) -> None:
    login = next(iter(sb.logins.values()))
    form = {
        "grant_type": "password",
        "client_id": sb.app.client_id,
        "client_secret": sb.app.client_secret,
        "username": login.username,
        "password": login.password + login.security_token,
    }
    with httpx.Client(base_url=base_url) as client:
        assert client.post(TOKEN, data=form).status_code == 200


def _jwt(key: rsa.RSAPrivateKey, claims: dict[str, object]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(orjson.dumps({'alg': 'RS256'}))}.{b64(orjson.dumps(claims))}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def test_jwt_bearer_verifies_the_signature(clock: Clock) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sb = SalesforceSandbox(app=ConnectedApp(certificate=public), clock=clock)
    claims = {
        "iss": sb.app.client_id,
        "sub": "pimsync@sandbox.example",
        "aud": "https://login.salesforce.com",
        "exp": int(clock.now.timestamp()) + 180,
    }
    with serve(sb) as url, httpx.Client(base_url=url) as client:

        def grant(assertion: str) -> httpx.Response:
            return client.post(TOKEN, data={"grant_type": JWT_BEARER, "assertion": assertion})

        good = grant(_jwt(key, claims))
        assert good.status_code == 200, good.text
        assert good.json()["id"].endswith(sb.integration_user_id)
        assert grant(_jwt(other, claims)).json()["error"] == "invalid_grant"
        unapproved = grant(_jwt(key, {**claims, "sub": "someone@else.example"}))
        assert unapproved.json()["error_description"] == "user hasn't approved this consumer"
        expired = grant(_jwt(key, {**claims, "exp": int(clock.now.timestamp()) - 1}))
        assert expired.status_code == 400
        assert grant("not.a.jwt").json()["error"] == "invalid_grant"


def test_missing_expired_and_bad_sessions_answer_invalid_session_id(
    sb: SalesforceSandbox, api: httpx.Client, clock: Clock
) -> None:
    assert api.get(f"{V}/limits").status_code == 200
    sb.faults.expire_tokens()
    response = api.get(f"{V}/limits")
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    api.headers["Authorization"] = f"Bearer {token(api, sb)['access_token']}"
    assert api.get(f"{V}/limits").status_code == 200
    clock.advance(hours=2, seconds=1)  # the default session timeout
    assert api.get(f"{V}/limits").status_code == 401
    del api.headers["Authorization"]
    assert error(api.get(f"{V}/sobjects"))["errorCode"] == "INVALID_SESSION_ID"


def test_every_rest_response_carries_the_usage_header_until_the_limit(clock: Clock) -> None:
    sb = SalesforceSandbox(api_limit=3, clock=clock)
    with serve(sb) as url, httpx.Client(base_url=url) as client:
        client.headers["Authorization"] = f"Bearer {token(client, sb)['access_token']}"
        seen = [client.get(f"{V}/limits") for _ in range(4)]
    assert [r.headers["Sforce-Limit-Info"] for r in seen] == [
        "api-usage=1/3",
        "api-usage=2/3",
        "api-usage=3/3",
        "api-usage=4/3",
    ]
    assert seen[2].json()["DailyApiRequests"] == {"Max": 3, "Remaining": 0}
    assert seen[3].status_code == 403
    assert seen[3].json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_injected_errors_are_salesforce_shaped(sb: SalesforceSandbox, api: httpx.Client) -> None:
    sb.faults.fail_next(f"{V}/query", 503, times=2)
    first, second = (
        api.get(f"{V}/query", params={"q": "SELECT Id FROM Account"}),
        api.get(f"{V}/query", params={"q": "SELECT Id FROM Account"}),
    )
    third = api.get(f"{V}/query", params={"q": "SELECT Id FROM Account"})
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert error(first)["errorCode"] == "SERVER_UNAVAILABLE"
    assert "Sforce-Limit-Info" in first.headers
    assert sb.requests[f"GET {V}/query"] == 3


def test_dropped_connection(sb: SalesforceSandbox, api: httpx.Client) -> None:
    sb.faults.drop_next(f"{V}/sobjects/Account")
    with pytest.raises(httpx.TransportError):
        api.post(f"{V}/sobjects/Account", json={"Name": "Lost"})
    time.sleep(0.05)
    assert create(api, "Account", Name="Kept")
