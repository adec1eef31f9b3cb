"""The Oro back-office JSON:API client: OAuth, JSON:API requests, paging, capabilities.

Every page is either read or reported: a page that still fails after the HTTP layer's
retries raises :class:`FatalSourceError` naming its URL, never ends the walk quietly.
Writes that Oro refuses with an error document (400, 409, 422) raise
:class:`OroRejected` carrying the parsed :class:`OroError` entries, so writers can turn
them into per-record rejections.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from pimsync.connectors.http import (
    DEFAULT_RETRY_POLICY,
    DEFAULT_TIMEOUT,
    OAuthSession,
    RetryPolicy,
    resolve_next_link,
)
from pimsync.errors import (
    AuthenticationError,
    ConfigError,
    FatalSourceError,
    RemoteError,
    TransientError,
)

from ._auth import OroCredentials, OroTokenFetcher
from ._capabilities import Capabilities
from ._documents import MEDIA_TYPE, Document, OroError, Resource, join_messages, parse_document
from ._documents import parse_errors as _parse_errors

__all__ = [
    "API",
    "ASYNC_TIMEOUT",
    "EXT_ID_HEADERS",
    "PAGE_SIZE",
    "SYNC_BATCH_LIMIT",
    "AsyncOperation",
    "OroClient",
    "OroRejected",
    "Page",
]

log = logging.getLogger("pimsync.oro")

API = "/admin/api"
PAGE_SIZE = 100  # Oro has no maximum by default; the brief advises 100-500
EXT_ID_HEADERS = {"X-Integration-Type": "ext_id"}  # products by SKU (6.1.10+/7.0.2+)
SYNC_BATCH_LIMIT = 100  # primary records per X-Mode: sync request (sync_processing_limit)
SYNC_BATCH_INCLUDED_LIMIT = 50  # included records per X-Mode: sync request
_REJECTED = (400, 409, 422)
ASYNC_TIMEOUT = 600.0  # seconds an asynchronous batch may take before the writer gives up
_ASYNC_DONE = frozenset({"success", "failed", "cancelled"})
_POLL_FIRST, _POLL_MAX = 0.2, 5.0  # seconds between polls: doubling from the first to the max


class OroRejected(RemoteError):
    """Oro refused a write with an error document; ``errors`` are its entries."""

    def __init__(
        self, message: str, errors: Sequence[OroError], *, status_code: int, url: str
    ) -> None:
        super().__init__(message, status_code=status_code, url=url)
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its URL, number (from 1) and parsed document."""

    url: str
    number: int
    document: Document


@dataclass(frozen=True, slots=True)
class AsyncOperation:
    """A finished ``asyncoperations`` record: its ``status`` and ``summary`` counts."""

    id: str
    status: str
    summary: Mapping[str, Any]

    @property
    def error_count(self) -> int | None:
        """``summary.errorCount`` (None when Oro gave no summary)."""
        count = self.summary.get("errorCount")
        return count if isinstance(count, int) else None


class OroClient(OAuthSession):
    """One connection to an OroCommerce back office (pooled keep-alive HTTP plus OAuth).

    Tokens come from the client-credentials grant (or the password grant when the
    credentials carry a username), are renewed 60 s before expiry and once on a 401.
    The client secret, password and tokens are registered with the redactor.

    ``version`` (e.g. ``"6.1.10"``) decides :attr:`capabilities`; unknown means none.
    ``transport`` replaces the network in tests; ``sleep`` avoids real waits there.
    Raises :class:`~pimsync.errors.ConfigError` for plain HTTP to a non-loopback host
    without ``allow_insecure_http``, or an unreadable ``version``.
    """

    def __init__(
        self,
        base_url: str,
        credentials: OroCredentials,
        *,
        version: str | None = None,
        allow_insecure_http: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(
            base_url,
            lambda token_http: OroTokenFetcher(token_http, credentials),
            secrets=(credentials.client_secret, credentials.password),
            headers={"Accept": MEDIA_TYPE},
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )
        self.capabilities = Capabilities.for_version(version)
        self.version = version
        self.page_size = page_size
        self._sleep = sleep
        self._categories_writable: bool | None = None
        self._headers: dict[str, str] = {}

    def by_sku(self) -> OroClient:
        """This client addressing products by SKU (``X-Integration-Type: ext_id``, Oro
        6.1.10+/7.0.2+): in its requests and answers a product's id is its SKU, including
        in relationships and filters. It shares the connection and tokens.

        Raises :class:`ConfigError` when the configured Oro version does not have it.
        """
        if not self.capabilities.ext_id:
            raise ConfigError(
                f"OroCommerce {self.version or '(version not configured)'} cannot address "
                "products by SKU: that needs 6.1.10+ or 7.0.2+"
            )
        view = copy.copy(self)
        view._headers = {**self._headers, **EXT_ID_HEADERS}
        return view

    @property
    def addresses_by_sku(self) -> bool:
        """Whether this client's requests carry ``X-Integration-Type: ext_id``."""
        return self._headers.get("X-Integration-Type") == "ext_id"

    def _request(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        merged = {**self._headers, **(headers or {})}
        return self.http.request(method, url, headers=merged or None, **kwargs)

    # -- reading -------------------------------------------------------------------

    def get(
        self,
        type_: str,
        id_: str,
        *,
        include: Sequence[str] = (),
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Document | None:
        """One resource with its ``included`` records; None when Oro answers 404."""
        query = dict(params or {})
        if include:
            query["include"] = ",".join(include)
        response = self._request(
            "GET", f"{API}/{type_}/{id_}", params=query or None, headers=headers, expected=(404,)
        )
        if response.status_code == 404:
            return None
        return self._document(response)

    def pages(
        self,
        type_: str,
        filters: Mapping[str, str] | None = None,
        *,
        include: Sequence[str] = (),
        fields: Mapping[str, str] | None = None,
        sort: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page]:
        """Every page of ``GET /admin/api/{type}``, following ``links.next``.

        ``filters`` maps a field (``"sku"``) or a field with operator (``"updatedAt[gte]"``)
        to its value (commas mean OR). ``page[size]`` is ``page_size``, else
        :attr:`page_size`. Raises
        :class:`FatalSourceError` naming the page URL when a page fails after retries or
        is not a list document, :class:`AuthenticationError` when credentials are refused.
        """
        query = self._list_query(filters, include, fields, sort)
        if page_size is not None:
            query["page[size]"] = page_size
        url: str | None = f"{API}/{type_}"
        number = 0
        seen: set[str] = set()
        while url is not None:
            number += 1
            response = self._read_page(url, query, number)
            current = str(response.request.url)
            seen.add(current)
            try:
                document = self._document(response)
            except RemoteError as exc:
                raise FatalSourceError(
                    f"cannot read page {number} at {self._shown(current)}: {exc}"
                ) from exc
            if not document.is_collection:
                raise FatalSourceError(
                    f"page {number} at {self._shown(current)} is not a JSON:API list"
                )
            yield Page(self._shown(current), number, document)
            link = document.next_link
            url, query = (resolve_next_link(current, link) if link else None), {}
            if url is not None and url in seen:
                raise FatalSourceError(
                    f"pagination loop at {self._shown(url)}: page {number} links back to it"
                )

    def list(
        self,
        type_: str,
        filters: Mapping[str, str] | None = None,
        *,
        include: Sequence[str] = (),
        fields: Mapping[str, str] | None = None,
    ) -> Iterator[Resource]:
        """Every resource of :meth:`pages`, in order (``included`` is on the pages)."""
        for page in self.pages(type_, filters, include=include, fields=fields):
            yield from page.document.data

    def count(self, type_: str, filters: Mapping[str, str] | None = None) -> int | None:
        """The number of matching records (``X-Include: totalCount``), None if not given."""
        query = self._list_query(filters, (), None, None)
        query["page[size]"] = 1
        response = self._request(
            "GET", f"{API}/{type_}", params=query, headers={"X-Include": "totalCount"}
        )
        value = response.headers.get("X-Include-Total-Count")
        return int(value) if value is not None and value.isdigit() else None

    # -- writing -------------------------------------------------------------------

    def create(
        self, type_: str, document: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> tuple[Document, bool]:
        """``POST /admin/api/{type}``: the stored resource and whether it was created
        (201; an upsert that updated answers 200). Raises :class:`OroRejected`."""
        response = self._write("POST", f"{API}/{type_}", document, headers)
        return self._document(response), response.status_code == 201

    def update(
        self,
        type_: str,
        id_: str,
        document: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Document, bool]:
        """``PATCH /admin/api/{type}/{id}``: the stored resource and whether it was created
        (only with ``meta.upsert``). Raises :class:`OroRejected` (404 included)."""
        response = self._write("PATCH", f"{API}/{type_}/{id_}", document, headers)
        return self._document(response), response.status_code == 201

    def delete(self, type_: str, id_: str, *, headers: Mapping[str, str] | None = None) -> bool:
        """``DELETE /admin/api/{type}/{id}``; False when it was already gone (404)."""
        response = self._request("DELETE", f"{API}/{type_}/{id_}", headers=headers, expected=(404,))
        return response.status_code != 404

    def delete_list(self, type_: str, filters: Mapping[str, str]) -> None:
        """``DELETE /admin/api/{type}?filter[...]`` (at most 100 records per call in Oro).

        Raises :class:`OroRejected` when Oro refuses the filters.
        """
        query = {f"filter[{name}]": value for name, value in filters.items()}
        if not query:
            raise ValueError("a delete-list request needs at least one filter")
        response = self._request(
            "DELETE", f"{API}/{type_}", params=query, expected=(*_REJECTED, 404)
        )
        if response.status_code in (*_REJECTED, 404):
            errors = _parse_errors(self._body(response)) or [
                OroError(str(response.status_code), response.reason_phrase, "")
            ]
            raise OroRejected(
                self.redactor.redact(f"DELETE {type_}: {join_messages(errors)}"),
                errors,
                status_code=response.status_code,
                url=self._shown(str(response.request.url)),
            )

    def batch_sync(self, type_: str, document: Mapping[str, Any]) -> Document:
        """``PATCH /admin/api/{type}`` with ``X-Mode: sync`` (6.0.4+): all records are
        written atomically, in order. Raises :class:`OroRejected` when any is refused
        (nothing is written then), :class:`TransientError` when Oro continues the batch
        asynchronously (202): a later retry finds what it wrote."""
        response = self._write("PATCH", f"{API}/{type_}", document, {"X-Mode": "sync"})
        if response.status_code == 202:
            where = response.headers.get("Content-Location", "an asyncoperation")
            raise TransientError(
                f"the synchronous batch on {type_} took too long and continues as {where}"
            )
        return self._document(response)

    def batch_async(self, type_: str, document: Mapping[str, Any]) -> str:
        """``PATCH /admin/api/{type}`` without ``X-Mode``: Oro accepts the batch (202) and
        processes it in the background; returns the ``asyncoperations`` id.

        Raises :class:`OroRejected` when the document itself is refused (400),
        :class:`RemoteError` when the answer is not an asyncoperation.
        """
        response = self._write("PATCH", f"{API}/{type_}", document, None)
        url = self._shown(str(response.request.url))
        if response.status_code != 202:
            raise RemoteError(
                f"PATCH {url}: expected 202 for an asynchronous batch, got {response.status_code}",
                status_code=response.status_code,
                url=url,
            )
        try:
            operation = self._document(response).one
        except ValueError as exc:
            raise RemoteError(f"PATCH {url}: {exc}", status_code=202, url=url) from exc
        if operation.type != "asyncoperations" or not operation.id:
            raise RemoteError(f"PATCH {url}: the answer is not an asyncoperation", url=url)
        return operation.id

    def wait_async(self, operation_id: str, *, timeout: float = ASYNC_TIMEOUT) -> AsyncOperation:
        """Polls ``GET /admin/api/asyncoperations/{id}`` (0.2 s doubling to 5 s between polls)
        until its status is ``success``, ``failed`` or ``cancelled``.

        Raises :class:`TransientError` when it is not done after ``timeout`` seconds (the
        message says whether Oro ever started it: a stopped message consumer is the usual
        cause), :class:`RemoteError` when the operation cannot be read.
        """
        started, waited, delay = time.monotonic(), 0.0, _POLL_FIRST
        while True:
            document = self.get("asyncoperations", operation_id)
            if document is None:
                raise RemoteError(
                    f"asyncoperation {operation_id} does not exist (Oro removes them after "
                    "an hour)",
                    status_code=404,
                )
            attributes = document.one.attributes
            status = str(attributes.get("status") or "")
            if status in _ASYNC_DONE:
                summary = attributes.get("summary")
                return AsyncOperation(
                    operation_id, status, summary if isinstance(summary, dict) else {}
                )
            if max(waited, time.monotonic() - started) >= timeout:
                hint = (
                    " (never started: is Oro's message queue consumer running?)"
                    if status == "new"
                    else ""
                )
                raise TransientError(
                    f"asyncoperation {operation_id} is still {status or 'unknown'!r} after "
                    f"{timeout:g} s{hint}"
                )
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, _POLL_MAX)

    def operation_errors(self, operation_id: str) -> Sequence[OroError]:
        """The errors of an asynchronous batch (``/asyncoperations/{id}/errors``); their
        pointers index the request body (``/data/3/attributes/sku``, ``/included/5``)."""
        resources = self.list(f"asyncoperations/{operation_id}/errors")
        return _parse_errors({"errors": [dict(r.attributes) for r in resources]})

    # -- capabilities --------------------------------------------------------------

    def categories_writable(self) -> bool:
        """Whether ``POST /admin/api/categories`` is allowed (read-only in CE; probed once).

        Asks ``OPTIONS`` for the ``Allow`` header. If that gives none, POSTs a document of
        a deliberately wrong type: 405 means read-only; a type-mismatch error means POST
        is allowed. Neither probe can create a record.
        """
        if self._categories_writable is None:
            self._categories_writable = self._probe_post("categories")
        return self._categories_writable

    def _probe_post(self, type_: str) -> bool:
        path = f"{API}/{type_}"
        response = self._request("OPTIONS", path, expected=range(400, 500))
        allow = response.headers.get("Allow")
        if response.is_success and allow is not None:
            return "POST" in {m.strip().upper() for m in allow.split(",")}
        probe = {"data": {"type": "pimsync-capability-probe", "attributes": {}}}
        response = self._request(
            "POST",
            path,
            content=orjson.dumps(probe),
            headers={"Content-Type": MEDIA_TYPE},
            expected=range(400, 500),
        )
        return response.status_code != 405

    # -- internals -----------------------------------------------------------------

    def _write(
        self,
        method: str,
        path: str,
        document: Mapping[str, Any],
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        response = self._request(
            method,
            path,
            content=orjson.dumps(document),
            headers={"Content-Type": MEDIA_TYPE, **(headers or {})},
            expected=(*_REJECTED, 404),
        )
        if response.status_code in (*_REJECTED, 404):
            errors = _parse_errors(self._body(response))
            if not errors:
                errors = [OroError(str(response.status_code), response.reason_phrase, "")]
            raise OroRejected(
                self.redactor.redact(f"{method} {path}: {join_messages(errors)}"),
                errors,
                status_code=response.status_code,
                url=self._shown(str(response.request.url)),
            )
        return response

    def _read_page(self, url: str, query: Mapping[str, str | int], number: int) -> httpx.Response:
        try:
            return self._request("GET", url, params=query or None)
        except AuthenticationError:
            raise
        except (TransientError, RemoteError) as exc:
            full = self.http.base_url.join(url).copy_merge_params(dict(query))
            shown = self._shown(str(full))
            raise FatalSourceError(f"cannot read page {number} at {shown}: {exc}") from exc

    def _list_query(
        self,
        filters: Mapping[str, str] | None,
        include: Sequence[str],
        fields: Mapping[str, str] | None,
        sort: str | None,
    ) -> dict[str, str | int]:
        query: dict[str, str | int] = {"page[size]": self.page_size}
        for name, value in (filters or {}).items():
            field, bracket, operator = name.partition("[")
            query[f"filter[{field}]{bracket}{operator}"] = value
        if include:
            query["include"] = ",".join(include)
        for type_, names in (fields or {}).items():
            query[f"fields[{type_}]"] = names
        if sort:
            query["sort"] = sort
        return query

    def _document(self, response: httpx.Response) -> Document:
        body = self.http.decode_json(response)
        try:
            return parse_document(body)
        except ValueError as exc:
            url = self._shown(str(response.request.url))
            raise RemoteError(
                f"{response.request.method} {url}: {exc}",
                status_code=response.status_code,
                url=url,
            ) from exc

    @staticmethod
    def _body(response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            return None

    def _shown(self, url: str) -> str:
        return self.redactor.redact(url)
