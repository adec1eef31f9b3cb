"""JSON:API documents: Oro's error document, resource rendering, raw orjson responses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from starlette.responses import Response

from pimsync.sandbox.oro._store import Record

JSON_API = "application/vnd.api+json"
API = "/admin/api"


class ApiError(Exception):
    """One JSON:API error; the response status is its ``status``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.pointer = pointer
        self.parameter = parameter

    def document(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": str(self.status), "title": self.title}
        error["detail"] = self.detail
        if self.pointer is not None:
            error["source"] = {"pointer": self.pointer}
        elif self.parameter is not None:
            error["source"] = {"parameter": self.parameter}
        return {"errors": [error]}


def request_error(detail: str, pointer: str | None = None) -> ApiError:
    return ApiError(400, "request data constraint", detail, pointer=pointer)


def not_found() -> ApiError:
    return ApiError(404, "not found http exception", "The entity does not exist.")


def vnd_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers=headers, media_type=JSON_API)


def error_response(exc: ApiError) -> Response:
    return vnd_response(exc.document(), exc.status)


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status, headers=headers)


class Renderer:
    """Renders stored records for one request: links, sparse fieldsets, noHateoas."""

    def __init__(
        self, base_url: str, fields: Mapping[str, frozenset[str]], *, hateoas: bool
    ) -> None:
        self.base = base_url.rstrip("/") + API
        self.fields = fields
        self.hateoas = hateoas

    def resource(self, record: Record, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
        type_, id_ = record["type"], record["id"]
        wanted = self.fields.get(type_)
        out: dict[str, Any] = {"type": type_, "id": id_}
        if self.hateoas:
            out["links"] = {"self": f"{self.base}/{type_}/{id_}"}
        if meta:
            out["meta"] = dict(meta)
        attributes = {k: v for k, v in record["attributes"].items() if _keep(wanted, k)}
        if attributes:
            out["attributes"] = attributes
        relationships: dict[str, Any] = {}
        for name, linkage in record["relationships"].items():
            if not _keep(wanted, name):
                continue
            rel: dict[str, Any] = {"data": linkage}
            if self.hateoas:
                own = f"{self.base}/{type_}/{id_}"
                rel = {
                    "links": {"self": f"{own}/relationships/{name}", "related": f"{own}/{name}"},
                    "data": linkage,
                }
            relationships[name] = rel
        if relationships:
            out["relationships"] = relationships
        return out

    def many(self, records: Iterable[Record]) -> list[dict[str, Any]]:
        return [self.resource(r) for r in records]


def _keep(wanted: frozenset[str] | None, name: str) -> bool:
    return wanted is None or name in wanted
