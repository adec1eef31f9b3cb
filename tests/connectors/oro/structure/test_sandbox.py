"""The structure side against the Oro sandbox, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pimsync.connectors.oro import OroClient, OroCredentials
from pimsync.connectors.oro.structure import (
    CategoryTitles,
    OroMetadata,
    StructureSettings,
    apply_category_changes,
    apply_structure,
    attribute_import_csv,
    plan_category_tree,
    plan_structure,
    read_categories,
    read_enum_options,
    read_oro_metadata,
)

from ._structure import TREE, akeneo

sandbox = pytest.importorskip("pimsync.sandbox.oro")

TITLES = CategoryTitles("en_US", {"fr_FR": "2"})


def has_admin_side() -> bool:
    """Whether the sandbox emulates entitystructures and the attribute import (§1, §3)."""
    sb = sandbox.OroSandbox()
    return "entitystructures" in sb.types and all(
        hasattr(sb, name) for name in ("import_attributes", "update_schema", "add_to_family")
    )


needs_admin_side = pytest.mark.skipif(
    not has_admin_side(),
    reason="the Oro sandbox has no entitystructures / import_attributes / update_schema yet",
)


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Any, OroClient]]:
    companion = getattr(request, "param", False)
    sb = sandbox.OroSandbox(companion_categories=companion)
    with sandbox.serve(sb) as url:
        c = sb.credentials
        with OroClient(
            url, OroCredentials.of(c.client_id, c.client_secret), sleep=lambda _: None
        ) as client:
            yield sb, client


def sync_tree(client: OroClient, tree: Any, root: str, known: dict[str, str]) -> dict[str, str]:
    ids, changes = plan_category_tree(tree, read_categories(client), root, TITLES, known=known)
    result, _done, failed = apply_category_changes(client, changes, ids, root)
    assert failed == []
    return result


@pytest.mark.parametrize("served", [True], indirect=True)
def test_the_category_tree_is_created_once_and_kept_in_step(
    served: tuple[Any, OroClient],
) -> None:
    sb, client = served
    assert client.categories_writable()
    before = sb.count("categories")  # Oro's own categories under the root stay
    ids = sync_tree(client, TREE, "1", {})
    assert sb.count("categories") == before + 3
    assert ids["master"] == "1"
    by_id = {c.id: c for c in read_categories(client)}
    assert by_id[ids["headphones"]].parent == ids["audio"]
    assert by_id[ids["audio"]].titles == {None: "Audio", "2": "Son"}

    again = sync_tree(client, TREE, "1", ids)  # idempotent: same ids, nothing written
    assert again == ids
    assert sb.count("categories") == before + 3
    _, changes = plan_category_tree(TREE, read_categories(client), "1", TITLES, known=ids)
    assert changes == []

    moved = (
        TREE[0],
        TREE[1],
        TREE[3],
        type(TREE[2])(code="headphones", parent="video", labels={"en_US": "Earphones"}),
    )
    after = sync_tree(client, moved, "1", ids)
    assert after["headphones"] == ids["headphones"]
    by_id = {c.id: c for c in read_categories(client)}
    assert by_id[ids["headphones"]].parent == ids["video"]
    assert by_id[ids["headphones"]].title == "Earphones"

    smaller = (TREE[0], TREE[1])
    sync_tree(client, smaller, "1", after)
    left = {c.id for c in read_categories(client)}
    assert ids["audio"] in left
    assert ids["video"] not in left
    assert ids["headphones"] not in left


def test_stock_oro_categories_are_read_only_and_matched_by_title(
    served: tuple[Any, OroClient],
) -> None:
    sb, client = served
    assert not client.categories_writable()
    before = sb.count("categories")
    meta = OroMetadata(
        product_fields={},
        categories=tuple(read_categories(client)),
        families={"default_family": "1"},
        categories_writable=False,
    )
    tree = (
        *TREE[:1],
        type(TREE[0])(code="printers", parent="master", labels={"en_US": "PRINTERS"}),
    )
    plan = plan_structure(
        akeneo(categories=tree), meta, StructureSettings(categories={"master": "1"})
    )
    result = apply_structure(client, plan)
    assert result.categories == {"master": "1", "printers": "3"}
    assert result.missing_categories == []
    plan = plan_structure(akeneo(), meta, StructureSettings())
    result = apply_structure(client, plan)
    assert set(result.missing_categories) == {"master", "audio", "headphones", "video"}
    assert sb.count("categories") == before


def test_price_lists_are_created_per_currency_once(served: tuple[Any, OroClient]) -> None:
    sb, client = served
    before = sb.count("pricelists")
    meta = OroMetadata(product_fields={}, families={"default_family": "1"})
    plan = plan_structure(akeneo(categories=()), meta, StructureSettings())
    result = apply_structure(client, plan)
    assert set(result.price_lists) == {"EUR", "USD"}
    assert sb.count("pricelists") == before + 2
    stored = sb.get("pricelists", result.price_lists["EUR"])
    assert stored["attributes"]["name"] == "Akeneo EUR"
    assert stored["attributes"]["priceListCurrencies"] == ["EUR"]
    again = plan_structure(akeneo(categories=()), read_oro_metadata(client), StructureSettings())
    assert again.price_lists == result.price_lists
    assert again.price_lists_to_create == {}


@needs_admin_side
def test_the_metadata_reader_sees_what_oro_has(served: tuple[Any, OroClient]) -> None:
    _, client = served
    meta = read_oro_metadata(client)
    assert {"sku", "names", "attributeFamily", "category"} <= set(meta.product_fields)
    assert not meta.product_fields["sku"].is_custom
    assert meta.localization_by_name()["fr_FR"] == "2"
    assert meta.families == {"default_family": "1"}
    assert [(p.name, p.currencies) for p in meta.price_lists] == [("Default Price List", ("USD",))]
    assert {c.title for c in meta.categories} >= {"All Products", "Printers"}
    assert not meta.categories_writable


@needs_admin_side
def test_imported_attributes_leave_nothing_missing(served: tuple[Any, OroClient]) -> None:
    sb, client = served
    settings = StructureSettings(
        attributes={"ean": "ean", "stock": "stock", "color": "color", "sizes": "sizes"}
    )
    structure = akeneo(categories=())
    plan = plan_structure(structure, read_oro_metadata(client), settings)
    assert {a.field for a in plan.attributes_to_create} == {"ean", "stock", "color", "sizes"}
    imported = sb.import_attributes(attribute_import_csv(plan.attributes_to_create))
    assert set(imported) == {"ean", "stock", "color", "sizes"}
    pending = plan_structure(structure, read_oro_metadata(client), settings)
    assert len(pending.attributes_to_create) == 4  # not in the API before the schema update
    sb.update_schema()
    sb.add_to_family("default_family", imported)
    meta = read_oro_metadata(client)
    options = {
        name: read_enum_options(client, meta.product_fields[name].enum_type or "")
        for name in ("color", "sizes")
    }
    plan = plan_structure(structure, meta, settings, options)
    assert plan.attributes_to_create == []
    assert plan.errors == []
    assert plan.options_to_create == {}
    assert plan.enum_options["color"] == {"red": "red", "dark_blue": "dark_blue"}
    assert plan.blockers == []


@needs_admin_side
def test_missing_enum_options_are_created_through_the_api(served: tuple[Any, OroClient]) -> None:
    sb, client = served
    settings = StructureSettings(attributes={"color": "color"})
    structure = akeneo(categories=())
    plan = plan_structure(structure, read_oro_metadata(client), settings)
    sb.import_attributes(attribute_import_csv(plan.attributes_to_create))
    sb.update_schema()
    more = {
        **structure.options,
        "color": (
            *structure.options["color"],
            type(structure.options["color"][0])(
                code="green", attribute="color", labels={"en_US": "Green"}
            ),
        ),
    }
    structure = akeneo(categories=(), options=more)
    meta = read_oro_metadata(client)
    enum_type = meta.product_fields["color"].enum_type
    assert enum_type is not None
    plan = plan_structure(
        structure, meta, settings, {"color": read_enum_options(client, enum_type)}
    )
    assert [o.id for o in plan.options_to_create["color"]] == ["green"]
    result = apply_structure(client, plan)
    assert result.enum_options["color"]["green"] == "green"
    assert "green" in {o.id for o in read_enum_options(client, enum_type)}
