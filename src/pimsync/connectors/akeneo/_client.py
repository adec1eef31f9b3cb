"""The Akeneo REST client: OAuth, both paginations, edition detection, the PIM's clock.

Every page is either read or reported: a page that still fails after the HTTP layer's
retries raises :class:`FatalSourceError` naming its URL, never ends the walk quietly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import httpx

from pimsync.connectors.http import (
    DEFAULT_RETRY_POLICY,
    DEFAULT_TIMEOUT,
    OAuthSession,
    RetryPolicy,
    resolve_next_link,
)
from pimsync.errors import (
    AuthenticationError,
    FatalSourceError,
    RemoteError,
    TransientError,
)

from ._auth import AkeneoCredentials, AkeneoTokenFetcher

__all__ = ["API", "PAGE_SIZE", "AkeneoClient", "Edition", "Page"]

log = logging.getLogger("pimsync.akeneo")

API = "/api/rest/v1"
PAGE_SIZE = 100
# Lists that support the search_after cursor: stable and fast on big catalogs.
SEARCH_AFTER_PATHS = frozenset({f"{API}/products-uuid", f"{API}/products", f"{API}/product-models"})
# Enterprise-only lists: a Community PIM answers 404 there.
ENTERPRISE_FEATURES: Mapping[str, str] = {
    f"{API}/asset-families": "asset families",
    f"{API}/reference-entities": "reference entities",
    f"{API}/permissions": "permissions",
}


class Edition(StrEnum):
    COMMUNITY = "community"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its URL, raw items, and ``items_count`` when asked for."""

    url: str
    number: int
    items: list[dict[str, Any]]
    count: int | None = None


class AkeneoClient(OAuthSession):
    """One connection to an Akeneo PIM (a pooled keep-alive HTTP client plus OAuth).

    Tokens come from the password grant, are renewed with the refresh_token grant shortly
    before expiry (the password grant again if that is refused) and on a 401. The client
    secret, password and tokens are registered with the connection's redactor.

    ``transport`` replaces the network in tests; ``sleep`` avoids real waits there.
    Raises :class:`~pimsync.errors.ConfigError` for plain HTTP to a non-loopback host
    without ``allow_insecure_http``.
    """

    def __init__(
        self,
        base_url: str,
        credentials: AkeneoCredentials,
        *,
        allow_insecure_http: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(
            base_url,
            lambda token_http: AkeneoTokenFetcher(token_http, credentials),
            secrets=(credentials.secret, credentials.password),
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )
        self.page_size = page_size
        # The PIM's Date header and the local monotonic time it was seen at.
        self._last_date: tuple[datetime, float] | None = None
        self._lock = threading.Lock()
        self._unavailable: set[str] = set()

    # -- reading -------------------------------------------------------------------

    def get(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Any:
        """GET one resource as parsed JSON; errors as :meth:`HttpClient.request` raises."""
        response = self.http.request("GET", path, params=params)
        self._saw(response)
        return self.http.decode_json(response)

    def pages(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Iterator[Page]:
        """Every page of the list at ``path``, following ``_links.next.href``.

        Uses ``search_after`` pagination where Akeneo supports it, page numbers elsewhere,
        ``limit`` = :attr:`page_size`. An Enterprise-only list on a Community PIM (404)
        yields nothing, logged once. Raises :class:`FatalSourceError` naming the page URL
        when a page fails after retries or is not a list page; :class:`AuthenticationError`
        when the credentials are refused.
        """
        query: dict[str, str | int] = {"limit": self.page_size, **(params or {})}
        if path in SEARCH_AFTER_PATHS:
            query.setdefault("pagination_type", "search_after")
        feature = ENTERPRISE_FEATURES.get(path)
        if feature is not None and feature in self._unavailable:
            return
        url: str | None = path
        number = 0
        seen: set[str] = set()
        while url is not None:
            number += 1
            response = self._read_page(url, query, number, optional=feature is not None)
            if response.status_code == 404:
                self._mark_unavailable(str(feature))
                return
            current = str(response.request.url)
            seen.add(current)
            page, link = self._parse_page(response, number)
            yield page
            url, query = (resolve_next_link(current, link) if link else None), {}
            if url is not None and url in seen:
                raise FatalSourceError(
                    f"pagination loop at {self._shown(url)}: page {number} links back to it"
                )

    def system_information(self) -> dict[str, str] | None:
        """The PIM's version and edition (``/system-information``, Akeneo 6 and later);
        None when the PIM is older and does not have the endpoint."""
        response = self.http.request("GET", f"{API}/system-information", expected=(404,))
        if response.status_code == 404:
            return None
        body = self.http.decode_json(response)
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else None

    def count(self, path: str, *, params: Mapping[str, str | int] | None = None) -> int | None:
        """``items_count`` of the list at ``path`` (``with_count=true``), None if not given.

        Uses page pagination (Akeneo refuses a count with ``search_after``).
        """
        query: dict[str, str | int] = {"limit": 1, "with_count": "true", **(params or {})}
        if path in SEARCH_AFTER_PATHS:
            query["pagination_type"] = "page"
        body = self.get(path, params=query)
        value = body.get("items_count") if isinstance(body, dict) else None
        return value if isinstance(value, int) else None

    def available(self, path: str) -> bool:
        """Whether the Enterprise-only list at ``path`` exists on this PIM (probed once)."""
        feature = ENTERPRISE_FEATURES[path]
        if feature in self._unavailable:
            return False
        response = self.http.request("GET", path, params={"limit": 1}, expected=(404,))
        self._saw(response)
        if response.status_code == 404:
            self._mark_unavailable(feature)
            return False
        return True

    def edition(self) -> Edition:
        """Enterprise when the asset families list exists, else Community (probed once)."""
        available = self.available(f"{API}/asset-families")
        return Edition.ENTERPRISE if available else Edition.COMMUNITY

    def server_time(self) -> datetime:
        """The PIM's current time (UTC): the ``Date`` of the last response plus the time
        elapsed since, else that of a cheap request, else the local clock.

        ``Date`` has a one-second resolution and is truncated, so this errs early: a
        watermark taken from it never skips a change.
        """
        if self._last_date is None:
            try:
                self.get(f"{API}/currencies", params={"limit": 1})
            except (RemoteError, TransientError) as exc:
                log.warning("cannot read the PIM's clock (%s); using the local clock", exc)
        if self._last_date is None:
            return datetime.now(UTC)
        date, seen_at = self._last_date
        return date + timedelta(seconds=time.monotonic() - seen_at)

    # -- internals -----------------------------------------------------------------

    def _read_page(
        self, url: str, query: Mapping[str, str | int], number: int, *, optional: bool
    ) -> httpx.Response:
        expected = (404,) if optional and number == 1 else ()
        try:
            response = self.http.request("GET", url, params=query or None, expected=expected)
        except AuthenticationError:
            raise
        except (TransientError, RemoteError) as exc:
            full = self.http.base_url.join(url).copy_merge_params(dict(query))
            shown = self._shown(str(full))
            raise FatalSourceError(f"cannot read page {number} at {shown}: {exc}") from exc
        self._saw(response)
        return response

    def _parse_page(self, response: httpx.Response, number: int) -> tuple[Page, str | None]:
        url = self._shown(str(response.request.url))
        try:
            body = self.http.decode_json(response)
        except RemoteError as exc:
            raise FatalSourceError(f"cannot read page {number} at {url}: {exc}") from exc
        embedded = body.get("_embedded") if isinstance(body, dict) else None
        items = embedded.get("items") if isinstance(embedded, dict) else None
        if not isinstance(items, list):
            raise FatalSourceError(f"page {number} at {url} is not an Akeneo list page")
        count = body.get("items_count")
        page = Page(url, number, items, count if isinstance(count, int) else None)
        return page, _next_href(body.get("_links"))

    def _saw(self, response: httpx.Response) -> None:
        header = response.headers.get("Date")
        if not header:
            return
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self._last_date = (aware.astimezone(UTC), time.monotonic())

    def _mark_unavailable(self, feature: str) -> None:
        with self._lock:
            if feature in self._unavailable:
                return
            self._unavailable.add(feature)
        log.warning("%s: not available on this edition (Community?); skipped", feature)

    def _shown(self, url: str) -> str:
        return self.redactor.redact(url)


def _next_href(links: Any) -> str | None:
    """``_links.next.href`` of a page, or None at the last page."""
    if not isinstance(links, dict):
        return None
    nxt = links.get("next")
    href = nxt.get("href") if isinstance(nxt, dict) else None
    return href if isinstance(href, str) and href else None
