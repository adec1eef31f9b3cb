"""The oro.products flow end to end: Akeneo sandbox → engine → Oro sandbox, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.jobs import JobEngine, JobSpec, Mode, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.state import create_state_engine, upgrade

PRODUCTS = 60


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[tuple[AkeneoSandbox, OroSandbox, JobSpec, Engine]]:
    pim, shop = AkeneoSandbox.demo(products=PRODUCTS), OroSandbox()
    with serve_akeneo(pim) as pim_url, serve_oro(shop) as shop_url:
        pc, sc = pim.credentials, shop.credentials
        source = Endpoint(
            "pim",
            "akeneo",
            parse_settings(
                "pim",
                get_kind("akeneo"),
                {"url": pim_url, "client_id": pc.client_id, "username": pc.username},
            ),
            {"secret": SecretStr(pc.secret), "password": SecretStr(pc.password)},
        )
        destination = Endpoint(
            "shop",
            "oro",
            parse_settings("shop", get_kind("oro"), {"url": shop_url, "client_id": sc.client_id}),
            {"client_secret": SecretStr(sc.client_secret)},
        )
        config = JobConfig(
            flow="oro.products",
            source="pim",
            destination="shop",
            options={"localizations": {"fr_FR": "2", "de_DE": "3"}},
        )
        flow = get_flow("oro.products")
        streams = flow.build(FlowContext("publish", config, source, destination, ProjectConfig()))
        db = create_state_engine(f"sqlite:///{tmp_path / 'state.db'}")
        upgrade(db)
        yield pim, shop, JobSpec(name="publish", streams=streams, batch_size=25), db
        db.dispose()


def writes(shop: OroSandbox) -> int:
    return sum(n for path, n in shop.requests.items() if path.startswith("/admin/api/products"))


def test_publish_then_nothing_then_changes_then_a_deletion(
    systems: tuple[AkeneoSandbox, OroSandbox, JobSpec, Engine],
) -> None:
    pim, shop, job, db = systems
    engine = JobEngine(db)

    first = engine.run(job, Mode.FULL)
    assert first.status is RunStatus.SUCCEEDED, first.error
    assert shop.count("products") == PRODUCTS
    sku = pim.store.identifier_order()[0]
    stored = next(p for p in shop.products() if p["attributes"]["sku"] == sku)
    names = shop.product_names(stored["id"])
    source = pim.store.product(sku)
    assert source is not None
    expected = {v["locale"]: v["data"] for v in source["values"]["name"]}
    assert names[None] == expected["en_US"]
    assert names["2"] == expected["fr_FR"]

    before = writes(shop)
    again = engine.run(job, Mode.FULL)
    assert again.streams["products"].unchanged == PRODUCTS
    assert writes(shop) == before  # a re-run sends nothing to Oro

    changed = pim.store.identifier_order()[10:15]
    for key in changed:
        current = pim.store.product(key)
        assert current is not None
        renamed = [{**v, "data": v["data"] + " 2027"} for v in current["values"]["name"]]
        pim.update_product(key, {"values": {"name": renamed}})
    diff = engine.run(job, Mode.DIFF)
    assert diff.streams["products"].updated == 5
    assert diff.streams["products"].extracted == 5

    gone = pim.store.identifier_order()[-1]
    pim.delete_product(gone)
    last = engine.run(job, Mode.FULL)
    assert last.streams["products"].disabled == 1
    disabled = next(p for p in shop.products() if p["attributes"]["sku"] == gone)
    assert disabled["attributes"]["status"] == "disabled"
