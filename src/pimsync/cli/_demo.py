"""`pimsync demo`: a complete setup on this machine, run through its paces.

The Akeneo sandbox serves a generated catalog over HTTP on 127.0.0.1; pimsync publishes
it through the Akeneo connector to a folder of JSON documents. (OroCommerce takes the
folder's place once its connector exists.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import SecretStr
from rich.table import Table

from pimsync.cli._exit import EXIT_FAILED, fail
from pimsync.cli._install import initialise
from pimsync.cli._output import run_line, written
from pimsync.cli._runs import execute
from pimsync.cli._session import Session, session_of
from pimsync.config import ConnectionConfig, JobConfig, ProjectConfig, write_project
from pimsync.config._stored import save_connection
from pimsync.errors import ConfigError
from pimsync.jobs import Mode
from pimsync.runners.local import LocalRunner
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.settings import Settings

JOB = "pim-to-files"
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


def pim_connection(sandbox: AkeneoSandbox, url: str) -> ConnectionConfig:
    """The sandbox PIM as an ``akeneo`` connection; its secrets are stored encrypted."""
    return ConnectionConfig.model_validate(
        {
            "kind": "akeneo",
            "url": url,
            "client_id": sandbox.credentials.client_id,
            "username": sandbox.credentials.username,
            "secret": {"stored": True},
            "password": {"stored": True},
        }
    )


def demo_project(folder: Path, pim: ConnectionConfig) -> ProjectConfig:
    """The PIM, a folder of documents, and one scheduled job between them."""
    return ProjectConfig(
        connections={
            "pim": pim,
            "shop-files": ConnectionConfig(kind="directory", path=str(folder / "output")),
        },
        jobs={
            JOB: JobConfig.model_validate(
                {
                    "flow": "akeneo.products",
                    "source": "pim",
                    "destination": "shop-files",
                    "schedule": "*/15 * * * *",
                    "deletion_policy": "disable",
                    "options": {"locale": "en_US", "scope": "ecommerce"},
                }
            )
        },
    )


class _Demo:
    def __init__(self, session: Session, runner: LocalRunner, sandbox: AkeneoSandbox) -> None:
        self.session = session
        self.runner = runner
        self.sandbox = sandbox
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

    def edit(self, keys: list[str]) -> None:
        """Rename products in the PIM the way a user would (their `updated` becomes now)."""
        for key in keys:
            current = self.sandbox.store.product(key)
            assert current is not None
            names = current["values"].get("name", [])
            renamed = [{**value, "data": f"{value['data']} (new season)"} for value in names]
            self.sandbox.update_product(key, {"values": {"name": renamed}})


def _walk_through(session: Session, demo: _Demo, count: int) -> dict[str, Any]:
    demo.run("full run: every product is new", "full", Mode.FULL, "created", count)
    demo.run(
        "differential run: nothing changed, so nothing is written",
        "diff, no change",
        Mode.DIFF,
        "written",
        0,
    )
    order = demo.sandbox.store.identifier_order()
    edited = [order[count // 5], order[2 * count // 5], order[3 * count // 5]]
    demo.edit(edited)
    session.say()
    session.say(f"renamed 3 products in the PIM: {', '.join(edited)}")
    demo.run("differential run after editing 3 products", "diff, 3 edited", Mode.DIFF, "updated", 3)
    removed = order[-1]
    demo.sandbox.delete_product(removed)
    session.say()
    session.say(f"deleted {removed} in the PIM")
    return demo.run(
        "full run: the deleted product is disabled", "full, 1 deleted", Mode.FULL, "disabled", 1
    )


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
    """Run the demo: the Akeneo sandbox's catalog published to a folder, on this machine.

    Serves a generated catalog from the Akeneo sandbox on 127.0.0.1, makes a folder with a
    pimsync.toml and its own state store, then runs: a full run, a differential run with
    nothing to do, a run after renaming 3 products in the PIM, and a full run after
    deleting one. Documents go to a folder until the OroCommerce connector exists.
    PIMSYNC_HOME, PIMSYNC_DATABASE_URL and PIMSYNC_SECRET_KEY are ignored here.
    """
    session = session_of(ctx)
    folder = folder.resolve()
    prepare_folder(folder)
    home = folder / ".pimsync"
    settings = Settings(home=home, database_url=None, secret_key=None)
    session.say(f"demo folder: {folder}", style="bold")
    sandbox = AkeneoSandbox.demo(products=count)
    # The same catalog as a file, for trying the files flow (see the README's quickstart).
    (folder / "catalog.jsonl").write_bytes(
        b"".join(orjson.dumps(item) + b"\n" for item in sandbox.store.products.values())
    )
    with serve(sandbox) as url:
        session.say(f"Akeneo sandbox serving {count} generated products at {url}")
        runner = initialise(session, settings, None)
        pim = pim_connection(sandbox, url)
        with runner.db.begin() as conn:
            secrets = {
                "secret": SecretStr(sandbox.credentials.secret),
                "password": SecretStr(sandbox.credentials.password),
            }
            save_connection(conn, runner.box, "pim", pim, values=secrets)
        project_file = folder / "pimsync.toml"
        write_project(demo_project(folder, pim), project_file)
        runner = initialise(session, settings, project_file)
        demo = _Demo(session, runner, sandbox)
        last = _walk_through(session, demo, count)
    output = folder / "output"
    session.say()
    session.out.print(demo.recap())
    session.say("the demo worked; look at:", style="bold green")
    session.say(f"  {output}  ({sum(1 for _ in output.glob('*.json'))} product documents)")
    session.say(f"  {project_file}  (the project: connections and the job)")
    session.say(f"  {folder / 'catalog.jsonl'}  (the same catalog as a JSON Lines file)")
    port = url.rsplit(":", 1)[-1]
    session.say("the sandbox stopped with the demo; to run the job again, serve the catalog")
    session.say(f"again first: pimsync sandbox akeneo --products {count} --port {port}")
    session.say("and with the other commands, in this shell:")
    overridden = [v for v in ("PIMSYNC_DATABASE_URL", "PIMSYNC_SECRET_KEY") if v in os.environ]
    if overridden:
        session.say(f"  unset {' '.join(overridden)}")
    session.say(f"  export PIMSYNC_HOME={home}")
    session.say(f"  pimsync jobs list; pimsync runs list; pimsync runs show {last['run_id']}")
    session.say("  pimsync failed list; pimsync config export")
    session.say(f"  pimsync schedule   # runs {JOB} every 15 minutes until Ctrl-C")
