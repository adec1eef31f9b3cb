"""`pimsync demo`: the Akeneo → OroCommerce integration on this machine, run through its paces.

The Akeneo sandbox serves a generated catalog and the Oro sandbox (with pimsync's
companion API config) a back office, both over HTTP on 127.0.0.1. pimsync brings Oro's
structure in step (the Oro admin's part is done the way an admin would), then publishes
the catalog, and every step is checked against what it should have done. Then, on a
terminal (or with ``--ui``), the hub's web app opens on the result, the sandboxes still
running behind it, with a demo admin whose password is printed, until Ctrl-C.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
from pimsync.cli._session import Session, configure_logging, session_of
from pimsync.config import ConnectionConfig, JobConfig, ProjectConfig, write_project
from pimsync.config._stored import save_connection
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import StructureCheck, check_structure
from pimsync.errors import ConfigError
from pimsync.jobs import Mode
from pimsync.runners._oro import OroJobOptions, structure_settings
from pimsync.runners.local import LocalRunner
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.settings import Settings
from pimsync.state._users import Role, add_user

STRUCTURE_JOB = "oro-structure"
PRODUCTS_JOB = "oro-products"
ATTRIBUTES_CSV = "oro-attributes.csv"
SNAPSHOT = "oro-products.json"
FAMILY = "default_family"
STEPS = 6
_MARKER = ".pimsync-demo"

# The mapping both jobs share: three localizations, EUR and USD prices, the brand, five
# custom attributes (the weight in grams) and the master category tree.
OPTIONS: dict[str, Any] = {
    "localizations": {"en_US": "en_US", "fr_FR": "fr_FR", "de_DE": "de_DE"},
    "prices": [{"attribute": "price", "currencies": ["EUR", "USD"]}],
    "brand": "brand",
    "attributes": [
        {"akeneo": "color", "oro": "color"},
        {"akeneo": "size", "oro": "size"},
        {"akeneo": "weight", "oro": "weight_g", "unit": "GRAM"},
        {"akeneo": "eco_label", "oro": "eco_label"},
        {"akeneo": "release_date", "oro": "release_date"},
    ],
    "categories": {"mode": "tree", "root": "1"},
}


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
    """The Akeneo sandbox as an ``akeneo`` connection; its secrets are stored encrypted."""
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


def shop_connection(sandbox: OroSandbox, url: str) -> ConnectionConfig:
    """The Oro sandbox as an ``oro`` connection; its client secret is stored encrypted."""
    return ConnectionConfig.model_validate(
        {
            "kind": "oro",
            "url": url,
            "client_id": sandbox.credentials.client_id,
            "client_secret": {"stored": True},
            "version": "6.1.10",  # the sandbox follows 6.1: batches, upsert
        }
    )


def demo_project(pim: ConnectionConfig, shop: ConnectionConfig) -> ProjectConfig:
    """Akeneo, Oro, and the two jobs between them: structure first, then the products."""
    common = {"source": "pim", "destination": "shop", "options": OPTIONS}
    return ProjectConfig(
        connections={"pim": pim, "shop": shop},
        jobs={
            STRUCTURE_JOB: JobConfig.model_validate({**common, "flow": "oro.structure"}),
            PRODUCTS_JOB: JobConfig.model_validate(
                {
                    **common,
                    "flow": "oro.products",
                    "requires": [STRUCTURE_JOB],
                    "schedule": "*/15 * * * *",
                    "deletion_policy": "disable",
                }
            ),
        },
    )


@dataclass(frozen=True)
class Expect:
    """What a run must show: its status and some counters (``written``: all writes)."""

    status: str = "succeeded"
    counts: tuple[tuple[str, int], ...] = ()
    stream: str | None = None  # counters of this stream only (None: all streams)


class _Demo:
    def __init__(
        self,
        session: Session,
        runner: LocalRunner,
        pim: AkeneoSandbox,
        shop: OroSandbox,
        folder: Path,
    ) -> None:
        self.session = session
        self.runner = runner
        self.pim = pim
        self.shop = shop
        self.folder = folder
        self.step = 0
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def title(self, text: str) -> None:
        self.step += 1
        self.session.say()
        self.session.say(f"step {self.step}/{STEPS}: {text}", style="bold")

    def run(self, label: str, job: str, mode: Mode, expect: Expect) -> dict[str, Any]:
        """Run ``job``, say how it went, and stop the demo if it is not as expected."""
        doc = execute(self.session, self.runner, job, mode)
        self.session.say(f"  {run_line(doc)}")
        counts = doc["streams"].get(expect.stream, {}) if expect.stream else doc["totals"]
        wrong = [
            f"{want} {name} (got {got})"
            for name, want in expect.counts
            if (got := written(counts) if name == "written" else counts.get(name, 0)) != want
        ]
        if doc["status"] != expect.status:
            wrong.insert(0, f"a {expect.status} run (got {doc['status']})")
        if wrong:
            where = f" in stream {expect.stream}" if expect.stream else ""
            fail(
                f"demo step {self.step}: expected {', '.join(wrong)}{where}: "
                f"{doc['error'] or 'see `pimsync runs show ' + str(doc['run_id']) + '`'}",
                EXIT_FAILED,
            )
        self.runs.append((label, doc))
        return doc

    def check(self, csv_path: Path | None) -> StructureCheck:
        """What `pimsync oro check oro-products [--attributes-csv FILE]` does."""
        project = self.runner.project()
        config = project.jobs[PRODUCTS_JOB]
        source = self.runner.endpoint(project, config.source, "source")
        destination = self.runner.endpoint(project, config.destination, "destination")
        settings = structure_settings(OroJobOptions.model_validate(config.options))
        with (
            connect_akeneo(source.settings, source.secrets) as akeneo,
            connect_oro(destination.settings, destination.secrets) as oro,
        ):
            found = check_structure(
                AkeneoCatalog(akeneo),
                oro,
                settings,
                job=PRODUCTS_JOB,
                csv_path=str(csv_path) if csv_path else None,
            )
        if csv_path is not None and found.csv is not None:
            csv_path.write_text(found.csv, encoding="utf-8", newline="")
        return found

    def recap(self) -> Table:
        table = Table(title="what happened", title_justify="left")
        table.add_column("step")
        table.add_column("run", justify="right")
        table.add_column("job")
        for column in ("read", "created", "updated", "unchanged", "disabled", "rejected"):
            table.add_column(column, justify="right")
        for label, doc in self.runs:
            total = doc["totals"]
            table.add_row(
                label,
                str(doc["run_id"]),
                doc["job"],
                *(
                    str(total.get(c, 0))
                    for c in ("extracted", "created", "updated", "unchanged", "disabled")
                ),
                str(total.get("rejected", 0)),
            )
        return table

    def rename(self, keys: Sequence[str]) -> None:
        """Rename products in Akeneo the way a user would (their `updated` becomes now)."""
        for key in keys:
            current = self.pim.store.product(key)
            assert current is not None
            names = current["values"].get("name", [])
            renamed = [{**value, "data": f"{value['data']} (new season)"} for value in names]
            self.pim.update_product(key, {"values": {"name": renamed}})


def _structure(demo: _Demo) -> None:
    session, shop = demo.session, demo.shop
    demo.title("structure run: Oro lacks the attributes only its admin can add")
    demo.run(
        "1. structure, Oro not ready",
        STRUCTURE_JOB,
        Mode.FULL,
        Expect("partial", (("rejected", 1),), stream="structure"),
    )
    csv_path = demo.folder / ATTRIBUTES_CSV
    found = demo.check(csv_path)
    session.say(f"  `pimsync oro check {PRODUCTS_JOB}` says:")
    for line in found.lines():
        session.say(f"    {line}")
    if found.csv is None:
        fail(f"demo step {demo.step}: expected attributes to import into Oro", EXIT_FAILED)
    session.say(f"  wrote {len(found.plan.attributes_to_create)} attribute(s) to {csv_path}")
    fields = shop.import_attributes(csv_path.read_text(encoding="utf-8"))
    shop.update_schema()
    shop.add_to_family(FAMILY, fields)
    session.say(
        f"  as the Oro admin would: imported {ATTRIBUTES_CSV} ({', '.join(fields)}), "
        f"updated the schema, added them to {FAMILY}"
    )

    demo.title("structure run: Oro is ready; pimsync creates what Oro's API allows")
    brands = len(demo.pim.store.attribute_options.get("brand", {}))
    demo.run(
        "2. structure, in step",
        STRUCTURE_JOB,
        Mode.FULL,
        Expect(counts=(("rejected", 0),)),
    )
    after = demo.check(None)
    counts = {t: shop.count(t) for t in ("pricelists", "categories", "brands")}
    left = [*after.plan.blockers, *after.plan.pimsync_will_create]
    if left or counts["brands"] != brands:
        fail(
            f"demo step {demo.step}: expected Oro in step with {brands} brands; "
            f"found {counts['brands']} brands and still to do: {'; '.join(left) or 'nothing'}",
            EXIT_FAILED,
        )
    session.say(
        f"  Oro now has {counts['pricelists']} price lists, {counts['categories']} categories "
        f"and {counts['brands']} brands; `pimsync oro check {PRODUCTS_JOB}`: "
        f"{after.lines()[-1]}"
    )


def _products(demo: _Demo, count: int) -> dict[str, Any]:
    session, pim = demo.session, demo.pim
    roots = sum(1 for m in pim.store.product_models.values() if m["parent"] is None)
    demo.title(f"full products run: {count} products and {roots} configurable products")
    demo.run(
        "3. products, full",
        PRODUCTS_JOB,
        Mode.FULL,
        Expect(counts=(("created", count + roots), ("rejected", 0))),
    )
    demo.title("differential run: nothing changed, so nothing is written")
    demo.run("4. products, diff", PRODUCTS_JOB, Mode.DIFF, Expect(counts=(("written", 0),)))
    order = pim.store.identifier_order()
    edited = [order[count // 5], order[2 * count // 5], order[3 * count // 5]]
    demo.rename(edited)
    session.say()
    session.say(f"renamed 3 products in Akeneo: {', '.join(edited)}")
    demo.title("differential run after renaming 3 products")
    demo.run(
        "5. products, 3 renamed",
        PRODUCTS_JOB,
        Mode.DIFF,
        Expect(counts=(("updated", 3), ("written", 3))),
    )
    removed = order[-1]
    pim.delete_product(removed)
    session.say()
    session.say(f"deleted {removed} in Akeneo")
    demo.title("full run: the deleted product is disabled in Oro")
    last = demo.run(
        "6. products, 1 deleted",
        PRODUCTS_JOB,
        Mode.FULL,
        Expect(counts=(("disabled", 1), ("written", 1))),
    )
    stored = demo.shop.product_by_sku(removed)
    if stored is None or stored["attributes"]["status"] != "disabled":
        fail(f"demo step 6: expected {removed} disabled in Oro", EXIT_FAILED)
    return last


def oro_snapshot(shop: OroSandbox) -> list[dict[str, Any]]:
    """Every product as Oro holds it, ordered by SKU, with its related records resolved."""
    localizations = {r["id"]: r["attributes"]["name"] for r in shop.store.all("localizations")}
    price_lists = {r["id"]: r["attributes"]["name"] for r in shop.store.all("pricelists")}
    titles = shop.category_titles()
    out = []
    for product in shop.products():
        attributes, links = product["attributes"], product["relationships"]
        sku = str(attributes["sku"])
        names = {
            localizations.get(key, key) if key is not None else "default": value
            for key, value in shop.product_names(product["id"]).items()
        }
        category = links.get("category")
        brand_link = links.get("brand")
        brand = shop.get("brands", brand_link["id"]) if brand_link else None
        configurable = attributes.get("productType") == "configurable"
        out.append(
            {
                "sku": sku,
                "status": attributes.get("status"),
                "type": attributes.get("productType"),
                "names": dict(sorted(names.items())),
                "prices": [
                    {
                        "price_list": price_lists.get(p["price_list"], p["price_list"]),
                        "currency": p["currency"],
                        "value": str(p["value"]),
                        "quantity": p["quantity"],
                        "unit": p["unit"],
                    }
                    for p in shop.product_prices(sku)
                ],
                "images": [
                    {"filename": i["filename"], "types": i["types"], "size": i["size"]}
                    for i in shop.product_images(sku)
                ],
                "category": titles.get(category["id"]) if category else None,
                "brand": brand["attributes"].get("externalId") if brand else None,
                "variants": shop.variant_links(sku) if configurable else [],
            }
        )
    return out


@contextmanager
def _systems(pim: AkeneoSandbox, shop: OroSandbox) -> Iterator[tuple[str, str]]:
    with serve_akeneo(pim) as pim_url, serve_oro(shop) as shop_url:
        yield pim_url, shop_url


def _save_secrets(
    runner: LocalRunner,
    pim: AkeneoSandbox,
    shop: OroSandbox,
    connections: dict[str, ConnectionConfig],
) -> None:
    values = {
        "pim": {
            "secret": SecretStr(pim.credentials.secret),
            "password": SecretStr(pim.credentials.password),
        },
        "shop": {"client_secret": SecretStr(shop.credentials.client_secret)},
    }
    with runner.db.begin() as conn:
        for name, connection in connections.items():
            save_connection(conn, runner.box, name, connection, values=values[name])


def _where_to_look(session: Session, demo: _Demo, snapshot: list[dict[str, Any]]) -> str:
    """Say what the demo made; the SKU of the product shown."""
    folder = demo.folder
    session.say()
    session.out.print(demo.recap())
    session.say("the demo worked; look at:", style="bold green")
    session.say(f"  {folder / SNAPSHOT}  ({len(snapshot)} products as Oro holds them)")
    session.say(f"  {folder / ATTRIBUTES_CSV}  (the attribute import file for the Oro admin)")
    session.say(
        f"  {folder / 'pimsync.toml'}  (the connections and both jobs; `pimsync schedule` runs "
        f"{STRUCTURE_JOB}, then {PRODUCTS_JOB}, every 15 minutes)"
    )
    session.say(f"  {folder / 'catalog.jsonl'}  (the Akeneo catalog as a JSON Lines file)")
    sample = next(
        (p for p in snapshot if p["type"] == "simple" and p["images"] and p["category"]),
        snapshot[0],
    )
    session.say(f"one product as Oro holds it ({sample['sku']}):")
    for key, value in sample.items():
        session.say(f"  {key}: {orjson.dumps(value).decode()}")
    return str(sample["sku"])


def _afterwards(
    session: Session,
    demo: _Demo,
    urls: tuple[str, str],
    count: int,
    last: dict[str, Any],
    sample_sku: str,
) -> None:
    """How to serve the sandboxes again and explore the demo's folder."""
    folder = demo.folder
    home = folder / ".pimsync"
    pim_port, shop_port = (url.rsplit(":", 1)[-1].rstrip("/") for url in urls)
    session.say("the sandboxes stopped with the demo; to serve them again, each in its own shell:")
    session.say(f"  pimsync sandbox akeneo --products {count} --port {pim_port}")
    session.say(
        f"  pimsync sandbox oro --companion --attributes-csv {folder / ATTRIBUTES_CSV} "
        f"--port {shop_port}"
    )
    session.say(
        "the Oro sandbox comes back with the attributes only (no price lists, brands or "
        "products), while the state store remembers what it sent: to sync again, run the "
        "demo again"
    )
    session.say("then, in this shell:")
    overridden = [v for v in ("PIMSYNC_DATABASE_URL", "PIMSYNC_SECRET_KEY") if v in os.environ]
    if overridden:
        session.say(f"  unset {' '.join(overridden)}")
    session.say(f"  export PIMSYNC_HOME={home}")
    session.say(f"  pimsync jobs list; pimsync runs list; pimsync runs show {last['run_id']}")
    session.say(f"  pimsync oro check {PRODUCTS_JOB}   # what Oro lacks for the job's mapping")
    session.say(
        f"  pimsync mapping preview {PRODUCTS_JOB} {sample_sku}   "
        "# the product as the job sends it (needs Oro's price lists and brands)"
    )


DEMO_USER = "demo"
UI_PORT = 8470  # `pimsync serve`'s default; a free port when it is taken


def _free_port(wanted: int) -> int:
    """``wanted`` if nothing listens on it on 127.0.0.1, else a free port."""
    for port in (wanted, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise ConfigError("no free port on 127.0.0.1 for the web app")


def _uvicorn(app: Any, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def serve_ui(session: Session, runner: LocalRunner, port: int) -> None:
    """Serve the hub's web app on the demo's state store until Ctrl-C, with a demo admin
    (a new password each time, printed: the folder is the demo's, on 127.0.0.1 only)."""
    from pimsync.web import create_app

    password = secrets.token_urlsafe(12)
    with runner.db.begin() as conn:
        add_user(conn, DEMO_USER, password, Role.ADMIN)
    port = _free_port(port)
    session.say()
    session.say(f"the hub's web app: http://127.0.0.1:{port}/", style="bold green")
    session.say(f"  sign in as {DEMO_USER} with the password {password}")
    session.say("  the sandboxes keep running behind it; Ctrl-C stops everything")
    _uvicorn(create_app(runner.settings, runner), port)


def demo_command(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Option("--dir", help="Folder for the demo; deleted and made again on each run."),
    ] = Path("pimsync-demo"),
    count: Annotated[
        int, typer.Option("--products", "-n", min=5, help="Products in the demo catalog.")
    ] = 1200,
    ui: Annotated[
        bool | None,
        typer.Option(
            "--ui/--no-ui",
            help="Then serve the hub's web app on the result until Ctrl-C. "
            "Default: on a terminal only.",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port of the web app.")
    ] = UI_PORT,
) -> None:
    """Run the demo: the Akeneo sandbox's catalog published to the Oro sandbox.

    Serves a generated catalog from the Akeneo sandbox and an OroCommerce back office
    (with the companion API config) from the Oro sandbox, both on 127.0.0.1, makes a
    folder with a pimsync.toml (jobs oro-structure and oro-products) and its own state
    store, then runs: the structure job until Oro is ready (importing the attribute file
    as an Oro admin would), a full products run, a differential run with nothing to do,
    one after renaming 3 products in Akeneo, and a full run after deleting one. It writes
    Oro's products to oro-products.json in the folder. Then, on a terminal or with --ui,
    it serves the hub's web app on 127.0.0.1 (the sandboxes still running) and prints
    its URL and a demo login, until Ctrl-C.
    PIMSYNC_HOME, PIMSYNC_DATABASE_URL and PIMSYNC_SECRET_KEY are ignored here.
    """
    session = session_of(ctx)
    folder = folder.resolve()
    prepare_folder(folder)
    home = folder / ".pimsync"
    settings = Settings(home=home, database_url=None, secret_key=None)
    configure_logging("DEBUG" if session.debug else settings.log_level)
    session.say(f"demo folder: {folder}", style="bold")
    pim = AkeneoSandbox.demo(products=count)
    shop = OroSandbox(companion_categories=True)
    # The same catalog as a file, for trying the files flow (see the README's quickstart).
    (folder / "catalog.jsonl").write_bytes(
        b"".join(orjson.dumps(item) + b"\n" for item in pim.store.products.values())
    )
    with _systems(pim, shop) as urls:
        session.say(f"Akeneo sandbox serving {count} generated products at {urls[0]}")
        session.say(f"Oro sandbox (companion API config), no products yet, at {urls[1]}")
        runner = initialise(session, settings, None)
        connections = {"pim": pim_connection(pim, urls[0]), "shop": shop_connection(shop, urls[1])}
        _save_secrets(runner, pim, shop, connections)
        project_file = folder / "pimsync.toml"
        write_project(demo_project(connections["pim"], connections["shop"]), project_file)
        runner = initialise(session, settings, project_file)
        demo = _Demo(session, runner, pim, shop, folder)
        _structure(demo)
        last = _products(demo, count)
        snapshot = oro_snapshot(shop)
        (folder / SNAPSHOT).write_bytes(orjson.dumps(snapshot, option=orjson.OPT_INDENT_2) + b"\n")
        sample_sku = _where_to_look(session, demo, snapshot)
        if ui is None:
            ui = sys.stdin.isatty() and sys.stdout.isatty()
        if ui:
            serve_ui(session, runner, port)
    _afterwards(session, demo, urls, count, last, sample_sku)
