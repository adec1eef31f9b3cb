"""``[permissions.shop]`` on the ``oro.products`` job: both sandboxes over HTTP.

What Oro should hold is computed here from the Akeneo sandbox's raw records (categories,
category parents, values, attribute groups), never from what pimsync selected or mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pimsync.catalogs import Permissions
from pimsync.config import CatalogConfig, JobConfig, ProjectConfig
from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, JobSpec, Mode, RunReport, RunStatus
from pimsync.runners.flows import FlowContext, get_flow
from tests.flows._oro_systems import Systems, oro_systems

FAMILIES = ["chairs", "shoes", "tshirts"]


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Systems]:
    with oro_systems(tmp_path, products=60) as systems:
        systems.run("oro.structure", "structure")
        systems.admin_imports_attributes()
        ready = systems.run("oro.structure", "structure")
        assert ready.status is RunStatus.SUCCEEDED, ready.error
        yield systems


def _job(s: Systems, permissions: Permissions, catalog: CatalogConfig | None = None) -> JobSpec:
    """The products job, built as the local runner builds it, with the shop's permissions."""
    options = {**s.options, **({"catalog": "web"} if catalog else {})}
    config = JobConfig(flow="oro.products", source="pim", destination="shop", options=options)
    project = ProjectConfig.model_construct(
        connections={},
        jobs={"products": config},
        mappings={},
        catalogs={"web": catalog} if catalog else {},
        permissions={"shop": permissions},
    )
    context = FlowContext("products", config, s.source, s.destination, project, s.db, s.home)
    return JobSpec("products", get_flow("oro.products").build(context), batch_size=40)


def _run(s: Systems, permissions: Permissions, catalog: CatalogConfig | None = None) -> RunReport:
    report = JobEngine(s.db).run(_job(s, permissions, catalog), Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error
    return report


def _tree(s: Systems, root: str) -> set[str]:
    """The codes of ``root``'s categories, by walking the raw parents."""
    parents = {code: c["parent"] for code, c in s.pim.store.categories.items()}

    def top(code: str) -> str:
        while parents[code] is not None:
            code = parents[code]
        return code

    return {code for code in parents if top(code) == root}


def _visible(s: Systems, trees: list[str]) -> tuple[set[str], set[str]]:
    """SKUs of the products and codes of the root models in one of ``trees`` or
    unclassified; a variant product also needs its root model to be."""
    codes = set().union(*(_tree(s, t) for t in trees))
    models_ = s.pim.store.product_models

    def seen(record: dict[str, Any]) -> bool:
        return not record["categories"] or bool(codes & set(record["categories"]))

    def root(code: str) -> dict[str, Any]:
        while models_[code]["parent"] is not None:
            code = models_[code]["parent"]
        return models_[code]

    products = {
        p["identifier"]
        for p in s.pim.store.products.values()
        if seen(p) and (p["parent"] is None or seen(root(p["parent"])))
    }
    models = {
        code for code, m in s.pim.store.product_models.items() if m["parent"] is None and seen(m)
    }
    return products, models


def _oro(s: Systems) -> dict[str, str]:
    """Oro's products: SKU → status."""
    return {r["attributes"]["sku"]: r["attributes"]["status"] for r in s.shop.store.all("products")}


def test_one_tree_then_none_sends_that_tree_then_disables_what_left(s: Systems) -> None:
    products, models = _visible(s, ["sales"])
    unclassified, _ = _visible(s, [])
    everything = {p["identifier"] for p in s.pim.store.products.values()}
    assert unclassified and products - unclassified and everything - products

    first = _run(s, Permissions(category_trees=("sales",)))

    assert set(_oro(s)) == products | models
    assert first.streams["products"].created == len(products)

    second = _run(s, Permissions(category_trees=()))  # no tree: the unclassified only

    left = products - unclassified
    status = {
        p["identifier"]: "enabled" if p["enabled"] else "disabled"
        for p in s.pim.store.products.values()
    }
    assert _oro(s) == {
        **dict.fromkeys(left | models, "disabled"),
        **{sku: status[sku] for sku in unclassified},
    }
    assert second.streams["products"].disabled == len(left)


def test_a_locale_restriction_leaves_out_the_other_locales_names(s: Systems) -> None:
    _run(s, Permissions(locales=("en_US",)))

    locs = {r["attributes"]["name"]: r["id"] for r in s.shop.store.all("localizations")}
    raw = next(p for p in s.pim.store.products.values() if p["family"] == "chairs")
    stored = s.shop.product_by_sku(raw["identifier"])
    assert stored is not None
    by_locale = {v["locale"]: v["data"] for v in raw["values"]["name"]}
    names = s.shop.product_names(stored["id"])
    assert names[None] == by_locale["en_US"]
    for locale in ("fr_FR", "de_DE"):
        assert by_locale[locale] not in names.values()
        assert names.get(locs[locale]) in (None, by_locale["en_US"])
    assert len(_oro(s)) == len(s.pim.store.products) + sum(
        1 for m in s.pim.store.product_models.values() if m["parent"] is None
    )


def test_an_attribute_group_left_out_leaves_out_its_mapped_attributes(s: Systems) -> None:
    groups = {a["group"] for a in s.pim.store.attributes.values()}
    technical = {code for code, a in s.pim.store.attributes.items() if a["group"] == "technical"}
    assert "weight" in technical  # mapped to Oro's weight_g
    catalog = CatalogConfig.model_validate(
        {
            "destination": "shop",
            "enabled": True,
            "criteria": [{"field": "family", "operator": "IN", "value": FAMILIES}],
        }
    )

    _run(s, Permissions(attribute_groups=tuple(sorted(groups - {"technical", "erp"}))), catalog)

    in_families = {
        p["identifier"] for p in s.pim.store.products.values() if p["family"] in FAMILIES
    }
    sent = {sku for sku in _oro(s) if sku not in s.pim.store.product_models}
    assert sent == in_families  # the SKU (group erp) survives: products are still sent
    raw = next(
        p
        for p in s.pim.store.products.values()
        if p["family"] == "chairs" and p["values"].get("weight") and p["values"].get("eco_label")
    )
    stored = s.shop.product_by_sku(raw["identifier"])
    assert stored is not None
    assert stored["attributes"].get("weight_g") is None
    assert stored["attributes"].get("eco_label") == raw["values"]["eco_label"][0]["data"]


@pytest.mark.parametrize(
    ("permissions", "named"),
    [
        (Permissions(category_trees=("garden",)), "unknown category tree 'garden'"),
        (Permissions(category_trees=("clothing",)), "not the root of a tree"),
        (Permissions(locales=("xx_XX",)), "locale 'xx_XX'"),
        (Permissions(attribute_groups=("legal",)), "unknown attribute group 'legal'"),
    ],
)
def test_permissions_naming_what_akeneo_lacks_refuse_the_run(
    s: Systems, permissions: Permissions, named: str
) -> None:
    before = s.writes()

    with pytest.raises(ConfigError, match=named) as refused:
        _job(s, permissions)

    assert "permissions 'shop'" in str(refused.value)
    assert s.writes() == before
    assert _oro(s) == {}
