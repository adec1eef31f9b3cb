"""Customers, customer users, addresses and orders over HTTP (API brief §3.6, §3.7, §4.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro._operations import finished
from tests.sandbox_oro.conftest import API, product_doc

T0 = datetime(2025, 6, 1, 10, 0, 0, tzinfo=UTC)


class Clock:
    """A clock a test moves by hand, so ``updatedAt`` values are known."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> OroSandbox:
    return OroSandbox(clock=clock)


def address(temp: str, owner: str = "c1", **attributes: Any) -> dict[str, Any]:
    region = attributes.pop("region", "US-NY")
    country = attributes.pop("country", "US")
    return {
        "type": "customeraddresses",
        "id": temp,
        "attributes": {
            "street": "1 Main St",
            "city": "Rochester",
            "postalCode": "14608",
            "firstName": "Ann",
            "lastName": "Cole",
            **attributes,
        },
        "relationships": {
            "customer": {"data": {"type": "customers", "id": owner}},
            "country": {"data": {"type": "countries", "id": country}},
            "region": {"data": None if region is None else {"type": "regions", "id": region}},
        },
    }


def user(temp: str, email: str = "ann@acme.test", owner: str = "c1") -> dict[str, Any]:
    return {
        "type": "customerusers",
        "id": temp,
        "attributes": {"email": email, "firstName": "Ann", "lastName": "Cole"},
        "relationships": {
            "customer": {"data": {"type": "customers", "id": owner}},
            "userRoles": {"data": [{"type": "customeruserroles", "id": "2"}]},
        },
    }


def customer_doc(name: Any = "Acme Corp", *included: dict[str, Any], **attributes: Any) -> Any:
    attrs = {"name": name, **attributes} if name is not None else dict(attributes)
    return {
        "data": {
            "type": "customers",
            "id": "c1",
            "attributes": attrs,
            "relationships": {"group": {"data": {"type": "customergroups", "id": "2"}}},
        },
        "included": list(included),
    }


def error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert len(errors) == 1
    return errors[0]


def test_customer_with_address_and_user_in_one_request(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    billing = address("a1", types=[{"addressType": "billing", "default": True}])
    doc = customer_doc("Acme Corp", billing, user("u1"), externalId="001Hs00002abcdEFGA")
    response = oro.post(f"{API}/customers", json=doc)
    assert response.status_code == 201, response.text
    body = response.json()
    customer = body["data"]
    assert customer["attributes"]["externalId"] == "001Hs00002abcdEFGA"
    assert customer["attributes"]["createdAt"] == "2025-06-01T10:00:00Z"
    echoed = {i["meta"]["includeId"]: i for i in body["included"]}
    assert set(echoed) == {"a1", "u1"}
    links = customer["relationships"]
    assert links["addresses"]["data"] == [{"type": "customeraddresses", "id": echoed["a1"]["id"]}]
    assert links["users"]["data"] == [{"type": "customerusers", "id": echoed["u1"]["id"]}]
    assert links["owner"]["data"] == {"type": "users", "id": "1"}

    got = oro.get(f"{API}/customers/{customer['id']}", params={"include": "users,addresses"})
    types = sorted(i["type"] for i in got.json()["included"])
    assert types == ["customeraddresses", "customerusers"]
    stored = sandbox.customer_by_external_id("001Hs00002abcdEFGA")
    assert stored is not None and stored["id"] == customer["id"]
    (contact,) = sandbox.customer_users(customer["id"])
    assert contact["attributes"]["email"] == "ann@acme.test"
    assert contact["attributes"]["enabled"] is True
    (first,) = sandbox.customer_addresses(customer["id"])
    assert first["attributes"]["primary"] is True

    # a second default billing address takes the default over; the first stays primary
    second = address("a2", owner=customer["id"], street="2 Side St")
    second["attributes"]["types"] = [{"addressType": "billing", "default": True}]
    response = oro.post(f"{API}/customeraddresses", json={"data": second})
    assert response.status_code == 201, response.text
    old, new = sandbox.customer_addresses(customer["id"])
    assert old["attributes"]["types"] == [{"addressType": "billing", "default": False}]
    assert new["attributes"]["types"] == [{"addressType": "billing", "default": True}]
    assert (old["attributes"]["primary"], new["attributes"]["primary"]) == (True, False)


def test_required_fields_and_bad_places_are_rejected_with_pointers(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    e = error(oro.post(f"{API}/customers", json=customer_doc(None)))
    assert (e["title"], e["source"]["pointer"]) == ("not blank constraint", "/data/attributes/name")

    nameless = user("u1")
    del nameless["attributes"]["email"]
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", address("a1"), nameless)))
    assert (e["title"], e["source"]["pointer"]) == (
        "not blank constraint",
        "/included/1/attributes/email",
    )

    roleless = user("u1")
    del roleless["relationships"]["userRoles"]
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", roleless)))
    assert e["source"]["pointer"] == "/included/0/relationships/userRoles/data"

    bad_country = address("a1", country="XX", region=None)
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", bad_country)))
    assert e["title"] == "form constraint"
    assert e["source"]["pointer"] == "/included/0/relationships/country/data"

    wrong_region = address("a1", country="CA", region="US-NY")
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", wrong_region)))
    assert (e["title"], e["source"]["pointer"]) == (
        "valid region constraint",
        "/included/0/relationships/region/data",
    )
    no_region = address("a1", region=None)
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", no_region)))
    assert e["title"] == "required region constraint"

    no_street = address("a1", country="SG", region=None)
    del no_street["attributes"]["street"]
    e = error(oro.post(f"{API}/customers", json=customer_doc("Acme", no_street)))
    assert e["source"]["pointer"] == "/included/0/attributes/street"

    assert sandbox.count("customers") == 0
    assert sandbox.count("customeraddresses") == 0
    assert sandbox.count("customerusers") == 0


def test_external_id_is_unique_and_at_most_36_characters(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    ok = oro.post(f"{API}/customers", json=customer_doc("A", externalId="x" * 36))
    assert ok.status_code == 201, ok.text
    e = error(oro.post(f"{API}/customers", json=customer_doc("B", externalId="y" * 37)))
    assert (e["title"], e["source"]["pointer"]) == (
        "length constraint",
        "/data/attributes/externalId",
    )
    e = error(oro.post(f"{API}/customers", json=customer_doc("C", externalId="x" * 36)))
    assert (e["title"], e["source"]["pointer"]) == (
        "unique entity constraint",
        "/data/attributes/externalId",
    )
    other = oro.post(f"{API}/customers", json=customer_doc("D", externalId="SF-2"))
    assert other.status_code == 201
    # PATCH onto an id another customer holds is refused too; keeping its own is fine
    patch = {"data": {"type": "customers", "id": other.json()["data"]["id"]}}
    patch["data"]["attributes"] = {"externalId": "x" * 36}
    e = error(oro.patch(f"{API}/customers/{patch['data']['id']}", json=patch))
    assert e["title"] == "unique entity constraint"
    patch["data"]["attributes"] = {"externalId": "SF-2", "name": "D2"}
    assert oro.patch(f"{API}/customers/{patch['data']['id']}", json=patch).status_code == 200

    # upsert is off for customers (ids are generated; brief §1.9)
    upsert = customer_doc("E", externalId="SF-3")
    upsert["data"]["meta"] = {"upsert": ["externalId"]}
    e = error(oro.post(f"{API}/customers", json=upsert))
    assert e["detail"] == "The upsert operation is not allowed."

    found = oro.get(f"{API}/customers", params={"filter[externalId]": f"SF-2,{'x' * 36}"})
    assert sorted(c["attributes"]["name"] for c in found.json()["data"]) == ["A", "D2"]
    assert sandbox.count("customers") == 2


def test_updated_at_filter_returns_only_later_changes(
    oro: httpx.Client, sandbox: OroSandbox, clock: Clock
) -> None:
    ids = []
    for name in ("Old", "Touched", "Later"):
        response = oro.post(f"{API}/customers", json=customer_doc(name))
        ids.append(response.json()["data"]["id"])
        clock.now += timedelta(minutes=1)
    clock.now = T0 + timedelta(minutes=30)  # within the token lifetime
    patch = {
        "data": {
            "type": "customers",
            "id": ids[1],
            "attributes": {"name": "Touched 2", "updatedAt": "1999-01-01T00:00:00Z"},
        }
    }
    response = oro.patch(f"{API}/customers/{ids[1]}", json=patch)
    assert response.status_code == 200, response.text
    attributes = response.json()["data"]["attributes"]
    assert attributes["updatedAt"] == "2025-06-01T10:30:00Z"  # a sent updatedAt is ignored
    assert attributes["createdAt"] == "2025-06-01T10:01:00Z"

    def names(**params: str) -> list[str]:
        response = oro.get(f"{API}/customers", params=params)
        assert response.status_code == 200, response.text
        return [c["attributes"]["name"] for c in response.json()["data"]]

    assert names(**{"filter[updatedAt][gte]": "2025-06-01T10:30:00Z"}) == ["Touched 2"]
    assert names(**{"filter[updatedAt][gte]": "2025-06-01T10:02:00Z"}) == ["Touched 2", "Later"]
    assert names(**{"filter[updatedAt][lt]": "2025-06-01T10:02:00Z"}) == ["Old"]
    assert names(**{"filter[updatedAt][gte]": "2025-06-01T10:00:00Z", "sort": "-updatedAt"}) == [
        "Touched 2",
        "Later",
        "Old",
    ]
    assert names(**{"page[size]": "2"}) == ["Old", "Touched 2"]  # id order by default

    # customer users have no updatedAt filter: the column is not indexed (brief §4.1)
    e = error(oro.get(f"{API}/customerusers", params={"filter[updatedAt][gte]": "2025-01-01"}))
    assert (e["title"], e["source"]["parameter"]) == (
        "filter constraint",
        "filter[updatedAt][gte]",
    )


def _order_setup(sandbox: OroSandbox) -> tuple[str, str, str]:
    """A customer with a user, and a product sold by the piece: their ids."""
    customer = sandbox.create("customers", customer_doc("Buyer Inc", user("u1")))
    (contact,) = sandbox.customer_users(customer["id"])
    product = sandbox.create("products", product_doc("ABC-1", name="Widget"))
    return customer["id"], contact["id"], product["id"]


def order_doc(customer: str, product: str, *, free_sku: Any = "FREE-1") -> dict[str, Any]:
    def place(temp: str, street: str) -> dict[str, Any]:
        return {
            "type": "orderaddresses",
            "id": temp,
            "attributes": {"street": street, "city": "Rochester", "postalCode": "14608"}
            | {"firstName": "A", "lastName": "Cole"},
            "relationships": {
                "country": {"data": {"type": "countries", "id": "US"}},
                "region": {"data": {"type": "regions", "id": "US-NY"}},
            },
        }

    unit = {"data": {"type": "productunits", "id": "each"}}
    free = {"quantity": 3, "value": "4.25", "currency": "USD", "freeFormProduct": "Gift wrap"}
    if free_sku is not None:
        free["productSku"] = free_sku
    return {
        "data": {
            "type": "orders",
            "attributes": {"identifier": "SO-1001", "poNumber": "PO-77", "currency": "USD"}
            | {"externalId": "801Hs00000AbCdEQAZ", "estimatedShippingCostAmount": 5}
            | {"subtotalValue": "999.00"},
            "relationships": {
                "customer": {"data": {"type": "customers", "id": customer}},
                "lineItems": {
                    "data": [
                        {"type": "orderlineitems", "id": "li1"},
                        {"type": "orderlineitems", "id": "li2"},
                    ]
                },
                "billingAddress": {"data": {"type": "orderaddresses", "id": "ba1"}},
                "shippingAddress": {"data": {"type": "orderaddresses", "id": "sa1"}},
            },
        },
        "included": [
            {
                "type": "orderlineitems",
                "id": "li1",
                "attributes": {"quantity": 2, "value": 10.5, "currency": "USD"},
                "relationships": {
                    "product": {"data": {"type": "products", "id": product}},
                    "productUnit": unit,
                },
            },
            {
                "type": "orderlineitems",
                "id": "li2",
                "attributes": free,
                "relationships": {"productUnit": unit},
            },
            place("ba1", "1 Bill St"),
            place("sa1", "2 Ship St"),
        ],
    }


def test_order_with_line_items_and_addresses_in_one_request(
    oro: httpx.Client, sandbox: OroSandbox, clock: Clock
) -> None:
    customer, _, product = _order_setup(sandbox)
    response = oro.post(f"{API}/orders", json=order_doc(customer, product))
    assert response.status_code == 201, response.text
    order = response.json()["data"]
    attributes = order["attributes"]
    # 2 × 10.50 + 3 × 4.25 = 33.75; the total adds the 5.00 shipping; sent totals ignored
    assert attributes["subtotalValue"] == "33.7500"
    assert attributes["subtotalWithDiscountsValue"] == "33.7500"
    assert attributes["totalDiscountsAmount"] == "0.0000"
    assert attributes["totalValue"] == "38.7500"
    assert attributes["identifier"] == "SO-1001"
    relationships = order["relationships"]
    assert relationships["internalStatus"]["data"] == {
        "type": "orderinternalstatuses",
        "id": "open",
    }
    assert relationships["billingAddress"]["data"]["type"] == "orderaddresses"

    included = {i["meta"]["includeId"]: i for i in response.json()["included"]}
    product_line, free_line = included["li1"], included["li2"]
    assert product_line["attributes"]["productSku"] == "ABC-1"  # copied from the product
    assert product_line["attributes"]["productName"] == "Widget"
    assert product_line["attributes"]["value"] == "10.5000"
    assert product_line["attributes"]["productUnitCode"] == "each"
    assert free_line["attributes"]["productSku"] == "FREE-1"
    assert product_line["relationships"]["orders"]["data"] == [
        {"type": "orders", "id": order["id"]}
    ]

    (stored,) = sandbox.orders_of(customer)
    assert stored["id"] == order["id"]
    assert sandbox.order_by_external_id("801Hs00000AbCdEQAZ") is not None
    assert [i["attributes"]["quantity"] for i in sandbox.order_line_items(order["id"])] == [2, 3]

    # changing a line item on its own recomputes its order's totals and stamps the order
    clock.now += timedelta(minutes=5)
    item_id = product_line["id"]
    patch = {"data": {"type": "orderlineitems", "id": item_id, "attributes": {"quantity": 4}}}
    assert oro.patch(f"{API}/orderlineitems/{item_id}", json=patch).status_code == 200
    changed = oro.get(f"{API}/orders/{order['id']}").json()["data"]["attributes"]
    assert (changed["subtotalValue"], changed["totalValue"]) == ("54.7500", "59.7500")
    assert changed["updatedAt"] == "2025-06-01T10:05:00Z"
    found = oro.get(
        f"{API}/orders", params={"filter[updatedAt][gte]": "2025-06-01T10:05:00Z"}
    ).json()["data"]
    assert [o["id"] for o in found] == [order["id"]]


def test_order_validation(oro: httpx.Client, sandbox: OroSandbox) -> None:
    customer, _, product = _order_setup(sandbox)
    e = error(oro.post(f"{API}/orders", json=order_doc(customer, product, free_sku=None)))
    assert (e["title"], e["source"]["pointer"]) == (
        "not blank constraint",
        "/included/1/attributes/productSku",
    )
    doc = order_doc(customer, product)
    doc["included"][0]["attributes"]["currency"] = "XYZ"
    e = error(oro.post(f"{API}/orders", json=doc))
    assert (e["title"], e["source"]["pointer"]) == (
        "currency constraint",
        "/included/0/attributes/currency",
    )
    doc = order_doc(customer, product)
    doc["included"][0]["attributes"]["quantity"] = 0
    e = error(oro.post(f"{API}/orders", json=doc))
    assert e["source"]["pointer"] == "/included/0/attributes/quantity"
    doc = order_doc(customer, product)
    del doc["data"]["relationships"]["customer"]
    e = error(oro.post(f"{API}/orders", json=doc))
    assert e["source"]["pointer"] == "/data/relationships/customer/data"
    doc = order_doc(customer, product)
    doc["data"]["relationships"]["lineItems"]["data"] = []
    doc["included"] = doc["included"][2:]
    e = error(oro.post(f"{API}/orders", json=doc))
    assert (e["title"], e["source"]["pointer"]) == (
        "count constraint",
        "/data/relationships/lineItems/data",
    )
    doc = order_doc(customer, product)
    doc["data"]["attributes"]["externalId"] = "z" * 37
    e = error(oro.post(f"{API}/orders", json=doc))
    assert e["source"]["pointer"] == "/data/attributes/externalId"
    assert sandbox.count("orders") == 0
    assert sandbox.count("orderlineitems") == 0
    assert sandbox.count("orderaddresses") == 0


def test_async_batch_of_customers_loads_the_valid_ones(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    def item(temp: str, name: str | None, ext: str) -> dict[str, Any]:
        attributes = {"externalId": ext} | ({"name": name} if name else {})
        return {"type": "customers", "id": temp, "attributes": attributes}

    body = {
        "data": [
            item("c1", "North", "SF-1"),
            item("c2", None, "SF-2"),
            item("c3", "South", "SF-3"),
        ],
        "included": [address("a1", owner="c1"), address("a3", owner="c3")],
    }
    response = oro.patch(f"{API}/customers", json=body)
    assert response.status_code == 202, response.text
    done = finished(oro, response.headers["Content-Location"])
    summary = done["summary"]
    assert (summary["createCount"], summary["errorCount"]) == (2, 1)
    errors = oro.get(response.headers["Content-Location"] + "/errors").json()["data"]
    assert [(e["attributes"]["title"], e["attributes"]["source"]["pointer"]) for e in errors] == [
        ("not blank constraint", "/data/1/attributes/name")
    ]
    assert sandbox.customer_by_external_id("SF-2") is None
    south = sandbox.customer_by_external_id("SF-3")
    assert south is not None
    assert len(sandbox.customer_addresses(south["id"])) == 1
    assert sandbox.count("customers") == 2
