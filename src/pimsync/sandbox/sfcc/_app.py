"""The ASGI app: Account Manager token, WebDAV under ``Sites/``, OCAPI job executions."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from pimsync.sandbox.sfcc._auth import TokenError
from pimsync.sandbox.sfcc._faults import SfccFaultMiddleware, ocapi_fault
from pimsync.sandbox.sfcc._jobs import JOBS, SITE_IMPORT, JobAlreadyRunning
from pimsync.sandbox.sfcc._sandbox import SfccSandbox
from pimsync.sandbox.sfcc._webdav import WEBDAV

TOKEN = "/dwsso/oauth2/access_token"  # noqa: S105 - a path, not a secret
DATA = "/s/-/dw/data/{version}"
_VERSION = re.compile(r"v(\d+)_(\d+)")
_JSON = "application/json;charset=UTF-8"


def create_app(sb: SfccSandbox) -> Any:
    """The sandbox's ASGI app (FastAPI behind the fault middleware)."""
    app = FastAPI(title="SFCC sandbox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(TOKEN)
    async def token(request: Request) -> Response:
        try:
            answer = sb.tokens.grant(request.headers.get("authorization"), await request.body())
        except TokenError as exc:
            return _json(exc.status, orjson.dumps(exc.body))
        return _json(200, orjson.dumps(answer))

    @app.api_route(WEBDAV + "/{path:path}", methods=["GET", "PUT", "DELETE", "PROPFIND", "MKCOL"])
    async def webdav(request: Request, path: str) -> Response:
        if sb.tokens.check(request.headers.get("authorization")) or not sb.webdav_allowed(path):
            await _drain(request)
            return Response(
                "Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="WebDAV"'}, "text/plain"
            )
        method = request.method
        if method == "PUT":
            return await _put(sb, request, path)
        if method == "MKCOL":
            return Response(status_code=sb.files.mkcol(path))
        if method == "DELETE":
            return Response(status_code=204 if sb.files.delete(path) else 404)
        if method == "PROPFIND":
            depth = request.headers.get("depth", "1")
            body = sb.files.multistatus(path, depth, WEBDAV)
            if body is None:
                return Response("Not Found", 404, media_type="text/plain")
            return Response(body, 207, media_type='application/xml; charset="utf-8"')
        entry = sb.files.get(path)
        if entry is None:
            return Response("Not Found", 404, media_type="text/plain")
        if entry.content is None:
            names = "\n".join(n.rpartition("/")[2] for n, _e in sb.files.children(path))
            return Response(names, 200, media_type="text/plain")
        return Response(entry.content, 200, media_type="application/octet-stream")

    @app.post(DATA + "/jobs/{job_id}/executions")
    async def start_job(request: Request, version: str, job_id: str) -> Response:
        v = _version(version)
        refused = _ocapi_auth(sb, request, v)
        if refused is not None:
            return refused
        if job_id not in JOBS:
            return _fault(
                404, v, "JobNotFoundException", f"No job with ID '{job_id}' found.", jobId=job_id
            )
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return _fault(
                400, v, "MalformedDocumentException", "The request document is malformed."
            )
        request_or_fault = (
            _import_request(sb, body, v) if job_id == SITE_IMPORT else (_export_request(body, v))
        )
        if isinstance(request_or_fault, Response):
            return request_or_fault
        file_name, catalogs = request_or_fault
        try:
            execution = sb.jobs.start(job_id, file_name, sb.client.client_id, catalogs)
        except JobAlreadyRunning:
            return _fault(
                400, v, "JobAlreadyRunningException",
                f"The job '{job_id}' is already running.", jobId=job_id,
            )  # fmt: skip
        return _json(202, orjson.dumps(execution.document(v)))

    @app.get(DATA + "/jobs/{job_id}/executions/{execution_id}")
    async def get_execution(
        request: Request, version: str, job_id: str, execution_id: str
    ) -> Response:
        v = _version(version)
        refused = _ocapi_auth(sb, request, v)
        if refused is not None:
            return refused
        execution = sb.jobs.executions.get(execution_id)
        if execution is None or execution.job_id != job_id:
            return _fault(
                404, v, "JobExecutionNotFoundException",
                f"No job execution with ID '{execution_id}' for job '{job_id}' found.",
            )  # fmt: skip
        return _json(200, orjson.dumps(execution.document(v)))

    @app.post(DATA + "/job_execution_search")
    async def search_executions(request: Request, version: str) -> Response:
        v = _version(version)
        refused = _ocapi_auth(sb, request, v)
        if refused is not None:
            return refused
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError:
            body = {}
        term = ((body.get("query") or {}).get("term_query") or {}) if isinstance(body, dict) else {}
        wanted = set(term.get("values") or []) if "job_id" in (term.get("fields") or []) else None
        hits = [
            e.document(v)
            for e in sorted(sb.jobs.executions.values(), key=lambda e: e.start_time, reverse=True)
            if wanted is None or e.job_id in wanted
        ]
        count = int(body.get("count", 25)) if isinstance(body, dict) else 25
        page = {"_v": v, "_type": "job_execution_search_result", "count": min(count, len(hits)),
                "hits": hits[:count], "start": 0, "total": len(hits)}  # fmt: skip
        return _json(200, orjson.dumps(page))

    return SfccFaultMiddleware(app, sb.faults, sb.requests)


def _import_request(
    sb: SfccSandbox, body: dict[str, Any], v: str
) -> Response | tuple[str, list[str]]:
    """The archive to import, or the fault the real instance answers."""
    if "file_name" in body and not sb.accept_file_name:
        return _fault(
            400, v, "UnknownPropertyException",
            "The property 'file_name' is not allowed for document 'job_execution_request'.",
            property="file_name", document="job_execution_request",
        )  # fmt: skip
    mode = body.get("mode", "merge")
    if mode != "merge":
        return _fault(
            400, v, "PropertyConstraintViolationException",
            f"Import mode '{mode}' is not supported; site archives import in mode 'merge'.",
            property="mode",
        )  # fmt: skip
    file_name = body.get("file_name") or _parameter(body, "ImportFile")
    if not isinstance(file_name, str) or not file_name:
        return _fault(400, v, "JobExecutionException", "Parameter 'ImportFile' is missing.")
    return file_name, []


def _export_request(body: dict[str, Any], v: str) -> Response | tuple[str, list[str]]:
    """``{"export_file": "x.zip", "data_units": {"catalogs": {"<id>": true}}}``."""
    file_name = body.get("export_file")
    units = body.get("data_units")
    catalogs = units.get("catalogs") if isinstance(units, dict) else None
    if not isinstance(file_name, str) or not file_name.endswith(".zip"):
        return _fault(400, v, "JobExecutionException", "Property 'export_file' is missing.")
    if not isinstance(catalogs, dict) or set(units or {}) - {"catalogs"}:
        return _fault(
            400, v, "JobExecutionException",
            "The sandbox exports only the 'catalogs' data unit.",
        )  # fmt: skip
    return file_name, sorted(c for c, wanted in catalogs.items() if wanted is True)


async def _put(sb: SfccSandbox, request: Request, path: str) -> Response:
    declared = request.headers.get("content-length")
    too_big = declared is not None and declared.isdigit() and int(declared) > sb.size_limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():  # read everything so the client sees the answer
        size += len(chunk)
        too_big = too_big or size > sb.size_limit
        if not too_big:
            chunks.append(chunk)
    if too_big:
        message = (
            f"Request Entity Too Large: the file exceeds the maximum size of {sb.size_limit} "
            "bytes allowed for WebDAV uploads on this instance."
        )
        return Response(message, 413, media_type="text/plain")
    created = sb.files.put(path, b"".join(chunks))
    if created is None:
        return Response("Conflict: the parent folder does not exist.", 409, media_type="text/plain")
    return Response(status_code=201 if created else 204)


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass


def _version(path_version: str) -> str:
    match = _VERSION.fullmatch(path_version)
    return f"{match.group(1)}.{match.group(2)}" if match else path_version


def _ocapi_auth(sb: SfccSandbox, request: Request, version: str) -> Response | None:
    problem = sb.tokens.check(request.headers.get("authorization"))
    if problem == "missing":
        return _fault(
            401, version, "InvalidAuthorizationHeaderException",
            "The request is unauthorized. The 'Authorization' header is missing or invalid.",
        )  # fmt: skip
    if problem == "invalid":
        return _fault(
            401, version, "InvalidAccessTokenException",
            "The request is unauthorized. The access token is invalid or expired.",
        )  # fmt: skip
    return None


def _parameter(body: dict[str, Any], name: str) -> object:
    for item in body.get("parameters") or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item.get("value")
    return None


def _fault(status: int, version: str, type_: str, message: str, **arguments: object) -> Response:
    return _json(status, ocapi_fault(version, type_, message, **arguments))


def _json(status: int, body: bytes) -> Response:
    return Response(body, status, media_type=_JSON)
