"""The HTTP client every connector uses: one pooled connection, retries, auth, redaction."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

from pimsync import __version__
from pimsync.errors import AuthenticationError, ConfigError, RemoteError, TransientError

from ._auth import Auth
from ._redact import RedactingFilter, Redactor, RedactorRegistry
from ._retry import (
    ERROR_RULES,
    IDEMPOTENT_METHODS,
    RESPONSE_RULES,
    Action,
    ErrorRule,
    ResponseRule,
    RetryPolicy,
    full_jitter,
    match_error,
    match_response,
    parse_retry_after,
)

logger = logging.getLogger("pimsync.http")

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=30)
DEFAULT_RETRY_POLICY = RetryPolicy()

_utc_now: Callable[[], datetime] = partial(datetime.now, UTC)
_MESSAGE_LIMIT = 200

# httpx logs every request URL at INFO, and query strings may hold credentials: one
# filter on its logger redacts with the redactor of every live client.
_HTTPX_LOG_REDACTION = RedactorRegistry()
logging.getLogger("httpx").addFilter(RedactingFilter(_HTTPX_LOG_REDACTION))


def require_https(url: httpx.URL, *, allow_insecure_http: bool) -> None:
    """Check that ``url`` may carry credentials.

    Raises :class:`ConfigError` for plain ``http://`` to a non-loopback host (unless
    ``allow_insecure_http``) and for any scheme other than http/https.
    """
    if url.scheme == "http" and not (allow_insecure_http or _is_loopback(url)):
        raise ConfigError(
            f"refusing plain HTTP to {url.host}: use an https:// URL, or set "
            "allow_insecure_http=True on the connection if the network is trusted"
        )
    if url.scheme not in ("http", "https"):
        raise ConfigError(
            f"unsupported URL scheme {url.scheme!r} for {url.host or url.path}: use https://"
        )


def _is_loopback(url: httpx.URL) -> bool:
    host = url.host.lower()
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_message(response: httpx.Response) -> str:
    """The error message a remote system put in its response body, best effort.

    Understands ``message`` (+ first of ``errors``), OAuth ``error``/``error_description``,
    JSON:API ``errors[0].detail`` and Salesforce ``[{"message", "errorCode"}]``; otherwise
    the first 200 characters of the text, or the reason phrase. Never raises.
    """
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    message = _message_from_json(body) if body is not None else None
    if not message:
        message = " ".join(response.text.split())[:_MESSAGE_LIMIT]
    return message or response.reason_phrase


def _message_from_json(body: object) -> str | None:
    if isinstance(body, list) and body:
        first = body[0]  # Salesforce: [{"message": ..., "errorCode": ...}]
        if isinstance(first, dict) and isinstance(first.get("message"), str):
            code = first.get("errorCode")
            return f"{code}: {first['message']}" if isinstance(code, str) else first["message"]
        return None
    if not isinstance(body, dict):
        return None
    detail = _first_error_detail(body.get("errors"))
    message = body.get("message")
    if isinstance(message, str) and message:
        return f"{message} ({detail})" if detail else message
    description, error = body.get("error_description"), body.get("error")
    if isinstance(description, str) and description:
        return f"{error}: {description}" if isinstance(error, str) else description
    if isinstance(error, str) and error:
        return error
    if isinstance(error, dict):  # {"error": {"message": ...}} (several REST APIs)
        return _message_from_json(error)
    fault = body.get("fault")  # SFCC OCAPI: {"fault": {"type": ..., "message": ...}}
    if isinstance(fault, dict) and isinstance(fault.get("message"), str):
        kind = fault.get("type")
        return f"{kind}: {fault['message']}" if isinstance(kind, str) else fault["message"]
    return detail


def _first_error_detail(errors: object) -> str | None:
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    first = errors[0]  # JSON:API "detail", Akeneo "property" + "message"
    text = first.get("detail") or first.get("message") or first.get("title")
    if not isinstance(text, str):
        return None
    source = first.get("source")
    field = first.get("property") or (source.get("pointer") if isinstance(source, dict) else None)
    return f"{field}: {text}" if isinstance(field, str) and field else text


@dataclass(frozen=True)
class _Failure:
    """A retryable outcome of one attempt, already redacted."""

    reason: str  # the rule's reason, e.g. "rate limited"
    description: str  # status and remote message, or the transport error
    maybe_processed: bool
    requested_wait: float | None  # Retry-After in seconds, when honoured and present
    cause: BaseException | None

    def __str__(self) -> str:
        return f"{self.reason}: {self.description}"


class HttpClient:
    """One connection to a remote API: a pooled keep-alive ``httpx.Client`` plus policy.

    Responses and transport errors go through the rules of ``pimsync.connectors._retry``
    (retry with Retry-After or backoff, refresh auth once on 401, or fail). Every log
    line and error message passes through ``redactor``.

    ``transport`` replaces the network (``httpx.MockTransport`` in tests); ``limits`` only
    apply to the default transport. ``sleep``, ``clock`` and ``jitter`` are injectable so
    tests neither wait nor guess.

    Raises :class:`ConfigError` if ``base_url`` is plain HTTP to a non-loopback host and
    ``allow_insecure_http`` is not set.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        limits: httpx.Limits = DEFAULT_LIMITS,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        redactor: Redactor | None = None,
        allow_insecure_http: bool = False,
        response_rules: Sequence[ResponseRule] = RESPONSE_RULES,
        error_rules: Sequence[ErrorRule] = ERROR_RULES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        jitter: Callable[[float], float] = full_jitter,
    ) -> None:
        self._allow_insecure_http = allow_insecure_http
        require_https(httpx.URL(base_url), allow_insecure_http=allow_insecure_http)
        self._redactor = redactor if redactor is not None else Redactor()
        self._auth = auth
        self._policy = retry
        self._response_rules = tuple(response_rules)
        self._error_rules = tuple(error_rules)
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": f"pimsync/{__version__}", **(headers or {})},
            timeout=timeout,
            limits=limits,
            transport=transport,
            follow_redirects=False,  # a redirect could carry the token elsewhere
        )
        _HTTPX_LOG_REDACTION.register(self._redactor)

    @property
    def base_url(self) -> httpx.URL:
        return self._client.base_url

    @property
    def redactor(self) -> Redactor:
        """The redactor of this connection; register further secrets with ``add``."""
        return self._redactor

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections; the client cannot be used afterwards."""
        self._client.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        expected: Collection[int] = (),
    ) -> httpx.Response:
        """``request("GET", ...)``; see :meth:`request`."""
        return self.request("GET", url, params=params, expected=expected)

    def get_json(self, url: str, *, params: Mapping[str, str | int] | None = None) -> Any:
        """GET ``url`` and parse the body with orjson.

        Raises what :meth:`request` raises, and :class:`RemoteError` if the body is not JSON.
        """
        return self.decode_json(self.request("GET", url, params=params))

    def decode_json(self, response: httpx.Response) -> Any:
        """The response body parsed with orjson.

        Raises :class:`RemoteError` (with the URL and the start of the body) if it is
        not JSON, e.g. an HTML maintenance page served with status 200.
        """
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            request = response.request
            url = self._redacted_url(request.url)
            snippet = self.redactor.redact(response.text[:_MESSAGE_LIMIT])
            raise RemoteError(
                f"{request.method} {url} returned {self._status(response)} with a body that "
                f"is not JSON: {snippet!r}",
                status_code=response.status_code,
                url=url,
            ) from exc

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | str | Callable[[], Iterator[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        expected: Collection[int] = (),
        idempotent: bool | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send a request, applying the response/error rules; return the final response.

        ``url`` is absolute or relative to ``base_url``. A 2xx, or a status listed in
        ``expected`` (e.g. ``(404,)`` to treat "absent" as an answer), is returned.
        ``idempotent`` defaults from the method; failures after which the server may have
        acted (5xx, dropped connection) are only retried for idempotent requests.
        With ``stream``, the body of the returned response is not read: iterate it, then
        close the response. ``content`` may be a function returning the body's chunks (a
        large file sent without holding it in memory): it is called for each attempt.

        Raises :class:`TransientError` when retries are exhausted or not allowed,
        :class:`AuthenticationError` on a 401 that survives a credential refresh,
        :class:`RemoteError` for other error statuses and non-retried transport errors,
        :class:`ConfigError` for plain HTTP to a non-loopback host.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        failures = 0
        refreshed = False
        while True:
            body = content() if callable(content) else content
            request = self._client.build_request(
                method, url, params=params, json=json, data=data, content=body, headers=headers
            )
            require_https(request.url, allow_insecure_http=self._allow_insecure_http)
            if self._auth is not None:
                self._auth.authorize(request)
                self._register_credential(request)
            target = f"{method} {self._redacted_url(request.url)}"
            started = time.perf_counter()
            try:
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as exc:
                self._log_exchange(target, type(exc).__name__, started)
                failure = self._transport_failure(exc, request)
            else:
                self._log_exchange(target, response.status_code, started)
                if not stream:
                    _unlink_stream(response)
                if response.is_success or response.status_code in expected:
                    return response
                if stream:  # an error body is small: read it for the message, free the socket
                    response.read()
                    response.close()
                rule = match_response(response.status_code, self._response_rules)
                if (
                    rule.action is Action.REFRESH_AUTH
                    and not refreshed
                    and self._auth is not None
                    and self._auth.refresh(request)
                ):
                    refreshed = True  # a renewed token gets one try; it is not a retry
                    continue
                if rule.action is not Action.RETRY:
                    raise self._final_error(response, rule, after_refresh=refreshed)
                failure = self._response_failure(rule, response)
            failures += 1
            if failure.maybe_processed and not idempotent:
                raise TransientError(
                    f"{target} failed ({failure}); not retried because the server may have "
                    f"processed it and {method} is not idempotent",
                    retry_after=failure.requested_wait,
                ) from failure.cause
            if failures >= self._policy.max_attempts:
                raise TransientError(
                    f"{target} failed after {failures} attempts; last error: {failure}",
                    retry_after=failure.requested_wait,
                ) from failure.cause
            if failure.requested_wait is not None:
                wait = self._policy.retry_after_wait(failure.requested_wait)
            else:
                wait = self._jitter(self._policy.backoff_cap(failures))
            logger.warning(
                "%s attempt %d/%d failed (%s); retrying in %.1f s",
                target,
                failures,
                self._policy.max_attempts,
                failure,
                wait,
            )
            self._sleep(wait)

    def describe(self, response: httpx.Response) -> str:
        """One redacted line: method, URL, status and the remote error message."""
        request = response.request
        return (
            f"{request.method} {self._redacted_url(request.url)} returned "
            f"{self._status_and_message(response)}"
        )

    def _transport_failure(self, error: httpx.TransportError, request: httpx.Request) -> _Failure:
        description = self.redactor.redact(f"{type(error).__name__}: {error}")
        rule = match_error(error, self._error_rules)
        if rule is None:  # e.g. a proxy or protocol error: retrying will not help
            url = self._redacted_url(request.url)
            raise RemoteError(f"{request.method} {url} failed: {description}", url=url) from error
        return _Failure(rule.reason, description, rule.maybe_processed, None, error)

    def _response_failure(self, rule: ResponseRule, response: httpx.Response) -> _Failure:
        wait = None
        if rule.honour_retry_after:
            wait = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        description = self._status_and_message(response)
        return _Failure(rule.reason, description, rule.maybe_processed, wait, None)

    def _final_error(
        self, response: httpx.Response, rule: ResponseRule, *, after_refresh: bool
    ) -> RemoteError:
        refused = rule.action is Action.REFRESH_AUTH
        error = AuthenticationError if refused else RemoteError
        suffix = " (after refreshing the credentials)" if refused and after_refresh else ""
        return error(
            self.describe(response) + suffix,
            status_code=response.status_code,
            url=self._redacted_url(response.request.url),
        )

    def _register_credential(self, request: httpx.Request) -> None:
        # Whatever an Auth put in the header is a secret, even if nobody registered it.
        header = request.headers.get("Authorization")
        if header:
            self.redactor.add(header.partition(" ")[2] or header)

    def _redacted_url(self, url: httpx.URL) -> str:
        return self.redactor.redact(str(url))

    def _status_and_message(self, response: httpx.Response) -> str:
        status = self._status(response)
        message = self.redactor.redact(remote_message(response))
        return status if message == response.reason_phrase else f"{status}: {message}"

    @staticmethod
    def _status(response: httpx.Response) -> str:
        return f"{response.status_code} {response.reason_phrase}".rstrip()

    @staticmethod
    def _log_exchange(target: str, outcome: int | str, started: float) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("%s -> %s in %.0f ms", target, outcome, elapsed_ms)


def _unlink_stream(response: httpx.Response) -> None:
    """Drop a read response's stream, which points back at the response.

    That cycle keeps every response (and its body: an Akeneo page is about 200 KB) until
    the garbage collector runs, and runs make it run rarely (``frozen_heap``): a 100k
    product no-op run held 500 MB of pages. The body stays readable (``content``).
    """
    response.stream = httpx.ByteStream(response.content)
