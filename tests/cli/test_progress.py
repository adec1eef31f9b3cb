"""The live progress display draws on a terminal and stays silent elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from pimsync.cli._progress import RunProgress, describe_counts, observer_for
from pimsync.jobs import SilentObserver, StreamCounts


def test_progress_shows_counts_and_throughput_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    observer, display = observer_for(console)
    assert isinstance(observer, RunProgress) and display is observer

    with display:
        observer.stream_started("products")
        observer.progressed("products", StreamCounts(extracted=500, created=480, rejected=2))
        observer.stream_finished("products", StreamCounts(extracted=1000, created=998, rejected=2))

    assert "products" in screen.getvalue()


def test_no_live_display_without_a_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=False)

    observer, display = observer_for(console)

    assert isinstance(observer, SilentObserver) and display is None


def test_counts_line_names_what_happened() -> None:
    counts = StreamCounts(extracted=1200, created=1180, unchanged=20)

    assert describe_counts(counts, 2.0) == "1,200 read · 1,180 created · 20 unchanged · 600/s"
