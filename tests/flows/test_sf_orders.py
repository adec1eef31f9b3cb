"""sf.orders over both sandboxes on 127.0.0.1: an order made on either side reaches the
other with its lines and prices, a change crosses once, pimsync's own writes never
bounce back, orders wait for their accounts, and an activated order is locked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.oro import connect as connect_oro
from pimsync.jobs import JobEngine, JobSpec, Mode, PairEngine, RunReport, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.salesforce import SalesforceSandbox
from pimsync.state import _runs
from tests.flows._sf_systems import served


@dataclass
class Systems:
    crm: SalesforceSandbox
    shop: OroSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine

    def context(self, flow: str, options: dict[str, Any]) -> FlowContext:
        config = JobConfig(flow=flow, source="crm", destination="shop", options=options)
        return FlowContext(flow, config, self.source, self.destination, ProjectConfig(), self.db)

    def run(self, flow: str, **options: Any) -> RunReport:
        spec = get_flow(flow).build(self.context(flow, options))
        if isinstance(spec, list | tuple):
            job = JobSpec(name=flow, streams=spec, batch_size=5)
            report = JobEngine(self.db).run(job, Mode.FULL)
            assert report.error is None, report.error
            return report
        return PairEngine(self.db).run(spec)  # type: ignore[arg-type]

    def prepare(self) -> None:
        """Catalog and accounts first: orders name their products and accounts."""
        for flow in ("sf.products", "sf.pricebooks", "sf.accounts"):
            report = self.run(flow)
            assert report.status is RunStatus.SUCCEEDED, (flow, report.error)

    def crm_writes(self) -> int:
        return sum(
            n
            for key, n in self.crm.requests.items()
            if key.split(" ")[0] in ("POST", "PATCH", "DELETE") and "/services/data/" in key
        )

    def writes(self) -> int:
        return self.crm_writes() + sum(self.shop.writes.values())

    def customer(self, name: str) -> str:
        with self.shop.store.lock:
            records = list(self.shop.store.records.get("customers", {}).values())
        return next(str(r["id"]) for r in records if r["attributes"]["name"] == name)

    def account(self, name: str) -> str:
        return next(str(a["Id"]) for a in self.crm.org.rows("Account") if a["Name"] == name)

    def oro_orders(self) -> list[dict[str, Any]]:
        with self.shop.store.lock:
            return list(self.shop.store.records.get("orders", {}).values())

    def oro_lines(self, order_id: str) -> set[tuple[str, Decimal, Decimal]]:
        return {
            (
                i["attributes"]["productSku"],
                Decimal(str(i["attributes"]["quantity"])),
                Decimal(str(i["attributes"]["value"])),
            )
            for i in self.shop.order_line_items(order_id)
        }

    def sf_lines(self, order_id: str) -> set[tuple[str, Decimal, Decimal]]:
        codes = {p["Id"]: p["ProductCode"] for p in self.crm.org.rows("Product2")}
        return {
            (codes[i["Product2Id"]], Decimal(str(i["Quantity"])), Decimal(str(i["UnitPrice"])))
            for i in self.crm.org.rows("OrderItem")
            if i["OrderId"] == order_id
        }

    def sf_edit(self, type_: str, id_: str, **fields: Any) -> None:
        self.crm.org.update(type_, id_, fields, user=self.crm.admin_user_id)

    def oro_order(self, customer: str, *lines: tuple[str, int, str]) -> str:
        """An order made in Oro (as a buyer would) with ``(sku, quantity, price)`` lines."""
        included = [
            {
                "type": "orderlineitems",
                "id": f"li{n}",
                "attributes": {"quantity": quantity, "value": price, "currency": "USD"},
                "relationships": {
                    "product": {
                        "data": {"type": "products", "id": self.shop.product_by_sku(sku)["id"]}  # type: ignore[index]
                    },
                    "productUnit": {"data": {"type": "productunits", "id": "each"}},
                },
            }
            for n, (sku, quantity, price) in enumerate(lines, 1)
        ]
        order = self.shop.create(
            "orders",
            {
                "data": {
                    "type": "orders",
                    "attributes": {"currency": "USD", "poNumber": "PO-77"},
                    "relationships": {
                        "customer": {"data": {"type": "customers", "id": customer}},
                        "lineItems": {
                            "data": [{"type": "orderlineitems", "id": i["id"]} for i in included]
                        },
                    },
                },
                "included": included,
            },
        )
        return str(order["id"])

    def oro_quantity(self, line_id: str, quantity: int) -> None:
        """Change a line item's quantity through the API (Oro stamps its order)."""
        client = connect_oro(self.destination.settings, self.destination.secrets)
        document = {"data": {"type": "orderlineitems", "id": line_id}}
        document["data"]["attributes"] = {"quantity": quantity}  # type: ignore[index]
        client.update("orderlineitems", line_id, document)


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[Systems]:
    crm, shop = SalesforceSandbox.demo(accounts=2, products=4), OroSandbox()
    with served(crm, shop, tmp_path) as up:
        yield Systems(crm, shop, up.source, up.destination, up.db)


def assert_no_echo(systems: Systems, runs: int = 3) -> None:
    for _ in range(runs):
        before = systems.writes()
        report = systems.run("sf.orders")
        assert report.status is RunStatus.SUCCEEDED, report.error
        assert systems.writes() == before


def rejected(systems: Systems, report: RunReport) -> list[str]:
    with systems.db.connect() as conn:
        return [i.message or "" for i in _runs.list_items(conn, report.run_id, "rejected")]


def test_a_salesforce_order_reaches_oro_with_its_lines(systems: Systems) -> None:
    systems.prepare()
    (sf_order,) = systems.crm.org.rows("Order")  # the demo org's draft order

    report = systems.run("sf.orders")

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert report.streams["order → oro"].created == 1
    (order,) = systems.oro_orders()
    assert order["attributes"]["externalId"] == sf_order["Id"]
    customer = order["relationships"]["customer"]["id"]
    assert customer == systems.customer("Demo Customer 1")
    assert systems.oro_lines(order["id"]) == {("DEMO-001", Decimal(2), Decimal("8.79"))}
    assert_no_echo(systems)


def test_an_oro_order_reaches_salesforce_as_a_draft_with_items(systems: Systems) -> None:
    systems.prepare()
    customer = systems.customer("Demo Customer 2")
    oro_id = systems.oro_order(customer, ("DEMO-002", 3, "17.50"), ("DEMO-003", 1, "25"))

    report = systems.run("sf.orders")

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert report.streams["order → salesforce"].created == 1
    (made,) = [o for o in systems.crm.org.rows("Order") if o.get("Oro_Id__c") == oro_id]
    assert made["Status"] == "Draft"
    assert made["AccountId"] == systems.account("Demo Customer 2")
    assert made["Pricebook2Id"] == systems.crm.org.standard_pricebook_id
    assert made["PoNumber"] == "PO-77"
    assert str(made["EffectiveDate"]) == date.today().isoformat()
    assert systems.sf_lines(made["Id"]) == {
        ("DEMO-002", Decimal(3), Decimal("17.5")),
        ("DEMO-003", Decimal(1), Decimal(25)),
    }
    assert Decimal(str(made["TotalAmount"])) == Decimal("77.5")
    assert_no_echo(systems)


def test_a_quantity_change_on_either_side_arrives_once(systems: Systems) -> None:
    systems.prepare()
    systems.run("sf.orders")
    (sf_order,) = systems.crm.org.rows("Order")
    (item,) = [i for i in systems.crm.org.rows("OrderItem") if i["OrderId"] == sf_order["Id"]]
    (order,) = systems.oro_orders()

    systems.sf_edit("OrderItem", item["Id"], Quantity=5)
    report = systems.run("sf.orders")
    assert report.streams["order → oro"].updated == 1
    assert report.streams["order → salesforce"].updated == 0
    assert systems.oro_lines(order["id"]) == {("DEMO-001", Decimal(5), Decimal("8.79"))}
    assert_no_echo(systems, runs=1)

    (line,) = systems.shop.order_line_items(order["id"])
    systems.oro_quantity(line["id"], 7)
    report = systems.run("sf.orders")
    assert report.streams["order → salesforce"].updated == 1
    assert report.streams["order → oro"].updated == 0
    assert systems.sf_lines(sf_order["Id"]) == {("DEMO-001", Decimal(7), Decimal("8.79"))}
    assert_no_echo(systems)


def test_an_order_waits_for_its_account(systems: Systems) -> None:
    systems.prepare()
    org, admin = systems.crm.org, systems.crm.admin_user_id
    late = org.create("Account", {"Name": "Late Corp"}, user=admin)
    entry = next(
        e
        for e in org.rows("PricebookEntry")
        if e["Pricebook2Id"] == org.standard_pricebook_id and e["ProductCode"] == "DEMO-004"
    )
    order = org.create(
        "Order",
        {
            "AccountId": late,
            "EffectiveDate": date.today().isoformat(),
            "Pricebook2Id": org.standard_pricebook_id,
        },
        user=admin,
    )
    org.create(
        "OrderItem",
        {"OrderId": order, "PricebookEntryId": entry["Id"], "Quantity": 1, "UnitPrice": 40},
        user=admin,
    )

    early = systems.run("sf.orders")
    assert early.status is RunStatus.PARTIAL
    (message,) = rejected(systems, early)
    assert "not in Oro yet" in message and "sf.accounts" in message
    for _ in range(6):  # more runs than max_attempts: waiting for a parent costs none
        waiting = systems.run("sf.orders")
        assert waiting.status is RunStatus.PARTIAL
        assert waiting.streams["order → oro"].parked == 0

    systems.run("sf.accounts")
    report = systems.run("sf.orders")  # nothing changed in Salesforce: the retry
    assert report.status is RunStatus.SUCCEEDED, report.error
    (made,) = systems.shop.orders_of(systems.customer("Late Corp"))
    assert systems.oro_lines(made["id"]) == {("DEMO-004", Decimal(1), Decimal(40))}
    assert_no_echo(systems)


def test_an_activated_order_is_locked_and_reported(systems: Systems) -> None:
    systems.prepare()
    systems.run("sf.orders")
    (sf_order,) = systems.crm.org.rows("Order")
    systems.sf_edit("Order", sf_order["Id"], Status="Activated")
    assert_no_echo(systems, runs=1)  # the status is Salesforce's: nothing to send

    (order,) = systems.oro_orders()
    (line,) = systems.shop.order_line_items(order["id"])
    systems.oro_quantity(line["id"], 9)
    report = systems.run("sf.orders")

    assert report.status is RunStatus.PARTIAL
    (message,) = rejected(systems, report)
    assert "ENTITY_IS_LOCKED" in message
    assert systems.sf_lines(sf_order["Id"]) == {("DEMO-001", Decimal(2), Decimal("8.79"))}


def test_oro_orders_reach_salesforce_in_batches_and_a_bad_one_alone_fails(
    systems: Systems,
) -> None:
    systems.prepare()
    org = systems.crm.org
    (entry,) = [
        e
        for e in org.rows("PricebookEntry")
        if e["Pricebook2Id"] == org.standard_pricebook_id and e["ProductCode"] == "DEMO-004"
    ]
    systems.sf_edit("PricebookEntry", entry["Id"], IsActive=False)
    customer = systems.customer("Demo Customer 2")
    good = [
        systems.oro_order(customer, ("DEMO-002", n, "17.50"), ("DEMO-003", 1, "25"))
        for n in range(1, 13)
    ]
    bad = systems.oro_order(customer, ("DEMO-002", 1, "17.50"), ("DEMO-004", 2, "40"))
    crm_writes = systems.crm_writes()

    report = systems.run("sf.orders")

    assert report.status is RunStatus.PARTIAL
    (message,) = rejected(systems, report)
    assert "no active entry for product code DEMO-004" in message
    made = {o["Oro_Id__c"]: o for o in org.rows("Order") if o.get("Oro_Id__c")}
    assert set(made) == set(good)  # the refused order was not half written
    for number, oro_id in enumerate(good, 1):
        assert systems.sf_lines(made[oro_id]["Id"]) == {
            ("DEMO-002", Decimal(number), Decimal("17.5")),
            ("DEMO-003", Decimal(1), Decimal(25)),
        }
    # 12 orders and 24 items: one upsert of the headers, one creation of the items.
    assert systems.crm_writes() - crm_writes == 2
    assert bad not in made


def test_an_order_refused_max_attempts_times_is_parked(systems: Systems) -> None:
    systems.prepare()
    systems.run("sf.orders")
    (sf_order,) = systems.crm.org.rows("Order")
    systems.sf_edit("Order", sf_order["Id"], Status="Activated")
    (order,) = systems.oro_orders()
    (line,) = systems.shop.order_line_items(order["id"])
    systems.oro_quantity(line["id"], 9)

    reports = [systems.run("sf.orders") for _ in range(5)]  # PairSpec's max_attempts

    assert [r.streams["order → salesforce"].rejected for r in reports] == [1] * 5
    assert [r.streams["order → salesforce"].parked for r in reports] == [0] * 4 + [1]
    crm_writes = systems.crm_writes()
    after = systems.run("sf.orders")
    assert after.status is RunStatus.SUCCEEDED, after.streams
    assert after.streams["order → salesforce"].skipped_parked == 1
    assert systems.crm_writes() == crm_writes


def test_an_oro_order_takes_its_accounts_contract_price_book(systems: Systems) -> None:
    systems.prepare()
    org, admin = systems.crm.org, systems.crm.admin_user_id
    book = org.create("Pricebook2", {"Name": "Partner prices", "IsActive": True}, user=admin)
    products = {p["ProductCode"]: p["Id"] for p in org.rows("Product2")}
    for code in ("DEMO-002", "DEMO-003"):
        org.create(
            "PricebookEntry",
            {"Pricebook2Id": book, "Product2Id": products[code], "UnitPrice": 9, "IsActive": True},
            user=admin,
        )
    account = systems.account("Demo Customer 2")
    start = date.today().replace(day=1).isoformat()
    contract = org.create(
        "Contract",
        {"AccountId": account, "StartDate": start, "ContractTerm": 12, "Pricebook2Id": book},
        user=admin,
    )
    systems.sf_edit("Contract", contract, Status="Activated")
    customer = systems.customer("Demo Customer 2")
    oro_id = systems.oro_order(customer, ("DEMO-002", 3, "17.50"), ("DEMO-003", 1, "25"))
    other = systems.oro_order(systems.customer("Demo Customer 1"), ("DEMO-001", 1, "8.79"))

    report = systems.run("sf.orders")

    assert report.status is RunStatus.SUCCEEDED, report.error
    made = {o["Oro_Id__c"]: o for o in org.rows("Order") if o.get("Oro_Id__c")}
    assert made[oro_id]["Pricebook2Id"] == book
    assert made[oro_id]["ContractId"] == contract
    entries = {e["Id"]: e["Pricebook2Id"] for e in org.rows("PricebookEntry")}
    items = [i for i in org.rows("OrderItem") if i["OrderId"] == made[oro_id]["Id"]]
    assert {entries[i["PricebookEntryId"]] for i in items} == {book}
    assert systems.sf_lines(made[oro_id]["Id"]) == {  # the Oro order's prices are kept
        ("DEMO-002", Decimal(3), Decimal("17.5")),
        ("DEMO-003", Decimal(1), Decimal(25)),
    }
    assert made[other]["Pricebook2Id"] == org.standard_pricebook_id  # no contract
    assert made[other].get("ContractId") is None
    assert_no_echo(systems)
