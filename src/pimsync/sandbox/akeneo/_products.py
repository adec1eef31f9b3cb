"""Product and product-model routes: lists with search, single reads, PATCH/POST writes.

``/products-uuid`` pages are ordered by uuid (the ``search_after`` cursor is the last uuid),
the legacy ``/products`` by identifier, ``/product-models`` by code.

With an app's token on an EE PIM the app's permissions apply (``_permissions``): products
and product models outside its viewable categories are left out of lists and answer 404,
values and categories it cannot view are left out, and writes are checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from pimsync.sandbox.akeneo._pages import (
    ApiError,
    collection_body,
    json_response,
    list_response,
    paging,
    with_self_link,
)
from pimsync.sandbox.akeneo._patch import InvalidProduct, identifier_of
from pimsync.sandbox.akeneo._permissions import (
    Access,
    PermissionDenied,
    Right,
    check_write,
    keep_hidden_categories,
)
from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox
from pimsync.sandbox.akeneo._search import SearchError, compile_search, completenesses
from pimsync.sandbox.akeneo._store import Record

API = "/api/rest/v1"
COLLECTION = "application/vnd.akeneo.collection+json"
_MAX_LINES = 100
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class ValueFilter:
    """The ``attributes``, ``locales`` and ``scope`` parameters."""

    attributes: frozenset[str] | None
    locales: frozenset[str] | None
    scope: str | None

    def apply(self, values: dict[str, list[Record]]) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = {}
        for code, entries in values.items():
            if self.attributes is not None and code not in self.attributes:
                continue
            kept = [
                v
                for v in entries
                if (self.scope is None or v["scope"] in (None, self.scope))
                and (self.locales is None or v["locale"] is None or v["locale"] in self.locales)
            ]
            if kept:
                out[code] = kept
        return out


def _split(raw: str | None) -> frozenset[str] | None:
    return None if raw is None else frozenset(c for c in raw.split(",") if c)


def value_filter(sb: AkeneoSandbox, request: Request) -> ValueFilter | None:
    """Read the value-narrowing parameters. Raises ApiError (422) for unknown codes."""
    query = request.query_params
    attributes, locales = _split(query.get("attributes")), _split(query.get("locales"))
    scope = query.get("scope")
    if attributes is None and locales is None and scope is None:
        return None
    store = sb.store
    if scope is not None and scope not in store.channels:
        raise ApiError(422, f'Scope "{scope}" does not exist.')
    if locales is not None:
        bad = sorted(c for c in locales if not store.locales.get(c, {}).get("enabled"))
        if bad:
            raise ApiError(422, f'Locales "{", ".join(bad)}" do not exist or are not activated.')
    if attributes is not None:
        bad = sorted(c for c in attributes if c not in store.attributes)
        if bad:
            raise ApiError(422, f'Attributes "{", ".join(bad)}" do not exist.')
    return ValueFilter(attributes, locales, scope)


def _access(sb: AkeneoSandbox, request: Request) -> tuple[Access, str] | None:
    """The EE permissions of the app making the request; None for full rights."""
    return sb.apps.access(request.headers.get("authorization"), sb.store)


def _legacy(sb: AkeneoSandbox, item: Record) -> Record:
    """A product as the identifier-keyed endpoints show it: associations by identifier."""
    if not any(links.get("products") for links in item["associations"].values()):
        return item
    associations = {}
    for kind, links in item["associations"].items():
        products = [sb.store.products.get(u, {}).get("identifier", u) for u in links["products"]]
        associations[kind] = {**links, "products": products}
    return {**item, "associations": associations}


def _renderer(
    sb: AkeneoSandbox,
    request: Request,
    *,
    legacy: bool = False,
    model: bool = False,
    access: Access | None = None,
) -> Callable[[Record], Record]:
    narrowing = value_filter(sb, request)
    complete = request.query_params.get("with_completenesses") == "true" and not model

    def render(item: Record) -> Record:
        if access is not None:
            item = access.render(item)
        if legacy:
            item = _legacy(sb, item)
        if narrowing is not None:
            item = {**item, "values": narrowing.apply(item["values"])}
        if complete:
            item = {**item, "completenesses": completenesses(sb.store, item)}
        return item

    return render


def _list(sb: AkeneoSandbox, kind: str) -> Endpoint:
    models = kind == "models"

    async def endpoint(request: Request) -> Response:
        paging_ = paging(request, search_after=True)
        raw = request.query_params.get("search")
        try:
            predicate = compile_search(raw, store=sb.store, now=sb.now(), models=models)
        except SearchError as exc:
            raise ApiError(422, str(exc)) from None
        store = sb.store
        order = {
            "uuid": store.uuid_order,
            "identifier": store.identifier_order,
            "models": store.model_order,
        }[kind]()
        allowed = _access(sb, request)
        if allowed is not None:
            access, name = allowed
            searched = predicate

            def visible(item: Record) -> bool:
                return access.visible(item) and (searched is None or searched(item))

            keys = sb.matching(kind, f"{raw or ''}\x00app:{name}", visible, order)
        elif predicate is None:
            keys = order
        else:
            keys = sb.matching(kind, raw or "", predicate, order)
        fetches: dict[str, Callable[[str], Record | None]] = {
            "uuid": store.products.get,
            "identifier": store.product_by_identifier,
            "models": store.product_models.get,
        }
        fetch = fetches[kind]
        render = _renderer(
            sb,
            request,
            legacy=kind == "identifier",
            model=models,
            access=None if allowed is None else allowed[0],
        )
        base = str(request.url.replace(query=""))
        key_field = {"uuid": "uuid", "identifier": "identifier", "models": "code"}[kind]
        return list_response(
            request,
            keys,
            paging_,
            fetch,
            lambda item: with_self_link(base, str(item[key_field]), render(item)),
        )

    return endpoint


def _one(sb: AkeneoSandbox, kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        key = request.path_params["code"]
        store = sb.store
        if kind == "models":
            found = store.product_models.get(key)
            label = "Product model"
        elif kind == "uuid":
            found = store.products.get(key.lower())
            label = "Product"
        else:
            found = store.product_by_identifier(key)
            label = "Product"
        allowed = _access(sb, request)
        access = None if allowed is None else allowed[0]
        if found is None or (access is not None and not access.visible(found)):
            raise ApiError(
                404, f'{label} "{key}" does not exist or you do not have permission to access it.'
            )
        render = _renderer(
            sb, request, legacy=kind == "identifier", model=kind == "models", access=access
        )
        return json_response(render(found))

    return endpoint


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Invalid json message received") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid json message received")
    return body


def _written(request: Request, item: Record, created: bool, kind: str) -> Response:
    if not created:
        return Response(status_code=204)
    key = item["uuid"] if kind == "uuid" else item["identifier"]
    base = f"{request.base_url}api/rest/v1/{'products-uuid' if kind == 'uuid' else 'products'}"
    return Response(status_code=201, headers={"Location": f"{base}/{quote(key, safe='')}"})


def _write(
    sb: AkeneoSandbox,
    body: dict[str, Any],
    kind: str,
    key: str | None,
    allowed: tuple[Access, str] | None = None,
) -> tuple[Record, bool]:
    if kind == "uuid":
        uuid = (key or str(body.get("uuid") or "")).lower() or None
        if key and body.get("uuid") and str(body["uuid"]).lower() != key.lower():
            raise ApiError(
                422,
                f'The uuid "{body["uuid"]}" provided in the request body must match the uuid '
                f'"{key}" provided in the url.',
            )
        identifier = identifier_of(body)
        if uuid is None and identifier is None:
            raise ApiError(422, 'Property "identifier" cannot be empty.')
    else:
        uuid = None
        identifier = key or identifier_of(body)
        if key and body.get("identifier") and str(body["identifier"]) != key:
            raise ApiError(
                422,
                f'The identifier "{body["identifier"]}" provided in the request body must match '
                f'the identifier "{key}" provided in the url.',
            )
    if allowed is not None:
        permitted = _permitted(sb, allowed, body, uuid, identifier)
        if permitted is None:  # a draft: the product does not change
            current = sb.store.products.get(uuid or "") or sb.store.product_by_identifier(
                identifier or ""
            )
            assert current is not None
            return current, False
        body = permitted
    try:
        return sb.upsert_product(uuid, identifier, body)
    except InvalidProduct as exc:
        raise ApiError(422, str(exc)) from None


def _permitted(
    sb: AkeneoSandbox,
    allowed: tuple[Access, str],
    body: dict[str, Any],
    uuid: str | None,
    identifier: str | None,
) -> dict[str, Any] | None:
    """The body to apply for an app, or None when it becomes a draft (Edit, not Own).

    Raises ApiError with Akeneo's permission errors (§d).
    """
    access, name = allowed
    store = sb.store
    current = store.products.get(uuid) if uuid is not None else None
    if current is None and identifier is not None:
        current = store.product_by_identifier(identifier)
    try:
        right = check_write(access, current, body)
    except PermissionDenied as exc:
        raise ApiError(exc.status, exc.message) from None
    if current is None:
        return body
    body = dict(body)
    keep_hidden_categories(access, current, body)
    if right == Right.EDIT:
        client_id = name.partition("#")[0]
        sb.apps.drafts[(client_id, current["uuid"])] = body
        return None
    return body


def _patch_one(sb: AkeneoSandbox, kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        key = request.path_params["code"]
        body = _body(await request.body())
        item, created = _write(sb, body, kind, key, _access(sb, request))
        return _written(request, item, created, kind)

    return endpoint


def _post(sb: AkeneoSandbox, kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        body = _body(await request.body())
        uuid = str(body.get("uuid") or "").lower()
        ident = identifier_of(body)
        exists = sb.store.products.get(uuid) if uuid else None
        if exists is None and ident is not None:
            exists = sb.store.product_by_identifier(ident)
        if exists is not None:
            raise ApiError(422, "The same identifier is already set on another product")
        item, _ = _write(sb, body, kind, None, _access(sb, request))
        return _written(request, item, True, kind)

    return endpoint


def _patch_many(sb: AkeneoSandbox, kind: str) -> Endpoint:
    key_field = "uuid" if kind == "uuid" else "identifier"

    async def endpoint(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith(COLLECTION):
            raise ApiError(
                415,
                f'"{content_type}" in "Content-Type" header is not valid. '
                f'Only "{COLLECTION}" is allowed.',
            )
        lines = [line for line in (await request.body()).splitlines() if line.strip()]
        if len(lines) > _MAX_LINES:
            raise ApiError(
                413, f"Too many resources to process, {_MAX_LINES} is the maximum allowed."
            )
        out: list[dict[str, Any]] = []
        allowed = _access(sb, request)
        for number, line in enumerate(lines, start=1):
            status: dict[str, Any] = {"line": number}
            try:
                body = _body(line)
                status[key_field] = body.get(key_field) or identifier_of(body)
                item, created = _write(sb, body, kind, None, allowed)
                status[key_field] = item[key_field]
                status["status_code"] = 201 if created else 204
            except ApiError as exc:
                status.update(status_code=exc.status, message=exc.message)
            out.append(status)
        return Response(collection_body(out), 200, media_type=COLLECTION)

    return endpoint


def _delete(sb: AkeneoSandbox, kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        key = request.path_params["code"]
        found = (
            sb.store.products.get(key.lower())
            if kind == "uuid"
            else sb.store.product_by_identifier(key)
        )
        allowed = _access(sb, request)
        right = Right.OWN if allowed is None or found is None else allowed[0].right(found)
        if found is None or right == Right.NONE:
            raise ApiError(
                404, f'Product "{key}" does not exist or you do not have permission to access it.'
            )
        if right < Right.OWN:
            # [inferred] deleting needs Own on one of the product's categories (§d).
            raise ApiError(
                403,
                "You can delete a product only if it is classified in at least one category "
                "on which you have an own permission.",
            )
        sb.delete_product(found["uuid"])
        return Response(status_code=204)

    return endpoint


def add_product_routes(app: FastAPI, sb: AkeneoSandbox) -> None:
    """Register the product and product-model routes of ``sb`` on ``app``."""
    for path, kind in (("products-uuid", "uuid"), ("products", "identifier")):
        app.add_api_route(f"{API}/{path}", _list(sb, kind), methods=["GET"])
        app.add_api_route(f"{API}/{path}", _post(sb, kind), methods=["POST"])
        app.add_api_route(f"{API}/{path}", _patch_many(sb, kind), methods=["PATCH"])
        app.add_api_route(f"{API}/{path}/{{code}}", _one(sb, kind), methods=["GET"])
        app.add_api_route(f"{API}/{path}/{{code}}", _patch_one(sb, kind), methods=["PATCH"])
        app.add_api_route(f"{API}/{path}/{{code}}", _delete(sb, kind), methods=["DELETE"])
    app.add_api_route(f"{API}/product-models", _list(sb, "models"), methods=["GET"])
    app.add_api_route(f"{API}/product-models/{{code}}", _one(sb, "models"), methods=["GET"])
