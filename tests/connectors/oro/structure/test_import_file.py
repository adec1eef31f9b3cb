"""The attribute import file: contract columns, one row per attribute, parsable."""

from __future__ import annotations

import csv
import io

from pimsync.connectors.oro.structure import (
    BASE_COLUMNS,
    StructureSettings,
    attribute_import_csv,
    checklist,
    plan_structure,
)

from ._structure import akeneo, oro

SETTINGS = StructureSettings(
    attributes={"ean": "ean", "color": "color", "sizes": "sizes", "stock": "stock"},
    attribute_family="shoes_family",
    attribute_group="akeneo",
)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_file_has_the_contract_columns_and_one_row_per_attribute() -> None:
    plan = plan_structure(akeneo(), oro(), SETTINGS)
    text = attribute_import_csv(plan.attributes_to_create)
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header[: len(BASE_COLUMNS)]) == BASE_COLUMNS
    assert header[len(BASE_COLUMNS) :] == [
        "enum.enum_options.0.label",
        "enum.enum_options.0.is_default",
        "enum.enum_options.1.label",
        "enum.enum_options.1.is_default",
    ]
    parsed = {row["fieldName"]: row for row in rows(text)}
    assert set(parsed) == {"ean", "color", "sizes", "stock"}
    assert all(None not in row and len(row) == len(header) for row in parsed.values())
    assert parsed["ean"]["type"] == "string"
    assert parsed["ean"]["extend.length"] == "13"
    assert parsed["ean"]["entity.label"] == "Ean"
    assert parsed["stock"]["type"] == "integer"
    assert parsed["stock"]["extend.length"] == ""
    assert parsed["color"]["type"] == "enum"
    assert parsed["color"]["enum.enum_options.0.label"] == "Red"
    assert parsed["color"]["enum.enum_options.1.label"] == "Dark Blue"
    assert parsed["color"]["enum.enum_options.1.is_default"] == "no"
    assert parsed["sizes"]["type"] == "multiEnum"
    for row in parsed.values():
        for column in ("attribute.searchable", "attribute.enabled", "frontend.is_displayable"):
            assert row[column] in ("yes", "no")


def test_labels_with_commas_and_quotes_survive() -> None:
    plan = plan_structure(akeneo(), oro(), SETTINGS)
    spec = plan.attributes_to_create[0]
    tricky = type(spec)(spec.field, spec.type, 'Size, "EU"', spec.akeneo_code)
    assert rows(attribute_import_csv([tricky]))[0]["entity.label"] == 'Size, "EU"'


def test_the_checklist_names_the_file_family_and_group() -> None:
    plan = plan_structure(akeneo(), oro(), SETTINGS)
    steps = checklist(plan, csv_path="attrs.csv", job="shop")
    assert len(steps) == 4
    assert "Products → Product Attributes → Import" in steps[0]
    assert "attrs.csv" in steps[0]
    assert "oro:entity-extend:update" in steps[1]
    assert "shoes_family" in steps[2]
    assert "'akeneo'" in steps[2]
    assert "pimsync oro check shop" in steps[3]


def test_nothing_to_import_means_no_steps() -> None:
    plan = plan_structure(akeneo(), oro(), StructureSettings())
    assert attribute_import_csv(plan.attributes_to_create).count("\n") == 1  # header only
    assert checklist(plan) == []
