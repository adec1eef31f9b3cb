"""Secrets never reach logs or error messages.

The acceptance test drives a whole OAuth flow (token request with client secret and
password, then a failing API call with the bearer token) against a remote that even
echoes the credentials back, and checks everything a user could read.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import httpx
import pytest

from pimsync.connectors.http import (
    BasicAuth,
    BearerTokenAuth,
    CachedTokenProvider,
    HttpClient,
    Redactor,
    RetryPolicy,
    request_token,
)
from pimsync.errors import AuthenticationError, PimsyncError, TransientError

BASE = "https://pim.example.test"
CLIENT_SECRET = "cs-3f9Zq!x/Secret"
PASSWORD = "hunter2 p@ss&w0rd"
ACCESS_TOKEN = "tok-Y2FmZWJhYmU-access"
REFRESH_TOKEN = "rt-ZGVhZGJlZWY-refresh"


def leaked(text: str) -> list[str]:
    secrets = [CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN]
    spellings = {form for s in secrets for form in (s, quote(s, safe=""), quote_plus(s))}
    return [s for s in spellings if s in text]


@pytest.mark.parametrize(
    ("api_status", "error"),
    [(500, TransientError), (401, AuthenticationError)],
    ids=["server-error", "refused"],
)
def test_failing_authenticated_call_leaks_no_secret(
    caplog: pytest.LogCaptureFixture, api_status: int, error: type[PimsyncError]
) -> None:
    caplog.set_level(logging.DEBUG)
    redactor = Redactor([CLIENT_SECRET, PASSWORD])
    token_answers = [httpx.Response(503)]  # the first token request is retried and logged

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        assert quote_plus(PASSWORD) in request.content.decode()
        if token_answers:
            return token_answers.pop()
        return httpx.Response(
            200,
            json={"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 3600},
        )

    def api(request: httpx.Request) -> httpx.Response:
        # A careless remote echoing every credential it saw into its error body.
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        echo = f"token {bearer} refused (refresh {REFRESH_TOKEN}, {PASSWORD}, {CLIENT_SECRET})"
        return httpx.Response(api_status, json={"message": echo, "refresh_token": REFRESH_TOKEN})

    options = {"redactor": redactor, "sleep": lambda s: None, "retry": RetryPolicy(max_attempts=3)}
    token_client = HttpClient(
        BASE,
        auth=BasicAuth("pimsync-client", CLIENT_SECRET),
        transport=httpx.MockTransport(token_endpoint),
        **options,  # type: ignore[arg-type]
    )
    grant = {"grant_type": "password", "username": "admin", "password": PASSWORD}
    tokens = CachedTokenProvider(
        lambda previous: request_token(token_client, "/api/oauth/v1/token", data=grant),
        redactor=redactor,
    )
    api_client = HttpClient(
        BASE,
        auth=BearerTokenAuth(tokens),
        transport=httpx.MockTransport(api),
        **options,  # type: ignore[arg-type]
    )

    with pytest.raises(error) as caught:
        api_client.get("/api/rest/v1/products", params={"access_token": ACCESS_TOKEN})

    shown = [caplog.text, str(caught.value), repr(caught.value), getattr(caught.value, "url", "")]
    readable = "\n".join(shown)
    assert leaked(readable) == []
    assert "***" in str(caught.value)
    assert "/api/rest/v1/products?access_token=***" in caplog.text  # the log still says what failed
    assert "/api/oauth/v1/token" in caplog.text


def test_redactor_masks_credentials_by_shape() -> None:
    redactor = Redactor()
    text = (
        "Authorization: Basic dXNlcjpwYXNz and bearer abc.def-ghi "
        "https://user:hunter2@pim.example.test/x?client_secret=s3&limit=10 "
        'body {"password": "p\\"w", "refresh_token":"rt"} '
        "form grant_type=password&password=pw&username=admin"
    )
    assert redactor.redact(text) == (
        "Authorization: Basic *** and bearer *** "
        "https://user:***@pim.example.test/x?client_secret=***&limit=10 "
        'body {"password": "***", "refresh_token":"***"} '
        "form grant_type=password&password=***&username=admin"
    )


def test_redactor_masks_registered_secrets_however_encoded() -> None:
    redactor = Redactor([CLIENT_SECRET])
    redactor.add(None, "")  # ignored: an empty secret would mask everything
    assert (
        redactor.redact(f"a {CLIENT_SECRET} b {quote(CLIENT_SECRET, safe='')} c") == "a *** b *** c"
    )


def test_logging_filter_redacts_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    def log_in() -> None:
        raise ValueError(f"bad password {PASSWORD}")

    log = logging.getLogger("pimsync.test.redaction")
    log.addFilter(Redactor([PASSWORD]).logging_filter())
    try:
        log_in()
    except ValueError:
        log.exception("login as %s with %s failed", "admin", PASSWORD)
    finally:
        log.filters.clear()
    assert leaked(caplog.text) == []
    assert "login as admin with *** failed" in caplog.text
    assert "ValueError: bad password ***" in caplog.text


def test_httpx_own_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with HttpClient(BASE, transport=transport, redactor=Redactor(["sig-0a1b2c3d"])) as client:
        client.get("/media/download/sig-0a1b2c3d")
    assert "HTTP Request: GET https://pim.example.test/media/download/***" in caplog.text
