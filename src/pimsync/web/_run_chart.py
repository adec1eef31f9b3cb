"""A job's run durations and throughput over time, drawn as inline SVG on the server.

No chart library and no script: the page's Content-Security-Policy allows neither
inline scripts nor inline styles, so the SVG uses presentation attributes and classes
only. Bars are run durations (left scale), the line is throughput in records read per
second (right scale), one slot per run, oldest on the left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pimsync.state._runs import RunRow

WIDTH = 640
HEIGHT = 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 56, 12, 28


def records_read(counts: Mapping[str, Any]) -> int:
    """Records a run read from its source, over all streams."""
    streams = counts.get("streams")
    if not isinstance(streams, Mapping):
        return 0
    return sum(int(s.get("extracted", 0)) for s in streams.values() if isinstance(s, Mapping))


def per_second(run: RunRow) -> float | None:
    """Records read per second of the run's duration; None while running."""
    seconds = run.seconds
    if seconds is None:
        return None
    return records_read(run.counts) / seconds if seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ChartPoint:
    run_id: int
    started_at: str
    status: str
    seconds: float
    records: int
    per_second: float


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    status: str
    title: str
    run_id: int


@dataclass(frozen=True, slots=True)
class RunChart:
    """What the template draws: bars, the throughput polyline, and the scales' labels."""

    job: str
    width: int
    height: int
    bars: list[Bar]
    line: str  # "x,y x,y ..." for <polyline points>
    dots: list[tuple[float, float]]
    max_seconds: float
    max_rate: float
    plot: tuple[float, float, float, float]  # left, top, right, bottom

    @property
    def empty(self) -> bool:
        return not self.bars


def chart_points(runs: Sequence[RunRow]) -> list[ChartPoint]:
    """The finished runs of ``runs`` as plain data (the API's chart answer)."""
    points = []
    for run in runs:
        seconds, rate = run.seconds, per_second(run)
        if seconds is None or rate is None:
            continue
        points.append(
            ChartPoint(
                run.id,
                run.started_at.isoformat(),
                run.status,
                round(seconds, 3),
                records_read(run.counts),
                round(rate, 2),
            )
        )
    return points


def _ceiling(value: float) -> float:
    """A round number at or above ``value`` for a scale's top (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def run_chart(job: str, runs: Sequence[RunRow]) -> RunChart:
    """The chart of ``runs`` (oldest first) of ``job``."""
    points = chart_points(runs)
    left, top = float(_LEFT), float(_TOP)
    right, bottom = float(WIDTH - _RIGHT), float(HEIGHT - _BOTTOM)
    max_seconds = _ceiling(max((p.seconds for p in points), default=0.0))
    max_rate = _ceiling(max((p.per_second for p in points), default=0.0))
    slot = (right - left) / max(len(points), 1)
    bars, dots = [], []
    for n, p in enumerate(points):
        height = (bottom - top) * p.seconds / max_seconds
        x = left + n * slot
        bars.append(
            Bar(
                round(x + slot * 0.15, 1),
                round(bottom - height, 1),
                round(max(slot * 0.7, 1.0), 1),
                round(max(height, 0.5), 1),
                p.status,
                f"run #{p.run_id}: {p.seconds:.1f} s, {p.records} records, "
                f"{p.per_second:.1f} records/s",
                p.run_id,
            )
        )
        dots.append(
            (round(x + slot / 2, 1), round(bottom - (bottom - top) * p.per_second / max_rate, 1))
        )
    line = " ".join(f"{x},{y}" for x, y in dots)
    return RunChart(
        job, WIDTH, HEIGHT, bars, line, dots, max_seconds, max_rate, (left, top, right, bottom)
    )
