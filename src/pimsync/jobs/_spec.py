"""What a job is made of: streams connecting a connector's source to a destination."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pimsync.connectors.base import Destination, Source


class Mode(StrEnum):
    FULL = "full"
    DIFF = "diff"


class DeletionPolicy(StrEnum):
    """What a full run does with records that left the source or the selection."""

    DELETE = "delete"
    DISABLE = "disable"
    IGNORE = "ignore"


Selector = Callable[[Any], bool]
Mapper = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One entity type flowing from a source to a destination.

    ``select`` keeps the records the destination's catalog wants; ``map`` turns a
    source record into the destination's payload and may raise
    :class:`~pimsync.errors.RejectedRecord`. Hashes are kept per job and stream;
    xrefs per ``connection`` (the destination) and ``entity``. A ``complete`` stream is
    read whole and reconciled in every run.
    """

    name: str
    source: Source[Any]
    destination: Destination
    map: Mapper
    connection: str
    entity: str
    select: Selector | None = None
    batch_size: int | None = None
    # The source always gives every record (a small list such as categories): each run
    # reads it whole and applies the deletion policy to what is gone, differential too.
    complete: bool = False


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job: streams run in order (e.g. categories before products). ``notes`` go into
    the run's report as they are (e.g. why a flow built no streams). Jobs with the same
    ``exclusive_group`` never run at the same time (e.g. the full and differential
    product imports of one SFCC instance)."""

    name: str
    streams: Sequence[StreamSpec]
    deletion_policy: DeletionPolicy = DeletionPolicy.DISABLE
    batch_size: int = 500
    load_concurrency: int = 4
    extract_concurrency: int = 2
    overlap: timedelta = timedelta(seconds=60)
    max_attempts: int = 5
    lock_ttl: timedelta = timedelta(minutes=5)
    options: dict[str, Any] = field(default_factory=dict)
    notes: Sequence[str] = ()
    exclusive_group: str | None = None
    # Jobs with the same state key share what the engine keeps per job (hashes,
    # watermarks, failed records): the full and differential variants of one import.
    state_key: str | None = None
    # Set for jobs that always run one way (e.g. a "full import" job): overrides the
    # mode the run is started with.
    mode: Mode | None = None
