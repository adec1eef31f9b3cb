"""JSON:API documents: Oro's error document, resource rendering, raw orjson responses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
    """Renders stored records for one request: links, sparse fieldsets, noHateoas.

    ``sku_of`` (a product's DB id → its SKU, or None) switches on ext_id mode: every
    product, and every linkage to one, shows the SKU as its id, and a product gets the
    read-only ``dbId`` attribute (API brief §1.13).
    """

    def __init__(
        self,
        base_url: str,
        fields: Mapping[str, frozenset[str]],
        *,
        hateoas: bool,
        sku_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.base = base_url.rstrip("/") + API
        self.fields = fields
        self.hateoas = hateoas
        self.sku_of = sku_of

    def resource(self, record: Record, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if self.sku_of is not None:
            record = self._by_sku(record, self.sku_of)
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

    @staticmethod
    def _by_sku(record: Record, sku_of: Callable[[str], str | None]) -> Record:
        """A shallow copy of ``record`` with product ids shown as SKUs (a product
        without a SKU keeps its DB id: ext_id mode cannot reach it)."""

        def swap(link: Any) -> Any:
            if isinstance(link, dict) and link.get("type") == "products":
                sku = sku_of(link["id"])
                if sku is not None:
                    return {"type": "products", "id": sku}
            return link

        relationships: dict[str, Any] = {}
        for name, linkage in record["relationships"].items():
            if not isinstance(linkage, list):
                relationships[name] = swap(linkage)
            elif linkage and isinstance(linkage[0], dict) and linkage[0].get("type") == "products":
                relationships[name] = [swap(link) for link in linkage]
            else:  # a to-many linkage holds one type: nothing to swap
                relationships[name] = linkage
        out = {**record, "relationships": relationships}
        if record["type"] == "products":
            sku = record["attributes"].get("sku")
            if sku is not None:
                out["id"] = str(sku)
            out["attributes"] = {**record["attributes"], "dbId": int(record["id"])}
        return out


def _keep(wanted: frozenset[str] | None, name: str) -> bool:
    return wanted is None or name in wanted
