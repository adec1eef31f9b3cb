"""The HTTP layer shared by every connector.

* :class:`HttpClient` — one pooled, keep-alive connection to a remote API with
  timeouts, HTTPS enforcement, the retry/auth/fail rules and redacted logging
  (logger ``pimsync.http``).
* :class:`RetryPolicy` and the rule tables :data:`RESPONSE_RULES` /
  :data:`ERROR_RULES` — what happens to each response or transport error.
* :class:`BearerTokenAuth`, :class:`CachedTokenProvider`, :class:`OAuthToken`,
  :func:`request_token`, :class:`BasicAuth` — credentials.
* :class:`Redactor`, :class:`RedactingFilter`, :class:`RedactorRegistry` — secrets
  out of logs and errors (httpx's own log lines included).
* :func:`iter_pages` and :func:`resolve_next_link` — pagination that never stops
  silently.

Typical wiring for an OAuth API::

    redactor = Redactor([settings.client_secret, settings.password])
    token_client = HttpClient(base_url, redactor=redactor, auth=BasicAuth(client_id, secret))
    tokens = CachedTokenProvider(
        lambda previous: request_token(token_client, "/api/oauth/v1/token", json=grant),
        redactor=redactor,
    )
    api = HttpClient(base_url, redactor=redactor, auth=BearerTokenAuth(tokens))
    for page in iter_pages(api, "/api/rest/v1/products", next_link=hal_next):
        ...
"""

from ._auth import (
    Auth,
    BasicAuth,
    BearerTokenAuth,
    CachedTokenProvider,
    OAuthToken,
    TokenFetcher,
    TokenProvider,
    request_token,
)
from ._client import (
    DEFAULT_LIMITS,
    DEFAULT_RETRY_POLICY,
    DEFAULT_TIMEOUT,
    HttpClient,
    remote_message,
    require_https,
)
from ._pagination import NextLink, iter_pages, resolve_next_link
from ._redact import REDACTED, SENSITIVE_NAMES, RedactingFilter, Redactor, RedactorRegistry, Redacts
from ._retry import (
    ERROR_RULES,
    IDEMPOTENT_METHODS,
    RESPONSE_RULES,
    Action,
    ErrorRule,
    ResponseRule,
    RetryPolicy,
    full_jitter,
    parse_retry_after,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY_POLICY",
    "DEFAULT_TIMEOUT",
    "ERROR_RULES",
    "IDEMPOTENT_METHODS",
    "REDACTED",
    "RESPONSE_RULES",
    "SENSITIVE_NAMES",
    "Action",
    "Auth",
    "BasicAuth",
    "BearerTokenAuth",
    "CachedTokenProvider",
    "ErrorRule",
    "HttpClient",
    "NextLink",
    "OAuthToken",
    "RedactingFilter",
    "Redactor",
    "RedactorRegistry",
    "Redacts",
    "ResponseRule",
    "RetryPolicy",
    "TokenFetcher",
    "TokenProvider",
    "full_jitter",
    "iter_pages",
    "parse_retry_after",
    "remote_message",
    "request_token",
    "require_https",
    "resolve_next_link",
]
