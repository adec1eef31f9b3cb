"""``oro.products`` reading through an Akeneo catalog (``akeneo_catalog``), over HTTP.

The connection is an activated App; a PIM user (the sandbox's ``catalogs_api``)
configures and enables the catalog. What Oro should hold is computed from the Akeneo
sandbox's raw records, never from what pimsync read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.akeneo import CATALOG_READS, scopes_for
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, JobSpec, Mode, RunReport, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from tests.flows._oro_systems import Systems, oro_systems
from tests.sandbox._apps import CALLBACK, app_token

PRODUCTS = 60
FAMILIES = ["chairs", "shoes", "tshirts"]
CRITERIA = [
    {"field": "enabled", "operator": "=", "value": True},
    {"field": "family", "operator": "IN", "value": FAMILIES},
]


@dataclasses.dataclass
class AppSystems:
    s: Systems
    app_source: Endpoint
    catalog_id: str


@pytest.fixture
def a(tmp_path: Path) -> Iterator[AppSystems]:
    with oro_systems(tmp_path, products=PRODUCTS) as s:
        s.run("oro.structure", "structure")
        s.admin_imports_attributes()
        ready = s.run("oro.structure", "structure")
        assert ready.status is RunStatus.SUCCEEDED, ready.error
        pim_url = str(s.source.settings.url).rstrip("/")
        app = s.pim.register_app(CALLBACK)
        token = app_token(pim_url, app, scopes_for(["oro.products", CATALOG_READS]))
        source = Endpoint(
            "pim",
            "akeneo",
            parse_settings(
                "pim",
                get_kind("akeneo"),
                {
                    "url": pim_url,
                    "app_client_id": app.client_id,
                    "app_scopes": " ".join(token.scopes),
                },
            ),
            {"app_client_secret": SecretStr(app.secret), "app_token": token.access_token},
        )
        catalog = s.pim.catalogs_api.create(app.client_id, "Web shop")
        yield AppSystems(s, source, catalog.id)


def _job(a: AppSystems, source: Endpoint | None = None, **options: Any) -> JobSpec:
    """The products job as the local runner builds it, with the run notes."""
    config = JobConfig(
        flow="oro.products",
        source="pim",
        destination="shop",
        options={**a.s.options, "akeneo_catalog": a.catalog_id, **options},
    )
    project = ProjectConfig.model_construct(
        connections={}, jobs={"products": config}, mappings={}, catalogs={}
    )
    context = FlowContext(
        "products", config, source or a.app_source, a.s.destination, project, a.s.db, a.s.home
    )
    streams = get_flow("oro.products").build(context)
    return JobSpec("products", streams, batch_size=40, notes=tuple(context.notes))


def _run(a: AppSystems, mode: Mode = Mode.FULL) -> RunReport:
    return JobEngine(a.s.db).run(_job(a), mode)


def _selected(a: AppSystems) -> set[str]:
    """SKUs of the enabled Akeneo products of the catalog's families, from the raw store."""
    return {
        p["identifier"]
        for p in a.s.pim.store.products.values()
        if p["family"] in FAMILIES and p["enabled"]
    }


def _oro_products(a: AppSystems) -> dict[str, str]:
    """Oro's simple products (not the configurable ones): SKU → status."""
    models = set(a.s.pim.store.product_models)
    return {
        r["attributes"]["sku"]: r["attributes"]["status"]
        for r in a.s.shop.store.all("products")
        if r["attributes"]["sku"] not in models
    }


def test_a_disabled_akeneo_catalog_reads_and_writes_nothing(a: AppSystems) -> None:
    before = a.s.writes()

    report = _run(a)

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert report.streams == {}
    assert a.s.writes() == before
    page = f"{a.app_source.settings.url}".rstrip("/") + f"/connect/apps/v1/catalogs/{a.catalog_id}"
    assert any("is disabled" in note and page in note for note in report.notes), report.notes


def test_the_catalog_products_then_a_leaver_is_disabled_by_a_differential_run(
    a: AppSystems,
) -> None:
    a.s.pim.catalogs_api.configure(a.catalog_id, criteria=CRITERIA, enabled=True)
    wanted = _selected(a)
    assert wanted and len(wanted) < PRODUCTS

    first = _run(a)

    assert first.status is RunStatus.SUCCEEDED, first.error
    assert _oro_products(a) == dict.fromkeys(wanted, "enabled")
    assert first.streams["products"].created == len(wanted)

    leaver, renamed = sorted(wanted)[:2]
    a.s.pim.update_product(leaver, {"family": "headphones"})  # out of the catalog
    raw = a.s.pim.store.product(renamed)
    assert raw is not None
    names = [{**v, "data": v["data"] + " 2027"} for v in raw["values"]["name"]]
    a.s.pim.update_product(renamed, {"values": {"name": names}})  # still in it

    diff = _run(a, Mode.DIFF)

    assert diff.status is RunStatus.SUCCEEDED, diff.error
    assert _oro_products(a) == {**dict.fromkeys(wanted, "enabled"), leaver: "disabled"}
    products = diff.streams["products"]
    assert (products.disabled, products.updated) == (1, 1)


def test_akeneo_catalog_with_a_hub_catalog_is_refused(a: AppSystems) -> None:
    with pytest.raises(ConfigError, match="set only one of them"):
        _job(a, catalog="web")


def test_akeneo_catalog_needs_an_app_token(a: AppSystems) -> None:
    with pytest.raises(ConfigError, match="needs an App token") as refused:
        _job(a, a.s.source)  # the password connection
    assert "pimsync connections activate pim" in str(refused.value)


def test_an_unknown_akeneo_catalog_names_its_id(a: AppSystems) -> None:
    a.catalog_id = "0b0f6c1c-7d66-4cbb-9d6a-1f5e1d9d0c11"
    with pytest.raises(ConfigError, match="akeneo_catalog") as refused:
        _job(a)
    assert a.catalog_id in str(refused.value)
