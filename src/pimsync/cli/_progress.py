"""Live progress of a run on a terminal: one line per stream with counts and throughput."""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from pimsync.jobs import RunObserver, SilentObserver, StreamCounts

_SHOWN = ("created", "updated", "unchanged", "disabled", "deleted", "rejected")


def describe_counts(counts: StreamCounts, seconds: float) -> str:
    """``1,200 read · 1,180 created · 20 unchanged · 950/s`` (counters that are not 0)."""
    rate = counts.extracted / seconds if seconds > 0 else 0.0
    parts = [f"{counts.extracted:,} read"]
    parts += [f"{getattr(counts, name):,} {name}" for name in _SHOWN if getattr(counts, name)]
    parts.append(f"{rate:,.0f}/s")
    return " · ".join(parts)


class RunProgress:
    """A :class:`RunObserver` drawing a spinner and live counts per stream.

    Use as a context manager around the run; the display is transient, the summary
    printed afterwards replaces it.
    """

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def stream_started(self, stream: str) -> None:
        with self._lock:
            self._started[stream] = time.monotonic()
            self._tasks[stream] = self._progress.add_task(
                escape(stream), total=None, counts="starting…"
            )

    def progressed(self, stream: str, counts: StreamCounts) -> None:
        self._update(stream, counts, done=False)

    def stream_finished(self, stream: str, counts: StreamCounts) -> None:
        self._update(stream, counts, done=True)

    def _update(self, stream: str, counts: StreamCounts, *, done: bool) -> None:
        with self._lock:
            task = self._tasks.get(stream)
            if task is None:
                return
            seconds = time.monotonic() - self._started[stream]
            text = describe_counts(counts, seconds)
            if done:
                self._progress.update(task, total=1, completed=1, counts=text)
            else:
                self._progress.update(task, counts=text)


def observer_for(console: Console) -> tuple[RunObserver, RunProgress | None]:
    """A live display when ``console`` is a terminal; otherwise a silent observer (CI logs)."""
    if console.is_terminal and not console.is_dumb_terminal:
        progress = RunProgress(console)
        return progress, progress
    return SilentObserver(), None
