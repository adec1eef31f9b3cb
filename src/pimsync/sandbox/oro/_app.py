"""The ASGI app: the token route, bearer check, JSON:API header checks, resource routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.oro._auth import TokenError, TokenIssuer
from pimsync.sandbox.oro._batch import UNREACHABLE, parse_batch, split
from pimsync.sandbox.oro._documents import (
    API,
    JSON_API,
    ApiError,
    Renderer,
    empty_response,
    error_response,
    not_found,
    request_error,
    vnd_response,
)
from pimsync.sandbox.oro._faults import OroFaultMiddleware
from pimsync.sandbox.oro._query import (
    Page,
    candidates,
    predicate,
    sku_filters,
    sort,
    sparse_fields,
)
from pimsync.sandbox.oro._sandbox import OroSandbox
from pimsync.sandbox.oro._schema import ResourceType
from pimsync.sandbox.oro._store import Key, Record, Store
from pimsync.sandbox.oro._writes import Written

EXT_ID = "ext_id"  # the X-Integration-Type value of external-ID addressing
SYNC_LIMIT = 100
SYNC_INCLUDED_LIMIT = 50
MAX_DELETE = 100


class BearerMiddleware:
    """API routes need a valid bearer token; Oro answers 401 with an empty body."""

    def __init__(self, app: ASGIApp, tokens: TokenIssuer) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API + "/"):
            authorization = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    authorization = value.decode("latin-1")
            if not self.tokens.valid(authorization):
                headers = {} if authorization else {"WWW-Authenticate": 'Basic realm="Secured"'}
                await empty_response(401, headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _check_headers(request: Request) -> None:
    """415/406 on media-type parameters, as Oro's CheckRequestType does."""
    content_type = request.headers.get("content-type", "")
    if JSON_API in content_type and content_type.strip() != JSON_API:
        raise ApiError(
            415, "unsupported media type", f'The "{content_type}" media type is not supported.'
        )
    accept = [a.strip() for a in request.headers.get("accept", "").split(",") if a.strip()]
    ours = [a for a in accept if a.startswith(JSON_API)]
    if ours and all(a != JSON_API for a in ours):
        raise ApiError(406, "not acceptable", "The media type parameters are not supported.")


async def _body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body() or b"null")
    except orjson.JSONDecodeError:
        raise request_error("The request body is not valid JSON.") from None


class Api:
    """The request handlers of one sandbox."""

    def __init__(self, sb: OroSandbox) -> None:
        self.sb = sb

    def _type(self, request: Request, method: str, *, item: bool) -> ResourceType | Response:
        """The addressed type, or the 405 for a method it does not allow here."""
        name = request.path_params["type"]
        rtype = self.sb.types.get(name)
        if rtype is None:
            raise ApiError(404, "entity type constraint", f"Unknown entity type: {name}.")
        _check_headers(request)
        allowed = set(rtype.methods)
        if item:
            allowed.discard("POST")
            if not rtype.gettable:
                allowed.discard("GET")
        else:
            if not rtype.listable:
                allowed -= {"GET", "DELETE"}
            if not rtype.batch:
                allowed.discard("PATCH")
        allow = ", ".join(m for m in ("GET", "POST", "PATCH", "DELETE") if m in allowed)
        if method == "OPTIONS":  # Oro's options action: the allowed methods, no body
            return empty_response(200, {"Allow": f"{allow}, OPTIONS" if allow else "OPTIONS"})
        if method not in allowed:
            return empty_response(405, {"Allow": allow})
        return rtype

    def _ext_id(self, request: Request) -> bool:
        """Whether this request addresses products by SKU (``X-Integration-Type: ext_id``);
        an Oro older than 6.1.10/7.0.2 (``ext_id=False``) ignores the header."""
        return self.sb.ext_id and request.headers.get("x-integration-type") == EXT_ID

    def _sku_of(self, db_id: str) -> str | None:
        product = self.sb.store.get("products", db_id)
        sku = product["attributes"].get("sku") if product is not None else None
        return None if sku is None else str(sku)

    def _db_id(self, sku: str) -> str | None:
        """The DB id of the product with this SKU (case-insensitive, by the index)."""
        found = self.sb.store.find("products", "sku", [sku])
        return str(found[0]["id"]) if found else None

    def _params(self, request: Request, rtype: ResourceType) -> list[tuple[str, str]]:
        """The query parameters, with product SKUs in filters turned into DB ids in
        ext_id mode."""
        params = request.query_params.multi_items()
        return sku_filters(rtype, params, self._db_id) if self._ext_id(request) else params

    def _renderer(self, request: Request) -> Renderer:
        modes = {m.strip() for m in request.headers.get("x-include", "").split(";")}
        params = request.query_params.multi_items()
        return Renderer(
            str(request.base_url),
            sparse_fields(params),
            hateoas="noHateoas" not in modes,
            sku_of=self._sku_of if self._ext_id(request) else None,
        )

    def _included(self, request: Request, primary: list[Record]) -> list[Record]:
        paths = [p for p in request.query_params.get("include", "").split(",") if p]
        store: Store = self.sb.store
        seen: set[Key] = {(r["type"], r["id"]) for r in primary}
        found: list[Record] = []
        for path in paths:
            level = primary
            for name in path.split("."):
                following: list[Record] = []
                for record in level:
                    if name not in self.sb.types[record["type"]].relationships:
                        raise ApiError(
                            400,
                            "include constraint",
                            f'The relationship "{name}" does not exist.',
                            parameter="include",
                        )
                    links = record["relationships"].get(name)
                    for link in [links] if isinstance(links, dict) else (links or []):
                        target = store.get(link["type"], link["id"])
                        if target is not None:
                            following.append(target)
                            if (target["type"], target["id"]) not in seen:
                                seen.add((target["type"], target["id"]))
                                found.append(target)
                level = following
        return found

    # --- collection ---------------------------------------------------------------------

    async def collection(self, request: Request) -> Response:
        method = request.method
        rtype = self._type(request, method, item=False)
        if isinstance(rtype, Response):
            return rtype
        if method == "GET":
            return self._list(request, rtype)
        if method == "POST":
            return await self._create(request, rtype)
        if method == "PATCH":
            return await self._batch(request, rtype)
        return self._delete_list(request, rtype)

    def _list(self, request: Request, rtype: ResourceType) -> Response:
        params = request.query_params
        filters = self._params(request, rtype)
        test = predicate(rtype, filters)
        page = Page.parse(dict(params))
        with self.sb.store.lock:
            found = candidates(self.sb.store, rtype.name, filters)
            matching = sort(rtype, [r for r in found if test(r)], params.get("sort"))
            chunk, more = page.slice(matching)
            included = self._included(request, chunk)
            renderer = self._renderer(request)
            body: dict[str, Any] = {"data": renderer.many(chunk)}
            if renderer.hateoas:
                body["links"] = self._page_links(request, page, more)
            if included:
                body["included"] = renderer.many(included)
        headers = {}
        if "totalCount" in request.headers.get("x-include", ""):
            headers["X-Include-Total-Count"] = str(len(matching))
        return vnd_response(body, headers=headers)

    @staticmethod
    def _page_links(request: Request, page: Page, more: bool) -> dict[str, str]:
        base = str(request.url).split("?")[0]
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page[number]"]

        def at(number: int) -> str:
            extra = [("page[number]", str(number))] if number > 1 else []
            query = urlencode(params + extra)
            return f"{base}?{query}" if query else base

        links = {"self": at(page.number)}
        if page.number > 1:
            links["first"] = at(1)
            links["prev"] = at(page.number - 1)
        if more:
            links["next"] = at(page.number + 1)
        return links

    async def _create(self, request: Request, rtype: ResourceType) -> Response:
        document = await _body(request)
        with self.sb.store.lock:
            tx, writer = self.sb.transaction(ext_id=self._ext_id(request))
            written = writer.write(rtype.name, document)
            tx.commit()
            return self._written(request, written, 201 if written.created else 200)

    def _written(self, request: Request, written: Written, status: int) -> Response:
        renderer = self._renderer(request)
        body: dict[str, Any] = {"data": renderer.resource(written.primary)}
        echoed = [
            renderer.resource(r, {"includeId": temp} if temp is not None else None)
            for r, temp in written.included
        ]
        keys = {(r["type"], r["id"]) for r, _ in written.included}
        extra = [
            r
            for r in self._included(request, [written.primary])
            if (r["type"], r["id"]) not in keys
        ]
        if echoed or extra:
            body["included"] = echoed + renderer.many(extra)
        return vnd_response(body, status)

    async def _batch(self, request: Request, rtype: ResourceType) -> Response:
        """The batch API: ``X-Mode: sync`` all-or-nothing, else an asynchronous operation."""
        mode = request.headers.get("x-mode", "async")
        if mode not in ("sync", "async"):
            raise ApiError(400, "request data constraint", 'The "X-Mode" header is invalid.')
        data, included = parse_batch(await _body(request))
        groups, unreachable = split(data, included)
        if mode == "async":
            operation = self.sb.start_async_batch(
                rtype.name, groups, unreachable, ext_id=self._ext_id(request)
            )
            location = f"{str(request.base_url).rstrip('/')}{API}/asyncoperations/{operation.id}"
            with self.sb.store.lock:
                record = self.sb.store.get("asyncoperations", operation.id)
                assert record is not None
                accepted = {"data": self._renderer(request).resource(record)}
            return vnd_response(accepted, 202, {"Content-Location": location})
        if len(data) > SYNC_LIMIT or len(included) > SYNC_INCLUDED_LIMIT:
            raise request_error(
                "The data limit for the synchronous operation exceeded. The maximum number of "
                f"records that can be processed by the synchronous operation is {SYNC_LIMIT}."
            )
        for position in unreachable:
            raise request_error(UNREACHABLE, f"/included/{position}")
        renderer = self._renderer(request)
        out: list[dict[str, Any]] = []
        with self.sb.store.lock:
            tx, writer = self.sb.transaction(ext_id=self._ext_id(request))
            written: list[tuple[Written, Any]] = []
            for group in groups:
                if not group.item:
                    raise request_error(
                        "The primary data object should be an object.", f"/data/{group.index}"
                    )
                meta = group.item.get("meta") or {}
                update = isinstance(meta, dict) and bool(meta.get("update"))
                url_id = str(group.item.get("id")) if update else None
                result = writer.write_item(
                    rtype,
                    group.item,
                    group.included,
                    url_id,
                    f"/data/{group.index}",
                    group.positions,
                )
                written.append((result, group.item.get("id")))
            tx.commit()
            for result, data_id in written:
                meta = {"dataId": str(data_id)} if data_id is not None else None
                out.append(renderer.resource(result.primary, meta))
            echoed = [
                renderer.resource(r, {"includeId": t} if t else None)
                for result, _ in written
                for r, t in result.included
            ]
        body: dict[str, Any] = {"data": out}
        if echoed:
            body["included"] = echoed
        return vnd_response(body)

    async def operation_errors(self, request: Request) -> Response:
        """``GET /asyncoperations/{id}/errors``: the ``asyncoperationerrors`` of a batch."""
        _check_headers(request)
        operation = self.sb.operations.get(request.path_params["id"])
        if operation is None:
            raise not_found()
        page = Page.parse(dict(request.query_params))
        with self.sb.store.lock:
            chunk, more = page.slice(operation.error_records())
            renderer = self._renderer(request)
            body: dict[str, Any] = {"data": renderer.many(chunk)}
        if renderer.hateoas:
            body["links"] = self._page_links(request, page, more)
        return vnd_response(body)

    def _delete_list(self, request: Request, rtype: ResourceType) -> Response:
        items = self._params(request, rtype)
        if not any(k.startswith("filter") for k, _ in items):
            raise ApiError(400, "filter constraint", "At least one filter must be provided.")
        test = predicate(rtype, items)
        with self.sb.store.lock:
            found = candidates(self.sb.store, rtype.name, items)
            doomed = [r["id"] for r in found if test(r)][:MAX_DELETE]
            tx, writer = self.sb.transaction()
            for id_ in doomed:
                writer.delete(rtype.name, id_)
            tx.commit()
        headers = {}
        if "deletedCount" in request.headers.get("x-include", ""):
            headers["X-Include-Deleted-Count"] = str(len(doomed))
        return empty_response(204, headers)

    # --- one record ---------------------------------------------------------------------

    async def item(self, request: Request) -> Response:
        method = request.method
        rtype = self._type(request, method, item=True)
        if isinstance(rtype, Response):
            return rtype
        id_ = request.path_params["id"]
        by_sku = rtype.name == "products" and self._ext_id(request)
        if method == "GET":
            with self.sb.store.lock:
                if by_sku:
                    id_ = self._db_id(id_) or ""
                record = self.sb.store.get(rtype.name, id_)
                if record is None:
                    raise not_found()
                renderer = self._renderer(request)
                body: dict[str, Any] = {"data": renderer.resource(record)}
                included = self._included(request, [record])
                if included:
                    body["included"] = renderer.many(included)
            return vnd_response(body)
        if method == "PATCH":
            document = await _body(request)
            with self.sb.store.lock:  # in ext_id mode the writer looks the SKU up
                tx, writer = self.sb.transaction(ext_id=self._ext_id(request))
                written = writer.write(rtype.name, document, id_)
                tx.commit()
                return self._written(request, written, 201 if written.created else 200)
        with self.sb.store.lock:
            if by_sku:
                id_ = self._db_id(id_) or ""
            tx, writer = self.sb.transaction()
            writer.delete(rtype.name, id_)
            tx.commit()
        return empty_response(204)


def create_app(sb: OroSandbox) -> ASGIApp:
    """The sandbox's ASGI app: faults first, then authentication, then the routes."""
    app = FastAPI(title="OroCommerce sandbox", openapi_url=None, docs_url=None, redoc_url=None)
    api = Api(sb)

    async def token(request: Request) -> Response:
        try:
            body = sb.tokens.grant(await request.body(), request.headers.get("content-type", ""))
        except TokenError as exc:
            return Response(orjson.dumps(exc.body), exc.status, media_type="application/json")
        return Response(orjson.dumps(body), media_type="application/json")

    every = ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]
    app.add_api_route("/oauth2-token", token, methods=["POST"])
    app.add_api_route(API + "/asyncoperations/{id}/errors", api.operation_errors, methods=["GET"])
    app.add_api_route(API + "/{type}", api.collection, methods=every)
    app.add_api_route(API + "/{type}/{id}", api.item, methods=every)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return empty_response(405)
        return error_response(
            ApiError(exc.status_code, "not found http exception", str(exc.detail))
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    return OroFaultMiddleware(BearerMiddleware(app, sb.tokens), sb.faults, sb.requests, sb.writes)
