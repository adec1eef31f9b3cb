"""The custom contract entity and price list assignments to customers over HTTP
(API brief §3.5: Oro has no contract entity; ``pricelisttocustomers``)."""

from __future__ import annotations

from typing import Any

import httpx

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro.conftest import API

CONTRACTS = f"{API}/extendcontracts"
ASSIGNMENTS = f"{API}/pricelisttocustomers"


def _customer(oro: httpx.Client, name: str = "Acme Corp") -> str:
    doc = {"data": {"type": "customers", "attributes": {"name": name}}}
    response = oro.post(f"{API}/customers", json=doc)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _price_list(oro: httpx.Client, name: str = "Acme contract") -> str:
    doc = {
        "data": {
            "type": "pricelists",
            "attributes": {"name": name, "priceListCurrencies": ["USD"]},
        }
    }
    response = oro.post(f"{API}/pricelists", json=doc)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def contract_doc(customer: str | None, sf_id: str = "800000000000001AAA", **attributes: Any) -> Any:
    links = {"customer": {"data": {"type": "customers", "id": customer} if customer else None}}
    return {
        "data": {
            "type": "extendcontracts",
            "attributes": {
                "salesforce_id": sf_id,
                "contract_number": "00000100",
                "status": "Draft",
                "start_date": "2025-01-01",
                "contract_term": 12,
                **attributes,
            },
            "relationships": links,
        }
    }


def assignment_doc(customer: str, price_list: str, sort_order: Any = 1) -> Any:
    attributes = {} if sort_order is None else {"sortOrder": sort_order}
    return {
        "data": {
            "type": "pricelisttocustomers",
            "attributes": attributes,
            "relationships": {
                "customer": {"data": {"type": "customers", "id": customer}},
                "priceList": {"data": {"type": "pricelists", "id": price_list}},
            },
        }
    }


def test_a_contract_is_created_updated_and_found_by_its_salesforce_id(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    customer = _customer(oro)
    created = oro.post(CONTRACTS, json=contract_doc(customer))
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["attributes"]["status"] == "Draft"
    assert data["attributes"]["end_date"] is None
    assert data["relationships"]["customer"]["data"] == {"type": "customers", "id": customer}
    assert data["relationships"]["price_list"]["data"] is None

    patch = {"data": {"type": "extendcontracts", "id": data["id"]}}
    patch["data"]["attributes"] = {"status": "Activated", "end_date": "2025-12-31"}
    updated = oro.patch(f"{CONTRACTS}/{data['id']}", json=patch)
    assert updated.status_code == 200, updated.text

    listed = oro.get(CONTRACTS, params={"filter[salesforce_id]": "800000000000001AAA"})
    assert [r["id"] for r in listed.json()["data"]] == [data["id"]]
    by_customer = oro.get(CONTRACTS, params={"filter[customer]": customer, "filter[status]": "X"})
    assert by_customer.json()["data"] == []
    found = sandbox.contract_by_salesforce_id("800000000000001AAA")
    assert found is not None
    assert found["attributes"]["status"] == "Activated"
    assert found["attributes"]["end_date"] == "2025-12-31"


def test_contract_rules_name_the_offending_field(oro: httpx.Client) -> None:
    customer = _customer(oro)
    cases = [
        (contract_doc(None), "/data/relationships/customer/data"),
        (contract_doc(customer, start_date="01/02/2025"), "/data/attributes/start_date"),
        (contract_doc(customer, contract_term=-1), "/data/attributes/contract_term"),
        (contract_doc(customer, sf_id="x" * 19), "/data/attributes/salesforce_id"),
        (contract_doc(customer, unknown="x"), "/data/attributes/unknown"),
    ]
    for doc, pointer in cases:
        response = oro.post(CONTRACTS, json=doc)
        assert response.status_code == 400, (pointer, response.text)
        assert response.json()["errors"][0]["source"]["pointer"] == pointer
    assert oro.post(CONTRACTS, json=contract_doc(customer)).status_code == 201
    again = oro.post(CONTRACTS, json=contract_doc(customer))
    assert again.status_code == 400
    assert again.json()["errors"][0]["title"] == "unique entity constraint"


def test_a_contract_links_only_existing_customers_and_price_lists(oro: httpx.Client) -> None:
    missing = oro.post(CONTRACTS, json=contract_doc("999"))
    assert missing.status_code in (400, 404), missing.text
    customer = _customer(oro)
    doc = contract_doc(customer)
    doc["data"]["relationships"]["price_list"] = {"data": {"type": "pricelists", "id": "999"}}
    assert oro.post(CONTRACTS, json=doc).status_code in (400, 404)
    doc["data"]["relationships"]["price_list"] = {"data": {"type": "customers", "id": customer}}
    assert oro.post(CONTRACTS, json=doc).status_code == 400


def test_a_price_list_is_assigned_to_a_customer_once_per_website(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    customer, price_list = _customer(oro), _price_list(oro)
    created = oro.post(ASSIGNMENTS, json=assignment_doc(customer, price_list))
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["attributes"] == {"sortOrder": 1, "mergeAllowed": True}
    assert data["relationships"]["website"]["data"] == {"type": "websites", "id": "1"}

    twice = oro.post(ASSIGNMENTS, json=assignment_doc(customer, price_list, 5))
    assert twice.status_code == 400
    assert twice.json()["errors"][0]["title"] == "unique entity constraint"
    no_order = oro.post(ASSIGNMENTS, json=assignment_doc(customer, price_list, None))
    assert no_order.status_code == 400
    assert no_order.json()["errors"][0]["source"]["pointer"] == "/data/attributes/sortOrder"

    listed = oro.get(ASSIGNMENTS, params={"filter[customer]": customer})
    assert [r["id"] for r in listed.json()["data"]] == [data["id"]]
    assert oro.get(ASSIGNMENTS, params={"filter[priceList]": "1"}).json()["data"] == []
    assert [r["id"] for r in sandbox.customer_price_lists(customer)] == [data["id"]]


def test_an_assignment_keeps_its_customer_but_may_change_price_list(oro: httpx.Client) -> None:
    customer, other = _customer(oro), _customer(oro, "Other Corp")
    first, second = _price_list(oro), _price_list(oro, "Second")
    created = oro.post(ASSIGNMENTS, json=assignment_doc(customer, first)).json()["data"]
    patch = assignment_doc(other, second, 7)
    patch["data"]["id"] = created["id"]
    patch["data"]["attributes"]["mergeAllowed"] = False
    updated = oro.patch(f"{ASSIGNMENTS}/{created['id']}", json=patch)
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert data["relationships"]["customer"]["data"]["id"] == customer  # read-only after create
    assert data["relationships"]["priceList"]["data"]["id"] == second
    assert data["attributes"] == {"sortOrder": 7, "mergeAllowed": False}
    assert oro.delete(f"{ASSIGNMENTS}/{created['id']}").status_code == 204
    assert oro.get(ASSIGNMENTS, params={"filter[customer]": customer}).json()["data"] == []


def test_websites_are_read_only(oro: httpx.Client) -> None:
    listed = oro.get(f"{API}/websites").json()["data"]
    assert [(w["id"], w["attributes"]["name"]) for w in listed] == [("1", "Default")]
    doc = {"data": {"type": "websites", "attributes": {"name": "Second"}}}
    assert oro.post(f"{API}/websites", json=doc).status_code == 405
