"""Salesforce Contracts → the custom Oro contract entity (``sf.contracts``) over both
sandboxes served on 127.0.0.1.

The accounts' links are seeded into the hub directly, as the sf.accounts job keeps them
(Salesforce Account id → Oro customer id under the Oro connection, entity ``account``).
Expected values come from the Salesforce sandbox's records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.oro import OroClient
from pimsync.connectors.oro import connect as connect_oro
from pimsync.errors import ConfigError
from pimsync.jobs import DeletionPolicy, JobEngine, JobSpec, Mode, RunReport
from pimsync.runners._sf_catalog import PRICE_LISTS
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.salesforce import SalesforceSandbox
from pimsync.state import cross_references, replace_cross_references
from pimsync.state._runs import list_failed
from tests.flows._sf_systems import served

JOB = "contracts"


@dataclass
class Systems:
    crm: SalesforceSandbox
    shop: OroSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine
    oro: OroClient

    def job(self, deletion: DeletionPolicy = DeletionPolicy.DELETE, **options: Any) -> JobSpec:
        config = JobConfig(flow="sf.contracts", source="crm", destination="shop", options=options)
        context = FlowContext(JOB, config, self.source, self.destination, ProjectConfig(), self.db)
        streams = get_flow("sf.contracts").build(context)
        return JobSpec(name=JOB, streams=streams, batch_size=5, deletion_policy=deletion)

    def run(self, mode: Mode = Mode.FULL, **options: Any) -> RunReport:
        report = JobEngine(self.db).run(self.job(**options), mode)
        assert report.error is None, report.error
        return report

    def contract(self, account: str, **values: Any) -> str:
        fields = {"AccountId": account, "StartDate": "2025-03-01", "ContractTerm": 6, **values}
        return self.crm.org.create("Contract", fields, user=self.crm.admin_user_id)

    def edit(self, contract: str, **values: Any) -> None:
        self.crm.org.update("Contract", contract, values, user=self.crm.admin_user_id)

    def customer(self, account: str) -> str:
        """An Oro customer for ``account``, linked in the hub as sf.accounts would."""
        name = self.crm.org.get("Account", account) or {"Name": account}
        body = {"data": {"type": "customers", "attributes": {"name": str(name["Name"])}}}
        document, _ = self.oro.create("customers", body)
        links = cross_references(self.db, "shop", "account")
        replace_cross_references(self.db, "shop", "account", {**links, account: document.one.id})
        return document.one.id

    def price_list(self, book: str, name: str) -> str:
        """An Oro price list for price book ``book``, linked as sf.pricebooks would."""
        body = {
            "data": {
                "type": "pricelists",
                "attributes": {"name": name, "priceListCurrencies": ["USD"]},
            }
        }
        document, _ = self.oro.create("pricelists", body)
        links = cross_references(self.db, "shop", PRICE_LISTS)
        replace_cross_references(self.db, "shop", PRICE_LISTS, {**links, book: document.one.id})
        return document.one.id

    def assignments(self, customer: str) -> list[tuple[str, int, bool]]:
        """(price list id, sortOrder, mergeAllowed) of the customer's assignments."""
        return [
            (
                r["relationships"]["priceList"]["id"],
                r["attributes"]["sortOrder"],
                r["attributes"]["mergeAllowed"],
            )
            for r in self.shop.customer_price_lists(customer)
        ]

    def contract_writes(self, method: str) -> int:
        return sum(
            n for k, n in self.shop.writes.items() if k.startswith(f"{method} /admin/api/extendc")
        )


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Systems]:
    crm = SalesforceSandbox.demo(products=2, accounts=3)
    shop = OroSandbox()
    with (
        served(crm, shop, tmp_path) as up,
        connect_oro(up.destination.settings, up.destination.secrets) as oro,
    ):
        yield Systems(crm, shop, up.source, up.destination, up.db, oro)


def _accounts(s: Systems) -> list[str]:
    return [str(r["Id"]) for r in s.crm.org.rows("Account")]


def _demo_contract(s: Systems) -> dict[str, Any]:
    (contract,) = s.crm.org.rows("Contract")
    return contract


def test_a_contract_reaches_the_oro_entity_with_its_customer_and_price_list(s: Systems) -> None:
    contract = _demo_contract(s)
    customer = s.customer(contract["AccountId"])
    price_list = s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")

    report = s.run()

    assert report.streams["contracts"].created == 1
    stored = s.shop.contract_by_salesforce_id(contract["Id"])
    assert stored is not None
    assert stored["attributes"] == stored["attributes"] | {
        "contract_number": contract["ContractNumber"],
        "status": contract["Status"],
        "start_date": str(contract["StartDate"]),
        "end_date": str(contract["EndDate"]),
        "contract_term": contract["ContractTerm"],
        "description": contract["Description"],
    }
    assert stored["relationships"]["customer"]["id"] == customer
    assert stored["relationships"]["price_list"]["id"] == price_list
    assert s.assignments(customer) == [(price_list, 1, True)]
    # the engine keeps the Oro id as the destination key
    assert cross_references(s.db, "shop", "contract") == {contract["Id"]: stored["id"]}

    again = s.run()
    assert again.streams["contracts"].unchanged == 1
    assert s.shop.count("extendcontracts") == 1
    assert len(s.assignments(customer)) == 1


def test_a_change_is_written_once(s: Systems) -> None:
    contract = _demo_contract(s)
    s.customer(contract["AccountId"])
    s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")
    s.run()
    before = s.contract_writes("PATCH")

    s.edit(contract["Id"], Description="Renewed for 2026", Status="Activated")
    changed = s.run(Mode.DIFF)
    unchanged = s.run(Mode.DIFF)

    assert changed.streams["contracts"].updated == 1
    assert unchanged.streams["contracts"].updated == 0
    assert s.contract_writes("PATCH") == before + 1
    assert s.contract_writes("POST") == 1
    stored = s.shop.contract_by_salesforce_id(contract["Id"])
    assert stored is not None
    assert stored["attributes"]["description"] == "Renewed for 2026"
    assert stored["attributes"]["status"] == "Activated"


def test_a_contract_of_an_unsynced_account_waits_for_its_link(s: Systems) -> None:
    contract = _demo_contract(s)
    s.customer(contract["AccountId"])
    s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")
    account = _accounts(s)[1]
    waiting = s.contract(account, Description="no customer yet")

    first = s.run()

    assert first.streams["contracts"].created == 1
    assert first.streams["contracts"].rejected == 1
    with s.db.connect() as conn:
        (failed,) = list_failed(conn, JOB)
    assert failed.key == waiting
    assert f"its account {account} is not synced to Oro yet" in str(failed.last_error)
    assert s.shop.contract_by_salesforce_id(waiting) is None
    for _ in range(5):  # as many runs as the job's max_attempts: waiting costs none
        s.run(Mode.DIFF)
    with s.db.connect() as conn:
        (still,) = list_failed(conn, JOB)
    assert (still.status, still.attempts) == ("pending", 0)

    customer = s.customer(account)
    retried = s.run(Mode.DIFF)

    assert retried.streams["contracts"].created == 1
    stored = s.shop.contract_by_salesforce_id(waiting)
    assert stored is not None
    assert stored["relationships"]["customer"]["id"] == customer
    assert s.assignments(customer) == []  # no price book, no price list
    with s.db.connect() as conn:
        assert list_failed(conn, JOB, status="pending") == []


def test_pricing_follows_the_contracts_price_book(s: Systems) -> None:
    contract = _demo_contract(s)
    customer = s.customer(contract["AccountId"])
    wholesale = s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")
    standard_book = s.crm.org.standard_pricebook_id
    standard = s.price_list(standard_book, "Salesforce Standard")
    second = s.contract(contract["AccountId"], Pricebook2Id=contract["Pricebook2Id"])

    s.run(sort_order=5, merge_allowed=False)
    assert s.assignments(customer) == [(wholesale, 5, False)]  # one row for both contracts

    s.edit(contract["Id"], Pricebook2Id=standard_book)
    s.run(Mode.DIFF, sort_order=5, merge_allowed=False)
    # the second contract still grants the wholesale list
    assert sorted(s.assignments(customer)) == sorted([(wholesale, 5, False), (standard, 5, False)])

    s.crm.org.delete("Contract", second, user=s.crm.admin_user_id)
    s.run(sort_order=5, merge_allowed=False)
    assert s.shop.contract_by_salesforce_id(second) is None
    assert s.assignments(customer) == [(standard, 5, False)]


def test_price_lists_option_names_the_price_list_of_a_price_book(s: Systems) -> None:
    contract = _demo_contract(s)
    customer = s.customer(contract["AccountId"])
    report = s.run(price_lists={contract["Pricebook2Id"]: "1"})  # the default price list
    assert report.streams["contracts"].created == 1
    assert s.assignments(customer) == [("1", 1, True)]


def test_a_price_book_without_a_price_list_is_rejected(s: Systems) -> None:
    contract = _demo_contract(s)
    s.customer(contract["AccountId"])
    report = s.run()
    assert report.streams["contracts"].rejected == 1
    with s.db.connect() as conn:
        (failed,) = list_failed(conn, JOB)
    assert f"its price book {contract['Pricebook2Id']} has no Oro price list" in str(
        failed.last_error
    )
    unpriced = s.run(pricing=False)
    assert unpriced.streams["contracts"].created == 1


def test_a_configured_mapping_and_entity_type(s: Systems) -> None:
    contract = _demo_contract(s)
    s.customer(contract["AccountId"])
    s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")
    s.run(fields={"description": "SpecialTerms", "status": "StatusCode"})
    stored = s.shop.contract_by_salesforce_id(contract["Id"])
    assert stored is not None
    assert stored["attributes"]["status"] == contract["StatusCode"]
    assert stored["attributes"]["description"] == contract["SpecialTerms"]
    assert stored["attributes"]["contract_number"] is None  # not mapped any more

    with pytest.raises(ConfigError, match="Colour__c"):
        s.job(fields={"status": "Colour__c"})
    with pytest.raises(ConfigError, match=r"options\.entity"):
        s.job(entity="contracts")
    with pytest.raises(ConfigError, match="salesforce_id"):
        s.job(fields={"salesforce_id": "Id"})


def test_a_deleted_contract_is_disabled_by_policy(s: Systems) -> None:
    contract = _demo_contract(s)
    customer = s.customer(contract["AccountId"])
    s.price_list(contract["Pricebook2Id"], "Salesforce Wholesale")
    s.run(deletion=DeletionPolicy.DISABLE)

    s.crm.org.delete("Contract", contract["Id"], user=s.crm.admin_user_id)
    report = s.run(deletion=DeletionPolicy.DISABLE)

    assert report.streams["contracts"].disabled == 1
    stored = s.shop.contract_by_salesforce_id(contract["Id"])
    assert stored is not None
    assert stored["attributes"]["status"] == "Deleted in Salesforce"
    assert stored["relationships"]["price_list"] is None
    assert s.assignments(customer) == []
