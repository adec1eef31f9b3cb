"""The batch API: splitting a batch body per primary record, and asynchronous operations.

Every included record belongs to the first primary record it is reachable from, through
the primary's relationships or a back-reference to it (brief §1.8). The asynchronous
operation then writes each primary with its included records on its own, in chunks of
100 primary / 50 included records, so an invalid record is rejected alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pimsync.sandbox.oro._documents import ApiError, request_error
from pimsync.sandbox.oro._store import Record

CHUNK_SIZE = 100
INCLUDED_CHUNK_SIZE = 50
UNREACHABLE = (
    "The entity should have a relationship with the primary entity and this should be "
    "explicitly specified in the request."
)


@dataclass
class Group:
    """One primary record (``index`` in ``data``) and the included records it owns."""

    index: int
    item: dict[str, Any]
    included: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # indexes in the body's ``included``


def parse_batch(document: Any) -> tuple[list[Any], list[Any]]:
    """``data`` and ``included`` of a batch body. Raises ApiError (400)."""
    data = document.get("data") if isinstance(document, dict) else None
    included = document.get("included", []) if isinstance(document, dict) else []
    if not isinstance(data, list):
        raise request_error("The primary data object collection should exist.", "/data")
    if not isinstance(included, list):
        raise request_error("The included data should be an array.", "/included")
    return data, included


def _key(item: Any) -> tuple[str, str] | None:
    if isinstance(item, dict) and "type" in item and item.get("id") is not None:
        return str(item["type"]), str(item["id"])
    return None


def split(data: list[Any], included: list[Any]) -> tuple[list[Group], list[int]]:
    """Groups in ``data`` order, and the indexes of included records no primary reaches.

    Nodes are numbered: primary ``i`` is ``i``, included record ``j`` is ``len(data) + j``.
    A group claims every included record reachable from its primary through included
    records no earlier group claimed. (Written for speed: a 1,000-product batch has some
    20,000 records.)
    """
    items = [*data, *included]
    first_included = len(data)
    by_key: dict[tuple[str, str], list[int]] = {}
    for node, item in enumerate(items):
        key = _key(item)
        if key is not None:
            nodes = by_key.get(key)
            if nodes is None:
                by_key[key] = [node]
            else:
                nodes.append(node)
    neighbours: list[list[int]] = [[] for _ in items]
    for node, item in enumerate(items):
        relationships = item.get("relationships") if isinstance(item, dict) else None
        if not isinstance(relationships, dict):
            continue
        for value in relationships.values():
            linkage = value.get("data") if isinstance(value, dict) else None
            for link in linkage if isinstance(linkage, list) else (linkage,):
                if not isinstance(link, dict) or "type" not in link or "id" not in link:
                    continue
                for other in by_key.get((str(link["type"]), str(link["id"])), ()):
                    if other != node and (other >= first_included or node >= first_included):
                        neighbours[node].append(other)
                        neighbours[other].append(node)
    claimed = [False] * len(items)
    groups: list[Group] = []
    for index, item in enumerate(data):
        queue = [index]
        mine: list[int] = []
        while queue:
            for other in neighbours[queue.pop()]:
                if other >= first_included and not claimed[other]:
                    claimed[other] = True
                    mine.append(other - first_included)
                    queue.append(other)
        mine.sort()
        group = Group(index, item if isinstance(item, dict) else {})
        group.positions = mine
        group.included = [included[j] for j in mine]
        groups.append(group)
    unreachable = [j for j in range(len(included)) if not claimed[first_included + j]]
    return groups, unreachable


def chunks(groups: list[Group]) -> Iterator[list[Group]]:
    """Consecutive groups of at most 100 primary and 50 included records (one group
    with more included records than that forms a chunk of its own)."""
    chunk: list[Group] = []
    count = 0
    for group in groups:
        if chunk and (
            len(chunk) >= CHUNK_SIZE or count + len(group.included) > INCLUDED_CHUNK_SIZE
        ):
            yield chunk
            chunk, count = [], 0
        chunk.append(group)
        count += len(group.included)
    if chunk:
        yield chunk


@dataclass
class AsyncOperation:
    """One asynchronous batch: its state, its counts and the errors of rejected records."""

    id: str
    entity_type: str
    created_at: str
    updated_at: str
    status: str = "new"
    progress: float | None = None
    summary: dict[str, int] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    # the request that started it said ``X-Integration-Type: ext_id``; the records are
    # written later, in a thread, so the operation has to remember it
    ext_id: bool = False

    def record(self) -> Record:
        """The ``asyncoperations`` resource."""
        end = self.finished if self.finished is not None else time.monotonic()
        return {
            "type": "asyncoperations",
            "id": self.id,
            "attributes": {
                "status": self.status,
                "progress": self.progress,
                "createdAt": self.created_at,
                "updatedAt": self.updated_at,
                "elapsedTime": int(end - self.started),
                "entityType": self.entity_type,
                "hasErrors": bool(self.errors),
                "summary": self.summary,
            },
            "relationships": {
                "owner": {"type": "users", "id": "1"},
                "organization": {"type": "organizations", "id": "1"},
            },
        }

    def error_records(self) -> list[Record]:
        return [
            {
                "type": "asyncoperationerrors",
                "id": error["id"],
                "attributes": {k: v for k, v in error.items() if k != "id"},
                "relationships": {},
            }
            for error in self.errors
        ]


@dataclass
class Outcome:
    """What writing one group did: created, updated, or the error that rejected it."""

    created: bool = False
    error: ApiError | None = None


class AsyncRunner:
    """Runs operations in background threads; ``write`` saves one group or reports why not.

    ``publish`` is called with the operation after every change of state.
    """

    def __init__(
        self,
        write: Callable[[AsyncOperation, Group, dict[tuple[str, str], str]], Outcome],
        publish: Callable[[AsyncOperation], None],
        now: Callable[[], str],
    ) -> None:
        self._write = write
        self._publish = publish
        self._now = now
        self._threads: list[threading.Thread] = []

    def start(self, op: AsyncOperation, groups: list[Group], unreachable: list[int]) -> None:
        for position in unreachable:
            op.errors.append(
                _error(op, 0, len(op.errors), request_error(UNREACHABLE, f"/included/{position}"))
            )
        thread = threading.Thread(
            target=self.run, args=(op, groups), name=f"oro-async-{op.id}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def run(self, op: AsyncOperation, groups: list[Group]) -> None:
        """Process every chunk; a crash fails the operation instead of hanging it."""
        op.status, op.progress, op.updated_at = "running", 0.0, self._now()
        self._publish(op)
        created = updated = 0
        ids: dict[tuple[str, str], str] = {}
        try:
            for number, chunk in enumerate(chunks(groups), start=1):
                for group in chunk:
                    outcome = self._write(op, group, ids)
                    if outcome.error is not None:
                        op.errors.append(_error(op, number, len(op.errors), outcome.error))
                    elif outcome.created:
                        created += 1
                    else:
                        updated += 1
                op.progress = round((chunk[-1].index + 1) / max(len(groups), 1), 4)
                op.updated_at = self._now()
                self._publish(op)
            op.status = "success" if created + updated or not op.errors else "failed"
        except Exception as exc:  # noqa: BLE001 - a sandbox bug must not leave "running"
            op.errors.append(
                _error(op, 0, len(op.errors), ApiError(500, "runtime exception", str(exc)))
            )
            op.status = "failed"
        op.finished = time.monotonic()
        op.progress = 1.0
        op.summary = {
            "aggregateTime": int((op.finished - op.started) * 1000),
            "readCount": len(groups),
            "writeCount": created + updated,
            "errorCount": len(op.errors),
            "createCount": created,
            "updateCount": updated,
        }
        op.updated_at = self._now()
        self._publish(op)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until every operation started so far has finished."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))


def _error(op: AsyncOperation, chunk: int, number: int, error: ApiError) -> dict[str, Any]:
    body = error.document()["errors"][0]
    return {"id": f"{op.id}-{chunk}-{number + 1}", **body}
