"""Jobs: specs, the engine that runs them, and their reports."""

from pimsync.connectors.base import (
    Change,
    Destination,
    ItemResult,
    Op,
    Source,
    SourceRecord,
    StagedDestination,
    Window,
)
from pimsync.jobs._engine import JobEngine, StreamWindow, content_hash
from pimsync.jobs._pair import PairEngine, PairSpec, Side
from pimsync.jobs._report import RunObserver, RunReport, RunStatus, SilentObserver, StreamCounts
from pimsync.jobs._spec import DeletionPolicy, JobSpec, Mode, StreamSpec

__all__ = [
    "Change",
    "DeletionPolicy",
    "Destination",
    "ItemResult",
    "JobEngine",
    "JobSpec",
    "Mode",
    "Op",
    "PairEngine",
    "PairSpec",
    "RunObserver",
    "RunReport",
    "RunStatus",
    "Side",
    "SilentObserver",
    "Source",
    "SourceRecord",
    "StagedDestination",
    "StreamCounts",
    "StreamSpec",
    "StreamWindow",
    "Window",
    "content_hash",
]
