"""Akeneo attribute types → Oro field types, and which existing Oro fields fit."""

from __future__ import annotations

import pytest

from pimsync.connectors.oro.structure import (
    OroFieldType,
    Placement,
    compatible,
    field_name_problem,
    oro_target,
)

from ._structure import attribute

T = OroFieldType


@pytest.mark.parametrize(
    ("kind", "fields", "expected", "length"),
    [
        ("pim_catalog_text", {}, T.STRING, 255),
        ("pim_catalog_text", {"max_characters": 40}, T.STRING, 40),
        ("pim_catalog_text", {"max_characters": 1000}, T.TEXT, None),
        ("pim_catalog_textarea", {}, T.TEXT, None),
        ("pim_catalog_number", {}, T.INTEGER, None),
        ("pim_catalog_number", {"decimals_allowed": True}, T.FLOAT, None),
        ("pim_catalog_boolean", {}, T.BOOLEAN, None),
        ("pim_catalog_date", {}, T.DATE, None),
        ("pim_catalog_metric", {"metric_family": "Weight"}, T.FLOAT, None),
        ("pim_catalog_simpleselect", {}, T.ENUM, None),
        ("pim_catalog_multiselect", {}, T.MULTI_ENUM, None),
    ],
)
def test_akeneo_types_become_oro_field_types(
    kind: str, fields: dict[str, object], expected: OroFieldType, length: int | None
) -> None:
    target = oro_target(attribute("a", kind, **fields))
    assert target.placement is Placement.ATTRIBUTE
    assert target.type is expected
    assert target.length == length


def test_text_areas_can_become_wysiwyg() -> None:
    target = oro_target(attribute("a", "pim_catalog_textarea"), textarea=T.WYSIWYG)
    assert target.type is T.WYSIWYG


@pytest.mark.parametrize(
    ("kind", "placement"),
    [
        ("pim_catalog_identifier", Placement.SKU),
        ("pim_catalog_price_collection", Placement.PRICES),
        ("pim_catalog_image", Placement.IMAGES),
        ("pim_catalog_file", Placement.IMAGES),
        ("pim_catalog_table", Placement.UNSUPPORTED),
    ],
)
def test_some_akeneo_types_are_not_oro_attributes(kind: str, placement: Placement) -> None:
    target = oro_target(attribute("a", kind))
    assert target.placement is placement
    assert target.type is None


def test_existing_field_compatibility() -> None:
    assert compatible(T.STRING, "text")
    assert compatible(T.INTEGER, "bigint")
    assert compatible(T.FLOAT, "decimal")
    assert not compatible(T.FLOAT, "integer")  # decimals would be lost
    assert not compatible(T.ENUM, "multiEnum")
    assert not compatible(T.BOOLEAN, "string")


def test_field_names_follow_oro_rules() -> None:
    assert field_name_problem("color") is None
    assert field_name_problem("x" * 22) is None
    assert "22" in (field_name_problem("x" * 23) or "")
    assert field_name_problem("1color") is not None
    assert field_name_problem("col-or") is not None
    assert field_name_problem("names") == "is an Oro system field"
