"""The Salesforce REST client: SOQL, single-record CRUD and upsert, sObject Collections,
replication (getUpdated / getDeleted), describe, limits; Bulk API 2.0 in ``_bulk``.

Every call goes to ``{instance_url}/services/data/{api_version}/…``, the instance the
token response names. Before each call the :class:`ApiUsageTracker` may slow down or
stop (``Sforce-Limit-Info`` of the previous answer); a ``403 REQUEST_LIMIT_EXCEEDED``
raises :class:`ApiLimitExceeded` without retrying (refused calls count too). A
``401 INVALID_SESSION_ID`` renews the token once and repeats the call (the HTTP layer's
refresh rule); a second 401 raises :class:`~pimsync.errors.AuthenticationError`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from pimsync.connectors.http import (
    DEFAULT_RETRY_POLICY,
    DEFAULT_TIMEOUT,
    OAuthSession,
    RetryPolicy,
    remote_message,
)
from pimsync.errors import ConfigError, RejectedRecord, RemoteError

from ._auth import SalesforceCredentials, SalesforceToken, SalesforceTokenFetcher
from ._bulk import BulkJobResult, BulkOperation, run_ingest_job
from ._limits import LIMIT_HEADER, ApiLimitExceeded, ApiUsageTracker
from ._results import (
    DeletedRecord,
    Deletions,
    RecordError,
    SaveResult,
    SObjectDescription,
    Updates,
    UpsertOutcome,
    parse_datetime,
)

__all__ = [
    "API_VERSION",
    "COLLECTION_LIMIT",
    "SalesforceClient",
    "soql_datetime",
    "soql_literal",
]

API_VERSION = "v62.0"
COLLECTION_LIMIT = 200  # records per sObject Collections call
_IDENTIFIER = re.compile(r"[A-Za-z]\w*(\.[A-Za-z]\w*)*")
_QUERY_ERRORS = frozenset({"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE"})


def soql_literal(value: str) -> str:
    """``value`` as a quoted SOQL string literal (backslash and quote escaped)."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def soql_datetime(moment: datetime) -> str:
    """An aware datetime as an (unquoted) SOQL datetime literal in UTC.

    Raises :class:`ValueError` for a naive datetime.
    """
    if moment.utcoffset() is None:
        raise ValueError("Salesforce datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _replication_time(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("Salesforce datetimes must be timezone-aware")
    return moment.astimezone(UTC).replace(second=0, microsecond=0).isoformat()


def _json_default(value: object) -> object:
    # Money as a JSON number: float's 15 significant digits hold any realistic price.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _errors(response: httpx.Response) -> list[RecordError]:
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return []
    entries = body if isinstance(body, list) else [body]
    return [RecordError.parse(e) for e in entries if isinstance(e, Mapping)]


class SalesforceClient(OAuthSession):
    """One connection to a Salesforce org (REST API ``api_version``, ≥ v46.0).

    ``login_url`` is where tokens come from (``https://login.salesforce.com``, the My
    Domain, or a local stand-in); API calls go to the token's ``instance_url``. Client
    secret, password, private key, assertions and tokens are redacted from logs and errors.

    ``transport`` replaces the network in tests; ``sleep`` the waits (pacing, bulk polls).
    Raises :class:`ConfigError` for plain HTTP to a non-loopback host without
    ``allow_insecure_http`` or an unreadable ``api_version``.
    """

    def __init__(
        self,
        login_url: str,
        credentials: SalesforceCredentials,
        *,
        api_version: str = API_VERSION,
        allow_insecure_http: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        usage: ApiUsageTracker | None = None,
    ) -> None:
        version = api_version.removeprefix("v")
        try:
            number = float(version)
        except ValueError:
            raise ConfigError(f"unreadable Salesforce API version {api_version!r}") from None
        if number < 46:
            raise ConfigError(
                f"Salesforce API {api_version} is too old: pimsync needs v46.0 or later "
                "(collection upsert and the upsert 'created' flag)"
            )
        super().__init__(
            login_url,
            lambda token_http: SalesforceTokenFetcher(token_http, credentials),
            secrets=credentials.secrets,
            headers={"Accept": "application/json", "Sforce-Call-Options": "client=pimsync"},
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
        )
        self.api_version = f"v{version}"
        self.usage = usage if usage is not None else ApiUsageTracker(sleep=sleep)
        self.grant = credentials.grant
        self._sleep = sleep
        self._descriptions: dict[str, SObjectDescription] = {}

    # -- session -------------------------------------------------------------------

    def session(self) -> SalesforceToken:
        """The current token (signing in if needed) with its instance and identity.

        Raises :class:`~pimsync.errors.AuthenticationError` when the grant is refused.
        """
        token = self.tokens.token()
        assert isinstance(token, SalesforceToken)  # SalesforceTokenFetcher makes these
        return token

    @property
    def instance_url(self) -> str:
        return self.session().instance_url

    def api_url(self, path: str) -> str:
        """The absolute URL of ``path``: host-relative (``/services/…``, as in
        ``nextRecordsUrl``) or relative to the versioned REST root."""
        if path.startswith(("https://", "http://")):
            return path
        instance = self.instance_url
        if path.startswith("/services/") or path.startswith("services/"):
            return f"{instance}/{path.lstrip('/')}"
        return f"{instance}/services/data/{self.api_version}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        expected: Sequence[int] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one API call (paced by :attr:`usage`) and return its response.

        Raises :class:`ApiLimitExceeded` before the call when usage is at the stop
        threshold, or when Salesforce answers ``REQUEST_LIMIT_EXCEEDED``; otherwise what
        :meth:`HttpClient.request <pimsync.connectors.http.HttpClient.request>` raises.
        """
        self.usage.before_call()
        url = self.api_url(path)
        if kwargs.get("json") is not None:  # orjson: Decimal money, dates and datetimes too
            body = kwargs.pop("json")
            kwargs["content"] = orjson.dumps(body, default=_json_default)
            kwargs["headers"] = {
                "Content-Type": "application/json",
                **(kwargs.get("headers") or {}),
            }
        response = self.http.request(method, url, expected=(*expected, 403), **kwargs)
        self.usage.record(response.headers.get(LIMIT_HEADER))
        if response.status_code == 403 and 403 not in expected:
            raise self._refused(response)
        return response

    def _refused(self, response: httpx.Response) -> RemoteError | ApiLimitExceeded:
        described = self.http.describe(response)
        if any(e.code == "REQUEST_LIMIT_EXCEEDED" for e in _errors(response)):
            return ApiLimitExceeded(
                f"{described}. The org's API allocation is used up: the run stops and "
                "keeps its cursors; try again later.",
                retry_after=3600.0,
            )
        return RemoteError(
            described, status_code=403, url=self.redactor.redact(str(response.request.url))
        )

    def _json(self, response: httpx.Response) -> Any:
        return self.http.decode_json(response)

    def _message(self, response: httpx.Response) -> str:
        return self.redactor.redact(remote_message(response))

    # -- reading -------------------------------------------------------------------

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the pages of records of a SOQL query, following ``nextRecordsUrl``.

        ``include_deleted`` uses ``queryAll`` (recycle bin and archived rows);
        ``batch_size`` (200–2000) is a hint. Raises :class:`ConfigError` when Salesforce
        refuses the query itself (``MALFORMED_QUERY``, ``INVALID_FIELD``,
        ``INVALID_TYPE``), :class:`RemoteError` for a failed later page.
        """
        resource = "queryAll/" if include_deleted else "query/"
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else None
        url: str = resource
        params: dict[str, str | int] | None = {"q": soql}
        seen: set[str] = set()
        while True:
            response = self.request("GET", url, params=params, headers=headers, expected=(400,))
            if response.status_code == 400:
                errors = _errors(response)
                if params is not None and any(e.code in _QUERY_ERRORS for e in errors):
                    raise ConfigError(
                        f"Salesforce refused the query {soql!r}: {self._message(response)}"
                    )
                raise RemoteError(self.http.describe(response), status_code=400)
            page = self._json(response)
            records = page.get("records") or []
            yield [r for r in records if isinstance(r, dict)]
            link = page.get("nextRecordsUrl")
            if page.get("done", True) or not isinstance(link, str) or not link:
                return
            if link in seen:
                raise RemoteError(f"query paging loops back to {link}")
            seen.add(link)
            url, params = link, None

    def records(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """The records of :meth:`query`, one by one."""
        for page in self.query(soql, include_deleted=include_deleted):
            yield from page

    def modified_since(
        self,
        sobject: str,
        fields: Sequence[str],
        since: datetime,
        *,
        until: datetime | None = None,
        include_deleted: bool = False,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of records whose ``SystemModstamp`` is after ``since`` (and not after
        ``until``), oldest first: the delta query of a run with a watermark."""
        selected = list(dict.fromkeys(["Id", *fields, "SystemModstamp"]))
        for name in (sobject, *selected):
            if not _IDENTIFIER.fullmatch(name):
                raise ConfigError(f"{name!r} is not a Salesforce object or field name")
        where = f"SystemModstamp > {soql_datetime(since)}"
        if until is not None:
            where += f" AND SystemModstamp <= {soql_datetime(until)}"
        # Names are checked identifiers and datetimes are formatted: nothing to inject.
        soql = f"SELECT {', '.join(selected)} FROM {sobject} WHERE {where}"  # noqa: S608
        soql += " ORDER BY SystemModstamp, Id"
        return self.query(soql, include_deleted=include_deleted)

    def get(
        self, sobject: str, record_id: str, fields: Sequence[str] | None = None
    ) -> dict[str, Any] | None:
        """One record (only ``fields`` when given); None when it does not exist."""
        params: dict[str, str | int] | None = {"fields": ",".join(fields)} if fields else None
        response = self.request(
            "GET", f"sobjects/{sobject}/{quote(record_id, safe='')}", params=params, expected=(404,)
        )
        if response.status_code == 404:
            return None
        record: dict[str, Any] = self._json(response)
        return record

    def describe(self, sobject: str) -> SObjectDescription:
        """The object's fields (``GET sobjects/{type}/describe``), cached per client.

        Raises :class:`ConfigError` when the org has no such object (or the integration
        user cannot see it).
        """
        cached = self._descriptions.get(sobject.lower())
        if cached is not None:
            return cached
        response = self.request("GET", f"sobjects/{sobject}/describe/", expected=(404,))
        if response.status_code == 404:
            raise ConfigError(
                f"Salesforce has no object {sobject!r}, or the integration user cannot see it"
            )
        description = SObjectDescription.parse(sobject, self._json(response))
        self._descriptions[sobject.lower()] = description
        return description

    def check_fields(self, sobject: str, fields: Sequence[str], *, purpose: str = "") -> None:
        """Raise :class:`ConfigError` naming each of ``fields`` that ``sobject`` lacks:
        the check to run before a run whose mapping or query uses them."""
        self.describe(sobject).check(fields, purpose=purpose or f"the {sobject} mapping")

    def limits(self) -> dict[str, Any]:
        """``GET limits``: ``{"DailyApiRequests": {"Max": …, "Remaining": …}, …}``."""
        payload: dict[str, Any] = self._json(self.request("GET", "limits/"))
        return payload

    def updated(self, sobject: str, start: datetime, end: datetime) -> Updates:
        """Ids of records changed between ``start`` and ``end`` (getUpdated, last 30 days;
        times truncated to the minute)."""
        params: dict[str, str | int] = {
            "start": _replication_time(start),
            "end": _replication_time(end),
        }
        payload = self._json(self.request("GET", f"sobjects/{sobject}/updated/", params=params))
        ids = tuple(str(i) for i in payload.get("ids") or ())
        return Updates(ids, parse_datetime(payload.get("latestDateCovered")))

    def deleted(self, sobject: str, start: datetime, end: datetime) -> Deletions:
        """Records deleted between ``start`` and ``end`` (getDeleted, last 15 days)."""
        params: dict[str, str | int] = {
            "start": _replication_time(start),
            "end": _replication_time(end),
        }
        payload = self._json(self.request("GET", f"sobjects/{sobject}/deleted/", params=params))
        records = tuple(
            DeletedRecord(str(r["id"]), parse_datetime(r.get("deletedDate")))
            for r in payload.get("deletedRecords") or ()
            if isinstance(r, Mapping) and r.get("id")
        )
        return Deletions(
            records,
            parse_datetime(payload.get("earliestDateAvailable")),
            parse_datetime(payload.get("latestDateCovered")),
        )

    # -- single-record writes --------------------------------------------------------

    def create(self, sobject: str, fields: Mapping[str, Any]) -> str:
        """Create one record; its id. Raises :class:`RejectedRecord` when refused (400)."""
        response = self.request("POST", f"sobjects/{sobject}/", json=dict(fields), expected=(400,))
        if response.status_code == 400:
            raise self._rejection(response, f"new {sobject}")
        return str(self._json(response)["id"])

    def update(
        self,
        sobject: str,
        record_id: str,
        fields: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Update one record (``headers`` e.g. ``If-Unmodified-Since``).

        Raises :class:`RejectedRecord` when refused, absent (404) or changed since the
        condition (412).
        """
        response = self.request(
            "PATCH",
            f"sobjects/{sobject}/{quote(record_id, safe='')}",
            json=dict(fields),
            headers=headers,
            idempotent=True,  # setting the same values twice changes nothing
            expected=(400, 404, 412),
        )
        key = f"{sobject} {record_id}"
        if response.status_code == 412:
            raise RejectedRecord(key, "changed in Salesforce since the condition (412)")
        if response.status_code in (400, 404):
            raise self._rejection(response, key)

    def delete(self, sobject: str, record_id: str) -> bool:
        """Delete one record; False when it was already gone (404)."""
        response = self.request(
            "DELETE", f"sobjects/{sobject}/{quote(record_id, safe='')}", expected=(404,)
        )
        return response.status_code != 404

    def upsert(
        self, sobject: str, ext_field: str, value: str, fields: Mapping[str, Any]
    ) -> UpsertOutcome:
        """Create or update the record whose ``ext_field`` is ``value``.

        Raises :class:`RejectedRecord` when Salesforce refuses the record (400) or the
        external id matches several records (300: nothing is written, the error names
        them); :class:`ConfigError` when the object or field does not exist (404).
        """
        key = f"{sobject} {ext_field}={value}"
        response = self.request(
            "PATCH",
            f"sobjects/{sobject}/{ext_field}/{quote(value, safe='')}",
            json=dict(fields),
            idempotent=True,  # keyed by the external id: a repeat updates the same record
            expected=(300, 400, 404),
        )
        status = response.status_code
        if status == 300:
            raise RejectedRecord(key, self._duplicates(response))
        if status == 400:
            raise self._rejection(response, key)
        if status == 404:
            raise ConfigError(
                f"cannot upsert {sobject} by {ext_field}: {self._message(response)} (is "
                f"{ext_field} an External ID field of {sobject}?)"
            )
        if status == 204:  # API <= 45: updated, no body
            return UpsertOutcome(None, False)
        body = self._json(response)
        created = body.get("created")
        return UpsertOutcome(
            str(body["id"]), created if isinstance(created, bool) else status == 201
        )

    def _duplicates(self, response: httpx.Response) -> str:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        links = body if isinstance(body, list) else []
        ids = [str(link).rstrip("/").rsplit("/", 1)[-1] for link in links if isinstance(link, str)]
        listed = ", ".join(ids) if ids else "(ids not given)"
        count = len(ids) or "several"
        return f"the external id matches {count} records: {listed}; nothing was written"

    def _rejection(self, response: httpx.Response, key: str) -> RejectedRecord:
        errors = _errors(response)
        message = "; ".join(str(e) for e in errors) or self._message(response)
        field = next((f for e in errors for f in e.fields), None)
        return RejectedRecord(key, self.redactor.redact(message), field=field)

    # -- sObject Collections ---------------------------------------------------------

    def collection_create(
        self, sobject: str, records: Sequence[Mapping[str, Any]]
    ) -> list[SaveResult]:
        """Create records, 200 per call, each on its own (``allOrNone: false``).

        Returns one :class:`SaveResult` per record in order: failed records carry their
        errors, the others are created.
        """
        return self._collection("POST", "composite/sobjects", sobject, records, idempotent=False)

    def collection_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]]
    ) -> list[SaveResult]:
        """Update records (each with its ``Id``), 200 per call; see
        :meth:`collection_create`. Raises :class:`ValueError` for a record without an id."""
        if any(not (r.get("Id") or r.get("id")) for r in records):
            raise ValueError("every record of a collection update needs its Id")
        return self._collection("PATCH", "composite/sobjects", sobject, records, idempotent=True)

    def collection_upsert(
        self, sobject: str, ext_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[SaveResult]:
        """Upsert records by ``ext_field`` (its value in each record), 200 per call;
        see :meth:`collection_create`. ``SaveResult.created`` tells new from updated."""
        path = f"composite/sobjects/{sobject}/{ext_field}"
        return self._collection("PATCH", path, sobject, records, idempotent=True)

    def collection_delete(self, ids: Sequence[str]) -> list[SaveResult]:
        """Delete records by id, 200 per call, each on its own."""
        results: list[SaveResult] = []
        for start in range(0, len(ids), COLLECTION_LIMIT):
            chunk = ids[start : start + COLLECTION_LIMIT]
            params: dict[str, str | int] = {"ids": ",".join(chunk), "allOrNone": "false"}
            response = self.request("DELETE", "composite/sobjects", params=params, expected=(400,))
            results.extend(self._save_results(response, len(chunk)))
        return results

    def _collection(
        self,
        method: str,
        path: str,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        *,
        idempotent: bool,
    ) -> list[SaveResult]:
        results: list[SaveResult] = []
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[start : start + COLLECTION_LIMIT]
            body = {
                "allOrNone": False,
                "records": [{"attributes": {"type": sobject}, **record} for record in chunk],
            }
            response = self.request(method, path, json=body, idempotent=idempotent, expected=(400,))
            results.extend(self._save_results(response, len(chunk)))
        return results

    def _save_results(self, response: httpx.Response, count: int) -> list[SaveResult]:
        if response.status_code == 400:  # the whole call refused: every record of it failed
            errors = tuple(_errors(response)) or (
                RecordError("BAD_REQUEST", self._message(response)),
            )
            return [SaveResult(None, False, errors=errors)] * count
        payload = self._json(response)
        if not isinstance(payload, list) or len(payload) != count:
            raise RemoteError(
                f"{self.http.describe(response)}: expected {count} results, got "
                f"{len(payload) if isinstance(payload, list) else type(payload).__name__}"
            )
        return [SaveResult.parse(entry) for entry in payload]

    # -- Bulk API 2.0 ----------------------------------------------------------------

    def bulk_ingest(
        self,
        sobject: str,
        operation: BulkOperation,
        rows: Sequence[Mapping[str, Any]],
        *,
        ext_field: str | None = None,
        poll_interval: float = 2.0,
        timeout: float = 3600.0,
    ) -> BulkJobResult:
        """Load ``rows`` with a Bulk API 2.0 ingest job (for large initial loads): create
        the job, upload CSV, mark UploadComplete, poll to the end, read the results.

        Raises :class:`ConfigError` for an upsert without ``ext_field``,
        :class:`~pimsync.errors.FatalDestinationError` when the job fails, is aborted or
        outlasts ``timeout`` seconds.
        """
        return run_ingest_job(
            self,
            sobject,
            operation,
            rows,
            ext_field=ext_field,
            poll_interval=poll_interval,
            timeout=timeout,
            sleep=self._sleep,
        )
