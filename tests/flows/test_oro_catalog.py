"""A hub catalog on the ``oro.products`` job: both sandboxes over HTTP.

What Oro should hold is computed here from the Akeneo sandbox's raw records (family,
status, values), never from what pimsync selected or mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pimsync.config import CatalogConfig, JobConfig, ProjectConfig
from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, JobSpec, Mode, RunReport, RunStatus
from pimsync.runners.flows import FlowContext, get_flow
from tests.flows._oro_systems import Systems, oro_systems

PRODUCTS = 60
FAMILIES = ["chairs", "shoes", "tshirts"]


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Systems]:
    with oro_systems(tmp_path, products=PRODUCTS) as systems:
        first = systems.run("oro.structure", "structure")
        assert first.status is RunStatus.PARTIAL  # Oro lacks the mapped attributes
        systems.admin_imports_attributes()
        ready = systems.run("oro.structure", "structure")
        assert ready.status is RunStatus.SUCCEEDED, ready.error
        yield systems


def _catalog(*criteria: dict[str, Any], enabled: bool = True, **filters: Any) -> CatalogConfig:
    return CatalogConfig.model_validate(
        {
            "destination": "shop",
            "enabled": enabled,
            "criteria": list(criteria),
            "value_filters": filters,
        }
    )


def _job(s: Systems, catalog: CatalogConfig) -> JobSpec:
    """The products job with ``catalog = "web"``, built as the local runner builds it."""
    config = JobConfig(
        flow="oro.products",
        source="pim",
        destination="shop",
        options={**s.options, "catalog": "web"},
    )
    project = ProjectConfig.model_construct(
        connections={}, jobs={"products": config}, mappings={}, catalogs={"web": catalog}
    )
    context = FlowContext("products", config, s.source, s.destination, project, s.db, s.home)
    streams = get_flow("oro.products").build(context)
    return JobSpec("products", streams, batch_size=40, notes=tuple(context.notes))


def _run(s: Systems, catalog: CatalogConfig, mode: Mode = Mode.FULL) -> RunReport:
    return JobEngine(s.db).run(_job(s, catalog), mode)


def _in_families(s: Systems, families: list[str]) -> set[str]:
    """SKUs of the enabled Akeneo products of ``families``, from the raw store."""
    return {
        p["identifier"]
        for p in s.pim.store.products.values()
        if p["family"] in families and p["enabled"]
    }


def _models(s: Systems, families: list[str]) -> set[str]:
    return {
        code
        for code, m in s.pim.store.product_models.items()
        if m["parent"] is None and m["family"] in families
    }


def _oro(s: Systems) -> dict[str, str]:
    """Oro's products: SKU → status."""
    return {r["attributes"]["sku"]: r["attributes"]["status"] for r in s.shop.store.all("products")}


FAMILY = {"field": "family", "operator": "IN", "value": FAMILIES}
ENABLED = {"field": "enabled", "operator": "=", "value": True}


def test_a_disabled_catalog_reads_and_writes_nothing(s: Systems) -> None:
    before = s.writes()

    report = _run(s, _catalog(FAMILY, ENABLED, enabled=False))

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert report.streams == {}
    assert s.writes() == before
    assert _oro(s) == {}
    assert any("catalog 'web' is disabled" in note for note in report.notes), report.notes


def test_only_the_catalog_products_then_a_family_leaves_and_is_disabled(s: Systems) -> None:
    wanted = _in_families(s, FAMILIES)
    everything = {p["identifier"] for p in s.pim.store.products.values()}
    assert wanted and everything - wanted  # the catalog leaves some products out
    all_models = set(s.pim.store.product_models)

    first = _run(s, _catalog(FAMILY, ENABLED))

    assert first.status is RunStatus.SUCCEEDED, first.error
    oro = _oro(s)
    assert {sku for sku in oro if sku not in all_models} == wanted
    assert {sku for sku in oro if sku in all_models} == _models(s, FAMILIES)
    assert set(oro.values()) == {"enabled"}
    assert first.streams["products"].created == len(wanted)

    again = _run(s, _catalog(FAMILY, ENABLED))  # nothing changed: nothing written
    assert again.totals().writes == 0

    kept = ["chairs", "tshirts"]
    narrower = _catalog({**FAMILY, "value": kept}, ENABLED)
    second = _run(s, narrower)

    assert second.status is RunStatus.SUCCEEDED, second.error
    oro = _oro(s)
    gone = wanted - _in_families(s, kept)
    gone_models = _models(s, FAMILIES) - _models(s, kept)
    assert gone and gone_models
    assert {sku for sku, status in oro.items() if status == "disabled"} == gone | gone_models
    assert {sku for sku, status in oro.items() if status == "enabled"} == (
        _in_families(s, kept) | _models(s, kept)
    )
    assert second.streams["products"].disabled == len(gone)


def test_a_differential_run_disables_products_that_left_pushed_down_criteria(
    s: Systems,
) -> None:
    kept = ["chairs", "laptops"]
    places = {
        "field": "categories",
        "operator": "IN CHILDREN",
        "value": ["furniture", "electronics"],
    }
    catalog = _catalog({**FAMILY, "value": kept}, places, ENABLED)
    first = _run(s, catalog)
    assert first.status is RunStatus.SUCCEEDED, first.error
    places_ = s.pim.store.descendants("furniture") | s.pim.store.descendants("electronics")
    selected = {
        p["identifier"]
        for p in s.pim.store.products.values()
        if p["family"] in kept and p["enabled"] and not places_.isdisjoint(p["categories"])
    }
    assert {sku for sku, st in _oro(s).items() if st == "enabled"} == selected
    chairs = sorted(_in_families(s, ["chairs"]) & selected)
    laptops = sorted(_in_families(s, ["laptops"]) & selected)

    mover, renamed = chairs[0], chairs[1]
    s.pim.update_product(mover, {"categories": ["sales_clearance"]})  # out of the categories
    s.pim.update_product(laptops[0], {"family": "headphones"})  # out of the families
    s.pim.update_product(laptops[1], {"enabled": False})  # fails the status criterion
    raw = s.pim.store.product(renamed)
    assert raw is not None
    names = [{**v, "data": v["data"] + " 2027"} for v in raw["values"]["name"]]
    s.pim.update_product(renamed, {"values": {"name": names}})  # still selected
    outside = sorted(_in_families(s, ["headphones"]) - {laptops[0]})[0]
    s.pim.update_product(outside, {"categories": ["master"]})  # never selected
    before = _oro(s)

    diff = _run(s, catalog, Mode.DIFF)

    assert diff.status is RunStatus.SUCCEEDED, diff.error
    oro = _oro(s)
    left = {mover, laptops[0], laptops[1]}
    assert {sku for sku, st in oro.items() if st == "disabled"} == left
    assert {sku for sku, st in oro.items() if st == "enabled"} == selected - left
    assert {sku: st for sku, st in oro.items() if sku not in left} == {
        sku: st for sku, st in before.items() if sku not in left
    }
    assert outside not in oro
    products = diff.streams["products"]
    assert (products.extracted, products.disabled, products.updated) == (5, 3, 1)

    again = _run(s, catalog, Mode.DIFF)  # the leavers are not disabled twice
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert again.streams["products"].disabled == 0


def test_value_filters_trim_values_before_mapping(s: Systems) -> None:
    report = _run(s, _catalog(FAMILY, ENABLED, locales=["en_US"]))

    assert report.status is RunStatus.SUCCEEDED, report.error
    locs = {r["attributes"]["name"]: r["id"] for r in s.shop.store.all("localizations")}
    sku = sorted(_in_families(s, ["chairs"]))[0]
    stored = s.shop.product_by_sku(sku)
    assert stored is not None
    raw = s.pim.store.product(sku)
    assert raw is not None
    english = next(v["data"] for v in raw["values"]["name"] if v["locale"] == "en_US")
    french = next(v["data"] for v in raw["values"]["name"] if v["locale"] == "fr_FR")
    names = s.shop.product_names(stored["id"])
    assert names[None] == english
    assert french not in names.values()
    assert locs["fr_FR"] not in names or names[locs["fr_FR"]] in (None, english)


@pytest.mark.parametrize(
    ("criterion", "named"),
    [
        ({"field": "material", "operator": "IN", "value": ["oak"]}, "unknown attribute 'material'"),
        (
            {"field": "color", "operator": "IN", "value": ["white", "mauve"]},
            "unknown option of 'color' 'mauve'",
        ),
    ],
)
def test_a_catalog_naming_what_akeneo_lacks_refuses_the_run(
    s: Systems, criterion: dict[str, Any], named: str
) -> None:
    before = s.writes()

    with pytest.raises(ConfigError, match=named) as refused:
        _job(s, _catalog(FAMILY, criterion))

    assert "catalog 'web'" in str(refused.value)
    assert s.writes() == before
    assert _oro(s) == {}
