"""The SFCC jobs end to end: the Akeneo sandbox read over HTTP, import files validated
against SFCC's XSDs and delivered to the SFCC sandbox, which imports them. Expected
contents come from the Akeneo sandbox's raw store, not from pimsync's mapping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.errors import JobLocked
from pimsync.jobs import DeletionPolicy, JobEngine, JobSpec, Mode, RunReport, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.sfcc import SfccSandbox
from pimsync.sandbox.sfcc import serve as serve_sfcc
from pimsync.state import create_state_engine, upgrade
from pimsync.state._locks import JobLock

XSD = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "sfcc" / "xsd"
).resolve()
MASTER, STOREFRONT = "akeneo-master", "akeneo-storefront"
# The connector's full jobs in the order its documentation gives (job 6: more in
# test_sfcc_refinements.py).
CHAIN = [
    ("1-import-attributes", "sfcc.import-attributes"),
    ("2-2-full-import-media-assets-pricebook", "sfcc.full-import-media-assets-pricebook"),
    ("3-2-1-full-import-master", "sfcc.full-import-master"),
    ("3-2-2-full-import-master-variation", "sfcc.full-import-master-variation"),
    ("3-2-3-full-master-image", "sfcc.full-master-image"),
    ("3-2-4-full-import-storefront", "sfcc.full-import-storefront"),
    ("4-entity-import", "sfcc.entity-import"),
    ("5-entity-record-grouping", "sfcc.entity-record-grouping"),
    ("6-save-catalog-refinements", "sfcc.save-catalog-refinements"),
]


@dataclass
class Systems:
    pim: AkeneoSandbox
    shop: SfccSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine
    home: Path

    def job(self, name: str, flow: str, **options: Any) -> JobSpec:
        config = JobConfig(flow=flow, source="pim", destination="shop", options=options)
        context = FlowContext(
            name, config, self.source, self.destination, ProjectConfig(), self.db, self.home
        )
        streams = get_flow(flow).build(context)
        return JobSpec(
            name=name,
            streams=streams,
            batch_size=25,
            deletion_policy=DeletionPolicy.DELETE,
            notes=tuple(context.notes),
            mode=context.overrides.get("mode"),
            exclusive_group=context.overrides.get("exclusive_group"),
            state_key=context.overrides.get("state_key"),
        )

    def run(self, name: str, flow: str, mode: Mode = Mode.DIFF) -> RunReport:
        report = JobEngine(self.db).run(self.job(name, flow), mode)
        assert report.status is RunStatus.SUCCEEDED, (name, report.error, report.notes)
        return report

    @property
    def store(self) -> Any:
        return self.pim.store


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[Systems]:
    if not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC XSDs not found under {XSD}")
    pim = AkeneoSandbox.demo(products=60, seed=3, edition="enterprise")
    shop = SfccSandbox(xsd_folder=XSD, import_delay=0.02)
    with serve_akeneo(pim) as pim_url, serve_sfcc(shop) as shop_url:
        pc = pim.credentials
        source = Endpoint(
            "pim", "akeneo",
            parse_settings("pim", get_kind("akeneo"), {
                "url": pim_url, "client_id": pc.client_id, "username": pc.username,
            }),
            {"secret": SecretStr(pc.secret), "password": SecretStr(pc.password)},
        )  # fmt: skip
        destination = Endpoint(
            "shop", "sfcc",
            parse_settings("shop", get_kind("sfcc"), {
                "url": shop_url, "account_manager_url": shop_url,
                "client_id": shop.client.client_id, "xsd_folder": str(XSD),
                "poll_seconds": 0.02,
            }),
            {"client_secret": SecretStr(shop.client.client_secret)},
        )  # fmt: skip
        db = create_state_engine(f"sqlite:///{tmp_path / 'state.db'}")
        upgrade(db)
        try:
            yield Systems(pim, shop, source, destination, db, tmp_path)
        finally:
            db.dispose()


def roots_of(store: Any) -> dict[str, str]:
    """Every model code → its root model code."""
    models = store.product_models
    return {code: m.get("parent") or code for code, m in models.items()}


def test_the_chain_builds_the_catalog_and_differential_runs_follow_the_pim(
    systems: Systems,
) -> None:
    for name, flow in CHAIN:
        systems.run(name, flow)
    store, instance = systems.store, systems.shop.instance
    roots = roots_of(store)

    # Products: every simple product and variant, every root model as a master.
    products = {p["identifier"]: p for p in store.products.values()}
    expected_ids = set(products) | {
        c for c, m in store.product_models.items() if not m.get("parent")
    }
    held = set(instance.products(MASTER))
    assert expected_ids <= held
    # Masters list exactly their variants.
    for code in set(roots.values()):
        variants = {
            i for i, p in products.items() if p.get("parent") and roots[p["parent"]] == code
        }
        found = instance.product(MASTER, code)
        assert found is not None and {v.product_id for v in found.variants} == variants, code
    # Variation attributes: the family variant's axes, with exactly the variants' values.
    axes = {
        code: [a for level in variant.get("variant_attribute_sets", []) for a in level["axes"]]
        for variants in store.family_variants.values()
        for code, variant in variants.items()
    }
    for code, model in store.product_models.items():
        if model.get("parent"):
            continue
        found = instance.product(MASTER, code)
        assert found is not None
        got = {v.attribute_id: {x.value for x in v.values} for v in found.variation_attributes}
        children = [p for p in products.values() if p.get("parent") and roots[p["parent"]] == code]
        expected_axes = {
            f"akeneo_{axis}": {
                c["values"][axis][0]["data"] for c in children if axis in c["values"]
            }
            | {
                m["values"][axis][0]["data"]
                for m in store.product_models.values()
                if m.get("parent") == code and axis in m.get("values", {})
            }
            for axis in axes[model["family_variant"]]
        }
        assert got == expected_axes, code
    # Image groups: every product with a picture has one, with the media file's path.
    for identifier, raw in products.items():
        if raw["values"].get("picture"):
            found = instance.product(MASTER, identifier)
            assert found is not None and any(g.images for g in found.images), identifier
    # Prices per currency (the demo's "price" collection), for simple products and variants.
    for identifier, raw in products.items():
        for price in raw["values"].get("price", [{}])[0].get("data", []):
            book = f"{price['currency'].lower()}-list-prices"
            assert instance.price(book, identifier) == Decimal(price["amount"]), (identifier, book)
    # Every category in the storefront catalog; a simple product where Akeneo puts it.
    assert set(instance.categories(STOREFRONT)) == set(store.categories)
    simple = next(i for i, p in products.items() if not p.get("parent") and p["categories"])
    placed = {(a.product_id, a.category_id) for a in instance.assignments(STOREFRONT)}
    assert {(simple, c) for c in products[simple]["categories"]} <= placed
    # Custom attribute definitions, content assets of the reference entity records.
    assert instance.attribute_definition("Product", "akeneo_color") is not None
    records = (
        [(e, r) for e, rs in store.records.items() for r in rs] if hasattr(store, "records") else []
    )
    for entity, record in records[:3]:
        assert instance.content("akeneo-library", f"akeneo_entity_{entity}_{record}") is not None

    # Differential: 5 renamed products are the only ones sent again.
    changed = sorted(i for i, p in products.items() if not p.get("parent"))[:5]
    for identifier in changed:
        systems.pim.update_product(identifier, {"values": {"name": [
            {"locale": "en_US", "scope": None, "data": f"Renamed {identifier}"}]}})  # fmt: skip
    diff = systems.run("3-1-1-differential-import-master", "sfcc.differential-import-master")
    assert diff.streams["products"].updated == 5
    assert diff.streams["products"].created == 0
    renamed = instance.product(MASTER, changed[0])
    assert renamed is not None and renamed.text("display-name", "en-US") == f"Renamed {changed[0]}"

    # A product taken out of a category: its assignment goes.
    kept = products[simple]["categories"][1:]
    systems.pim.update_product(simple, {"categories": kept})
    systems.run("3-1-2-differential-import-storefront", "sfcc.differential-import-storefront")
    placed = {(a.product_id, a.category_id) for a in instance.assignments(STOREFRONT)}
    assert (simple, products[simple]["categories"][0]) not in placed
    assert {(simple, c) for c in kept} <= placed

    # A value emptied in Akeneo is cleared on the instance.
    target = changed[1]
    before = instance.product(MASTER, target)
    assert before is not None and before.custom_value("akeneo_eco_label") is not None
    systems.pim.update_product(target, {"values": {"eco_label": [
        {"locale": None, "scope": None, "data": None}]}})  # fmt: skip
    systems.run("3-1-1-differential-import-master", "sfcc.differential-import-master")
    after = instance.product(MASTER, target)
    assert after is not None and not after.custom_value("akeneo_eco_label")

    # A product deleted in Akeneo is gone after the full import.
    gone = changed[2]
    systems.pim.delete_product(gone)
    systems.run("3-2-1-full-import-master", "sfcc.full-import-master")
    assert instance.product(MASTER, gone) is None


def test_full_and_differential_product_jobs_never_overlap(systems: Systems) -> None:
    full = systems.job("3-2-1-full-import-master", "sfcc.full-import-master")
    diff = systems.job("3-1-1-differential-import-master", "sfcc.differential-import-master")
    assert full.mode is Mode.FULL and diff.mode is None
    assert full.exclusive_group == diff.exclusive_group == "sfcc-products:shop"
    # Another run of the group (the full import, say) holds the group's lock.
    holder = JobLock(systems.db, "group:sfcc-products:shop", 999, timedelta(minutes=5), job="x")
    holder.acquire()
    try:
        with pytest.raises(JobLocked, match="never run at the same time"):
            JobEngine(systems.db).run(diff)
    finally:
        holder.release()


def test_bad_products_are_rejected_alone_and_a_refused_delivery_fails_the_run(
    systems: Systems,
) -> None:
    family = next(p for p in systems.store.products.values() if not p.get("parent"))["family"]
    long_id = "X" * 120  # SFCC product ids take at most 100 characters
    systems.pim.upsert_product(None, long_id, {"family": family})
    systems.pim.upsert_product(None, "BAD-NAME", {"family": family, "values": {"name": [
        {"locale": "en_US", "scope": None, "data": "bell \x07 character"}]}})  # fmt: skip
    report = JobEngine(systems.db).run(
        systems.job("3-2-1-full-import-master", "sfcc.full-import-master"), Mode.FULL
    )
    assert report.status is RunStatus.PARTIAL, report.error
    assert report.streams["products"].rejected == 2
    with systems.db.connect() as conn:
        from pimsync.state._runs import list_items

        messages = {i.key: i.message or "" for i in list_items(conn, report.run_id)}
    by_identifier = {p["uuid"]: p["identifier"] for p in systems.store.products.values()}
    named = {by_identifier[k]: m for k, m in messages.items()}
    assert "100" in named[long_id]
    assert "BAD-NAME" in named and "character" in named["BAD-NAME"]
    held = set(systems.shop.instance.products(MASTER))
    assert long_id not in held and "BAD-NAME" not in held
    assert len(held) > 50  # the rest was delivered

    systems.shop.size_limit = 100  # the instance now refuses the archive: 413
    systems.pim.update_product("BAD-NAME", {"values": {"name": [
        {"locale": "en_US", "scope": None, "data": "fixed"}]}})  # fmt: skip
    failed = JobEngine(systems.db).run(
        systems.job("3-1-1-differential-import-master", "sfcc.differential-import-master")
    )
    assert failed.status is RunStatus.FAILED
    assert "Request Entity Too Large" in (failed.error or "")
    assert "BAD-NAME" not in set(systems.shop.instance.products(MASTER))
    systems.shop.size_limit = 200 * 1024 * 1024
    again = JobEngine(systems.db).run(
        systems.job("3-1-1-differential-import-master", "sfcc.differential-import-master")
    )
    # PARTIAL: the too-long id is retried (it fails again), the rest is sent again.
    assert again.status is RunStatus.PARTIAL, again.error
    assert again.streams["products"].rejected == 1
    assert "BAD-NAME" in set(systems.shop.instance.products(MASTER))  # sent again, not lost
