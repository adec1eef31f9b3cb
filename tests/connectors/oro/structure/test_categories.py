"""Akeneo categories onto Oro: matching (stock Oro) and tree changes (companion config)."""

from __future__ import annotations

from pimsync.connectors.oro.structure import (
    CategoryAction,
    CategoryTitles,
    OroCategory,
    match_categories,
    plan_category_tree,
)

from ._structure import TREE, category

TITLES = CategoryTitles("en_US", {"fr_FR": "2"})
ORO = (
    OroCategory("1", None, {None: "All Products"}),
    OroCategory("2", "1", {None: "Audio"}),
    OroCategory("3", "1", {None: "VIDEO"}),
    OroCategory("4", "2", {None: "Headphones"}),
    OroCategory("5", "3", {None: "Headphones"}),
)


def test_explicit_mapping_wins_over_titles() -> None:
    match = match_categories(TREE, ORO, TITLES, {"audio": "3", "master": "1"})
    assert match.ids["audio"] == "3"
    assert match.ids["master"] == "1"


def test_titles_match_case_insensitively_and_parents_settle_ties() -> None:
    match = match_categories(TREE, ORO, TITLES)
    assert match.ids == {"audio": "2", "video": "3", "headphones": "4"}
    assert match.missing == ("master",)


def test_unmatched_and_ambiguous_categories_are_missing() -> None:
    tree = (*TREE, category("loose", "nowhere", "Headphones"), category("new", "master", "New"))
    match = match_categories(tree, ORO, TITLES, {"master": "99"})
    assert "loose" in match.missing  # two Oro "Headphones", no parent to choose by
    assert "new" in match.missing
    assert "master" in match.missing
    assert any("99" in w for w in match.warnings)
    assert any("several" in w for w in match.warnings)


def test_the_tree_is_planned_under_the_root_then_recognised() -> None:
    ids, changes = plan_category_tree(TREE, [OroCategory("1", None, {None: "All"})], "1", TITLES)
    assert ids == {"master": "1"}
    assert [(c.action, c.code, c.parent) for c in changes] == [
        (CategoryAction.CREATE, "audio", "master"),
        (CategoryAction.CREATE, "headphones", "audio"),  # parents before children
        (CategoryAction.CREATE, "video", "master"),
    ]
    assert changes[0].titles == {None: "Audio", "2": "Son"}
    existing = [
        OroCategory("1", None, {None: "All"}),
        OroCategory("10", "1", {None: "Audio", "2": "Son"}),
        OroCategory("11", "1", {None: "Video"}),
        OroCategory("12", "10", {None: "Headphones", "2": "Casques"}),
        OroCategory("13", "11", {None: "Old"}),
    ]
    ids, changes = plan_category_tree(TREE, existing, "1", TITLES)
    assert ids == {"master": "1", "audio": "10", "video": "11", "headphones": "12"}
    assert changes == []  # "Old" was made in Oro, not by pimsync: it stays
    ids, changes = plan_category_tree(TREE, existing, "1", TITLES, known={"gone": "13"})
    assert [(c.action, c.oro_id) for c in changes] == [(CategoryAction.DELETE, "13")]


def test_known_ids_keep_moved_and_renamed_categories() -> None:
    existing = [
        OroCategory("1", None, {None: "All"}),
        OroCategory("10", "1", {None: "Audio", "2": "Son"}),
        OroCategory("11", "1", {None: "Video"}),
        OroCategory("12", "10", {None: "Headphones", "2": "Casques"}),
    ]
    tree = (
        TREE[0],
        TREE[1],
        category("headphones", "video", "Earphones"),
        TREE[3],
    )
    ids, changes = plan_category_tree(tree, existing, "1", TITLES, known={"headphones": "12"})
    assert ids["headphones"] == "12"
    [change] = changes
    assert change.action is CategoryAction.UPDATE
    assert change.moved
    assert change.parent == "video"
    assert change.titles == {None: "Earphones"}
