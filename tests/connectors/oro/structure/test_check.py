"""The `pimsync oro check` report, built without the CLI."""

from __future__ import annotations

import csv
import io

from pimsync.connectors.oro.structure import (
    EnumOption,
    StructureSettings,
    plan_structure,
    structure_check_of,
)

from ._structure import SYSTEM, akeneo, field, oro


def test_missing_attributes_block_and_come_with_file_and_steps() -> None:
    settings = StructureSettings(attributes={"ean": "ean", "color": "color"})
    check = structure_check_of(plan_structure(akeneo(), oro(), settings), job="shop")
    assert check.blocked
    assert check.csv is not None
    names = [row["fieldName"] for row in csv.DictReader(io.StringIO(check.csv))]
    assert names == ["ean", "color"]
    text = "\n".join(check.lines())
    assert "blocking: attribute ean (string) does not exist in Oro" in text
    assert "pimsync oro check shop" in text
    assert "pimsync will create: price list 'Akeneo EUR' (EUR)" in text
    assert "missing: Oro category for master" in text
    assert text.endswith("blocked: a product run would fail")


def test_what_pimsync_creates_itself_does_not_block() -> None:
    meta = oro(product_fields={**SYSTEM, "color": field("color", "enum", enum_type="colors")})
    settings = StructureSettings(attributes={"color": "color"})
    plan = plan_structure(akeneo(), meta, settings, {"color": [EnumOption("red", "Red")]})
    check = structure_check_of(plan)
    assert not check.blocked
    assert check.csv is None
    assert check.steps == []
    assert any("option(s) of color: dark_blue" in line for line in check.lines())
    assert check.lines()[-1] == "ok: nothing blocks"


def test_the_companion_config_ships_as_package_data() -> None:
    from pimsync.connectors.oro.structure import companion_api_config

    text = companion_api_config()
    assert "Oro\\Bundle\\CatalogBundle\\Entity\\Category:" in text
    for action in ("create:", "update:", "delete:"):
        assert action in text


def test_the_oro_command_group_has_check_and_apply() -> None:
    from typer.testing import CliRunner

    from pimsync.cli._oro import oro_app
    from pimsync.cli._session import Session

    result = CliRunner().invoke(oro_app, ["check", "--help"], obj=Session())
    assert result.exit_code == 0
    assert "--attributes-csv" in result.output
    result = CliRunner().invoke(oro_app, ["apply", "--help"], obj=Session())
    assert result.exit_code == 0
