"""Permissions: the config section, the tree criterion and the value trim."""

from __future__ import annotations

import pytest

from pimsync.catalogs import Permissions, PermittedValues, check_permissions, tree_criterion
from pimsync.config import parse_project
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoAttribute, AkeneoMetadata
from pimsync.model import ProductValue, Values

METADATA = AkeneoMetadata(
    attributes={
        "sku": AkeneoAttribute("sku", "pim_catalog_identifier", group="erp"),
        "name": AkeneoAttribute("name", "pim_catalog_text", localizable=True, group="marketing"),
        "weight": AkeneoAttribute("weight", "pim_catalog_metric", group="technical"),
    },
    categories={"master": None, "shoes": "master", "boots": "shoes", "sales": None},
    locales=("en_US", "fr_FR"),
)
VALUES = Values.of(
    [
        ProductValue(attribute="sku", data="A-1"),
        ProductValue(attribute="name", locale="en_US", data="Boot"),
        ProductValue(attribute="name", locale="fr_FR", data="Botte"),
        ProductValue(attribute="weight", data="1"),
    ]
)


def _keys(values: Values) -> set[tuple[str, str | None]]:
    return {(v.attribute, v.locale) for v in values}


def test_the_section_needs_a_defined_connection_and_known_keys() -> None:
    base = {"connections": {"shop": {"kind": "oro"}}}
    parsed = parse_project({**base, "permissions": {"shop": {"locales": ["en_US"]}}}, "f")
    assert parsed.permissions["shop"] == Permissions(locales=("en_US",))

    with pytest.raises(ConfigError, match="'web' is not a defined connection"):
        parse_project({**base, "permissions": {"web": {}}}, "f")
    with pytest.raises(ConfigError, match=r"permissions\.shop\.channels"):
        parse_project({**base, "permissions": {"shop": {"channels": ["x"]}}}, "f")


def test_a_tree_means_its_categories_or_unclassified() -> None:
    assert tree_criterion(Permissions(), METADATA) is None
    criterion = tree_criterion(Permissions(category_trees=("master",)), METADATA)
    assert criterion is not None
    assert (criterion.operator, set(criterion.value)) == (
        "IN OR UNCLASSIFIED",
        {"master", "shoes", "boots"},
    )
    none = tree_criterion(Permissions(category_trees=()), METADATA)
    assert none is not None and none.operator == "UNCLASSIFIED"


def test_unknown_codes_are_named() -> None:
    wrong = Permissions(
        category_trees=("boots", "garden"), locales=("de_DE",), attribute_groups=("x",)
    )
    with pytest.raises(ConfigError) as refused:
        check_permissions(wrong, METADATA, ["erp"])
    for named in ("'boots'", "'garden'", "'de_DE'", "'x'"):
        assert named in str(refused.value)


def test_values_of_other_locales_and_groups_are_removed_but_never_the_sku() -> None:
    def kept(permissions: Permissions) -> set[tuple[str, str | None]]:
        return _keys(PermittedValues(permissions, METADATA).values(VALUES))

    assert kept(Permissions()) == _keys(VALUES)
    assert kept(Permissions(locales=("en_US",))) == _keys(VALUES) - {("name", "fr_FR")}
    assert kept(Permissions(locales=())) == {("sku", None), ("weight", None)}
    assert kept(Permissions(attribute_groups=("marketing",))) == {
        ("sku", None),
        ("name", "en_US"),
        ("name", "fr_FR"),
    }
    assert kept(Permissions(attribute_groups=())) == {("sku", None)}
