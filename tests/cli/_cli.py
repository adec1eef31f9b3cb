"""What CLI tests share: the project file they use, a catalog writer, error-line checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from typer.testing import Result

from pimsync.sandbox.catalog import products

Invoke = Callable[..., Result]

PROJECT = """\
version = 1

[connections.catalog]
kind = "jsonl"
path = "{folder}/catalog.jsonl"

[connections.shop]
kind = "directory"
path = "{folder}/output"

[jobs.publish]
flow = "files.products"
source = "catalog"
destination = "shop"
schedule = "*/15 * * * *"
deletion_policy = "disable"

[jobs.publish.options]
locale = "en_US"
scope = "ecommerce"
"""


def write_catalog(path: Path, count: int, *, extra_lines: dict[int, bytes] | None = None) -> None:
    """``count`` demo products as JSON Lines; ``extra_lines`` inserts raw lines at indexes."""
    lines = [orjson.dumps(p) for p in products(count)]
    for index, raw in sorted((extra_lines or {}).items()):
        lines.insert(index, raw)
    path.write_bytes(b"\n".join(lines) + b"\n")


def one_error_line(result: Result) -> str:
    """The single ``error:`` line on stderr (asserting there is exactly one, no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]
