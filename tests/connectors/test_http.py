"""The shared HTTP client: the response → action table, auth refresh, HTTPS enforcement.

Every test runs against ``httpx.MockTransport`` with an injected sleep recorder, so no
test waits and each can assert the delays the client chose.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pydantic import SecretStr

from pimsync.connectors.http import (
    BasicAuth,
    BearerTokenAuth,
    CachedTokenProvider,
    HttpClient,
    OAuthToken,
    RetryPolicy,
    parse_retry_after,
    remote_message,
    request_token,
)
from pimsync.errors import AuthenticationError, ConfigError, RemoteError, TransientError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BASE = "https://pim.example.test"

Answer = httpx.Response | Exception


class Server:
    """A scripted remote: answers in order (the last one repeats) and records requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[Callable[..., HttpClient]]:
    clients: list[HttpClient] = []

    def make(server: Server, **options: object) -> HttpClient:
        settings: dict[str, object] = {
            "transport": httpx.MockTransport(server),
            "sleep": sleeps.append,
            "clock": Clock(),
            "jitter": lambda cap: cap,  # the upper bound, so backoff is predictable
        }
        settings.update(options)
        clients.append(HttpClient(BASE, **settings))  # type: ignore[arg-type]
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def token_provider(
    *tokens: str, clock: Clock | None = None
) -> tuple[CachedTokenProvider, list[str]]:
    """A provider handing out ``tokens`` in order, each valid for an hour."""
    issued: list[str] = []
    clock = clock or Clock()

    def fetch(previous: OAuthToken | None) -> OAuthToken:
        value = tokens[len(issued)]
        issued.append(value)
        return OAuthToken(SecretStr(value), expires_at=clock() + timedelta(hours=1))

    return CachedTokenProvider(fetch, clock=clock), issued


# --- the response → action table ---------------------------------------------------


def test_429_waits_the_seconds_in_retry_after(make_client, sleeps) -> None:
    server = Server(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200))
    with make_client(server) as client:
        assert client.get("/api/rest/v1/products").status_code == 200
    assert sleeps == [7.0]
    assert len(server.requests) == 2


def test_429_waits_until_an_http_date_retry_after(make_client, sleeps) -> None:
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    server = Server(httpx.Response(429, headers={"Retry-After": when}), httpx.Response(200))
    make_client(server).get("/x")
    assert sleeps == [12.0]


def test_retry_after_is_capped_and_reported_when_retries_run_out(make_client, sleeps) -> None:
    server = Server(httpx.Response(429, headers={"Retry-After": "3600"}))
    policy = RetryPolicy(max_attempts=3, max_retry_after=60)
    with pytest.raises(TransientError) as caught:
        make_client(server, retry=policy).get("/x")
    assert sleeps == [60.0, 60.0]
    assert caught.value.retry_after == 3600.0  # the engine may reschedule with the real wish


def test_503_honours_retry_after_and_falls_back_to_backoff(make_client, sleeps) -> None:
    server = Server(
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(503),
        httpx.Response(200),
    )
    make_client(server, retry=RetryPolicy(base_delay=0.5)).get("/x")
    assert sleeps == [2.0, 1.0]  # second retry without Retry-After: 0.5 * 2**1


def test_500_backs_off_exponentially_then_raises_with_attempts_status_and_url(
    make_client, sleeps
) -> None:
    server = Server(httpx.Response(500, json={"message": "database is down"}))
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=1.5)
    with pytest.raises(TransientError) as caught:
        make_client(server, retry=policy).get("/api/rest/v1/products", params={"limit": 100})
    assert sleeps == [0.5, 1.0, 1.5]
    assert len(server.requests) == 4
    message = str(caught.value)
    assert "after 4 attempts" in message
    assert "500 Internal Server Error" in message
    assert "database is down" in message
    assert f"{BASE}/api/rest/v1/products?limit=100" in message


def test_full_jitter_waits_between_zero_and_the_cap(make_client, sleeps) -> None:
    server = Server(httpx.Response(502))
    policy = RetryPolicy(max_attempts=6, base_delay=1.0, max_delay=4.0)
    with pytest.raises(TransientError):
        make_client(server, retry=policy, jitter=lambda cap: cap * 0.25).get("/x")
    assert sleeps == [0.25, 0.5, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.PoolTimeout("no free connection"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset by peer"),
        httpx.ReadTimeout("read timed out"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_transport_errors_are_retried(make_client, sleeps, error: Exception) -> None:
    server = Server(error, httpx.Response(200, json={"ok": True}))
    assert make_client(server).get_json("/x") == {"ok": True}
    assert len(sleeps) == 1


def test_transport_error_exhausting_retries_names_the_error(make_client) -> None:
    server = Server(httpx.ConnectError("connection refused"))
    with pytest.raises(TransientError, match=r"after 2 attempts.*ConnectError: connection refused"):
        make_client(server, retry=RetryPolicy(max_attempts=2)).get("/x")


def test_404_raises_remote_error_with_the_remote_message(make_client, sleeps) -> None:
    body = {"code": 404, "message": "Resource `BIKE-1` does not exist."}
    server = Server(httpx.Response(404, json=body))
    with pytest.raises(RemoteError) as caught:
        make_client(server).get("/api/rest/v1/products/BIKE-1")
    assert caught.value.status_code == 404
    assert caught.value.url == f"{BASE}/api/rest/v1/products/BIKE-1"
    assert "Resource `BIKE-1` does not exist." in str(caught.value)
    assert sleeps == []


def test_404_listed_as_expected_is_returned(make_client) -> None:
    server = Server(httpx.Response(404, json={"message": "absent"}))
    response = make_client(server).get("/api/rest/v1/products/BIKE-1", expected=(404,))
    assert response.status_code == 404


def test_400_is_not_retried(make_client, sleeps) -> None:
    server = Server(httpx.Response(400, json={"message": "Invalid json message received"}))
    with pytest.raises(RemoteError, match="Invalid json message received"):
        make_client(server).request("PATCH", "/x", json={"values": {}}, idempotent=True)
    assert len(server.requests) == 1
    assert sleeps == []


def test_post_is_not_repeated_after_a_500_unless_declared_idempotent(make_client, sleeps) -> None:
    server = Server(httpx.Response(500), httpx.Response(201))
    with pytest.raises(TransientError, match="POST is not idempotent"):
        make_client(server).request("POST", "/products", json={"sku": "A"})
    assert len(server.requests) == 1

    server = Server(httpx.Response(500), httpx.Response(201))
    response = make_client(server).request("POST", "/products", json={"sku": "A"}, idempotent=True)
    assert response.status_code == 201


def test_post_is_retried_when_the_server_never_saw_it(make_client) -> None:
    server = Server(httpx.ConnectError("refused"), httpx.Response(429), httpx.Response(201))
    assert make_client(server).request("POST", "/products", json={}).status_code == 201
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"message": "Validation failed.", "errors": [{"property": "sku", "message": "blank"}]},
            "Validation failed. (sku: blank)",
        ),
        (
            {"error": "invalid_grant", "error_description": "bad password"},
            "invalid_grant: bad password",
        ),
        (
            {"errors": [{"status": "422", "title": "constraint", "detail": "name is empty"}]},
            "name is empty",
        ),
        (
            [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            "INVALID_SESSION_ID: Session expired or invalid",
        ),
        ({"error": {"message": "quota"}}, "quota"),
    ],
)
def test_remote_message_understands_common_error_bodies(body: object, expected: str) -> None:
    assert remote_message(httpx.Response(400, json=body)) == expected


def test_remote_message_falls_back_to_text_then_reason() -> None:
    html = "<html>" + "x" * 500
    assert remote_message(httpx.Response(502, text=html)) == html[:200]
    assert remote_message(httpx.Response(502)) == "Bad Gateway"


def test_parse_retry_after_rejects_garbage_and_floors_past_dates() -> None:
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0


# --- authentication --------------------------------------------------------------


def test_401_refreshes_the_token_once_then_succeeds(make_client, sleeps) -> None:
    provider, issued = token_provider("tok-1", "tok-2")
    server = Server(httpx.Response(401), httpx.Response(200))
    make_client(server, auth=BearerTokenAuth(provider)).get("/x")
    assert issued == ["tok-1", "tok-2"]
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer tok-1", "Bearer tok-2"]
    assert sleeps == []


def test_second_401_raises_authentication_error(make_client) -> None:
    provider, _ = token_provider("tok-1", "tok-2")
    server = Server(httpx.Response(401, json={"message": "The access token provided is invalid."}))
    with pytest.raises(AuthenticationError, match="after refreshing") as caught:
        make_client(server, auth=BearerTokenAuth(provider)).get("/x")
    assert caught.value.status_code == 401
    assert "The access token provided is invalid." in str(caught.value)
    assert len(server.requests) == 2


def test_401_with_basic_auth_or_no_auth_is_final(make_client) -> None:
    for auth in (BasicAuth("client", "secret"), None):
        server = Server(httpx.Response(401))
        with pytest.raises(AuthenticationError):
            make_client(server, auth=auth).get("/x")
        assert len(server.requests) == 1


def test_token_is_refreshed_shortly_before_it_expires(make_client) -> None:
    clock = Clock()
    provider, issued = token_provider("tok-1", "tok-2", clock=clock)
    server = Server(httpx.Response(200))
    client = make_client(server, auth=BearerTokenAuth(provider))
    client.get("/x")
    clock.now += timedelta(minutes=58)  # 2 minutes left: more than the 60 s margin
    client.get("/x")
    clock.now += timedelta(seconds=90)  # 30 s left: renew before the server refuses it
    client.get("/x")
    assert issued == ["tok-1", "tok-2"]
    assert [r.headers["Authorization"][7:] for r in server.requests] == ["tok-1", "tok-1", "tok-2"]


def test_threads_refused_the_same_token_fetch_one_new_token() -> None:
    provider, issued = token_provider("tok-1", "tok-2", "tok-3")
    provider.token()
    barrier = threading.Barrier(8)

    def refresh() -> None:
        barrier.wait()
        provider.refresh("tok-1")

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert issued == ["tok-1", "tok-2"]


def test_oauth_token_hides_secrets_and_requires_aware_expiry() -> None:
    token = OAuthToken.from_response(
        {"access_token": "tok-SECRET", "refresh_token": "rt-SECRET", "expires_in": 3600}, now=NOW
    )
    assert token.expires_at == NOW + timedelta(hours=1)
    assert "SECRET" not in repr(token)
    with pytest.raises(ValueError, match="timezone-aware"):
        OAuthToken(SecretStr("t"), expires_at=datetime(2025, 1, 1))


def test_request_token_turns_a_refused_grant_into_authentication_error(make_client) -> None:
    server = Server(httpx.Response(400, json={"error": "invalid_grant", "error_description": "no"}))
    with pytest.raises(AuthenticationError, match="invalid_grant: no"):
        request_token(make_client(server), "/oauth/token", data={"grant_type": "password"})


# --- HTTPS enforcement --------------------------------------------------------------


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"use an https:// URL, or set allow_insecure_http"):
        HttpClient("http://pim.example.com")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "https://a.b"]
)
def test_loopback_and_https_are_allowed(url: str) -> None:
    HttpClient(url).close()


def test_plain_http_can_be_allowed_explicitly(make_client) -> None:
    server = Server(httpx.Response(200))
    client = HttpClient(
        "http://pim.internal", allow_insecure_http=True, transport=httpx.MockTransport(server)
    )
    assert client.get("/x").status_code == 200


def test_an_absolute_plain_http_link_is_refused_at_request_time(make_client) -> None:
    server = Server(httpx.Response(200))
    with pytest.raises(ConfigError, match=r"refusing plain HTTP to pim\.example\.test"):
        make_client(server).get("http://pim.example.test/api/rest/v1/products?page=2")
    assert server.requests == []  # the token never left


# --- over real sockets --------------------------------------------------------------


class _DropFirstRequest(BaseHTTPRequestHandler):
    """Closes the connection without a word on the first request, then answers JSON."""

    protocol_version = "HTTP/1.1"
    server: _CountingServer

    def do_GET(self) -> None:
        if self.server.count_request() == 1:
            self.close_connection = True
            return
        body = b'{"identifier": "BIKE-1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DropFirstRequest)
        self._lock = threading.Lock()
        self.requests = 0

    def count_request(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests


@pytest.fixture
def dropping_server() -> Iterator[_CountingServer]:
    server = _CountingServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_dropped_connection_is_retried_over_real_sockets(dropping_server, sleeps) -> None:
    host, port = dropping_server.server_address[:2]
    with HttpClient(f"http://{host}:{port}", sleep=sleeps.append) as client:
        assert client.get_json("/api/rest/v1/products/BIKE-1") == {"identifier": "BIKE-1"}
    assert dropping_server.requests == 2
    assert len(sleeps) == 1


def test_a_read_response_is_freed_without_the_garbage_collector(
    make_client: Callable[..., HttpClient],
) -> None:
    """Runs let the collector wait (frozen_heap): a response kept alive by a reference
    cycle would hold its body until then."""
    body = b"x" * 200_000
    client = make_client(lambda request: httpx.Response(200, content=body))
    enabled = gc.isenabled()
    gc.disable()
    try:
        response = client.request("GET", "/page")
        assert response.content == body
        assert b"".join(response.iter_bytes()) == body  # still readable
        freed = weakref.ref(response)
        del response
        assert freed() is None
    finally:
        if enabled:
            gc.enable()
