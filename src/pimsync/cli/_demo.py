"""`pimsync demo`: a complete setup on this machine, run through its paces.

Until the Akeneo and OroCommerce sandboxes exist, the demo uses the built-in file
connectors: a JSON Lines catalog in Akeneo's format published to a folder of JSON files.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from pimsync.cli._exit import EXIT_FAILED, fail
from pimsync.cli._install import initialise
from pimsync.cli._output import run_line, written
from pimsync.cli._runs import execute
from pimsync.cli._session import Session, session_of
from pimsync.config import ConnectionConfig, JobConfig, ProjectConfig, write_project
from pimsync.errors import ConfigError
from pimsync.jobs import Mode
from pimsync.runners.local import LocalRunner
from pimsync.sandbox.catalog import product, products
from pimsync.settings import Settings

JOB = "catalog-to-files"
_MARKER = ".pimsync-demo"


def prepare_folder(folder: Path) -> None:
    """Empty ``folder`` for the demo; only a folder an earlier demo made is removed."""
    if folder.exists():
        if not folder.is_dir():
            raise ConfigError(f"{folder} exists and is not a folder; choose another --dir")
        if any(folder.iterdir()) and not (folder / _MARKER).exists():
            raise ConfigError(
                f"{folder} is not empty and was not made by `pimsync demo`; "
                "choose another --dir (the demo deletes its folder when it starts again)"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / _MARKER).write_text("made by `pimsync demo`; deleted by its next run\n")


def demo_project(folder: Path) -> ProjectConfig:
    """Two file connections and one scheduled job between them."""
    return ProjectConfig(
        connections={
            "catalog": ConnectionConfig(kind="jsonl", path=str(folder / "catalog.jsonl")),
            "shop-files": ConnectionConfig(kind="directory", path=str(folder / "output")),
        },
        jobs={
            JOB: JobConfig.model_validate(
                {
                    "flow": "files.products",
                    "source": "catalog",
                    "destination": "shop-files",
                    "schedule": "*/15 * * * *",
                    "deletion_policy": "disable",
                    "options": {"locale": "en_US", "scope": "ecommerce"},
                }
            )
        },
    )


def write_catalog(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in lines))


class _Demo:
    def __init__(self, session: Session, runner: LocalRunner, folder: Path, count: int) -> None:
        self.session = session
        self.runner = runner
        self.folder = folder
        self.count = count
        self.catalog = folder / "catalog.jsonl"
        self.step = 0
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def run(self, title: str, label: str, mode: Mode, check: str, expected: int) -> dict[str, Any]:
        """Run the job, say how it went, and stop the demo if ``check`` is not ``expected``."""
        self.step += 1
        self.session.say()
        self.session.say(f"step {self.step}/4: {title}", style="bold")
        doc = execute(self.session, self.runner, JOB, mode)
        self.session.say(f"  {run_line(doc)}")
        got = written(doc["totals"]) if check == "written" else doc["totals"].get(check, 0)
        if doc["status"] != "succeeded" or got != expected:
            fail(
                f"demo step {self.step} expected {expected} {check} and a succeeded run, "
                f"got {got} and {doc['status']}: {doc['error'] or 'see above'}",
                EXIT_FAILED,
            )
        self.runs.append((label, doc))
        return doc

    def recap(self) -> Table:
        table = Table(title="what happened", title_justify="left")
        table.add_column("step")
        table.add_column("run", justify="right")
        for column in ("read", "created", "updated", "unchanged", "disabled", "written"):
            table.add_column(column, justify="right")
        for number, (label, doc) in enumerate(self.runs, start=1):
            total = doc["totals"]
            table.add_row(
                f"{number}. {label}",
                str(doc["run_id"]),
                *(str(total.get(c, 0)) for c in ("extracted", "created", "updated", "unchanged")),
                str(total.get("disabled", 0)),
                str(written(total)),
            )
        return table

    def edit(self, indexes: list[int]) -> None:
        """Edit products the way a PIM user would: a new name, updated now."""
        lines = [orjson.loads(line) for line in self.catalog.read_bytes().splitlines()]
        now = datetime.now(UTC).isoformat()
        for index in indexes:
            lines[index] = {**product(index, revision=1), "updated": now}
        write_catalog(self.catalog, lines)

    def remove(self, index: int) -> str:
        lines = [orjson.loads(line) for line in self.catalog.read_bytes().splitlines()]
        removed = lines.pop(index)
        write_catalog(self.catalog, lines)
        return str(removed["identifier"])


def demo_command(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Option("--dir", help="Folder for the demo; deleted and made again on each run."),
    ] = Path("pimsync-demo"),
    count: Annotated[
        int, typer.Option("--products", "-n", min=5, help="Products in the demo catalog.")
    ] = 1200,
) -> None:
    """Run the built-in demo: a catalog file published to a folder, on this machine.

    Makes a folder with a generated catalog (JSON Lines, Akeneo's product format), a
    pimsync.toml and its own state store, then runs: a full run, a differential run with
    nothing to do, a run after editing 3 products, and a full run after deleting one.
    This is the built-in file demo: the Akeneo → OroCommerce demo needs the sandboxes,
    which do not exist yet. PIMSYNC_HOME and PIMSYNC_DATABASE_URL are ignored here.
    """
    session = session_of(ctx)
    folder = folder.resolve()
    prepare_folder(folder)
    home = folder / ".pimsync"
    settings = Settings(home=home, database_url=None, secret_key=None)
    session.say(f"demo folder: {folder}", style="bold")
    write_catalog(folder / "catalog.jsonl", list(products(count)))
    project_file = folder / "pimsync.toml"
    write_project(demo_project(folder), project_file)
    session.say(f"wrote {count} products to catalog.jsonl and the project to pimsync.toml")
    runner = initialise(session, settings, project_file)
    demo = _Demo(session, runner, folder, count)

    demo.run("full run: every product is new", "full", Mode.FULL, "created", count)
    demo.run(
        "differential run: nothing changed, so nothing is written",
        "diff, no change",
        Mode.DIFF,
        "written",
        0,
    )
    edited = [count // 5, 2 * count // 5, 3 * count // 5]
    demo.edit(edited)
    lines = ", ".join(str(i + 1) for i in edited)
    session.say()
    session.say(f"edited 3 products in catalog.jsonl (lines {lines})")
    demo.run("differential run after editing 3 products", "diff, 3 edited", Mode.DIFF, "updated", 3)
    sku = demo.remove(count - 1)
    session.say()
    session.say(f"removed {sku} from catalog.jsonl")
    last = demo.run(
        "full run: the removed product is disabled", "full, 1 removed", Mode.FULL, "disabled", 1
    )

    output = folder / "output"
    session.say()
    session.out.print(demo.recap())
    session.say("the demo worked; look at:", style="bold green")
    session.say(f"  {output}  ({sum(1 for _ in output.glob('*.json'))} product documents)")
    session.say(f"  {project_file}  (the project: connections and the job)")
    session.say("and with the other commands, in this shell:")
    overridden = [v for v in ("PIMSYNC_DATABASE_URL", "PIMSYNC_SECRET_KEY") if v in os.environ]
    if overridden:
        session.say(f"  unset {' '.join(overridden)}")
    session.say(f"  export PIMSYNC_HOME={home}")
    session.say(f"  pimsync jobs list; pimsync runs list; pimsync runs show {last['run_id']}")
    session.say("  pimsync failed list; pimsync config export")
    session.say(f"  pimsync schedule   # runs {JOB} every 15 minutes until Ctrl-C")
