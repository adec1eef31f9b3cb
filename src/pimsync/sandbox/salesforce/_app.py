"""The ASGI app: the OAuth token endpoint and the REST subset of brief §2-§9 (discovery,
SOQL with cursors, sObject rows, upsert by external id, collections, getUpdated /
getDeleted, Bulk API 2.0 ingest), Salesforce-shaped errors, API usage limits."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from pimsync.sandbox.salesforce import _collections
from pimsync.sandbox.salesforce._auth import TokenError
from pimsync.sandbox.salesforce._errors import SalesforceError, not_found
from pimsync.sandbox.salesforce._faults import SalesforceFaultMiddleware
from pimsync.sandbox.salesforce._org import AmbiguousExternalId, Record
from pimsync.sandbox.salesforce._sandbox import SalesforceSandbox
from pimsync.sandbox.salesforce._schema import (
    SObjectType,
    new_id,
    parse_datetime,
    sf_datetime,
    to_json,
)
from pimsync.sandbox.salesforce._soql import parse

TOKEN = "/services/oauth2/token"  # noqa: S105 - a path, not a secret
DATA = "/services/data/v{version}"
VERSIONS = [f"{v}.0" for v in range(20, 69)]  # brief §0: docs show up to v68.0
_JSON = "application/json;charset=UTF-8"
_BATCH = re.compile(r"batchSize=(\d+)")
UPDATED_WINDOW = timedelta(days=30)
DELETED_WINDOW = timedelta(days=15)

Handler = Callable[..., Awaitable[Response]]


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type=_JSON)


def create_app(sb: SalesforceSandbox) -> Any:
    """The sandbox's ASGI app (FastAPI behind the fault/limits middleware)."""
    app = FastAPI(
        title="Salesforce sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )

    @app.exception_handler(SalesforceError)
    async def refused(_request: Request, exc: SalesforceError) -> Response:
        return json_response(exc.status, exc.body())

    def route(path: str, *methods: str) -> Callable[[Handler], Handler]:
        """Register ``path`` with and without a trailing slash (clients send both)."""

        def register(handler: Handler) -> Handler:
            app.api_route(path, methods=list(methods))(handler)
            app.api_route(path + "/", methods=list(methods))(handler)
            return handler

        return register

    def guard(request: Request, version: str) -> tuple[str, str]:
        """(user id, REST base) of an authorized call. Raises SalesforceError."""
        if version not in VERSIONS:
            raise not_found()
        user = sb.sessions.check(request.headers.get("authorization"))
        if user is None:
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if not sb.spend_api_call():
            raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        return user, f"/services/data/v{version}"

    def sobject(name: str) -> SObjectType:
        found = sb.org.sobject(name)
        if found is None:
            raise not_found()
        return found

    # --- auth and discovery --------------------------------------------------------------

    @app.post(TOKEN)
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(errors="replace")))
        try:
            answer = sb.sessions.grant(
                form, request.headers.get("authorization"), _instance_url(request)
            )
        except TokenError as exc:
            return json_response(exc.status, exc.body)
        return json_response(200, answer)

    @route("/services/data", "GET")
    async def versions() -> Response:
        return json_response(
            200, [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in VERSIONS]
        )

    @route(DATA, "GET")
    async def resources(request: Request, version: str) -> Response:
        _user, base = guard(request, version)
        names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
        return json_response(200, {n: f"{base}/{n}" for n in names})

    @route(DATA + "/limits", "GET")
    async def limits(request: Request, version: str) -> Response:
        guard(request, version)
        remaining = max(0, sb.api_limit - sb.api_usage)
        return json_response(
            200,
            {
                "DailyApiRequests": {"Max": sb.api_limit, "Remaining": remaining},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            },
        )

    @route(DATA + "/sobjects", "GET")
    async def describe_global(request: Request, version: str) -> Response:
        _user, base = guard(request, version)
        types = [t.describe(base) for t in sb.org.types.values()]
        return json_response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": types})

    @route(DATA + "/sobjects/{name}/describe", "GET")
    async def describe(request: Request, version: str, name: str) -> Response:
        _user, base = guard(request, version)
        s = sobject(name)
        fields = [f.describe() for f in s.fields.values()]
        return json_response(200, {**s.describe(base), "fields": fields})

    # --- replication ---------------------------------------------------------------------

    @route(DATA + "/sobjects/{name}/updated", "GET")
    async def get_updated(request: Request, version: str, name: str) -> Response:
        guard(request, version)
        s = sobject(name)
        start, end = _window(request, sb.org.now())
        ids = sb.org.updated_ids(s.name, start, end)
        return json_response(200, {"ids": ids, "latestDateCovered": sf_datetime(end)})

    @route(DATA + "/sobjects/{name}/deleted", "GET")
    async def get_deleted(request: Request, version: str, name: str) -> Response:
        guard(request, version)
        s = sobject(name)
        now = sb.org.now()
        start, end = _window(request, now)
        gone = sb.org.deleted_between(s.name, start, end, DELETED_WINDOW)
        earliest = _minute(max(sb.org.created_at, now - DELETED_WINDOW))
        return json_response(
            200,
            {
                "deletedRecords": [{"id": i, "deletedDate": sf_datetime(d)} for i, d in gone],
                "earliestDateAvailable": sf_datetime(earliest),
                "latestDateCovered": sf_datetime(end),
            },
        )

    # --- sObject rows --------------------------------------------------------------------

    @route(DATA + "/sobjects/{name}", "GET", "POST")
    async def sobject_root(request: Request, version: str, name: str) -> Response:
        user, base = guard(request, version)
        s = sobject(name)
        if request.method == "GET":
            recent: list[Any] = []
            return json_response(200, {"objectDescribe": s.describe(base), "recentItems": recent})
        body = await _object_body(request)
        id_ = sb.org.create(s.name, body, user=user)
        return json_response(
            201,
            {"id": id_, "success": True, "errors": []},
            {"Location": f"{base}/sobjects/{s.name}/{id_}"},
        )

    @route(DATA + "/sobjects/{name}/{key}", "GET", "PATCH", "DELETE", "POST")
    async def row(request: Request, version: str, name: str, key: str) -> Response:
        user, base = guard(request, version)
        s = sobject(name)
        if request.method == "POST":  # POST sobjects/{Obj}/Id: create (brief §5)
            if key.lower() != "id":
                raise SalesforceError(
                    405,
                    "METHOD_NOT_ALLOWED",
                    "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE",
                )
            body = await _object_body(request)
            id_ = sb.org.create(s.name, body, user=user)
            return json_response(201, {"id": id_, "success": True, "errors": [], "created": True})
        if request.method == "GET":
            record = sb.org.get(s.name, key)
            return json_response(200, _shape(s, record, base, request.query_params.get("fields")))
        if request.method == "DELETE":
            sb.org.delete(s.name, key, user=user)
            return Response(status_code=204)
        body = await _object_body(request)
        since = _unmodified_since(request)
        sb.org.update(s.name, key, body, user=user, unmodified_since=since)
        return Response(status_code=204)

    @route(DATA + "/sobjects/{name}/{field}/{value}", "GET", "PATCH")
    async def by_external_id(
        request: Request, version: str, name: str, field: str, value: str
    ) -> Response:
        user, base = guard(request, version)
        s = sobject(name)
        key = s.field(field)
        if key is None:
            raise not_found()
        if not (key.external_id or key.name == "Id"):
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"Field {key.name} is not an External ID or Id field for {s.name}",
            )
        if request.method == "GET":
            ids = (
                [sb.org.get(s.name, value)["Id"]]
                if key.name == "Id"
                else (sb.org.match(s.name, key, key.from_json(value)))
            )
            if len(ids) > 1:
                return json_response(300, [f"{base}/sobjects/{s.name}/{i}" for i in ids])
            if not ids:
                raise not_found()
            fields = request.query_params.get("fields")
            return json_response(200, _shape(s, sb.org.get(s.name, ids[0]), base, fields))
        body = await _object_body(request)
        update_only = request.query_params.get("updateOnly", "").lower() == "true"
        if update_only and key.name != "Id" and not sb.org.match(s.name, key, value):
            raise not_found()
        try:
            id_, created = sb.org.upsert(s.name, key, value, body, user=user)
        except AmbiguousExternalId as exc:
            return json_response(300, [f"{base}/sobjects/{s.name}/{i}" for i in exc.ids])
        answer = {"id": id_, "success": True, "errors": [], "created": created}
        if created:
            return json_response(201, answer, {"Location": f"{base}/sobjects/{s.name}/{id_}"})
        if float(version) < 46:
            return Response(status_code=204)
        return json_response(200, answer)

    # --- query ---------------------------------------------------------------------------

    async def run_query(request: Request, version: str, include_deleted: bool) -> Response:
        _user, base = guard(request, version)
        text = request.query_params.get("q")
        if not text:
            raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
        query = parse(text, sb.org.sobject)
        rows = query.run(sb.org.rows(query.sobject.name, include_deleted=include_deleted))
        if query.fields is None:
            return json_response(200, {"totalSize": len(rows), "done": True, "records": []})
        records = [query.shape(r, base) for r in rows]
        return _page(records, 0, base, _batch_size(request))

    @route(DATA + "/query", "GET")
    async def query(request: Request, version: str) -> Response:
        return await run_query(request, version, include_deleted=False)

    @route(DATA + "/queryAll", "GET")
    async def query_all(request: Request, version: str) -> Response:
        return await run_query(request, version, include_deleted=True)

    async def more(request: Request, version: str, locator: str) -> Response:
        _user, base = guard(request, version)
        cursor, _dash, position = locator.rpartition("-")
        records = sb.cursors.get(cursor)
        if records is None or not position.isdigit():
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return _page(records, int(position), base, _batch_size(request), cursor)

    app.api_route(DATA + "/query/{locator}", methods=["GET"])(more)
    app.api_route(DATA + "/queryAll/{locator}", methods=["GET"])(more)

    def _page(
        records: list[dict[str, Any]], start: int, base: str, size: int, cursor: str = ""
    ) -> Response:
        end = start + size
        page: dict[str, Any] = {
            "totalSize": len(records),
            "done": end >= len(records),
            "records": records[start:end],
        }
        if end < len(records):
            if not cursor:
                cursor = new_id("01g", secrets.randbelow(62**6))
                sb.cursors[cursor] = records
            page["nextRecordsUrl"] = f"{base}/query/{cursor}-{end}"
        elif cursor:
            sb.cursors.pop(cursor, None)
        return json_response(200, page)

    def _batch_size(request: Request) -> int:
        found = _BATCH.search(request.headers.get("sforce-query-options", ""))
        size = min(2000, max(200, int(found.group(1)))) if found else 2000
        return max(1, min(size, sb.page_size))

    # --- collections ---------------------------------------------------------------------

    @route(DATA + "/composite/sobjects", "POST", "PATCH", "DELETE")
    async def collection(request: Request, version: str) -> Response:
        user, _base = guard(request, version)
        if request.method == "DELETE":
            ids = [i for i in request.query_params.get("ids", "").split(",") if i]
            all_or_none = request.query_params.get("allOrNone", "").lower() == "true"
            return json_response(200, _collections.delete(sb.org, ids, all_or_none, user))
        body = await _json(request)
        if request.method == "POST":
            return json_response(200, _collections.create(sb.org, body, user))
        return json_response(200, _collections.update(sb.org, body, user))

    @route(DATA + "/composite/sobjects/{name}", "GET", "POST")
    async def collection_retrieve(request: Request, version: str, name: str) -> Response:
        _user, base = guard(request, version)
        s = sobject(name)
        if request.method == "POST":
            body = await _json(request)
            ids = list(body.get("ids") or []) if isinstance(body, dict) else []
            fields = list(body.get("fields") or []) if isinstance(body, dict) else []
        else:
            ids = [i for i in request.query_params.get("ids", "").split(",") if i]
            fields = [f for f in request.query_params.get("fields", "").split(",") if f]
        return json_response(200, _collections.retrieve(sb.org, s, ids, fields, base))

    @route(DATA + "/composite/sobjects/{name}/{field}", "PATCH")
    async def collection_upsert(request: Request, version: str, name: str, field: str) -> Response:
        user, _base = guard(request, version)
        s = sobject(name)
        body = await _json(request)
        return json_response(200, _collections.upsert(sb.org, s, field, body, user))

    # --- Bulk API 2.0 ingest -------------------------------------------------------------

    @route(DATA + "/jobs/ingest", "POST")
    async def create_job(request: Request, version: str) -> Response:
        user, _base = guard(request, version)
        job = sb.bulk.create(await _json(request), user, version)
        return json_response(200, job.info())

    @route(DATA + "/jobs/ingest/{job_id}", "GET", "PATCH", "DELETE")
    async def job(request: Request, version: str, job_id: str) -> Response:
        guard(request, version)
        if request.method == "GET":
            return json_response(200, sb.bulk.poll(job_id))
        if request.method == "DELETE":
            sb.bulk.get(job_id)
            del sb.bulk.jobs[job_id]
            return Response(status_code=204)
        body = await _json(request)
        state = body.get("state") if isinstance(body, dict) else None
        return json_response(200, sb.bulk.close(job_id, state).info())

    @route(DATA + "/jobs/ingest/{job_id}/batches", "PUT")
    async def upload(request: Request, version: str, job_id: str) -> Response:
        guard(request, version)
        if not request.headers.get("content-type", "").startswith("text/csv"):
            raise SalesforceError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be text/csv")
        sb.bulk.upload(job_id, await request.body())
        return Response(status_code=201)

    @route(DATA + "/jobs/ingest/{job_id}/{kind}", "GET")
    async def job_results(request: Request, version: str, job_id: str, kind: str) -> Response:
        guard(request, version)
        if kind not in ("successfulResults", "failedResults", "unprocessedrecords"):
            raise not_found()
        text = sb.bulk.get(job_id).results(kind)
        return Response(text, 200, media_type="text/csv")

    return SalesforceFaultMiddleware(app, sb.faults, sb.requests, sb.usage_header)


def _instance_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def _json(request: Request) -> Any:
    try:
        return orjson.loads(await request.body() or b"null")
    except orjson.JSONDecodeError as exc:
        raise SalesforceError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


async def _object_body(request: Request) -> dict[str, Any]:
    body = await _json(request)
    if not isinstance(body, dict):
        raise SalesforceError(
            400,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of an sObject from a non-object JSON value",
        )
    return body


def _shape(s: SObjectType, record: Record, base: str, fields: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {"type": s.name, "url": f"{base}/sobjects/{s.name}/{record['Id']}"}
    }
    names = [n for n in (fields or "").split(",") if n] or list(s.fields)
    for name in names:
        f = s.field(name.strip())
        if f is None:
            raise SalesforceError(
                400, "INVALID_FIELD", f"No such column '{name}' on entity '{s.name}'."
            )
        out[f.name] = to_json(record.get(f.name))
    return out


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _window(request: Request, now: datetime) -> tuple[datetime, datetime]:
    """getUpdated/getDeleted ``start``/``end``: seconds truncated, ``end`` at most now.
    Raises SalesforceError."""
    raw_start = request.query_params.get("start")
    raw_end = request.query_params.get("end")
    start = parse_datetime(raw_start) if raw_start else None
    end = parse_datetime(raw_end) if raw_end else None
    if start is None or end is None:
        raise SalesforceError(
            400, "INVALID_REPLICATION_DATE", "start and end must be ISO-8601 datetimes"
        )
    start, end = _minute(start), _minute(min(end, now))
    if start >= end:
        raise SalesforceError(
            400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate"
        )
    if start < now - UPDATED_WINDOW:
        raise SalesforceError(
            400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago"
        )
    return start, end


def _unmodified_since(request: Request) -> datetime | None:
    header = request.headers.get("if-unmodified-since")
    if header is None:
        return None
    try:
        return parsedate_to_datetime(header)
    except (TypeError, ValueError):
        raise SalesforceError(
            400, "INVALID_HEADER_TYPE", f"Invalid If-Unmodified-Since header: {header}"
        ) from None
