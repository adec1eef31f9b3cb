"""`pimsync oro check`, `pimsync oro apply` and `pimsync mapping preview` against an
Akeneo sandbox and an Oro sandbox served on 127.0.0.1 (see ``_oro_project``).

What the commands print is compared with docs/oro.md and with the two sandboxes: the
Akeneo catalog the job reads and what Oro holds after each command.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.cli._cli import Invoke, one_error_line
from tests.cli._oro_project import AKENEO, JOB, ORO, STRUCTURE_JOB, OroProject, oro_project

PRODUCTS = 30
# The demo mapping's custom attributes and the Oro types `oro check` gives them.
ATTRIBUTES = {
    "color": "enum",
    "size": "enum",
    "weight_g": "float",
    "eco_label": "boolean",
    "release_date": "date",
}
LOCALES = ("en_US", "fr_FR", "de_DE")


@pytest.fixture
def stock(tmp_path: Path, invoke: Invoke) -> Iterator[OroProject]:
    """A stock Oro (categories read-only) without the job's attributes."""
    with oro_project(tmp_path, invoke, products=PRODUCTS, companion=False) as project:
        yield project


@pytest.fixture
def companion(tmp_path: Path, invoke: Invoke) -> Iterator[OroProject]:
    """An Oro with pimsync's companion API config (categories writable), no attributes."""
    with oro_project(tmp_path, invoke, products=PRODUCTS, companion=True) as project:
        yield project


def _lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def _import_attributes(project: OroProject, csv_path: Path) -> list[str]:
    """`oro check --attributes-csv`, then the Oro admin's part with the file."""
    checked = project.run("oro", "check", JOB, "--attributes-csv", str(csv_path))
    assert checked.exit_code == 3, checked.output
    return project.admin_imports(csv_path.read_text(encoding="utf-8"))


def _csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header, *rows = list(reader)
    assert all(len(row) == len(header) for row in rows), "ragged rows"
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def _option_labels(row: dict[str, str]) -> list[str]:
    labels = []
    index = 0
    while f"enum.enum_options.{index}.label" in row:
        if row[f"enum.enum_options.{index}.label"]:
            labels.append(row[f"enum.enum_options.{index}.label"])
        index += 1
    return labels


def _oro_tree(project: OroProject) -> set[tuple[str | None, str | None]]:
    """(default title, parent's default title) of every Oro category."""
    titles = project.shop.category_titles()
    out = set()
    for category in project.shop.store.all("categories"):
        parent = category["relationships"].get("parentCategory")
        out.add((titles[category["id"]], titles[parent["id"]] if parent else None))
    return out


def _akeneo_tree(project: OroProject) -> set[tuple[str, str]]:
    """(en_US label, parent's label) of the categories under Akeneo's master tree, as
    they should sit under Oro's root category "All Products" (the job's root 1)."""
    categories = project.pim.store.categories

    def in_master(code: str) -> bool:
        parent = categories[code]["parent"]
        return parent == "master" or (parent is not None and in_master(parent))

    return {
        (
            c["labels"]["en_US"],
            "All Products"
            if c["parent"] == "master"
            else categories[c["parent"]]["labels"]["en_US"],
        )
        for code, c in categories.items()
        if in_master(code)
    }


def _localized_titles(project: OroProject, title: str) -> set[str]:
    """Every title (all localizations) of the Oro category whose default title is this."""
    (category_id,) = [i for i, t in project.shop.category_titles().items() if t == title]
    category = project.shop.get("categories", category_id)
    assert category is not None
    values = [
        project.shop.get(link["type"], link["id"])
        for link in category["relationships"].get("titles") or []
    ]
    return {v["attributes"]["string"] for v in values if v is not None}


def _value(raw: dict[str, Any], attribute: str, locale: str | None = None) -> Any:
    for entry in raw["values"].get(attribute, []):
        if entry["locale"] == locale and entry["scope"] in (None, "ecommerce"):
            return entry["data"]
    return None


# --- oro check ------------------------------------------------------------------------


def test_check_lists_the_missing_attributes_and_writes_the_import_file(
    stock: OroProject, tmp_path: Path
) -> None:
    checked = stock.run("oro", "check", JOB)

    assert checked.exit_code == 3, checked.output  # something blocks a product run
    out = checked.stdout
    assert out.splitlines()[0] == f"job {JOB}: Oro structure check"
    assert _lines(out, "blocking:") == [
        f"blocking: attribute {name} ({kind}) does not exist in Oro: "
        "import the attribute file and update the schema"
        for name, kind in ATTRIBUTES.items()
    ]
    assert "localizations: 3 matched; price lists: 0 found; attributes: 0 found, 5 to import" in (
        out
    )
    assert "pimsync will create: price list 'Akeneo EUR' (EUR)" in out
    assert "pimsync will create: price list 'Akeneo USD' (USD)" in out
    assert "missing: Oro category for clothing" in out  # stock Oro: categories only matched
    # The numbered checklist for the Oro admin, in order.
    steps = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert [step[:3] for step in steps] == ["1) ", "2) ", "3) ", "4) "]
    assert "Product Attributes → Import" in steps[0]
    assert "(5 attribute(s): color, size, weight_g, eco_label, release_date)" in steps[0]
    assert "Update Schema" in steps[1]
    assert "default_family, and add color, size, weight_g, eco_label, release_date" in (steps[2])
    assert f"pimsync oro check {JOB}" in steps[3]
    assert out.splitlines()[-1] == "blocked: a product run would fail"
    assert checked.stderr == (
        "hint: add --attributes-csv FILE to write Oro's attribute import file\n"
    )

    csv_path = tmp_path / "attributes.csv"
    written = stock.run("oro", "check", JOB, "--attributes-csv", str(csv_path))

    assert written.exit_code == 3, written.output
    assert f"import {csv_path} (5 attribute(s)" in written.stdout  # step 1 names the file
    assert written.stdout.splitlines()[-1] == f"wrote 5 attribute(s) to {csv_path}"
    assert written.stderr == ""
    text = csv_path.read_text(encoding="utf-8")
    header, rows = _csv_rows(text)
    assert header[:3] == ["fieldName", "type", "entity.label"]
    assert "extend.length" in header and "enum.enum_options.0.is_default" in header
    assert {r["fieldName"]: r["type"] for r in rows} == ATTRIBUTES  # one row each, in order
    assert [r["fieldName"] for r in rows] == list(ATTRIBUTES)
    by_field = {r["fieldName"]: r for r in rows}
    for name in ("color", "size"):  # the select options, labelled as in Akeneo
        options = stock.pim.store.attribute_options[name].values()
        expected = [o["labels"]["en_US"] for o in sorted(options, key=lambda o: o["sort_order"])]
        assert _option_labels(by_field[name]) == expected
    assert _option_labels(by_field["weight_g"]) == []
    assert stock.writes() == 0  # check writes nothing

    # The Oro admin imports the file; until the schema is updated Oro still lacks them.
    fields = stock.shop.import_attributes(text)
    assert fields == list(ATTRIBUTES)
    pending = stock.run("oro", "check", JOB)
    assert pending.exit_code == 3, pending.output
    assert pending.stdout.splitlines()[-1] == "blocked: a product run would fail"

    stock.shop.update_schema()
    stock.shop.add_to_family("default_family", fields)
    ready = stock.run("oro", "check", JOB, "--attributes-csv", str(tmp_path / "again.csv"))

    assert ready.exit_code == 0, ready.output
    assert ready.stdout.splitlines()[-1] == "ok: nothing blocks"
    assert "attributes: 5 found, 0 to import" in ready.stdout
    assert _lines(ready.stdout, "blocking:") == []
    assert "to do in Oro" not in ready.stdout
    assert ready.stderr == ""
    assert not (tmp_path / "again.csv").exists()  # nothing to import, no file
    assert stock.writes() == 0


# --- oro apply ------------------------------------------------------------------------


def test_apply_creates_price_lists_options_and_the_category_tree_once(
    companion: OroProject, tmp_path: Path
) -> None:
    _import_attributes(companion, tmp_path / "attributes.csv")
    # An option added in Akeneo after the attribute file was imported: pimsync's to create.
    with companion.pim.store.lock:
        companion.pim.store.attribute_options["color"]["purple"] = {
            "code": "purple",
            "attribute": "color",
            "sort_order": 99,
            "labels": {"en_US": "Purple", "fr_FR": "Purple (FR)", "de_DE": "Purple (DE)"},
        }
    checked = companion.run("oro", "check", JOB)
    assert checked.exit_code == 0, checked.output  # nothing blocks: the rest pimsync creates
    assert _lines(checked.stdout, "pimsync will create: price list") == [
        "pimsync will create: price list 'Akeneo EUR' (EUR)",
        "pimsync will create: price list 'Akeneo USD' (USD)",
    ]
    assert companion.writes() == 0

    applied = companion.run("oro", "apply", JOB)

    assert applied.exit_code == 0, applied.output
    assert applied.stderr == ""
    out = applied.stdout
    created = _lines(out, "created: ")
    assert created[0].startswith("created: price list 'Akeneo EUR' (EUR) = ")
    assert created[1].startswith("created: price list 'Akeneo USD' (USD) = ")
    assert "created: option purple of color" in created
    assert "pimsync will create" not in out
    assert _lines(out, "error:") == []
    assert out.splitlines()[-1] == "ok: nothing blocks"
    # Oro now holds them.
    price_lists = {
        r["attributes"]["name"]: r["attributes"]["priceListCurrencies"]
        for r in companion.shop.store.all("pricelists")
    }
    assert price_lists == {
        "Default Price List": ["USD"],
        "Akeneo EUR": ["EUR"],
        "Akeneo USD": ["USD"],
    }
    assert companion.shop.count("pricelists") == 3
    enum_type = companion.shop.product_attributes()["color"]["enum_type"]
    colors = {r["id"]: r["attributes"]["name"] for r in companion.shop.store.all(enum_type)}
    assert colors["purple"] == "Purple"
    assert len(colors) == len(companion.pim.store.attribute_options["color"])
    expected_tree = _akeneo_tree(companion)
    assert len(expected_tree) == 11
    assert expected_tree <= _oro_tree(companion)
    created_categories = _lines(out, "done: create category ")
    assert len(created_categories) == len(expected_tree)
    assert _localized_titles(companion, "Clothing") == {
        "Clothing",
        "Clothing (FR)",
        "Clothing (DE)",
    }

    # In step: a second apply finds nothing to do and writes nothing.
    before = companion.writes()
    categories = companion.shop.count("categories")
    again = companion.run("oro", "apply", JOB)

    assert again.exit_code == 0, again.output
    assert _lines(again.stdout, "created:") == []
    assert again.stdout.splitlines()[-1] == "ok: nothing blocks"
    assert companion.writes() == before
    assert companion.shop.count("categories") == categories
    assert companion.shop.count("pricelists") == 3
    assert "pimsync will create" not in again.stdout


def test_apply_while_attributes_are_missing_exits_3_with_the_checklist(
    stock: OroProject, tmp_path: Path
) -> None:
    """docs/oro.md: `apply` "does the same [as check], then creates what pimsync may
    create" and exits 3 while something blocks a product run. So the price lists are
    created, but nothing that depends on the missing attributes is written."""
    csv_path = tmp_path / "attributes.csv"
    applied = stock.run("oro", "apply", JOB, "--attributes-csv", str(csv_path))

    assert applied.exit_code == 3, applied.output
    assert "Traceback" not in applied.output
    out = applied.stdout
    assert _lines(out, "blocking:") == [
        f"blocking: attribute {name} ({kind}) does not exist in Oro: "
        "import the attribute file and update the schema"
        for name, kind in ATTRIBUTES.items()
    ]
    assert "to do in Oro:" in out
    assert f"import {csv_path} (5 attribute(s): color, size, weight_g, eco_label, " in out
    assert out.splitlines()[-1] == "blocked: a product run would fail"
    # The import file is written as by `check`.
    _, rows = _csv_rows(csv_path.read_text(encoding="utf-8"))
    assert [r["fieldName"] for r in rows] == list(ATTRIBUTES)
    # What Oro got: the two price lists `apply` says it created, and nothing else.
    assert [line.rsplit(" = ", 1)[0] for line in _lines(out, "created:")] == [
        "created: price list 'Akeneo EUR' (EUR)",
        "created: price list 'Akeneo USD' (USD)",
    ]
    assert dict(stock.shop.writes) == {"POST /admin/api/pricelists": 2}
    assert stock.shop.product_attributes() == {}
    assert stock.shop.count("products") == 0


# --- mapping preview ------------------------------------------------------------------


@pytest.fixture
def ready(companion: OroProject, tmp_path: Path) -> OroProject:
    """Oro in step with the job: attributes imported, `oro apply` done."""
    _import_attributes(companion, tmp_path / "attributes.csv")
    applied = companion.run("oro", "apply", JOB)
    assert applied.exit_code == 0, applied.output
    return companion


def _sample(project: OroProject) -> dict[str, Any]:
    """A product of the demo catalog with a brand, prices and names in every locale."""
    for sku in project.pim.store.identifier_order():
        raw = project.pim.store.product_by_identifier(sku)
        assert raw is not None
        wanted = ("brand", "price", "weight", "color")
        names = [_value(raw, "name", loc) for loc in LOCALES]
        if raw["parent"] is None and all(_value(raw, a) for a in wanted) and all(names):
            return raw
    raise AssertionError("no suitable product in the demo catalog")


def _preview_fields(stdout: str) -> dict[str, str]:
    """Field name → its rendered value (without the ``← source`` part)."""
    fields = {}
    for line in stdout.splitlines()[1:]:
        name, _, rest = line.strip().partition(" ")
        fields[name] = rest.split("    ← ")[0].strip()
    return fields


def test_mapping_preview_shows_a_product_as_oro_would_receive_it(ready: OroProject) -> None:
    raw = _sample(ready)
    sku = raw["identifier"]

    # Brands are written by the structure job, not by `oro apply`: until it has run the
    # product would be rejected, and the preview says why.
    rejected = ready.run("mapping", "preview", JOB, sku)
    assert rejected.exit_code == 3, rejected.output
    line = one_error_line(rejected)
    assert line.startswith(f"error: {sku} would be rejected: ")
    assert f"brand {_value(raw, 'brand')!r} does not exist in Oro" in line

    structure = ready.run("run", STRUCTURE_JOB)
    assert structure.exit_code == 0, structure.output
    before = ready.writes()
    shown = ready.run("mapping", "preview", JOB, sku)

    assert shown.exit_code == 0, shown.output
    assert shown.stderr == ""
    assert shown.stdout.splitlines()[0] == f"Oro product {sku}"
    fields = _preview_fields(shown.stdout)
    assert fields["sku"] == sku
    assert fields["productType"] == "simple"
    assert fields["status"] == ("enabled" if raw["enabled"] else "disabled")
    # Names: Oro's default from en_US, then one per Oro localization, from Akeneo's values.
    names = fields["names"]
    assert f'"default":"{_value(raw, "name", "en_US")}"' in names
    for locale in LOCALES:
        assert f'"{_value(raw, "name", locale)}"' in names
    assert _value(raw, "name", "fr_FR") != _value(raw, "name", "en_US")
    # Prices: the job's currencies only, on the price lists `oro apply` created.
    lists = {r["attributes"]["name"]: r["id"] for r in ready.shop.store.all("pricelists")}
    expected_prices = [
        f"{Decimal(p['amount'])} {p['currency']} "
        f"(price list {lists['Akeneo ' + p['currency']]}, qty 1)"
        for p in _value(raw, "price")
        if p["currency"] in ("EUR", "USD")
    ]
    assert len(expected_prices) == 2
    for price in expected_prices:
        assert price in fields["prices"]
    assert "GBP" not in fields["prices"]
    # A metric in KILOGRAM, converted to grams for weight_g.
    weight = _value(raw, "weight")
    grams = Decimal(weight["amount"]) * (1000 if weight["unit"] == "KILOGRAM" else 1)
    assert Decimal(fields["weight_g"]) == grams
    assert f'"id":"{_value(raw, "color")}"' in fields["color"]
    assert ready.writes() == before  # the preview writes nothing

    unknown = ready.run("mapping", "preview", JOB, "NO-SUCH-SKU")
    assert unknown.exit_code == 2
    assert unknown.stdout == ""
    assert one_error_line(unknown) == "error: no product or product model 'NO-SUCH-SKU' in Akeneo"

    # A root product model is previewed as a configurable product.
    root = next(c for c, m in ready.pim.store.product_models.items() if m["parent"] is None)
    model = ready.run("mapping", "preview", JOB, root)
    assert model.exit_code == 0, model.output
    assert model.stdout.splitlines()[0] == f"Oro product {root}"
    assert _preview_fields(model.stdout)["productType"] == "configurable"


def test_mapping_preview_names_the_localizations(companion: OroProject, tmp_path: Path) -> None:
    ready = companion
    _import_attributes(ready, tmp_path / "attributes.csv")
    structure = ready.run("run", STRUCTURE_JOB)  # price lists, options, brands
    assert structure.exit_code == 0, structure.output
    raw = _sample(ready)
    shown = ready.run("mapping", "preview", JOB, raw["identifier"])
    assert shown.exit_code == 0, shown.output
    ids = {r["attributes"]["name"]: r["id"] for r in ready.shop.store.all("localizations")}
    names = _preview_fields(shown.stdout)["names"]
    for locale in LOCALES:
        assert f'"{ids[locale]} ({locale})":"{_value(raw, "name", locale)}"' in names
    assert "(?)" not in shown.stdout


def test_preview_refuses_an_unknown_job_and_an_oro_that_is_not_ready(
    companion: OroProject,
) -> None:
    known = f"(known: {JOB}, {STRUCTURE_JOB})"
    for args in (
        ("mapping", "preview", "no-such-job", "NO-SUCH-SKU"),
        ("oro", "check", "no-such-job"),
        ("oro", "apply", "no-such-job"),
    ):
        result = companion.run(*args)
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert one_error_line(result) == f"error: unknown job 'no-such-job' {known}"

    sku = companion.pim.store.identifier_order()[0]
    not_ready = companion.run("mapping", "preview", JOB, sku)
    assert not_ready.exit_code == 2, not_ready.output
    assert not_ready.stdout == ""
    line = one_error_line(not_ready)
    assert line.startswith("error: Oro is not ready for these products")
    for name, kind in ATTRIBUTES.items():
        assert f"attribute {name} ({kind}) does not exist in Oro" in line
    assert "pimsync oro check" in line
    assert companion.writes() == 0


# --- secrets --------------------------------------------------------------------------


def test_secrets_never_appear_in_any_output(companion: OroProject, tmp_path: Path) -> None:
    """Every command in this file goes through ``OroProject.run``, which fails on a secret
    in stdout or stderr; here the paths most likely to leak one: --debug logging and
    tracebacks, and refused credentials."""
    csv_path = tmp_path / "attributes.csv"
    debug = companion.run("--debug", "oro", "check", JOB, "--attributes-csv", str(csv_path))
    assert debug.exit_code == 3, debug.output
    assert "DEBUG pimsync.http: POST " in debug.stderr  # the token requests were logged
    assert not any(s in csv_path.read_text(encoding="utf-8") for s in companion.secrets)
    companion.admin_imports(csv_path.read_text(encoding="utf-8"))
    assert companion.run("--debug", "oro", "apply", JOB).exit_code == 0
    listed = companion.run("connections", "list")
    assert "client_secret: set" in listed.stdout
    exported = companion.run("config", "export")
    assert exported.exit_code == 0

    # Oro refuses a wrong client secret: the error names neither the wrong secret nor
    # the right one, not even with --debug's traceback.
    wrong = "wrong-oro-secret-1e9d"
    assert companion.add_shop(wrong, replace=True).exit_code == 0
    for args in (("oro", "check", JOB), ("oro", "apply", JOB), ("mapping", "preview", JOB, "x")):
        refused = companion.run(*args)
        assert refused.exit_code == 3, args
        assert one_error_line(refused).startswith(
            f"error: authentication failed for {companion.shop_url}"
        )
        assert wrong not in refused.output
    traced = companion.run("--debug", "oro", "apply", JOB)
    assert traced.exit_code == 3
    assert "Traceback" in traced.stderr
    assert wrong not in traced.output
    assert ORO.client_secret not in "".join(r.output for r in companion.results)

    # Akeneo refuses a wrong password: the same.
    assert companion.add_shop(ORO.client_secret, replace=True).exit_code == 0
    wrong_password = "wrong-akeneo-password-77c1"
    added = companion.add_pim(AKENEO.secret, wrong_password, replace=True)
    assert added.exit_code == 0
    refused = companion.run("--debug", "oro", "check", JOB)
    assert refused.exit_code == 3
    assert f"error: authentication failed for {companion.pim_url}" in refused.stderr
    assert wrong_password not in refused.output
