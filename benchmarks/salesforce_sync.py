"""Salesforce API calls and time for upserts: sObject Collections vs one call per record.

Starts ``pimsync sandbox salesforce`` in its own process, then upserts N accounts by an
external id twice with pimsync's client: once through ``collection_upsert`` (200 records
per call) and once record by record (``upsert``), counting the HTTP calls each way puts
on the wire and the wall time. The issue's target: at most 10 API calls per 1,000
upserts.

With ``--sync``, it instead runs the two-way jobs: a Salesforce org of N accounts with
two contacts each (``pimsync sandbox salesforce`` and ``pimsync sandbox oro``, each in
its own process), ``sf.accounts`` then ``sf.contacts`` into an empty Oro, then both jobs
again twice with no change on either side: the first reads back pimsync's own writes as
changes and writes nothing, the second has nothing to read (the issue's target: ≤ 2 s
and zero writes).

With ``--orders K`` the Salesforce org also gets ``--products`` products (standard price
book entries, from the sandbox's demo) and K Draft orders on the standard price book
with two items each, spread over the accounts (sObject Collections, 200 per call); the
jobs then run in their dependency order: ``sf.products``, ``sf.pricebooks`` (one-way
stream jobs), ``sf.accounts``, ``sf.contacts``, ``sf.orders`` (two-way). With
``--orders-from-oro K2``, after the no-change runs, K2 orders with two line items are made
in Oro over its API (spread over the synced customers) and ``sf.orders`` writes them to
Salesforce in batches; its Salesforce calls are reported per 1,000 orders. With
``--from-oro K3``, K3 customers made in Oro go to Salesforce in ``sf.accounts``' first run
(from 2,000, through a Bulk API 2.0 job).

    python benchmarks/salesforce_sync.py --accounts 1000
    python benchmarks/salesforce_sync.py --sync --accounts 10000
    python benchmarks/salesforce_sync.py --sync --accounts 10000 --orders 5000 \
        --orders-from-oro 200
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from oro_sync import sandbox  # this folder is on sys.path
from pimsync.connectors.salesforce import SalesforceSettings, connect

CLIENT_ID = "3MVG9pimsync.sandbox.consumer.key"  # the sandbox's connected app
CLIENT_SECRET = "pimsync-salesforce-secret"

CALLS: Counter[str] = Counter()
# The jobs' overlap (a project's default is 60 s): the no-change run starts after it.
OVERLAP = timedelta(seconds=2)


def count_calls() -> None:
    """Count the requests pimsync's client sends, by method (token requests apart)."""
    send = httpx.HTTPTransport.handle_request

    def counting(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        kind = "token" if request.url.path.endswith("/oauth2/token") else request.method
        CALLS[kind] += 1
        if kind != "token":
            PORT_CALLS[(request.url.port, kind)] += 1
        return send(self, request)

    httpx.HTTPTransport.handle_request = counting  # type: ignore[method-assign]


def accounts(n: int, run: str) -> list[dict[str, Any]]:
    return [
        {"Pimsync_Id__c": f"{run}-{i}", "Name": f"Account {run} {i}", "Phone": f"+33 1 {i:08d}"}
        for i in range(n)
    ]


def api_calls() -> int:
    return sum(n for kind, n in CALLS.items() if kind != "token")


def seed_oro(shop_url: str, n: int) -> None:
    """``n`` customers with a complete billing address, made in Oro over its API."""
    from pimsync.connectors.oro import OroSettings
    from pimsync.connectors.oro import connect as connect_oro
    from pimsync.connectors.oro._documents import linkage, resource_object

    settings = OroSettings(url=shop_url, client_id="pimsync-oro", version="6.1.10")
    with connect_oro(settings, {"client_secret": SecretStr("pimsync-oro-secret")}) as oro:
        for i in range(n):
            name = f"Oro Customer {i}"
            made = resource_object("customers", attributes={"name": name})
            customer = oro.create("customers", {"data": made})[0].one.id
            address = resource_object(
                "customeraddresses",
                attributes={
                    "street": f"{i} Main St",
                    "city": "Rochester",
                    "postalCode": "14608",
                    "organization": name,
                    "primary": True,
                    "types": [{"addressType": "billing", "default": True}],
                },
                relationships={
                    "customer": linkage("customers", customer),
                    "country": linkage("countries", "US"),
                    "region": linkage("regions", "US-NY"),
                },
            )
            oro.create("customeraddresses", {"data": address})


def seed_orders(client: Any, account_ids: list[str], k: int) -> int:
    """``k`` Draft orders on the standard price book, two items each, spread over the
    accounts; returns the number of items made. Raises RuntimeError when a save fails."""
    book = next(iter(client.records("SELECT Id FROM Pricebook2 WHERE IsStandard = true")))["Id"]
    entries = list(
        client.records(
            "SELECT Id, UnitPrice FROM PricebookEntry WHERE IsActive = true "
            f"AND Pricebook2Id = '{book}'"
        )
    )
    if len(entries) < 2:
        raise RuntimeError("the org needs at least 2 products for orders (--products)")
    today = date.today().isoformat()
    orders = [
        {"AccountId": account_ids[i % len(account_ids)], "EffectiveDate": today,
         "Status": "Draft", "Pricebook2Id": book, "PoNumber": f"PO-{i}"}
        for i in range(k)
    ]  # fmt: skip
    saved = client.collection_create("Order", orders)
    failed = [r for r in saved if not r.success]
    if failed:
        raise RuntimeError(f"{len(failed)} orders not created, e.g. {failed[0].errors}")
    items = []
    for i, result in enumerate(saved):
        for j in (0, 1):
            entry = entries[(2 * i + j) % len(entries)]
            items.append(
                {"OrderId": result.id, "PricebookEntryId": entry["Id"],
                 "Quantity": 1 + (i + j) % 5, "UnitPrice": entry["UnitPrice"]}
            )  # fmt: skip
    saved = client.collection_create("OrderItem", items)
    failed = [r for r in saved if not r.success]
    if failed:
        raise RuntimeError(f"{len(failed)} order items not created, e.g. {failed[0].errors}")
    return len(items)


def seed_oro_orders(oro_endpoint: Any, k: int) -> None:
    """``k`` orders made in Oro over its API, two line items each, spread over its
    customers (those sf.accounts made), as a buyer's order would be."""
    from pimsync.connectors.oro import connect as connect_oro

    with connect_oro(oro_endpoint.settings, oro_endpoint.secrets) as oro:
        customers = [r.id for r in oro.list("customers")]
        products = [r.id for r in oro.list("products")]
        for i in range(k):
            included = [
                {
                    "type": "orderlineitems",
                    "id": f"li{j}",
                    "attributes": {
                        "quantity": 1 + (i + j) % 4, "value": f"{5 + (i + j) % 7}.50",
                        "currency": "USD",
                    },
                    "relationships": {
                        "product": {"data": {
                            "type": "products", "id": products[(2 * i + j) % len(products)]}},
                        "productUnit": {"data": {"type": "productunits", "id": "each"}},
                    },
                }
                for j in (0, 1)
            ]  # fmt: skip
            document = {
                "data": {
                    "type": "orders",
                    "attributes": {"currency": "USD", "poNumber": f"ORO-PO-{i}"},
                    "relationships": {
                        "customer": {"data": {
                            "type": "customers", "id": customers[i % len(customers)]}},
                        "lineItems": {"data": [
                            {"type": "orderlineitems", "id": li["id"]} for li in included]},
                    },
                },
                "included": included,
            }  # fmt: skip
            oro.create("orders", document)


def sync(n: int, from_oro: int, orders: int = 0, oro_orders: int = 0, products: int = 20) -> None:
    """The two-way jobs over both sandboxes: initial sync, then a run with no change."""
    import tempfile
    from pathlib import Path

    from pimsync.config import JobConfig, ProjectConfig
    from pimsync.connectors.kinds import get_kind, parse_settings
    from pimsync.jobs import JobEngine, JobSpec, PairEngine
    from pimsync.runners.flows import Endpoint, FlowContext, get_flow
    from pimsync.state import create_state_engine, upgrade

    with_orders = bool(orders or oro_orders)
    crm_args = ("--accounts", str(n), "--products", str(products if with_orders else 0))
    with (
        sandbox("salesforce", *crm_args) as (crm_url, _crm_pid),
        sandbox("oro") as (shop_url, _shop_pid),
        tempfile.TemporaryDirectory() as folder,
    ):
        settings = SalesforceSettings(url=crm_url, auth="client_credentials", client_id=CLIENT_ID)
        secret = {"client_secret": SecretStr(CLIENT_SECRET)}
        started = time.perf_counter()
        with connect(settings, secret) as client:  # a second contact for each account
            ids = [r["Id"] for page in client.query("SELECT Id FROM Account") for r in page]
            rows = [
                {"FirstName": "Sam", "LastName": f"Second {i}", "Email": f"s{i}@example.com",
                 "AccountId": account}
                for i, account in enumerate(ids)
            ]  # fmt: skip
            client.bulk_ingest("Contact", "insert", rows, poll_interval=0.2)
            items = seed_orders(client, ids, orders) if orders else 0
            sf_orders = sum(1 for _ in client.records("SELECT Id FROM Order"))
            sf_products = sum(1 for _ in client.records("SELECT Id FROM Product2"))
        seeded = time.perf_counter() - started
        source = Endpoint(
            "crm", "salesforce",
            parse_settings("crm", get_kind("salesforce"), {"url": crm_url, "client_id": CLIENT_ID}),
            secret,
        )  # fmt: skip
        destination = Endpoint(
            "shop", "oro",
            parse_settings("shop", get_kind("oro"), {
                "url": shop_url, "client_id": "pimsync-oro", "version": "6.1.10"}),
            {"client_secret": SecretStr("pimsync-oro-secret")},
        )  # fmt: skip
        if from_oro:
            seed_oro(shop_url, from_oro)
        db = create_state_engine(f"sqlite:///{Path(folder) / 'state.db'}")
        upgrade(db)
        print(f"{len(ids)} accounts, {2 * len(ids)} contacts in the Salesforce sandbox")
        if with_orders:
            print(
                f"{sf_products} products; {sf_orders} orders ({orders} seeded with {items} "
                "items, the rest the demo's)"
            )
        print(f"{from_oro} customers made in Oro; seeding Salesforce took {seeded:.1f} s")
        print(
            "| run | job | time | Salesforce calls | of which writes | Oro calls | to Oro "
            "| to Salesforce | unchanged | rejected |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        crm_port, shop_port = _port(crm_url), _port(shop_url)
        flows = ["sf.accounts", "sf.contacts"]
        if with_orders:
            flows = ["sf.products", "sf.pricebooks", *flows, "sf.orders"]

        def run(label: str, flow: str) -> tuple[int, int]:
            PORT_CALLS.clear()
            config = JobConfig(flow=flow, source="crm", destination="shop", options={})
            context = FlowContext(flow, config, source, destination, ProjectConfig(), db)
            started = time.perf_counter()
            spec = get_flow(flow).build(context)
            if isinstance(spec, list | tuple):  # a one-way stream job
                job = JobSpec(name=flow, streams=spec, overlap=OVERLAP)
                report = JobEngine(db).run(job)
                streams = report.streams
                to_oro = sum(c.created + c.updated + c.disabled for c in streams.values())
                to_sf = 0
            else:
                report = PairEngine(db).run(replace(spec, overlap=OVERLAP))  # type: ignore[type-var]
                streams = report.streams
                to_oro = sum(c.created + c.updated for k, c in streams.items() if "oro" in k)
                to_sf = sum(c.created + c.updated for k, c in streams.items() if "salesforce" in k)
            seconds = time.perf_counter() - started
            unchanged = sum(c.unchanged for c in streams.values())
            rejected = sum(c.rejected for c in streams.values())
            calls = sum(c for (port, _kind), c in PORT_CALLS.items() if port == crm_port)
            writes = sum(
                c
                for (port, kind), c in PORT_CALLS.items()
                if port == crm_port and kind in ("POST", "PATCH", "DELETE")
            )
            oro_calls = sum(c for (port, _kind), c in PORT_CALLS.items() if port == shop_port)
            print(
                f"| {label} | {flow} | {seconds:.2f} s | {calls} | {writes} | {oro_calls} | "
                f"{to_oro} | {to_sf} | {unchanged} | {rejected} |",
                flush=True,
            )
            if report.error:
                print(f"  {flow}: {report.status}: {report.error}", flush=True)
            PORT_CALLS.clear()
            return calls, to_sf

        # The first run after a sync reads back pimsync's own writes (and writes nothing);
        # the next one has nothing to read.
        for label in ("initial", "echo check", "no change"):
            if label != "initial":
                time.sleep(2 * OVERLAP.total_seconds())  # past the overlap: nothing changed
            for flow in flows:
                run(label, flow)
        if oro_orders:
            started = time.perf_counter()
            seed_oro_orders(destination, oro_orders)
            made = time.perf_counter() - started
            PORT_CALLS.clear()
            calls, written = run("Oro orders", "sf.orders")
            for label in ("echo check", "no change"):
                time.sleep(2 * OVERLAP.total_seconds())
                run(label, "sf.orders")
            per_order = calls / written if written else float("nan")
            print(
                f"{oro_orders} orders made in Oro ({made:.1f} s); sf.orders wrote {written} to "
                f"Salesforce in {calls} Salesforce calls: {per_order:.2f} calls per order "
                f"({per_order * 1000:,.0f} per 1,000)"
            )
        db.dispose()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


PORT_CALLS: Counter[tuple[int | None, str]] = Counter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--sync", action="store_true", help="Run the two-way jobs instead.")
    parser.add_argument(
        "--from-oro", type=int, default=0, help="With --sync: customers made in Oro first."
    )
    parser.add_argument(
        "--orders", type=int, default=0, help="With --sync: Draft orders made in Salesforce."
    )
    parser.add_argument(
        "--orders-from-oro", type=int, default=0,
        help="With --sync: orders made in Oro after the runs, then synced to Salesforce.",
    )  # fmt: skip
    parser.add_argument(
        "--products", type=int, default=20, help="With --orders: products in Salesforce."
    )
    args = parser.parse_args()
    n = args.accounts
    count_calls()
    if args.sync:
        sync(n, args.from_oro, args.orders, args.orders_from_oro, args.products)
        return 0
    with sandbox("salesforce", "--accounts", "0", "--products", "0") as (url, _pid):
        settings = SalesforceSettings(url=url, auth="client_credentials", client_id=CLIENT_ID)
        client = connect(settings, {"client_secret": SecretStr(CLIENT_SECRET)})
        with client:
            client.session()  # the token, outside the counts
            rows = []
            for way in ("collections", "per record"):
                CALLS.clear()
                records = accounts(n, "c" if way == "collections" else "r")
                started = time.perf_counter()
                if way == "collections":
                    results = client.collection_upsert("Account", "Pimsync_Id__c", records)
                    failed = sum(1 for r in results if not r.success)
                else:
                    failed = 0
                    for record in records:
                        fields = {k: v for k, v in record.items() if k != "Pimsync_Id__c"}
                        client.upsert("Account", "Pimsync_Id__c", record["Pimsync_Id__c"], fields)
                seconds = time.perf_counter() - started
                calls = api_calls()
                rows.append((way, calls, calls * 1000 / n, seconds, failed))
    print(f"{n} account upserts against the Salesforce sandbox")
    print("| way | API calls | per 1,000 upserts | time | records/s | failed |")
    print("|---|---|---|---|---|---|")
    for way, calls, per_thousand, seconds, failed in rows:
        print(
            f"| {way} | {calls} | {per_thousand:.1f} | {seconds:.2f} s | "
            f"{n / seconds:,.0f} | {failed} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
