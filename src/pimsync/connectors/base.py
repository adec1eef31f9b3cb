"""The contract between the engine and connectors.

A connector's reader implements :class:`Source` (pages of :class:`SourceRecord`); its
writer implements :class:`Destination` (writes batches of :class:`Change`, answers
one :class:`ItemResult` per change). A writer that only stages its batches (into import
files, say) and hands them over at the end of the run is a :class:`StagedDestination`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from pimsync.errors import AwaitingParent, RejectedRecord

T = TypeVar("T")


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"
    DISABLE = "disable"


# Not frozen: frozen dataclasses cost 3x to build, and one is built per record.
@dataclass(slots=True)
class SourceRecord(Generic[T]):
    """One record read from a source.

    ``deleted`` marks a tombstone (``data`` is None). ``error`` marks a record the source
    sent but that cannot be used (malformed): the engine reports and skips it, and does
    not treat it as deleted.
    """

    key: str
    data: T | None
    updated: datetime | None = None
    deleted: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """What one extraction reads: changes after ``since`` (None: everything) in a partition."""

    since: datetime | None
    partition: Hashable | None = None


class Source(Protocol[T]):
    """A stream of records of one entity type."""

    def clock(self) -> datetime:
        """The source's current time (UTC); the next watermark of a run starting now."""
        ...

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        """Disjoint parts that can be read in parallel; ``[None]`` for a single read."""
        ...

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[T]]]:
        """Pages of records changed after ``window.since`` in ``window.partition``.

        Raises :class:`~pimsync.errors.FatalSourceError` when a page cannot be read;
        a failed page is never the end of the data.
        """
        ...

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[T]]:
        """The current state of ``keys``; a key that no longer exists comes back deleted."""
        ...


@dataclass(slots=True)
class Change:
    """One write for the destination: upsert a mapped record, or delete/disable one."""

    op: Op
    key: str
    dest_key: str | None
    payload: Any = None


@dataclass(slots=True)
class ItemResult:
    """The destination's answer for one change; ``error`` set means rejected.
    ``waiting``: rejected because a record it needs is not synced yet (see
    :class:`~pimsync.errors.AwaitingParent`)."""

    key: str
    dest_key: str | None = None
    error: str | None = None
    created: bool = False
    waiting: bool = False

    @classmethod
    def refused(cls, key: str, exc: RejectedRecord, dest_key: str | None = None) -> ItemResult:
        """The answer for a record refused with ``exc``."""
        return cls(key, dest_key, error=exc.reason, waiting=isinstance(exc, AwaitingParent))

    @property
    def ok(self) -> bool:
        return self.error is None


class Destination(Protocol):
    """Writes batches of changes idempotently (upsert by key; deleting twice is fine)."""

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        """One :class:`ItemResult` per change, in any order.

        Raises :class:`~pimsync.errors.TransientError` or
        :class:`~pimsync.errors.FatalDestinationError` when the batch as a whole failed.
        """
        ...


@runtime_checkable
class StagedDestination(Destination, Protocol):
    """A destination whose writes only stage records (e.g. into import files) until
    :meth:`deliver` hands them over at the end of the run.

    ``write`` answers for each record whether it could be staged (a record refused
    there is rejected as usual). The engine commits nothing about staged records, nor
    any watermark of their streams, before :meth:`deliver` returns: if delivery fails,
    the next run sends them again.
    """

    def deliver(self) -> Sequence[str]:
        """Hand the staged records over; lines for the run's report.

        Raises :class:`~pimsync.errors.FatalDestinationError` (or another
        :class:`~pimsync.errors.PimsyncError`) when the destination did not take them.
        """
        ...

    def discard(self) -> None:
        """Drop what was staged (the run failed or was a dry run)."""
        ...


@runtime_checkable
class InspectableDestination(Protocol):
    """A destination that can show, field by field, what a write would change: it names
    the fields of a payload it would send and reads those fields back as it holds them.

    Optional: a dry run's diff view uses it to show field-level changes; a destination
    without it shows only which records would be created, updated or deleted.
    """

    def planned_fields(self, payload: Any) -> dict[str, Any]:
        """``payload`` as ``field → value``, in the terms :meth:`held_fields` reads back.

        Raises :class:`ValueError` when the payload is not one this destination takes.
        """
        ...

    def held_fields(self, payloads: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """For each payload's record that the destination holds now: its natural key (as
        :meth:`record_key` gives it) → the same fields as it holds them. A few dozen
        payloads at a time; records it does not hold are left out.

        Raises :class:`~pimsync.errors.FatalDestinationError` when it cannot read them.
        """
        ...

    def record_key(self, payload: Any) -> str:
        """The destination's natural key of ``payload``'s record (a SKU, say), as
        :meth:`held_fields` answers it."""
        ...

    def unchecked_fields(self) -> Sequence[str]:
        """What a write also changes but these fields leave out (say, prices), to be
        shown as not compared rather than as unchanged."""
        ...
