"""The SFCC destination under the job engine, delivering to the SFCC sandbox: staged
records reach the instance only at the end of the run, removals go as mode="delete" or
offline, and a failed import loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.connectors.memory import MemorySource
from pimsync.connectors.sfcc import SfccSettings
from pimsync.connectors.sfcc._destination import (
    ProductAssignments,
    ProductPrices,
    SfccImport,
    Staged,
    Target,
)
from pimsync.connectors.sfcc._model import (
    SfccAssignment,
    SfccCategory,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
)
from pimsync.jobs import DeletionPolicy, JobEngine, JobSpec, Mode, RunStatus, StreamSpec
from pimsync.sandbox.sfcc import SfccSandbox, serve
from pimsync.state import create_state_engine, upgrade

XSD = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "sfcc" / "xsd"
).resolve()
MASTER, STOREFRONT = "pimsync-master", "pimsync-storefront"


@pytest.fixture
def sandbox() -> Iterator[tuple[SfccSandbox, str]]:
    if not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC XSDs not found under {XSD}")
    sb = SfccSandbox(xsd_folder=XSD, import_delay=0.02)
    with serve(sb) as url:
        yield sb, url


def settings_for(url: str, sb: SfccSandbox, **extra: Any) -> SfccSettings:
    return SfccSettings(
        url=url, account_manager_url=url, client_id=sb.client.client_id, poll_seconds=0.02,
        master_catalog=MASTER, storefront_catalog=STOREFRONT, xsd_folder=XSD, **extra,
    )  # fmt: skip


def product(i: int, **extra: Any) -> dict[str, Any]:
    return {"sku": f"SKU-{i}", "name": f"Product {i}", "category": "shoes", "price": "10", **extra}


def as_master(data: dict[str, Any]) -> Staged:
    return Staged.of(
        Target.MASTER,
        SfccProduct(data["sku"], display_name={"x-default": data["name"]}, online=True),
    )


def as_assignment(data: dict[str, Any]) -> Staged:
    sku, category = data["key"].split("|")
    return Staged.of(Target.STOREFRONT, SfccAssignment(sku, category))


def as_price(data: dict[str, Any]) -> Staged:
    return Staged.of(Target.PRICEBOOK, SfccPriceTable(data["sku"], "USD", Decimal(data["price"])))


class Shop:
    """Two jobs over memory sources: master products + prices, storefront assignments."""

    def __init__(self, db: Engine, url: str, sb: SfccSandbox, tmp: Path) -> None:
        self.db, self.url, self.sb, self.tmp = db, url, sb, tmp
        self.products = MemorySource({f"SKU-{i}": product(i) for i in range(5)}, page_size=3)
        self.links = MemorySource(
            {f"SKU-{i}|shoes": {"key": f"SKU-{i}|shoes"} for i in range(5)}, page_size=3
        )
        self.categories = MemorySource({"shoes": {"code": "shoes"}}, page_size=3)
        for source in (self.products, self.links, self.categories):
            source.tick(3600)
        self.runs = 0

    def destination(self, **extra: Any) -> SfccImport:
        self.runs += 1
        settings = settings_for(self.url, self.sb, **extra)
        return SfccImport(
            settings,
            {"client_secret": SecretStr(self.sb.client.client_secret)},
            self.tmp / "work",
            stem=f"pimsync-test-{self.runs}",
            pricebooks=[SfccPricebook("usd-list-prices", "USD", {"x-default": "List Prices"})],
        )

    def master_job(self, dest: SfccImport, policy: DeletionPolicy) -> JobSpec:
        streams = [
            StreamSpec("products", self.products, dest, as_master, "sfcc", "product"),
            StreamSpec("prices", self.products, dest, as_price, "sfcc", "price"),
        ]
        return JobSpec("master", streams, deletion_policy=policy, overlap=timedelta(seconds=1))

    def storefront_job(self, dest: SfccImport) -> JobSpec:
        category = StreamSpec(
            "categories", self.categories,
            dest, lambda d: Staged.of(Target.STOREFRONT, SfccCategory(d["code"], parent="root")),
            "sfcc", "category",
        )  # fmt: skip
        links = StreamSpec("assignments", self.links, dest, as_assignment, "sfcc", "assignment")
        return JobSpec("storefront", [category, links], deletion_policy=DeletionPolicy.DELETE)


@pytest.fixture
def state_db(tmp_path: Path) -> Iterator[Engine]:
    engine = create_state_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def shop(sandbox: tuple[SfccSandbox, str], state_db: Engine, tmp_path: Path) -> Shop:
    sb, url = sandbox
    return Shop(state_db, url, sb, tmp_path)


def skus(shop: Shop) -> set[str]:
    return set(shop.sb.instance.products(MASTER))


def test_full_runs_deliver_products_prices_and_assignments(shop: Shop) -> None:
    master = JobEngine(shop.db).run(
        shop.master_job(shop.destination(), DeletionPolicy.DELETE), Mode.FULL
    )
    assert master.status is RunStatus.SUCCEEDED, master.error
    assert any("SFCC: imported pimsync-test-1.zip" in n for n in master.notes)
    assert skus(shop) == {f"SKU-{i}" for i in range(5)}
    assert shop.sb.instance.price("usd-list-prices", "SKU-3") == Decimal("10")
    store = JobEngine(shop.db).run(shop.storefront_job(shop.destination()), Mode.FULL)
    assert store.status is RunStatus.SUCCEEDED, store.error
    pairs = {(a.product_id, a.category_id) for a in shop.sb.instance.assignments(STOREFRONT)}
    assert pairs == {(f"SKU-{i}", "shoes") for i in range(5)}

    # Removals: a product deleted in the PIM, an assignment gone.
    shop.products.remove("SKU-4")
    shop.links.remove("SKU-2|shoes")
    for source in (shop.products, shop.links):
        source.tick(3600)
    JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DELETE), Mode.FULL)
    JobEngine(shop.db).run(shop.storefront_job(shop.destination()), Mode.FULL)
    assert skus(shop) == {f"SKU-{i}" for i in range(4)}
    assert shop.sb.instance.price("usd-list-prices", "SKU-4") is None
    pairs = {(a.product_id, a.category_id) for a in shop.sb.instance.assignments(STOREFRONT)}
    assert ("SKU-2", "shoes") not in pairs and ("SKU-1", "shoes") in pairs


def test_the_disable_policy_sets_products_offline(shop: Shop) -> None:
    JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DISABLE), Mode.FULL)
    shop.products.remove("SKU-1")
    shop.products.tick(3600)
    JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DISABLE), Mode.FULL)
    kept = shop.sb.instance.product(MASTER, "SKU-1")
    assert kept is not None and kept.online is False


def test_a_failed_import_commits_nothing_and_the_next_run_resends(shop: Shop) -> None:
    shop.sb.faults.fail_next("/on/demandware.servlet/webdav", 401, times=10)
    failed = JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DELETE))
    assert failed.status is RunStatus.FAILED
    assert "refused the upload" in (failed.error or "")
    assert "10 staged record(s) were not delivered" in " ".join(failed.notes)
    assert skus(shop) == set()
    assert not list((shop.tmp / "work").glob("pimsync-test-*"))  # staged files dropped
    shop.sb.faults.clear()
    again = JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DELETE))
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert again.streams["products"].created == 5
    assert skus(shop) == {f"SKU-{i}" for i in range(5)}


def test_a_record_the_file_cannot_hold_is_rejected_alone(shop: Shop) -> None:
    shop.products.put("SKU-9", product(9, name="bad \x01 name"))
    shop.products.tick(3600)
    report = JobEngine(shop.db).run(shop.master_job(shop.destination(), DeletionPolicy.DELETE))
    assert report.status is RunStatus.PARTIAL
    assert report.streams["products"].rejected == 1
    assert skus(shop) == {f"SKU-{i}" for i in range(5)}


def test_without_delivery_the_files_land_in_the_output_folder(shop: Shop) -> None:
    out = shop.tmp / "out"
    dest = SfccImport(
        SfccSettings(deliver=False, output_dir=out, master_catalog=MASTER, xsd_folder=XSD),
        {}, shop.tmp / "work", stem="pimsync-files",
        pricebooks=[SfccPricebook("usd-list-prices", "USD")],
    )  # fmt: skip
    report = JobEngine(shop.db).run(shop.master_job(dest, DeletionPolicy.DELETE), Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.xml"))
    assert written == [
        f"pimsync-files/catalogs/{MASTER}/catalog.xml",
        "pimsync-files/pricebooks/pricebooks.xml",
    ]
    assert skus(shop) == set()  # nothing went to the instance


def test_a_differential_run_removes_assignments_and_prices_a_product_lost(
    shop: Shop,
) -> None:
    def places(data: dict[str, Any]) -> Staged:
        cats = tuple(data["categories"])
        return Staged.of(
            Target.STOREFRONT, ProductAssignments(data["sku"], cats, cats[0] if cats else None)
        )

    def prices(data: dict[str, Any]) -> Staged:
        amounts = {c: Decimal(a) for c, a in data["prices"].items()}
        return Staged.of(Target.PRICEBOOK, ProductPrices(data["sku"], amounts))

    source = MemorySource(
        {
            f"SKU-{i}": {
                "sku": f"SKU-{i}",
                "categories": ["shoes", "sale"],
                "prices": {"USD": "10", "EUR": "9"},
            }
            for i in range(3)
        },
        page_size=2,
    )
    source.tick(3600)
    cats = MemorySource({c: {"code": c} for c in ("shoes", "sale", "boots")}, page_size=5)
    cats.tick(3600)

    def job() -> JobSpec:
        books = [SfccPricebook("usd-list-prices", "USD"), SfccPricebook("eur-list-prices", "EUR")]
        secret = {"client_secret": SecretStr(shop.sb.client.client_secret)}
        stem = f"pimsync-diff-{source.clock().timestamp()}"
        dest = SfccImport(
            settings_for(shop.url, shop.sb), secret, shop.tmp / "work", stem=stem, pricebooks=books
        )
        category = StreamSpec(
            "categories", cats,
            dest, lambda d: Staged.of(Target.STOREFRONT, SfccCategory(d["code"], parent="root")),
            "sfcc", "category",
        )  # fmt: skip
        return JobSpec(
            "store",
            [
                category,
                StreamSpec("assignments", source, dest, places, "sfcc", "assignments"),
                StreamSpec("prices", source, dest, prices, "sfcc", "prices"),
            ],
            deletion_policy=DeletionPolicy.DELETE,
            overlap=timedelta(seconds=1),
        )

    assert JobEngine(shop.db).run(job(), Mode.FULL).status is RunStatus.SUCCEEDED
    first = {(a.product_id, a.category_id): a for a in shop.sb.instance.assignments(STOREFRONT)}
    assert first[("SKU-1", "shoes")].primary is True
    assert not first[("SKU-1", "sale")].primary
    source.put("SKU-1", {"sku": "SKU-1", "categories": ["boots"], "prices": {"USD": "12"}})
    source.tick(3600)
    cats.tick(3600)

    report = JobEngine(shop.db).run(job())  # differential

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert report.streams["assignments"].updated == 1
    placed = {(a.product_id, a.category_id) for a in shop.sb.instance.assignments(STOREFRONT)}
    assert ("SKU-1", "boots") in placed
    assert ("SKU-1", "shoes") not in placed and ("SKU-1", "sale") not in placed
    assert ("SKU-0", "shoes") in placed
    assert shop.sb.instance.price("usd-list-prices", "SKU-1") == Decimal("12")
    assert shop.sb.instance.price("eur-list-prices", "SKU-1") is None
    assert shop.sb.instance.price("eur-list-prices", "SKU-0") == Decimal("9")
