"""Akeneo's two paginations (``page`` and ``search_after``), HAL links and error bodies.

As in Akeneo, a ``next`` link is given whenever a page is full, so a catalog whose size is
a multiple of the limit ends with an empty page; ``with_count`` adds ``items_count``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pimsync.sandbox.akeneo._store import Record

JSON = "application/json"


class ApiError(Exception):
    """An Akeneo error response: ``{"code": status, "message": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status, headers=headers, media_type=JSON)


def error_response(status: int, message: str) -> Response:
    return json_response({"code": status, "message": message}, status)


def not_found(label: str, code: str) -> ApiError:
    return ApiError(404, f'{label} "{code}" does not exist.')


@dataclass(frozen=True)
class Paging:
    """The pagination parameters of one list request."""

    search_after_mode: bool
    page: int
    limit: int
    with_count: bool
    cursor: str | None


def _integer(raw: str, kind: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f'"{raw}" is not a valid {kind} number.') from None
    if value < 1:
        raise ApiError(422, f'"{raw}" is not a valid {kind} number.')
    return value


def paging(request: Request, *, search_after: bool) -> Paging:
    """Read and check the pagination parameters. Raises ApiError (422)."""
    query = request.query_params
    kind = query.get("pagination_type", "page")
    if kind not in ("page", "search_after"):
        raise ApiError(422, "Pagination type does not exist.")
    if kind == "search_after" and not search_after:
        raise ApiError(422, "Pagination type is not supported.")
    limit = _integer(query.get("limit", "10"), "limit")
    if limit > 100:
        raise ApiError(422, "You cannot request more than 100 items.")
    page = _integer(query.get("page", "1"), "page")
    count = query.get("with_count", "false")
    if count not in ("true", "false"):
        raise ApiError(
            422,
            'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, '
            f'"{count}" given.',
        )
    if kind == "search_after" and count == "true":
        raise ApiError(422, 'Parameter "with_count" is not supported with "search_after".')
    return Paging(kind == "search_after", page, limit, count == "true", query.get("search_after"))


def _href(base: str, query: Mapping[str, str], **changes: str | None) -> dict[str, str]:
    params = {k: v for k, v in query.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    return {"href": f"{base}?{urlencode(params)}" if params else base}


def list_response(
    request: Request,
    keys: Sequence[str],
    paging_: Paging,
    fetch: Callable[[str], Record | None],
    render: Callable[[Record], Record],
) -> Response:
    """One page of ``keys`` (sorted, as the ``search_after`` cursor compares them)."""
    base = str(request.url.replace(query=""))
    query = dict(request.query_params)
    if paging_.search_after_mode:
        start = 0 if paging_.cursor is None else bisect.bisect_right(keys, paging_.cursor)
    else:
        start = (paging_.page - 1) * paging_.limit
    window = keys[start : start + paging_.limit]
    items = []
    for key in window:
        found = fetch(key)
        if found is not None:
            items.append(render(found))
    links: dict[str, Any] = {"self": _href(base, query)}
    body: dict[str, Any] = {"_links": links}
    if paging_.search_after_mode:
        links["first"] = _href(base, query, search_after=None)
        if len(window) == paging_.limit:
            links["next"] = _href(base, query, search_after=window[-1])
    else:
        links["first"] = _href(base, query, page="1")
        if paging_.page > 1:
            links["previous"] = _href(base, query, page=str(paging_.page - 1))
        if len(window) == paging_.limit:
            links["next"] = _href(base, query, page=str(paging_.page + 1))
        body["current_page"] = paging_.page
        if paging_.with_count:
            body["items_count"] = len(keys)
    body["_embedded"] = {"items": items}
    return json_response(body)


def with_self_link(base: str, key: str, item: Record) -> Record:
    """``item`` with its ``_links.self`` first, as Akeneo lists show it."""
    return {"_links": {"self": {"href": f"{base}/{quote(key, safe='')}"}}, **item}


def simple_list(
    request: Request, items: Sequence[Record], key: str = "code", *, search_after: bool = False
) -> Response:
    """A page of a small, code-keyed resource list (attributes, channels, ...)."""
    paging_ = paging(request, search_after=search_after)
    by_key = {str(item[key]): item for item in items}
    keys = sorted(by_key) if search_after else list(by_key)
    base = str(request.url.replace(query=""))
    return list_response(
        request,
        keys,
        paging_,
        by_key.get,
        lambda item: with_self_link(base, str(item[key]), item),
    )


def collection_body(lines: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(line) for line in lines)
