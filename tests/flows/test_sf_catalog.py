"""Salesforce → OroCommerce catalog: ``sf.products`` and ``sf.pricebooks`` over both
sandboxes served on 127.0.0.1.

Expected values come from the Salesforce sandbox's own records, never from what pimsync
mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.base import Window
from pimsync.connectors.salesforce import connect
from pimsync.connectors.salesforce._source import SObjectSource
from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, JobSpec, Mode, RunReport, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.salesforce import SalesforceSandbox
from pimsync.sandbox.salesforce import serve as serve_salesforce
from pimsync.state._runs import list_failed
from tests.flows._sf_systems import salesforce_endpoint, served


@dataclass
class Systems:
    crm: SalesforceSandbox
    shop: OroSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine

    def job(self, flow: str, name: str, **options: Any) -> JobSpec:
        config = JobConfig(flow=flow, source="crm", destination="shop", options=options)
        context = FlowContext(name, config, self.source, self.destination, ProjectConfig(), self.db)
        return JobSpec(name=name, streams=get_flow(flow).build(context), batch_size=5)

    def run(self, flow: str, name: str, mode: Mode = Mode.FULL, **options: Any) -> RunReport:
        report = JobEngine(self.db).run(self.job(flow, name, **options), mode)
        assert report.error is None, report.error
        return report

    def sync(self, mode: Mode = Mode.FULL) -> tuple[RunReport, RunReport]:
        return self.run("sf.products", "products", mode), self.run(
            "sf.pricebooks", "pricebooks", mode
        )


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Systems]:
    crm = SalesforceSandbox.demo(products=6)
    shop = OroSandbox()
    with served(crm, shop, tmp_path) as up:
        yield Systems(crm, shop, up.source, up.destination, up.db)


def _admin_edit(s: Systems, sobject: str, id_: str, **values: Any) -> None:
    s.crm.org.update(sobject, id_, values, user=s.crm.admin_user_id)


def _products(s: Systems) -> list[dict[str, Any]]:
    return s.crm.org.rows("Product2")


def _price_list_ids(s: Systems) -> dict[str, str]:
    """Oro price list name → id."""
    return {r["attributes"]["name"]: r["id"] for r in s.shop.store.all("pricelists")}


def _expected_prices(s: Systems) -> dict[str, set[tuple[str, str, Decimal]]]:
    """SKU → {(price list id, currency, value)} from the active Salesforce entries."""
    books = {b["Id"]: b["Name"] for b in s.crm.org.rows("Pricebook2")}
    lists = _price_list_ids(s)
    expected: dict[str, set[tuple[str, str, Decimal]]] = {}
    for entry in s.crm.org.rows("PricebookEntry"):
        if entry["IsActive"]:
            list_id = lists[f"Salesforce {books[entry['Pricebook2Id']]}"]
            value = Decimal(str(entry["UnitPrice"]))
            expected.setdefault(entry["ProductCode"], set()).add((list_id, "USD", value))
    return expected


def _oro_prices(s: Systems, sku: str) -> set[tuple[str, str, Decimal]]:
    return {(p["price_list"], p["currency"], p["value"]) for p in s.shop.product_prices(sku)}


def test_full_sync_brings_products_price_lists_and_prices(s: Systems) -> None:
    products, pricebooks = s.sync()

    assert products.status is RunStatus.SUCCEEDED
    assert products.streams["products"].created == len(_products(s))
    for record in _products(s):
        oro = s.shop.product_by_sku(record["ProductCode"])
        assert oro is not None
        assert oro["attributes"]["status"] == "enabled"
        assert s.shop.product_names(oro["id"])[None] == record["Name"]
    assert pricebooks.status is RunStatus.SUCCEEDED, pricebooks.streams
    books = s.crm.org.rows("Pricebook2")
    ours = {name for name in _price_list_ids(s) if name.startswith("Salesforce ")}
    assert ours == {f"Salesforce {b['Name']}" for b in books}
    assert any(b["IsStandard"] for b in books)
    for pricelist in s.shop.store.all("pricelists"):
        if pricelist["attributes"]["name"] in ours:
            assert pricelist["attributes"]["priceListCurrencies"] == ["USD"]
    expected = _expected_prices(s)
    assert expected and len(expected) == len(_products(s))
    for sku, prices in expected.items():
        assert _oro_prices(s, sku) == prices
    entries = len(s.crm.org.rows("PricebookEntry"))
    assert pricebooks.streams["prices"].created == entries

    again = s.sync()
    assert [r.totals().created + r.totals().updated for r in again] == [0, 0]


def test_differential_run_sends_only_what_changed(s: Systems) -> None:
    s.sync()
    product = _products(s)[2]
    entry = next(
        e for e in s.crm.org.rows("PricebookEntry") if e["Product2Id"] == _products(s)[4]["Id"]
    )
    _admin_edit(s, "Product2", product["Id"], Name="Renamed in Salesforce")
    _admin_edit(s, "PricebookEntry", entry["Id"], UnitPrice=Decimal("123.45"))
    writes = sum(s.shop.writes.values())

    products, pricebooks = s.sync(Mode.DIFF)

    assert products.streams["products"].updated == 1
    assert products.streams["products"].created == 0
    assert pricebooks.streams["prices"].updated == 1
    assert pricebooks.totals().created == 0
    assert pricebooks.streams["price_lists"].updated == 0
    assert sum(s.shop.writes.values()) - writes == 2  # one product, one price
    oro = s.shop.product_by_sku(product["ProductCode"])
    assert oro is not None
    assert s.shop.product_names(oro["id"])[None] == "Renamed in Salesforce"
    assert Decimal("123.45") in {p["value"] for p in s.shop.product_prices(entry["ProductCode"])}
    for sku, prices in _expected_prices(s).items():
        assert _oro_prices(s, sku) == prices


def test_deactivated_product_is_disabled_and_deleted_one_too(s: Systems) -> None:
    s.sync()
    first, last = _products(s)[0], _products(s)[-1]
    _admin_edit(s, "Product2", first["Id"], IsActive=False)

    report = s.run("sf.products", "products", Mode.DIFF)

    assert report.streams["products"].updated == 1
    disabled = s.shop.product_by_sku(first["ProductCode"])
    assert disabled is not None and disabled["attributes"]["status"] == "disabled"

    s.crm.org.delete("Product2", last["Id"], user=s.crm.admin_user_id)
    report = s.run("sf.products", "products", Mode.FULL)  # a full run finds what is gone

    assert report.streams["products"].disabled == 1
    gone = s.shop.product_by_sku(last["ProductCode"])
    assert gone is not None and gone["attributes"]["status"] == "disabled"


def test_price_of_a_product_not_in_oro_is_rejected_then_retried(s: Systems) -> None:
    report = s.run("sf.pricebooks", "pricebooks")

    prices = report.streams["prices"]
    assert report.status is RunStatus.PARTIAL
    assert prices.rejected == len(s.crm.org.rows("PricebookEntry"))
    assert s.shop.count("productprices") == 0

    s.run("sf.products", "products")
    retried = s.run("sf.pricebooks", "pricebooks", Mode.DIFF)

    assert retried.status is RunStatus.SUCCEEDED
    assert retried.streams["prices"].created == len(s.crm.org.rows("PricebookEntry"))
    for sku, expected in _expected_prices(s).items():
        assert _oro_prices(s, sku) == expected


def test_rejection_says_the_product_is_missing(s: Systems) -> None:
    s.run("sf.pricebooks", "pricebooks")

    with s.db.connect() as conn:
        failed = list_failed(conn, "pricebooks")
    assert {f.stream for f in failed} == {"prices"}
    assert all(
        "no Oro product has this SKU: run sf.products first" in str(f.last_error) for f in failed
    )


def test_unknown_salesforce_field_is_refused_before_the_run(s: Systems) -> None:
    with pytest.raises(ConfigError, match="Colour__c"):
        s.job("sf.products", "products", attributes={"Colour__c": "color"})
    with pytest.raises(ConfigError, match="NoSuchField"):
        s.job("sf.products", "products", description_field="NoSuchField")
    assert s.shop.writes == {}


def test_unknown_option_is_refused(s: Systems) -> None:
    with pytest.raises(ConfigError, match="price_list"):
        s.job("sf.pricebooks", "pricebooks", price_list="x")


def test_source_reads_deletions_as_tombstones(tmp_path: Path) -> None:
    now = datetime(2025, 5, 8, 12, 0, tzinfo=UTC)

    def clock() -> datetime:
        return now

    crm = SalesforceSandbox.demo(products=2, clock=clock)
    with serve_salesforce(crm) as url:
        endpoint = salesforce_endpoint(crm, url)
        client = connect(endpoint.settings, endpoint.secrets)
        source = SObjectSource(client, "Product2", ["Name"], clock=clock)
        gone = crm.org.rows("Product2")[-1]["Id"]
        crm.org.delete("Product2", gone, user=crm.admin_user_id)
        now += timedelta(minutes=2)

        pages = list(source.extract(Window(now - timedelta(minutes=5))))
        read = list(source.read([gone]))

    tombstones = [r for page in pages for r in page if r.deleted]
    assert [r.key for r in tombstones] == [gone]
    assert read[0].deleted


def test_multi_currency_org_prices_land_in_their_currency(tmp_path: Path) -> None:
    crm = SalesforceSandbox.demo(products=2, currencies=("USD", "EUR"))
    product = crm.org.rows("Product2")[0]
    std = crm.org.standard_pricebook_id
    entry = {"Pricebook2Id": std, "Product2Id": product["Id"], "IsActive": True}
    crm.org.create(
        "PricebookEntry",
        {**entry, "UnitPrice": Decimal("9.50"), "CurrencyIsoCode": "EUR"},
        user=crm.admin_user_id,
    )
    shop = OroSandbox()
    with served(crm, shop, tmp_path) as up:
        s = Systems(crm, shop, up.source, up.destination, up.db)
        _, pricebooks = s.sync()

    assert pricebooks.status is RunStatus.SUCCEEDED, pricebooks.streams
    standard = _price_list_ids(s)["Salesforce Standard Price Book"]
    held = shop.get("pricelists", standard)
    assert held is not None
    assert sorted(held["attributes"]["priceListCurrencies"]) == ["EUR", "USD"]
    lists = _price_list_ids(s)
    books = {b["Id"]: lists[f"Salesforce {b['Name']}"] for b in crm.org.rows("Pricebook2")}
    expected = {
        (books[e["Pricebook2Id"]], e["CurrencyIsoCode"], Decimal(str(e["UnitPrice"])))
        for e in crm.org.rows("PricebookEntry")
        if e["Product2Id"] == product["Id"]
    }
    assert (standard, "EUR", Decimal("9.50")) in expected
    assert _oro_prices(s, product["ProductCode"]) == expected
