"""External-ID addressing (``X-Integration-Type: ext_id``): products go by SKU."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pimsync.sandbox.oro import OroSandbox, serve
from tests.sandbox_oro._operations import finished
from tests.sandbox_oro.conftest import API, connect, numbered, price_item, product_doc

EXT = {"X-Integration-Type": "ext_id"}


def by_sku(sku: str, **attributes: Any) -> dict[str, Any]:
    """A create document in ext_id mode: the product's id is its SKU, no ``sku`` attribute."""
    doc = product_doc(sku, **attributes)
    del doc["data"]["attributes"]["sku"]
    doc["data"]["id"] = sku
    return doc


def stored_id(sandbox: OroSandbox, sku: str) -> str:
    product = sandbox.product_by_sku(sku)
    assert product is not None, sku
    return str(product["id"])


def test_get_by_sku_shows_the_sku_as_id_and_the_db_id(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    db_id = sandbox.create("products", product_doc("ABC-1"))["id"]
    response = oro.get(f"{API}/products/abc-1", params={"include": "names"}, headers=EXT)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["id"] == "ABC-1"
    assert data["attributes"]["dbId"] == int(db_id)
    assert data["links"]["self"].endswith(f"{API}/products/ABC-1")
    names = response.json()["included"]
    assert {n["relationships"]["product"]["data"]["id"] for n in names} == {"ABC-1"}

    normal = oro.get(f"{API}/products/{db_id}", params={"include": "names"})
    assert normal.status_code == 200
    assert normal.json()["data"]["id"] == db_id
    assert "dbId" not in normal.json()["data"]["attributes"]
    names = normal.json()["included"]
    assert {n["relationships"]["product"]["data"]["id"] for n in names} == {db_id}

    assert oro.get(f"{API}/products/{db_id}", headers=EXT).status_code == 404
    assert oro.get(f"{API}/products/ABC-1").status_code == 404
    assert oro.get(f"{API}/products/NOPE-1", headers=EXT).status_code == 404


def test_post_with_the_sku_as_id_creates_and_a_second_post_conflicts(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    response = oro.post(f"{API}/products", json=by_sku("NEW-1"), headers=EXT)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["id"] == "NEW-1"
    assert response.json()["data"]["attributes"]["sku"] == "NEW-1"
    echoed = response.json()["included"]
    names = [r for r in echoed if r["type"] == "productnames"]
    assert {n["relationships"]["product"]["data"]["id"] for n in names} == {"NEW-1"}
    assert response.json()["data"]["attributes"]["dbId"] == int(stored_id(sandbox, "NEW-1"))

    again = oro.post(f"{API}/products", json=by_sku("NEW-1"), headers=EXT)
    assert again.status_code == 409
    [error] = again.json()["errors"]
    assert (error["title"], error["detail"]) == (
        "conflict constraint",
        "The entity already exists.",
    )
    assert error["source"]["pointer"] == "/data/id"

    other = by_sku("NEW-2")
    other["data"]["attributes"]["sku"] = "NEW-3"
    mismatch = oro.post(f"{API}/products", json=other, headers=EXT)
    assert mismatch.status_code == 400
    assert mismatch.json()["errors"][0]["source"]["pointer"] == "/data/attributes/sku"
    assert sandbox.count("products") == 1


def test_upsert_by_sku_creates_then_updates(oro: httpx.Client, sandbox: OroSandbox) -> None:
    doc = by_sku("UPS-1")
    doc["data"]["meta"] = {"upsert": True}
    created = oro.post(f"{API}/products", json=doc, headers=EXT)
    assert created.status_code == 201, created.text
    db_id = stored_id(sandbox, "UPS-1")

    patch = {
        "data": {
            "type": "products",
            "id": "UPS-1",
            "meta": {"upsert": True},
            "attributes": {"status": "disabled"},
        }
    }
    updated = oro.patch(f"{API}/products/UPS-1", json=patch, headers=EXT)
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["attributes"]["dbId"] == int(db_id)
    assert updated.json()["data"]["attributes"]["status"] == "disabled"
    again = oro.post(f"{API}/products", json=doc, headers=EXT)
    assert again.status_code == 200, again.text  # POST + upsert of an existing SKU updates
    assert sandbox.count("products") == 1

    missing = {"data": {"type": "products", "id": "GONE-1", "attributes": {"status": "enabled"}}}
    assert oro.patch(f"{API}/products/GONE-1", json=missing, headers=EXT).status_code == 404
    assert sandbox.product_by_sku("GONE-1") is None


def test_normal_mode_still_refuses_product_upsert(oro: httpx.Client) -> None:
    doc = product_doc("NORM-1")
    doc["data"]["meta"] = {"upsert": True}
    response = oro.post(f"{API}/products", json=doc)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["title"], error["detail"]) == (
        "value constraint",
        "The upsert operation is not allowed.",
    )


def _new_item(sku: str, n: int, **attributes: Any) -> tuple[dict[str, Any], list[Any]]:
    """A batch item creating ``sku`` by upsert, with its temp-id names and unit."""
    part = numbered(product_doc(sku, **attributes), n)
    item = {**part["data"], "id": sku, "meta": {"upsert": True}}
    return item, part["included"]


def test_async_batch_upserts_by_sku_with_prices_and_variant_links(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    sandbox.create("products", product_doc("PAR-1", productType="configurable"))
    old = sandbox.create("products", product_doc("OLD-1"))["id"]
    kid, kid_included = _new_item("KID-1", 0)
    new, new_included = _new_item("NEW-2", 1)
    price = price_item("pr")
    price["relationships"]["product"]["data"]["id"] = "NEW-2"
    link = {
        "type": "productvariantlinks",
        "id": "link",
        "relationships": {
            "product": {"data": {"type": "products", "id": "KID-1"}},
            "parentProduct": {"data": {"type": "products", "id": "par-1"}},
        },
    }
    body = {
        "data": [
            kid,
            {"type": "products", "id": "OLD-1", "meta": {"upsert": True}},
            new,
            {"type": "products", "id": "PAR-1", "attributes": {"status": "disabled"}},
            {"type": "products", "id": "MISS-1", "meta": {"update": True}},
        ],
        "included": [*kid_included, link, *new_included, price],
    }
    body["data"][1]["attributes"] = {"status": "disabled"}
    response = oro.patch(f"{API}/products", json=body, headers=EXT)
    assert response.status_code == 202, response.text
    done = finished(oro, response.headers["Content-Location"])

    summary = done["summary"]
    assert (summary["createCount"], summary["updateCount"], summary["errorCount"]) == (2, 1, 2)
    errors = oro.get(response.headers["Content-Location"] + "/errors").json()["data"]
    found = {
        (e["attributes"]["status"], e["attributes"].get("source", {}).get("pointer"))
        for e in errors
    }
    assert found == {("409", "/data/3/id"), ("404", "/data/4/id")}
    assert sandbox.variant_links("PAR-1") == ["KID-1"]
    assert [(p["currency"], p["value"]) for p in sandbox.product_prices("NEW-2")] == [
        ("USD", Decimal("9.99"))
    ]
    assert stored_id(sandbox, "OLD-1") == old
    assert sandbox.get("products", old)["attributes"]["status"] == "disabled"  # type: ignore[index]

    prices = oro.get(
        f"{API}/productprices",
        params={"filter[priceList]": "1", "filter[product]": "new-2", "include": "product"},
        headers=EXT,
    ).json()
    assert [p["relationships"]["product"]["data"]["id"] for p in prices["data"]] == ["NEW-2"]
    assert [(r["type"], r["id"]) for r in prices["included"]] == [("products", "NEW-2")]
    links = oro.get(
        f"{API}/productvariantlinks", params={"filter[parentProduct]": "PAR-1"}, headers=EXT
    ).json()["data"]
    assert [lk["relationships"]["product"]["data"]["id"] for lk in links] == ["KID-1"]


def test_sync_batch_answers_with_skus(oro: httpx.Client, sandbox: OroSandbox) -> None:
    sandbox.create("products", product_doc("OLD-2"))
    new, included = _new_item("NEW-4", 0)
    price = price_item("pr")
    price["relationships"]["product"]["data"]["id"] = "NEW-4"
    body = {
        "data": [
            new,
            {
                "type": "products",
                "id": "OLD-2",
                "meta": {"update": True},
                "attributes": {"status": "disabled"},
            },
        ],
        "included": [*included, price],
    }
    response = oro.patch(f"{API}/products", json=body, headers={**EXT, "X-Mode": "sync"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [(d["id"], d["meta"]["dataId"]) for d in data] == [
        ("NEW-4", "NEW-4"),
        ("OLD-2", "OLD-2"),
    ]
    assert [d["attributes"]["dbId"] for d in data] == [
        int(stored_id(sandbox, "NEW-4")),
        int(stored_id(sandbox, "OLD-2")),
    ]
    [echoed_price] = [r for r in response.json()["included"] if r["type"] == "productprices"]
    assert echoed_price["relationships"]["product"]["data"] == {"type": "products", "id": "NEW-4"}

    body["data"] = [body["data"][1]]
    body["data"][0]["meta"] = {}
    body["included"] = []
    conflict = oro.patch(f"{API}/products", json=body, headers={**EXT, "X-Mode": "sync"})
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["source"]["pointer"] == "/data/0/id"


def test_filters_take_skus(oro: httpx.Client, sandbox: OroSandbox) -> None:
    for sku in ("FLT-1", "FLT-2", "FLT-3"):
        doc = product_doc(sku)
        doc["data"]["id"] = "p"
        doc["included"].append(price_item("pr"))
        sandbox.create("products", doc)
    products = oro.get(
        f"{API}/products", params={"filter[id]": "flt-3,FLT-1,NONE-1"}, headers=EXT
    ).json()["data"]
    assert [p["id"] for p in products] == ["FLT-1", "FLT-3"]  # sorted by DB id

    def priced(sku: str) -> list[str]:
        params = {"filter[priceList]": "1", "filter[product]": sku}
        found = oro.get(f"{API}/productprices", params=params, headers=EXT).json()["data"]
        return [p["relationships"]["product"]["data"]["id"] for p in found]

    assert priced("FLT-2") == ["FLT-2"]
    assert priced("NONE-1") == []
    # without the header the filter takes DB ids, so a SKU matches nothing
    params = {"filter[priceList]": "1", "filter[product]": "FLT-2"}
    assert oro.get(f"{API}/productprices", params=params).json()["data"] == []

    deleted = oro.delete(
        f"{API}/productprices",
        params={"filter[priceList]": "1", "filter[product]": "FLT-2"},
        headers={**EXT, "X-Include": "deletedCount"},
    )
    assert deleted.status_code == 204
    assert deleted.headers["X-Include-Deleted-Count"] == "1"
    assert sandbox.product_prices("FLT-2") == []
    assert len(sandbox.product_prices("FLT-1")) == 1


def test_delete_by_sku(oro: httpx.Client, sandbox: OroSandbox) -> None:
    sandbox.create("products", product_doc("DEL-1"))
    assert oro.delete(f"{API}/products/DEL-1", headers=EXT).status_code == 204
    assert sandbox.product_by_sku("DEL-1") is None
    assert oro.delete(f"{API}/products/DEL-1", headers=EXT).status_code == 404


@pytest.fixture
def old_oro() -> Iterator[tuple[httpx.Client, OroSandbox]]:
    """An Oro before 6.1.10/7.0.2: no ext_id mode."""
    sandbox = OroSandbox(ext_id=False)
    with serve(sandbox) as url, httpx.Client(base_url=url) as client:
        yield connect(client, sandbox), sandbox


def test_an_older_oro_ignores_the_header(old_oro: tuple[httpx.Client, OroSandbox]) -> None:
    oro, sandbox = old_oro
    db_id = sandbox.create("products", product_doc("OLD-9"))["id"]
    response = oro.get(f"{API}/products/{db_id}", headers=EXT)
    assert response.status_code == 200
    assert response.json()["data"]["id"] == db_id
    assert "dbId" not in response.json()["data"]["attributes"]
    assert oro.get(f"{API}/products/OLD-9", headers=EXT).status_code == 404
    doc = by_sku("OLD-10")
    doc["data"]["meta"] = {"upsert": True}
    assert oro.post(f"{API}/products", json=doc, headers=EXT).status_code == 400


def test_only_the_exact_header_value_switches_the_mode(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    db_id = sandbox.create("products", product_doc("HDR-1"))["id"]
    other = oro.get(f"{API}/products/{db_id}", headers={"X-Integration-Type": "other"})
    assert other.json()["data"]["id"] == db_id
    lower = oro.get(f"{API}/products/HDR-1", headers={"x-integration-type": "ext_id"})
    assert lower.json()["data"]["id"] == "HDR-1"
