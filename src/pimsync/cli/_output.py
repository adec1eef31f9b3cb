"""How runs look on screen and in JSON: one document per run, rendered as tables or lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection

from pimsync.errors import ConfigError
from pimsync.jobs import StreamCounts
from pimsync.state._runs import count_items, get_run, list_items

PLANNED_ACTIONS = ("create", "update", "disable", "delete")
STATUS_STYLE = {
    "succeeded": "green",
    "partial": "yellow",
    "failed": "bold red",
    "interrupted": "red",
    "running": "cyan",
}

# (counter, label, shown even when zero in every stream)
_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("extracted", "extracted", True),
    ("selected", "selected", True),
    ("created", "created", True),
    ("updated", "updated", True),
    ("unchanged", "unchanged", True),
    ("disabled", "disabled", False),
    ("deleted", "deleted", False),
    ("orphaned", "left alone (deletion policy ignore)", False),
    ("rejected", "rejected", True),
    ("parked", "parked (no more retries)", False),
    ("skipped_parked", "skipped, still parked", False),
    ("writes", "destination write calls", True),
)


def fmt_time(value: datetime | str | None) -> str:
    """A UTC time as ``2026-01-31 12:00:00``; ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%Y-%m-%d %H:%M:%S}"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return (
        f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
    )


def totals(streams: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """The counters of all streams added up."""
    total = StreamCounts().as_dict()
    for counts in streams.values():
        for name, value in counts.items():
            total[name] = total.get(name, 0) + int(value)
    return total


def run_document(conn: Connection, run_id: int, *, item_limit: int = 50) -> dict[str, Any]:
    """Everything known about run ``run_id`` as JSON-ready data.

    Raises :class:`ConfigError` when there is no such run.
    """
    row = get_run(conn, run_id)
    if row is None:
        raise ConfigError(f"unknown run {run_id} (see `pimsync runs list`)")
    streams: dict[str, dict[str, int]] = dict(row.counts.get("streams", {}))
    rejected = list_items(conn, run_id, action="rejected", limit=item_limit)
    planned = [
        item
        for action in PLANNED_ACTIONS
        for item in list_items(conn, run_id, action=action, limit=item_limit)
    ][:item_limit]
    return {
        "run_id": row.id,
        "job": row.job,
        "mode": row.mode,
        "dry_run": row.dry_run,
        "status": row.status,
        "started_at": row.started_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "seconds": row.seconds,
        "host": row.host,
        "pid": row.pid,
        "error": row.error,
        "streams": streams,
        "totals": totals(streams),
        "watermarks": row.counts.get("watermarks", {}),
        "notes": row.counts.get("notes", []),
        "item_counts": count_items(conn, run_id),
        "rejected": [{"stream": i.stream, "key": i.key, "message": i.message} for i in rejected],
        "planned": [{"stream": i.stream, "key": i.key, "action": i.action} for i in planned],
    }


def written(counts: Mapping[str, int]) -> int:
    """Records the run changed (or, in a dry run, would change) in the destination."""
    return sum(counts.get(k, 0) for k in ("created", "updated", "disabled", "deleted"))


def run_line(doc: Mapping[str, Any]) -> str:
    """A run in one line: ``run 3 of shop (diff): succeeded, 3 updated, … in 0.4 s``."""
    total = doc["totals"]
    parts = [f"{total.get('extracted', 0)} extracted"]
    for counter in ("created", "updated", "disabled", "deleted"):
        if total.get(counter):
            label = f"to {counter.removesuffix('d')}" if doc["dry_run"] else counter
            parts.append(f"{total[counter]} {label}")
    if not written(total):
        parts.append("nothing to write" if doc["dry_run"] else "0 written")
    parts.append(f"{total.get('unchanged', 0)} unchanged")
    parts.append(f"{total.get('rejected', 0)} rejected")
    mode = f"{doc['mode']}, dry run" if doc["dry_run"] else doc["mode"]
    return (
        f"run {doc['run_id']} of {doc['job']} ({mode}): {doc['status']}: "
        f"{', '.join(parts)} in {fmt_seconds(doc['seconds'])}"
    )


def counts_table(streams: Mapping[str, Mapping[str, int]], *, dry_run: bool) -> Table:
    """Counters as rows, streams as columns (and a total when there are several)."""
    names = list(streams)
    columns = {name: streams[name] for name in names}
    if len(names) > 1:
        columns["total"] = totals(streams)
    table = Table(title="planned changes (dry run)" if dry_run else None, title_justify="left")
    table.add_column("records")
    for name in columns:
        table.add_column(escape(name), justify="right")
    for counter, label, always in _ROWS:
        values = [int(c.get(counter, 0)) for c in columns.values()]
        if always or any(values):
            table.add_row(label, *(str(v) for v in values))
    return table


def render_run(console: Console, doc: Mapping[str, Any], *, item_limit: int = 10) -> None:
    """A run as people read it: outcome, counts per stream, rejected items, planned changes."""
    style = STATUS_STYLE.get(doc["status"], "")
    mode = f"{doc['mode']}, dry run" if doc["dry_run"] else doc["mode"]
    console.print(
        f"run {doc['run_id']} of [bold]{escape(doc['job'])}[/] ({mode}): "
        f"[{style}]{doc['status']}[/] — started {fmt_time(doc['started_at'])} UTC, "
        f"took {fmt_seconds(doc['seconds'])}"
    )
    if doc["streams"]:
        console.print(counts_table(doc["streams"], dry_run=doc["dry_run"]))
    extracted = doc["totals"].get("extracted", 0)
    if doc["seconds"] and extracted:
        rate = extracted / doc["seconds"] if doc["seconds"] > 0 else 0.0
        console.print(f"{extracted} records in {fmt_seconds(doc['seconds'])} ({rate:,.0f}/s)")
    for note in doc["notes"]:
        console.print(f"note: {escape(note)}")
    if doc["error"]:
        console.print(f"[bold red]error:[/] {escape(doc['error'])}")
    counts = doc["item_counts"]
    _render_items(console, "rejected", counts.get("rejected", 0), doc["rejected"], item_limit)
    if doc["dry_run"]:
        planned = sum(counts.get(a, 0) for a in PLANNED_ACTIONS)
        _render_items(console, "planned", planned, doc["planned"], max(item_limit, 50))
    if counts.get("rejected"):
        retry = "" if doc["dry_run"] else f" · pimsync failed list --job {escape(doc['job'])}"
        console.print(f"see all of them: pimsync runs show {doc['run_id']}{retry}")


def _render_items(
    console: Console, what: str, total: int, items: Sequence[Mapping[str, Any]], limit: int
) -> None:
    if not total:
        return
    shown = items[:limit]
    title = f"{what}: {len(shown)} of {total}" if total > len(shown) else f"{what}: {total}"
    table = Table(title=title, title_justify="left")
    table.add_column("stream")
    table.add_column("key")
    table.add_column("message" if what == "rejected" else "action")
    for item in shown:
        detail = item.get("message") if what == "rejected" else item.get("action")
        table.add_row(escape(item["stream"]), escape(item["key"]), escape(str(detail or "")))
    console.print(table)
