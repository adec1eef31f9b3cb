"""Every row of Akeneo's Icecat demo catalog structure fits the model.

The fixtures are in Akeneo's flat CSV import format; ``_standard`` turns a row into the
REST (standard) format the model reads, the way the PIM itself does on import.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pimsync.model import (
    Attribute,
    AttributeType,
    Category,
    Channel,
    Family,
    FamilyVariant,
)

_LISTS = {
    "attributes",
    "allowed_extensions",
    "available_locales",
    "locales",
    "currencies",
}
_FLAGS = {"localizable", "scopable", "unique", "decimals_allowed", "negative_allowed"}


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def _standard(row: dict[str, str]) -> dict[str, Any]:
    """A flat CSV row in the REST format: labels, lists, flags and nulls."""
    raw: dict[str, Any] = {"labels": {}}
    for column, cell in row.items():
        if column.startswith("label-"):
            raw["labels"][column.removeprefix("label-")] = cell or None
        elif column in _LISTS:
            raw[column] = cell.split(",") if cell else []
        elif column in _FLAGS:
            raw[column] = cell == "1" if cell else None
        else:
            raw[column] = cell or None
    return raw


def test_every_family_parses(icecat):
    families = []
    for row in _rows(icecat, "families.csv"):
        raw = _standard(row)
        raw["attribute_requirements"] = {
            column.removeprefix("requirements-"): cell.split(",")
            for column, cell in row.items()
            if column.startswith("requirements-") and cell
        }
        families.append(Family.from_akeneo(raw))

    assert len(families) == 17
    for family in families:
        assert family.attribute_as_label in family.attributes
        assert set(family.requirements) == {"ecommerce", "mobile", "print"}
        for channel in family.requirements:
            assert set(family.required_attributes(channel)) <= set(family.attributes)


def test_every_category_parses_into_four_trees(icecat):
    categories = [Category.from_akeneo(_standard(row)) for row in _rows(icecat, "categories.csv")]
    codes = {category.code for category in categories}

    assert len(categories) == 168
    assert {c.code for c in categories if c.is_root} == {"master", "sales", "print", "suppliers"}
    assert all(c.parent in codes for c in categories if not c.is_root)


def test_every_attribute_parses_with_a_known_type(icecat):
    attributes = [Attribute.from_akeneo(_standard(row)) for row in _rows(icecat, "attributes.csv")]

    assert len(attributes) == 77
    assert all(isinstance(a.type, AttributeType) for a in attributes)
    assert [a.code for a in attributes if a.type is AttributeType.IDENTIFIER] == ["sku"]
    metrics = [a for a in attributes if a.type is AttributeType.METRIC]
    assert len(metrics) == 4
    assert all(a.metric_family and a.default_metric_unit for a in metrics)


def test_every_family_variant_parses(icecat):
    variants = []
    for row in _rows(icecat, "family_variants.csv"):
        raw = _standard(row)
        raw["variant_attribute_sets"] = [
            {
                "level": level,
                "axes": row[f"variant-axes_{level}"].split(","),
                "attributes": row[f"variant-attributes_{level}"].split(","),
            }
            for level in (1, 2)
            if row[f"variant-axes_{level}"]
        ]
        variants.append(FamilyVariant.from_akeneo(raw))

    assert len(variants) == 9
    for variant in variants:
        for attribute_set in variant.variant_attribute_sets:
            assert variant.level_of(attribute_set.axes[0]) == attribute_set.level


def test_every_channel_parses(icecat):
    channels = []
    for row in _rows(icecat, "channels.csv"):
        raw = _standard(row)
        raw["category_tree"] = raw.pop("tree")
        channels.append(Channel.from_akeneo(raw))

    assert {c.code for c in channels} == {"ecommerce", "mobile", "print"}
    assert all(c.currencies == ("EUR", "USD") and c.category_tree == "master" for c in channels)
