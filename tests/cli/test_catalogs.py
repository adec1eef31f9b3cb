"""`pimsync catalogs`: create, list, show, edit, enable, disable, preview.

``preview`` runs against the Akeneo sandbox served on 127.0.0.1; the counts it prints are
compared with counts computed here from the sandbox's raw store, never from pimsync.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert

from pimsync.state import create_state_engine
from pimsync.state._tables import documents
from tests.cli._cli import Invoke, one_error_line
from tests.cli._oro_project import JOB, OroProject, oro_project
from tests.cli.conftest import Project

FAMILIES = ["chairs", "tshirts", "shoes"]
COLORS = ["white", "black"]
CRITERIA = [
    {"field": "family", "operator": "IN", "value": FAMILIES},
    {"field": "enabled", "operator": "=", "value": True},
    {"field": "color", "operator": "IN", "value": COLORS},
]


def _arg(criterion: dict[str, Any]) -> str:
    return json.dumps(criterion)


def _color(raw: dict[str, Any]) -> Any:
    for entry in raw["values"].get("color", []):
        if entry["locale"] is None and entry["scope"] is None:
            return entry["data"]
    return None


@pytest.fixture
def pim(tmp_path: Path, invoke: Invoke) -> Iterator[OroProject]:
    with oro_project(tmp_path, invoke, products=60, companion=True) as project:
        yield project


def test_create_list_show_enable_disable(project: Project, invoke: Invoke) -> None:
    created = invoke(
        "catalogs", "create", "web", "--destination", "shop",
        "--criterion", _arg(CRITERIA[0]), "--criterion", _arg(CRITERIA[1]),
        "--locale", "en_US", "--currency", "EUR",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "catalog web created for shop: 2 criteria, disabled" in created.stdout

    listed = orjson.loads(invoke("catalogs", "list", "--json").stdout)
    assert listed == [
        {
            "name": "web",
            "destination": "shop",
            "enabled": False,
            "criteria": CRITERIA[:2],
            "value_filters": {"channels": [], "locales": ["en_US"], "currencies": ["EUR"]},
            "jobs": [],
        }
    ]
    table = invoke("catalogs", "list")
    assert "web" in table.stdout and "shop" in table.stdout

    shown = invoke("catalogs", "show", "web")
    assert shown.exit_code == 0
    assert "enabled: no" in shown.stdout
    assert '1. {"field":"family","operator":"IN","value":["chairs","tshirts","shoes"]}' in (
        shown.stdout
    )
    assert "locales: en_US" in shown.stdout
    assert "channels: all" in shown.stdout

    assert "catalog web enabled" in invoke("catalogs", "enable", "web").stdout
    assert orjson.loads(invoke("catalogs", "show", "web", "--json").stdout)["enabled"] is True
    assert "already enabled" in invoke("catalogs", "enable", "web").stdout
    assert "catalog web disabled" in invoke("catalogs", "disable", "web").stdout
    assert orjson.loads(invoke("catalogs", "show", "web", "--json").stdout)["enabled"] is False

    edited = invoke(
        "catalogs", "edit", "web", "--remove-criterion", "1",
        "--add-criterion", _arg(CRITERIA[2]), "--all-values", "--channel", "ecommerce",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    doc = orjson.loads(invoke("catalogs", "show", "web", "--json").stdout)
    assert doc["criteria"] == [CRITERIA[1], CRITERIA[2]]
    assert doc["value_filters"] == {"channels": ["ecommerce"], "locales": [], "currencies": []}

    # the catalog goes through export and import unchanged
    exported = invoke("config", "export")
    assert "[catalogs.web]" in exported.stdout
    assert "[[catalogs.web.criteria]]" in exported.stdout
    (project.folder / "again.toml").write_text(exported.stdout)
    assert invoke("config", "import", "again.toml").exit_code == 0
    assert orjson.loads(invoke("catalogs", "show", "web", "--json").stdout) == doc
    assert invoke("config", "export").stdout == exported.stdout


def test_mistakes_are_one_line_and_exit_2(project: Project, invoke: Invoke) -> None:
    nowhere = invoke("catalogs", "create", "web", "--destination", "nowhere")
    assert nowhere.exit_code == 2
    assert "destination connection 'nowhere' is not defined" in one_error_line(nowhere)

    bad_json = invoke("catalogs", "create", "web", "--destination", "shop", "--criterion", "{")
    assert bad_json.exit_code == 2
    assert one_error_line(bad_json).startswith("error: --criterion 1: not JSON")

    bad_operator = invoke(
        "catalogs", "create", "web", "--destination", "shop",
        "--criterion", '{"field": "family", "operator": "LIKE", "value": ["x"]}',
    )  # fmt: skip
    assert bad_operator.exit_code == 2
    assert "--criterion 1: operator" in one_error_line(bad_operator)

    assert invoke("catalogs", "create", "web", "--destination", "shop").exit_code == 0
    again = invoke("catalogs", "create", "web", "--destination", "shop")
    assert again.exit_code == 2
    assert "catalog 'web' already exists" in one_error_line(again)

    unknown = invoke("catalogs", "show", "nope")
    assert unknown.exit_code == 2
    assert one_error_line(unknown) == "error: unknown catalog 'nope' (known: web)"

    no_such = invoke("catalogs", "edit", "web", "--remove-criterion", "3")
    assert no_such.exit_code == 2
    assert "has no criterion 3" in one_error_line(no_such)

    archive = str(project.folder / "archive")
    added = invoke(
        "connections", "add", "archive", "--kind", "directory", "--set", f"path={archive}"
    )
    assert added.exit_code == 0, added.output
    assert invoke("catalogs", "edit", "web", "--destination", "archive").exit_code == 0
    used = invoke("connections", "remove", "archive")
    assert used.exit_code == 2
    assert "connection 'archive' is the destination of catalog(s) web" in one_error_line(used)


def test_import_refuses_a_catalog_for_an_unknown_connection(
    project: Project, invoke: Invoke
) -> None:
    text = (project.folder / "pimsync.toml").read_text()
    (project.folder / "bad.toml").write_text(text + '\n[catalogs.web]\ndestination = "nowhere"\n')

    result = invoke("config", "validate", "bad.toml")

    assert result.exit_code == 2
    assert "catalog 'web': destination connection 'nowhere' is not defined" in result.stderr


def test_preview_counts_what_the_sandbox_holds(pim: OroProject) -> None:
    args = [arg for c in CRITERIA for arg in ("--criterion", _arg(c))]
    assert pim.run("catalogs", "create", "web", "--destination", "shop", *args).exit_code == 0
    raw = list(pim.pim.store.products.values())
    read = [p for p in raw if p["family"] in FAMILIES and p["enabled"]]
    selected = [p["identifier"] for p in read if _color(p) in COLORS]
    assert 0 < len(selected) < len(read) < len(raw)  # each part of the selection counts

    result = pim.run("catalogs", "preview", "web", "--limit", "3")

    assert result.exit_code == 0, result.output
    assert f"selected: {len(selected)} product(s)" in result.stdout
    # every criterion goes to Akeneo's search (color IN included): nothing is checked here
    transferred = f"transferred from Akeneo: {len(selected)}, selected {len(selected)}"
    assert f"{transferred} (0 criteria checked by pimsync)" in result.stdout
    assert "read from pim" in result.stdout
    first = next(line for line in result.stdout.splitlines() if line.startswith("first 3: "))
    skus = first.removeprefix("first 3: ").split(", ")
    assert len(skus) == 3 and set(skus) <= set(selected)

    doc = orjson.loads(pim.run("catalogs", "preview", "web", "--json", "--source", "pim").stdout)
    assert doc["selected"] == len(selected)
    assert doc["transferred"] == len(selected)
    assert doc["checked_locally"] == 0
    assert len(doc["skus"]) == 10


def test_preview_names_an_unknown_attribute_and_option(pim: OroProject) -> None:
    material = '{"field": "material", "operator": "IN", "value": ["oak"]}'
    mauve = '{"field": "color", "operator": "IN", "value": ["mauve"]}'
    args = ("--destination", "shop", "--criterion", material, "--criterion", mauve)
    assert pim.run("catalogs", "create", "web", *args).exit_code == 0

    result = pim.run("catalogs", "preview", "web")

    assert result.exit_code == 2
    line = one_error_line(result)
    assert "criterion 1 (material IN): unknown attribute 'material'" in line
    assert "criterion 2 (color IN): unknown option of 'color' 'mauve'" in line


def test_preview_uses_the_job_that_uses_the_catalog(pim: OroProject) -> None:
    """The job's own ``families`` narrow what preview reads, as they narrow the run."""
    assert pim.run("catalogs", "create", "web", "--destination", "shop").exit_code == 0
    exported = pim.run("config", "export").stdout
    marker = f"[jobs.{JOB}.options]\n"
    assert marker in exported
    changed = exported.replace(marker, marker + 'catalog = "web"\nfamilies = ["chairs"]\n')
    (pim.folder / "with-catalog.toml").write_text(changed)
    assert pim.run("config", "import", "with-catalog.toml").exit_code == 0
    chairs = [p for p in pim.pim.store.products.values() if p["family"] == "chairs"]

    doc = orjson.loads(pim.run("catalogs", "preview", "web", "--json").stdout)

    assert doc["selected"] == doc["transferred"] == len(chairs)
    assert orjson.loads(pim.run("catalogs", "list", "--json").stdout)[0]["jobs"] == [JOB]


def test_run_with_a_disabled_catalog_says_so_and_writes_nothing(pim: OroProject) -> None:
    """Through `pimsync run`: the local runner puts the flow's note in the run's report."""
    created = pim.run(
        "catalogs", "create", "web", "--destination", "shop", "--criterion", _arg(CRITERIA[0])
    )
    assert created.exit_code == 0, created.output
    exported = pim.run("config", "export").stdout
    marker = f"[jobs.{JOB}.options]\n"
    (pim.folder / "with-catalog.toml").write_text(
        exported.replace(marker, marker + 'catalog = "web"\n')
    )
    assert pim.run("config", "import", "with-catalog.toml").exit_code == 0

    result = pim.run("run", JOB, "--full")

    assert result.exit_code == 0, result.output
    assert "note: catalog 'web' is disabled: nothing was read or written" in result.stdout
    assert pim.writes() == 0
    enabled = pim.run("catalogs", "enable", "web")
    assert f"job(s) {JOB} send its products" in enabled.stdout


def test_a_free_form_catalog_stored_before_is_ignored_with_a_warning(
    project: Project, invoke: Invoke
) -> None:
    """Catalogs were free-form tables before they were typed; such a stored one must not
    lock the project: it is left out (with a warning) until replaced or pruned."""
    engine = create_state_engine(f"sqlite:///{project.home / 'pimsync.db'}")
    with engine.begin() as conn:
        conn.execute(
            insert(documents).values(
                section="catalogs",
                name="old",
                body={"channel": "ecommerce", "locales": ["en_US"]},
                updated_at=datetime.now(UTC),
            )
        )
    engine.dispose()

    listed = invoke("catalogs", "list", "--json")

    assert listed.exit_code == 0, listed.output
    assert orjson.loads(listed.stdout) == []
    assert "catalog 'old'" in listed.stderr and "ignored" in listed.stderr
    pruned = invoke("config", "import", "pimsync.toml", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "ignored" not in invoke("catalogs", "list").stderr


def _subtree(pim: OroProject, root: str) -> set[str]:
    """Categories under ``root`` (itself included), by walking parent pointers."""
    found = set()
    for code in pim.pim.store.categories:
        current: str | None = code
        while current is not None:
            if current == root:
                found.add(code)
                break
            current = pim.pim.store.categories[current].get("parent")
    return found


def test_preview_keeps_to_the_destinations_permitted_trees(pim: OroProject) -> None:
    args = [arg for c in CRITERIA[:2] for arg in ("--criterion", _arg(c))]
    assert pim.run("catalogs", "create", "web", "--destination", "shop", *args).exit_code == 0
    assert pim.run("permissions", "set", "shop", "--trees", "sales").exit_code == 0
    sales = _subtree(pim, "sales")
    selected = {
        p["identifier"]
        for p in pim.pim.store.products.values()
        if p["family"] in FAMILIES
        and p["enabled"]
        and p["parent"] is None  # simple products: variants follow their model's trees
        and (not p["categories"] or set(p["categories"]) & sales)
    }
    assert selected

    doc = orjson.loads(pim.run("catalogs", "preview", "web", "--json", "--limit", "1000").stdout)

    assert doc["permissions"] is True
    raw = {p["identifier"]: p for p in pim.pim.store.products.values()}
    assert {sku for sku in doc["skus"] if raw[sku]["parent"] is None} == selected
    text = pim.run("catalogs", "preview", "web").stdout
    assert "within the permissions of shop" in text


def test_remove_refuses_while_a_job_uses_it(pim: OroProject) -> None:
    assert pim.run("catalogs", "create", "web", "--destination", "shop").exit_code == 0
    exported = pim.run("config", "export").stdout
    marker = f"[jobs.{JOB}.options]\n"
    (pim.folder / "with-catalog.toml").write_text(
        exported.replace(marker, marker + 'catalog = "web"\n')
    )
    assert pim.run("config", "import", "with-catalog.toml").exit_code == 0

    refused = pim.run("catalogs", "remove", "web")
    assert refused.exit_code == 2
    assert f"catalog 'web' is used by job(s) {JOB}" in one_error_line(refused)

    (pim.folder / "plain.toml").write_text(exported)
    assert pim.run("config", "import", "plain.toml").exit_code == 0
    removed = pim.run("catalogs", "remove", "web")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "removed catalog web\n"
    assert "web" not in pim.run("catalogs", "list").stdout
    unknown = pim.run("catalogs", "remove", "web")
    assert "unknown catalog 'web'" in one_error_line(unknown)
