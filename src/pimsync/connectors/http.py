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

* :class:`OAuthSession` — the base of a connector's client: the API client and the
  token client wired together, as the Akeneo and Oro clients use it.

Typical wiring for an OAuth API::

    class ShopClient(OAuthSession):
        def __init__(self, base_url: str, credentials: ShopCredentials) -> None:
            super().__init__(
                base_url,
                lambda token_http: ShopTokenFetcher(token_http, credentials),
                secrets=(credentials.secret, credentials.password),
            )

    for page in iter_pages(client.http, "/api/products", next_link=hal_next):
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
from ._session import OAuthSession

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
    "OAuthSession",
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
