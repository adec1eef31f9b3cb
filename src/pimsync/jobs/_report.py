"""Run reports: counts per stream, errors, and the outcome of a run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, some records rejected
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass(slots=True)
class StreamCounts:
    """What happened to the records of one stream in one run."""

    extracted: int = 0
    selected: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    disabled: int = 0
    rejected: int = 0
    parked: int = 0
    skipped_parked: int = 0
    orphaned: int = 0
    writes: int = 0  # destination write calls (batches)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(slots=True)
class RunReport:
    """The outcome of a run, as returned by the engine and stored with the run."""

    run_id: int
    job: str
    mode: str
    dry_run: bool
    status: RunStatus = RunStatus.RUNNING
    started_at: datetime | None = None
    finished_at: datetime | None = None
    streams: dict[str, StreamCounts] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def totals(self) -> StreamCounts:
        total = StreamCounts()
        for counts in self.streams.values():
            for name, value in counts.as_dict().items():
                setattr(total, name, getattr(total, name) + value)
        return total

    def as_counts(self) -> dict[str, Any]:
        """The JSON stored in ``runs.counts``."""
        return {
            "streams": {name: c.as_dict() for name, c in self.streams.items()},
            "watermarks": self.watermarks,
            "notes": self.notes,
        }

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RunObserver(Protocol):
    """Told about progress; the CLI draws progress bars from it, the web app polls the store."""

    def stream_started(self, stream: str) -> None: ...

    def progressed(self, stream: str, counts: StreamCounts) -> None: ...

    def stream_finished(self, stream: str, counts: StreamCounts) -> None: ...


class SilentObserver:
    """An observer that ignores everything."""

    def stream_started(self, stream: str) -> None:
        pass

    def progressed(self, stream: str, counts: StreamCounts) -> None:
        pass

    def stream_finished(self, stream: str, counts: StreamCounts) -> None:
        pass
