"""JSON:API documents of the Oro back-office API: build, parse, and read error documents.

* :class:`Resource` — one resource object (``type``, ``id``, attributes, relationships).
* :func:`resource_object` / :func:`linkage` — build request objects.
* :class:`Document` and :func:`parse_document` — a response with its ``included`` index.
* :class:`OroError` and :func:`parse_errors` — ``errors[]`` entries, with the offending
  field taken from ``source.pointer`` (``/data/attributes/sku`` → ``sku``) and the
  batch index (``/data/3/...`` → 3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pimsync.errors import RejectedRecord

__all__ = [
    "MEDIA_TYPE",
    "Document",
    "OroError",
    "Resource",
    "join_messages",
    "linkage",
    "parse_document",
    "parse_errors",
    "resource_object",
]

MEDIA_TYPE = "application/vnd.api+json"  # never with parameters: Oro answers 415/406


@dataclass(frozen=True, slots=True)
class Resource:
    """One JSON:API resource object as Oro sends it (ids are always strings)."""

    type: str
    id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    relationships: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> Resource:
        """Raises :class:`ValueError` when ``raw`` is not a resource object."""
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise ValueError(f"not a JSON:API resource object: {str(raw)[:120]!r}")  # noqa: TRY004 - bad data, not a bad call
        return cls(
            raw["type"],
            str(raw.get("id", "")),
            _mapping(raw.get("attributes")),
            _mapping(raw.get("relationships")),
            _mapping(raw.get("meta")),
        )

    def related_ids(self, name: str) -> list[tuple[str, str]]:
        """``(type, id)`` of every record linked through relationship ``name``."""
        relationship = self.relationships.get(name)
        data = relationship.get("data") if isinstance(relationship, dict) else None
        items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        return [(str(i["type"]), str(i["id"])) for i in items if isinstance(i, dict)]


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed response: primary data, ``included`` by ``(type, id)``, and ``links``."""

    data: list[Resource]
    included: Mapping[tuple[str, str], Resource]
    links: Mapping[str, Any]
    is_collection: bool

    @property
    def one(self) -> Resource:
        """The single primary resource. Raises :class:`ValueError` if there is not one."""
        if len(self.data) != 1:
            raise ValueError(f"expected one resource, got {len(self.data)}")
        return self.data[0]

    def related(self, resource: Resource, name: str) -> Iterator[Resource]:
        """The included records linked from ``resource`` through ``name``."""
        for key in resource.related_ids(name):
            found = self.included.get(key)
            if found is not None:
                yield found

    @property
    def next_link(self) -> str | None:
        """``links.next`` (a string or ``{"href": ...}``), None on the last page."""
        nxt = self.links.get("next")
        if isinstance(nxt, dict):
            nxt = nxt.get("href")
        return nxt if isinstance(nxt, str) and nxt else None


def parse_document(body: Any) -> Document:
    """A :class:`Document` from a decoded response body.

    Raises :class:`ValueError` when the body has no ``data`` member or malformed resources.
    """
    if not isinstance(body, dict) or "data" not in body:
        raise ValueError("not a JSON:API document (no data member)")
    raw = body["data"]
    is_collection = isinstance(raw, list)
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    data = [Resource.parse(item) for item in items]
    included_raw = body.get("included")
    included = [Resource.parse(i) for i in included_raw] if isinstance(included_raw, list) else []
    return Document(
        data, {(r.type, r.id): r for r in included}, _mapping(body.get("links")), is_collection
    )


def linkage(type_: str, id_: str | None) -> dict[str, Any]:
    """A to-one relationship member: ``{"data": {"type", "id"}}`` or ``{"data": null}``."""
    return {"data": None if id_ is None else {"type": type_, "id": id_}}


def resource_object(
    type_: str,
    *,
    id_: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    relationships: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A resource object for a request; empty members are left out."""
    obj: dict[str, Any] = {"type": type_}
    if id_ is not None:
        obj["id"] = id_
    if attributes:
        obj["attributes"] = dict(attributes)
    if relationships:
        obj["relationships"] = dict(relationships)
    if meta:
        obj["meta"] = dict(meta)
    return obj


@dataclass(frozen=True, slots=True)
class OroError:
    """One entry of an Oro error document."""

    status: str
    title: str
    detail: str
    pointer: str | None = None
    parameter: str | None = None

    @property
    def field(self) -> str | None:
        """The offending attribute or relationship: ``/data/attributes/sku`` → ``sku``,
        ``/data/0/relationships/names/data/0`` → ``names``; else the query parameter."""
        if self.pointer:
            parts = self.pointer.strip("/").split("/")
            for marker in ("attributes", "relationships"):
                if marker in parts and parts.index(marker) + 1 < len(parts):
                    return parts[parts.index(marker) + 1]
            if parts and parts[-1] and not parts[-1].isdigit() and parts[-1] != "data":
                return parts[-1]
            return None
        return self.parameter

    @property
    def location(self) -> tuple[str, int] | None:
        """``("data", 3)`` for ``/data/3/...`` or ``("included", 1)`` in batch documents."""
        if not self.pointer:
            return None
        parts = self.pointer.strip("/").split("/")
        if len(parts) >= 2 and parts[0] in ("data", "included") and parts[1].isdigit():
            return parts[0], int(parts[1])
        return None

    @property
    def message(self) -> str:
        """``"<field>: <detail> (<title>)"``, the text reported for a rejected record."""
        text = self.detail or self.title or f"error {self.status}"
        if self.title and self.detail:
            text = f"{text} ({self.title})"
        return f"{self.field}: {text}" if self.field else text

    def rejection(self, key: str) -> RejectedRecord:
        """This error as the rejection of record ``key`` (reason and field)."""
        return RejectedRecord(key, self.message, field=self.field)


def parse_errors(body: Any) -> list[OroError]:
    """The entries of an ``errors`` document; ``[]`` when the body is not one."""
    raw = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        return []
    errors = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        source = _mapping(item.get("source"))
        pointer, parameter = source.get("pointer"), source.get("parameter")
        errors.append(
            OroError(
                str(item.get("status", "")),
                str(item.get("title") or ""),
                str(item.get("detail") or ""),
                pointer if isinstance(pointer, str) else None,
                parameter if isinstance(parameter, str) else None,
            )
        )
    return errors


def join_messages(errors: Sequence[OroError]) -> str:
    """All error messages on one line."""
    return "; ".join(e.message for e in errors)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
