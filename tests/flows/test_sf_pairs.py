"""sf.accounts and sf.contacts over both sandboxes on 127.0.0.1: records made on either
side reach the other, each change crosses once, pimsync's own writes never bounce back,
conflicts follow the ownership policy and are reported, contacts follow their accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.errors import ConfigError
from pimsync.jobs import PairEngine, PairSpec, RunReport, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.salesforce import SalesforceSandbox
from pimsync.state import _runs
from tests.flows._sf_systems import served

ACME = {
    "Name": "Acme",
    "Phone": "+49 30 1",
    "BillingStreet": "Unter den Linden 1",
    "BillingCity": "Berlin",
    "BillingPostalCode": "10117",
    "BillingState": "Berlin",
    "BillingCountry": "Germany",
}


@dataclass
class Systems:
    crm: SalesforceSandbox
    shop: OroSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine

    def build(self, flow: str, **options: Any) -> PairSpec:
        config = JobConfig(flow=flow, source="crm", destination="shop", options=options)
        context = FlowContext(flow, config, self.source, self.destination, ProjectConfig(), self.db)
        spec = get_flow(flow).build(context)
        assert isinstance(spec, PairSpec)
        return spec

    def run(self, flow: str, **options: Any) -> RunReport:
        return PairEngine(self.db).run(self.build(flow, **options))

    def writes(self) -> int:
        crm = sum(
            n
            for key, n in self.crm.requests.items()
            if key.split(" ")[0] in ("POST", "PATCH", "DELETE") and "/services/data/" in key
        )
        return crm + sum(self.shop.writes.values())

    def account(self, **fields: Any) -> str:
        return self.crm.org.create("Account", {**ACME, **fields}, user=self.crm.admin_user_id)

    def sf_edit(self, type_: str, id_: str, **fields: Any) -> None:
        self.crm.org.update(type_, id_, fields, user=self.crm.admin_user_id)

    def accounts(self) -> dict[str, dict[str, Any]]:
        return {r["Name"]: r for r in self.crm.org.rows("Account")}

    def customers(self) -> dict[str, dict[str, Any]]:
        with self.shop.store.lock:
            records = list(self.shop.store.records.get("customers", {}).values())
        return {r["attributes"]["name"]: r for r in records}

    def address(self, customer_id: str) -> dict[str, Any]:
        (found,) = self.shop.customer_addresses(customer_id)
        return found


@pytest.fixture
def systems(tmp_path: Path) -> Iterator[Systems]:
    crm, shop = SalesforceSandbox(), OroSandbox()
    with served(crm, shop, tmp_path) as up:
        yield Systems(crm, shop, up.source, up.destination, up.db)


def oro_customer(systems: Systems, name: str) -> str:
    customer = systems.shop.create(
        "customers", {"data": {"type": "customers", "attributes": {"name": name}}}
    )
    systems.shop.create(
        "customeraddresses",
        {
            "data": {
                "type": "customeraddresses",
                "attributes": {
                    "street": "1 Main St",
                    "city": "Rochester",
                    "postalCode": "14608",
                    "organization": name,
                    "phone": "555-1",
                    "types": [{"addressType": "billing", "default": True}],
                },
                "relationships": {
                    "customer": {"data": {"type": "customers", "id": customer["id"]}},
                    "country": {"data": {"type": "countries", "id": "US"}},
                    "region": {"data": {"type": "regions", "id": "US-NY"}},
                },
            }
        },
    )
    return str(customer["id"])


def assert_no_echo(systems: Systems, flow: str, runs: int = 3) -> None:
    for _ in range(runs):
        before = systems.writes()
        report = systems.run(flow)
        assert report.status is RunStatus.SUCCEEDED, report.error
        assert systems.writes() == before


def test_accounts_sync_both_ways_then_never_echo(systems: Systems) -> None:
    systems.account()
    oro_customer(systems, "Globex")

    report = systems.run("sf.accounts")

    assert report.status is RunStatus.SUCCEEDED, report.error
    customers, accounts = systems.customers(), systems.accounts()
    assert set(customers) == set(accounts) == {"Acme", "Globex"}
    acme = systems.address(customers["Acme"]["id"])
    assert acme["attributes"]["city"] == "Berlin"
    assert acme["relationships"]["region"] == {"type": "regions", "id": "DE-BE"}
    assert acme["relationships"]["country"] == {"type": "countries", "id": "DE"}
    assert customers["Acme"]["attributes"]["externalId"] == accounts["Acme"]["Id"]
    globex = accounts["Globex"]
    assert (globex["BillingCity"], globex["BillingState"], globex["BillingCountry"]) == (
        "Rochester",
        "New York",
        "United States",
    )
    assert globex["Oro_Id__c"] == customers["Globex"]["id"]
    assert_no_echo(systems, "sf.accounts")


def test_a_change_on_either_side_arrives_once(systems: Systems) -> None:
    sf_id = systems.account()
    systems.run("sf.accounts")
    oro_id = systems.customers()["Acme"]["id"]

    systems.sf_edit("Account", sf_id, BillingCity="Potsdam")
    report = systems.run("sf.accounts")
    assert report.streams["account → oro"].updated == 1
    assert systems.address(oro_id)["attributes"]["city"] == "Potsdam"
    assert_no_echo(systems, "sf.accounts", runs=1)

    address = systems.address(oro_id)
    systems.shop.store.records["customeraddresses"][address["id"]]["attributes"].update(
        street="Friedrichstr. 5", updatedAt=systems.shop.timestamp()
    )
    report = systems.run("sf.accounts")
    assert report.streams["account → salesforce"].updated == 1
    assert report.streams["account → oro"].updated == 0
    assert systems.accounts()["Acme"]["BillingStreet"] == "Friedrichstr. 5"
    assert_no_echo(systems, "sf.accounts")


def test_a_conflict_follows_ownership_and_is_reported(systems: Systems) -> None:
    sf_id = systems.account()
    systems.run("sf.accounts")
    oro_id = systems.customers()["Acme"]["id"]
    systems.shop.store.records["customers"][oro_id]["attributes"].update(
        name="Acme (shop)", updatedAt=systems.shop.timestamp()
    )
    address = systems.address(oro_id)
    systems.shop.store.records["customeraddresses"][address["id"]]["attributes"].update(
        city="Hamburg", updatedAt=systems.shop.timestamp()
    )
    systems.sf_edit("Account", sf_id, Name="Acme GmbH", BillingCity="Köln")  # the later edit

    report = systems.run("sf.accounts")

    assert report.status is RunStatus.SUCCEEDED, report.error
    with systems.db.connect() as conn:
        items = _runs.list_items(conn, report.run_id, "conflict")
    assert len(items) == 1
    assert "name: salesforce" in (items[0].message or "")  # Salesforce owns the name
    assert "city: salesforce" in (items[0].message or "")  # the last modified
    assert set(systems.customers()) == {"Acme GmbH"}
    assert systems.address(oro_id)["attributes"]["city"] == "Köln"
    assert_no_echo(systems, "sf.accounts")


def test_an_account_without_name_from_oro_is_refused(systems: Systems) -> None:
    oro_customer(systems, "Blank")
    systems.shop.store.records["customers"][systems.customers()["Blank"]["id"]]["attributes"][
        "name"
    ] = " "
    report = systems.run("sf.accounts")
    assert report.status is RunStatus.PARTIAL
    with systems.db.connect() as conn:
        (item,) = _runs.list_items(conn, report.run_id, "rejected")
    assert "needs Name" in (item.message or "")
    assert systems.accounts() == {}


def test_an_initial_load_from_oro_goes_through_a_bulk_job(systems: Systems) -> None:
    ids = {name: oro_customer(systems, name) for name in ("Ann", "Bob", "Cid", "Dee")}
    address = systems.address(ids["Dee"])
    systems.shop.store.records["customeraddresses"][address["id"]]["attributes"].update(
        phone="+1 " + "5" * 45,
        updatedAt=systems.shop.timestamp(),  # Phone holds 40
    )

    report = systems.run("sf.accounts", bulk_threshold=3)

    assert report.status is RunStatus.PARTIAL
    assert systems.crm.requests["POST /services/data/v62.0/jobs/ingest"] == 1
    assert not any("composite/sobjects" in key for key in systems.crm.requests)
    made = systems.accounts()
    assert set(made) == {"Ann", "Bob", "Cid"}
    assert {name: made[name]["Oro_Id__c"] for name in made} == {name: ids[name] for name in made}
    assert report.streams["account → salesforce"].created == 3
    with systems.db.connect() as conn:
        (item,) = _runs.list_items(conn, report.run_id, "rejected")
    assert item.key == ids["Dee"] and "STRING_TOO_LONG" in (item.message or "")

    systems.shop.store.records["customeraddresses"][address["id"]]["attributes"].update(
        phone="555-2", updatedAt=systems.shop.timestamp()
    )
    report = systems.run("sf.accounts", bulk_threshold=3)  # one record: a collection
    assert report.status is RunStatus.SUCCEEDED, report.error
    assert systems.accounts()["Dee"]["Phone"] == "555-2"
    assert_no_echo(systems, "sf.accounts")


def test_unknown_salesforce_field_is_a_config_error(systems: Systems) -> None:
    with pytest.raises(ConfigError, match="Fax__c"):
        systems.run("sf.accounts", fields={"name": "Name", "phone": "Fax__c"})


def test_contacts_follow_their_accounts_and_wait_for_them(systems: Systems) -> None:
    acme = systems.account()
    crm, admin = systems.crm.org, systems.crm.admin_user_id
    contact = {"FirstName": "Ann", "LastName": "Cole", "Email": "ann@acme.test"}
    crm.create("Contact", {**contact, "AccountId": acme}, user=admin)

    early = systems.run("sf.contacts")  # the account is not in Oro yet
    assert early.status is RunStatus.PARTIAL
    with systems.db.connect() as conn:
        (item,) = _runs.list_items(conn, early.run_id, "rejected")
    assert "not in Oro yet" in (item.message or "")

    systems.run("sf.accounts")
    report = systems.run("sf.contacts")  # nothing changed in Salesforce: the retry
    assert report.status is RunStatus.SUCCEEDED, report.error
    customer = systems.customers()["Acme"]["id"]
    (user,) = systems.shop.customer_users(customer)
    assert user["attributes"]["email"] == "ann@acme.test"
    assert_no_echo(systems, "sf.contacts")

    with systems.shop.store.lock:
        stored = systems.shop.store.records["customerusers"][user["id"]]["attributes"]
        stored.update(firstName="Annie", updatedAt=systems.shop.timestamp())
    report = systems.run("sf.contacts")
    assert report.streams["contact → salesforce"].updated == 1
    (sf_contact,) = crm.rows("Contact")
    assert sf_contact["FirstName"] == "Annie"
    assert_no_echo(systems, "sf.contacts")


class SimulatedCrash(BaseException):
    """The process dying between the writes and the commit of what they did."""


def test_a_crash_before_the_commit_makes_no_duplicate_on_the_rerun(
    systems: Systems, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems.account()  # made in Salesforce
    oro_customer(systems, "Globex")  # made in Oro

    def crash(*_args: object, **_kwargs: object) -> None:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr("pimsync.jobs._pair._PairRun._commit", crash)
        with pytest.raises(SimulatedCrash):
            systems.run("sf.accounts")
    # Both records were written to the other side, but the hub stored nothing of it.
    assert set(systems.accounts()) == set(systems.customers()) == {"Acme", "Globex"}

    report = systems.run("sf.accounts")

    assert report.status is RunStatus.SUCCEEDED, report.error
    names_sf = [r["Name"] for r in systems.crm.org.rows("Account")]
    with systems.shop.store.lock:
        names_oro = [
            r["attributes"]["name"] for r in systems.shop.store.records["customers"].values()
        ]
    assert sorted(names_sf) == sorted(names_oro) == ["Acme", "Globex"]  # upserts found them
    assert_no_echo(systems, "sf.accounts")


def test_an_expired_session_mid_run_is_renewed(systems: Systems) -> None:
    systems.account()
    oro_customer(systems, "Globex")
    spec = systems.build("sf.accounts")  # signed in while checking the fields
    systems.crm.faults.expire_tokens()

    report = PairEngine(systems.db).run(spec)

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert set(systems.accounts()) == set(systems.customers()) == {"Acme", "Globex"}


def test_the_api_limit_mid_run_fails_the_run_and_the_next_one_loses_nothing(
    systems: Systems,
) -> None:
    systems.account()  # made in Salesforce
    oro_customer(systems, "Globex")  # made in Oro
    # Another integration spent the org's allocation: the write of Globex is refused.
    upsert = "/services/data/v62.0/composite/sobjects/Account/Oro_Id__c"
    systems.crm.faults.fail_next(upsert, 403)

    failed = systems.run("sf.accounts")

    assert failed.status is RunStatus.FAILED
    assert "REQUEST_LIMIT_EXCEEDED" in (failed.error or "")
    assert set(systems.accounts()) == {"Acme"}  # Globex did not reach Salesforce
    assert systems.crm.requests[f"PATCH {upsert}"] == 1  # not retried in a loop

    report = systems.run("sf.accounts")

    assert report.status is RunStatus.SUCCEEDED, report.error
    names_sf = sorted(r["Name"] for r in systems.crm.org.rows("Account"))
    with systems.shop.store.lock:
        names_oro = sorted(
            r["attributes"]["name"] for r in systems.shop.store.records["customers"].values()
        )
    assert names_sf == names_oro == ["Acme", "Globex"]  # nothing lost, nothing doubled
    assert_no_echo(systems, "sf.accounts")


def test_a_record_salesforce_refuses_in_a_collection_is_retried_alone(
    systems: Systems,
) -> None:
    ids = {name: oro_customer(systems, name) for name in ("Ann", "Bob")}
    address = systems.address(ids["Bob"])
    record = systems.shop.store.records["customeraddresses"][address["id"]]
    record["attributes"]["phone"] = "+1 " + "5" * 45  # Phone holds 40

    first = systems.run("sf.accounts")

    assert first.status is RunStatus.PARTIAL
    assert set(systems.accounts()) == {"Ann"}  # the rest of the collection is kept
    with systems.db.connect() as conn:
        (item,) = _runs.list_items(conn, first.run_id, "rejected")
    assert item.key == ids["Bob"] and "STRING_TOO_LONG" in (item.message or "")
    # Fixed in place without touching updatedAt: only the retry list brings it back.
    record["attributes"]["phone"] = "555-3"

    retry = systems.run("sf.accounts")

    assert retry.status is RunStatus.SUCCEEDED, retry.error
    assert systems.accounts()["Bob"]["Phone"] == "555-3"
    assert_no_echo(systems, "sf.accounts")
