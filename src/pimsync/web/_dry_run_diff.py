"""A dry run's diff: which records it would create, update, delete or disable, and for
the first few creates and updates, which fields would change from what to what.

The engine's dry run stores only the planned action of each record (as run items), not
the payload it would have sent, and the state store keeps only a hash of what was sent
last, so neither "before" nor "after" is stored. The diff is worked out when it is first
asked for, for at most :data:`FIELD_LIMIT` records:

* **after**: the record is read again from the job's source by key and mapped with the
  job's mapping, giving the payload a run would send now;
* **before**: the destination, if it is an
  :class:`~pimsync.connectors.base.InspectableDestination` (Oro products are), reads
  the same fields of the records it holds now.

Both are read at the time of the view, not of the dry run: if the source or the
destination changed in between, the diff shows what a run would change now, and the
page says when it was worked out. Destinations that cannot read their records back show
the planned actions without fields, and say so.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pimsync.connectors.base import InspectableDestination
from pimsync.errors import ConfigError, PimsyncError
from pimsync.jobs import PairSpec, StreamSpec
from pimsync.runners.local import LocalRunner
from pimsync.state._runs import RunItem, RunRow, count_items, list_items

log = logging.getLogger("pimsync.web")

FIELD_LIMIT = 25  # creates and updates shown field by field
LIST_LIMIT = 500  # planned actions listed at all
_PLANNED = ("create", "update", "delete", "disable")
_CACHED = 20


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(slots=True)
class RecordDiff:
    """One planned action; ``changes`` only for compared creates and updates, ``note``
    says why there are none when there are none."""

    stream: str
    key: str
    action: str
    compared: bool = False
    changes: list[FieldChange] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class DryRunDiff:
    run_id: int
    job: str
    computed_at: datetime
    totals: dict[str, int]
    records: list[RecordDiff]
    field_limit: int = FIELD_LIMIT
    # Stream → what its destination leaves out of the comparison; None: no field-level diff.
    unchecked: dict[str, list[str] | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "computed_at": self.computed_at.isoformat(),
            "totals": self.totals,
            "field_limit": self.field_limit,
            "field_level": {
                stream: {"available": fields is not None, "not_compared": fields or []}
                for stream, fields in self.unchecked.items()
            },
            "notes": self.notes,
            "records": [
                {
                    "stream": r.stream,
                    "key": r.key,
                    "action": r.action,
                    "compared": r.compared,
                    "note": r.note,
                    "changes": [
                        {"field": c.field, "before": c.before, "after": c.after} for c in r.changes
                    ],
                }
                for r in self.records
            ],
        }


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The fields whose value differs, planned fields first, in their order."""
    names = list(after) + [f for f in before if f not in after]
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]


def _compare_stream(stream: StreamSpec, records: list[RecordDiff]) -> list[str] | None:
    """Fill in the field changes of ``records`` (creates and updates of ``stream``);
    return what the destination leaves out, or None when it cannot compare fields."""
    destination = stream.destination
    payloads: dict[str, Any] = {}
    by_key = {r.key: r for r in records}
    for record in stream.source.read(list(by_key)):
        diff = by_key.get(record.key)
        if diff is None:
            continue
        if record.error is not None or record.deleted or record.data is None:
            diff.note = record.error or "the source no longer has this record"
            continue
        try:
            payloads[record.key] = stream.map(record.data)
        except Exception as exc:  # noqa: BLE001 - the mapping refuses it now: say so on its line
            diff.note = f"mapping failed now: {exc}"
    for diff in records:
        if diff.note is None and diff.key not in payloads:
            diff.note = "the source did not return this record"
    if not isinstance(destination, InspectableDestination):
        for key in payloads:
            by_key[key].note = "field-level changes are not available for this destination"
        return None
    held = destination.held_fields(list(payloads.values())) if payloads else {}
    for key, payload in payloads.items():
        diff = by_key[key]
        try:
            planned = destination.planned_fields(payload)
            current = held.get(destination.record_key(payload))
        except ValueError as exc:
            diff.note = f"the destination would refuse this record: {exc}"
            continue
        diff.compared = True
        if current is None and diff.action == "update":
            diff.note = "the destination does not hold this record now: it would be created"
        if current is not None and diff.action == "create":
            diff.note = "the destination already holds this record: it would be updated"
        diff.changes = field_changes(current or {}, planned)
        if current is not None and not diff.changes:
            diff.note = "no compared field differs now (a later run may have sent it)"
    return list(destination.unchecked_fields())


def compute_diff(runner: LocalRunner, run: RunRow, conn: Any) -> DryRunDiff:
    """The diff of dry run ``run``. Raises :class:`ConfigError` for a run that is not a
    finished dry run, or a job that cannot be built any more."""
    if not run.dry_run:
        raise ConfigError(f"run #{run.id} is not a dry run: it has no diff")
    if run.finished_at is None:
        raise ConfigError(f"run #{run.id} is still running: its diff comes when it ends")
    items: list[RunItem] = [
        i for i in list_items(conn, run.id, limit=LIST_LIMIT * 4) if i.action in _PLANNED
    ][:LIST_LIMIT]
    totals = {a: n for a, n in count_items(conn, run.id).items() if a in _PLANNED}
    diff = DryRunDiff(run.id, run.job, datetime.now(UTC), totals, [])
    diff.records = [RecordDiff(i.stream, i.key, i.action) for i in items]
    upserts = [r for r in diff.records if r.action in ("create", "update")][:FIELD_LIMIT]
    if not upserts:
        return diff
    spec = runner.build(run.job)
    if isinstance(spec, PairSpec):
        diff.notes.append("two-way jobs have no dry run diff")
        return diff
    streams = {s.name: s for s in spec.streams}
    for name in dict.fromkeys(r.stream for r in upserts):
        stream = streams.get(name)
        part = [r for r in upserts if r.stream == name]
        if stream is None:
            diff.notes.append(f"stream {name}: no longer part of the job; not compared")
            continue
        try:
            diff.unchecked[name] = _compare_stream(stream, part)
        except PimsyncError as exc:
            log.warning("dry run %s: comparing %s failed: %s", run.id, name, exc)
            diff.notes.append(f"stream {name}: could not compare fields: {exc}")
    return diff


class DiffCache:
    """Diffs already worked out, by run id: reading both systems takes seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._diffs: OrderedDict[int, DryRunDiff] = OrderedDict()

    def get(self, run_id: int) -> DryRunDiff | None:
        with self._lock:
            return self._diffs.get(run_id)

    def put(self, diff: DryRunDiff) -> None:
        with self._lock:
            self._diffs[diff.run_id] = diff
            while len(self._diffs) > _CACHED:
                self._diffs.popitem(last=False)
