"""Read routes for the catalog structure, media files and the Enterprise-only entities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from pimsync.sandbox.akeneo._pages import ApiError, json_response, not_found, simple_list
from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox
from pimsync.sandbox.akeneo._store import Record

API = "/api/rest/v1"
Endpoint = Callable[[Request], Awaitable[Response]]
Source = Callable[[], dict[str, Record]]


def _list(source: Source, *, search_after: bool = False) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return simple_list(request, list(source().values()), search_after=search_after)

    return endpoint


def _one(source: Source, label: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        code = request.path_params["code"]
        found = source().get(code)
        if found is None:
            raise not_found(label, code)
        return json_response(found)

    return endpoint


def _nested(
    parents: Callable[[], dict[str, Any]],
    children: Callable[[], dict[str, dict[str, Record]]],
    parent_label: str,
    label: str,
) -> tuple[Endpoint, Endpoint]:
    def kids(request: Request) -> dict[str, Record]:
        parent = request.path_params["parent"]
        if parent not in parents():
            raise not_found(parent_label, parent)
        return children().get(parent, {})

    async def many(request: Request) -> Response:
        return simple_list(request, list(kids(request).values()))

    async def one(request: Request) -> Response:
        code = request.path_params["code"]
        found = kids(request).get(code)
        if found is None:
            raise not_found(label, code)
        return json_response(found)

    return many, one


def _add(app: FastAPI, path: str, many: Endpoint, one: Endpoint) -> None:
    app.add_api_route(f"{API}/{path}", many, methods=["GET"])
    app.add_api_route(f"{API}/{path}/{{code}}", one, methods=["GET"])


def _media(sb: AkeneoSandbox) -> tuple[Endpoint, Endpoint]:
    def resource(request: Request, item: Record) -> Record:
        href = f"{request.base_url}api/rest/v1/media-files/{item['code']}"
        return {
            "_links": {"download": {"href": f"{href}/download"}},
            **item,
        }

    async def many(request: Request) -> Response:
        items = [resource(request, m.resource) for m in sb.store.media_files.values()]
        return simple_list(request, items)

    async def one(request: Request) -> Response:
        code: str = request.path_params["code"]
        download = code.endswith("/download")
        if download:
            code = code.removesuffix("/download")
        found = sb.store.media_files.get(code)
        if found is None:
            raise not_found("Media file", code)
        if download:
            return Response(
                found.content,
                media_type=found.resource["mime_type"],
                headers={
                    "Content-Disposition": (
                        f'attachment; filename="{found.resource["original_filename"]}"'
                    )
                },
            )
        return json_response(resource(request, found.resource))

    return many, one


def add_resource_routes(app: FastAPI, sb: AkeneoSandbox) -> None:
    """Register the structure routes (and, for Enterprise, assets and reference entities)."""
    store = sb.store
    flat: list[tuple[str, Source, str]] = [
        ("attributes", lambda: store.attributes, "Attribute"),
        ("attribute-groups", lambda: store.attribute_groups, "Attribute group"),
        ("families", lambda: store.families, "Family"),
        ("categories", lambda: store.categories, "Category"),
        ("channels", lambda: store.channels, "Channel"),
        ("locales", lambda: store.locales, "Locale"),
        ("currencies", lambda: store.currencies, "Currency"),
        ("association-types", lambda: store.association_types, "Association type"),
    ]
    for path, source, label in flat:
        _add(app, path, _list(source), _one(source, label))
    _add(
        app,
        "families/{parent}/variants",
        *_nested(lambda: store.families, lambda: store.family_variants, "Family", "Family variant"),
    )
    _add(
        app,
        "attributes/{parent}/options",
        *_nested(lambda: store.attributes, lambda: store.attribute_options, "Attribute", "Option"),
    )

    async def measurement_families(request: Request) -> Response:
        return json_response(list(store.measurement_families.values()))

    app.add_api_route(f"{API}/measurement-families", measurement_families, methods=["GET"])
    many, one = _media(sb)
    app.add_api_route(f"{API}/media-files", many, methods=["GET"])
    app.add_api_route(f"{API}/media-files/{{code:path}}", one, methods=["GET"])
    if sb.edition != "enterprise":
        return
    _add(
        app,
        "reference-entities",
        _list(lambda: store.reference_entities, search_after=True),
        _one(lambda: store.reference_entities, "Reference entity"),
    )
    _add(
        app,
        "reference-entities/{parent}/records",
        *_nested(
            lambda: store.reference_entities, lambda: store.records, "Reference entity", "Record"
        ),
    )
    _add(
        app,
        "asset-families",
        _list(lambda: store.asset_families, search_after=True),
        _one(lambda: store.asset_families, "Asset family"),
    )
    _add(
        app,
        "asset-families/{parent}/assets",
        *_nested(lambda: store.asset_families, lambda: store.assets, "Asset family", "Asset"),
    )

    async def asset_media_file(request: Request) -> Response:
        code: str = request.path_params["code"]
        found = store.asset_media_files.get(code)
        if found is None:
            raise not_found("Asset media file", code)
        return Response(found.content, media_type=found.resource["mime_type"])

    app.add_api_route(f"{API}/asset-media-files/{{code:path}}", asset_media_file, methods=["GET"])


def route_not_found(request: Request) -> ApiError:
    """Akeneo's answer for a path it has no route for (e.g. Enterprise routes on CE)."""
    return ApiError(404, f'No route found for "{request.method} {request.url.path}"')
