"""SKU uniqueness kept by the store index through updates, deletes, rollbacks; indexed filters."""

from __future__ import annotations

import httpx
import pytest

from pimsync.sandbox.oro import ApiError, OroSandbox
from tests.sandbox_oro.conftest import API, product_doc


def _rename(sb: OroSandbox, product_id: str, sku: str) -> None:
    with sb.store.lock:
        tx, writer = sb.transaction()
        writer.write(
            "products",
            {"data": {"type": "products", "id": product_id, "attributes": {"sku": sku}}},
            product_id,
        )
        tx.commit()


def _unique_error(excinfo: pytest.ExceptionInfo[ApiError]) -> str:
    assert excinfo.value.status == 400
    return excinfo.value.title


def test_sku_uniqueness_follows_updates_deletes_and_rollbacks(sandbox: OroSandbox) -> None:
    first = sandbox.create("products", product_doc("Alpha-1"))["id"]
    with pytest.raises(ApiError) as excinfo:
        sandbox.create("products", product_doc("ALPHA-1"))
    assert _unique_error(excinfo) == "unique entity constraint"

    _rename(sandbox, first, "Beta-1")  # the old SKU is free again, the new one is taken
    sandbox.create("products", product_doc("alpha-1"))
    with pytest.raises(ApiError):
        sandbox.create("products", product_doc("beta-1"))
    _rename(sandbox, first, "BETA-1")  # a product may keep its own SKU in another case

    with sandbox.store.lock:  # a write that is never committed reserves nothing
        tx, writer = sandbox.transaction()
        writer.write("products", product_doc("Gamma-1"))
        with pytest.raises(ApiError):
            writer.write("products", product_doc("gamma-1"))  # seen inside the transaction
    sandbox.create("products", product_doc("GAMMA-1"))

    with sandbox.store.lock:
        tx, writer = sandbox.transaction()
        writer.delete("products", first)
        tx.commit()
    sandbox.create("products", product_doc("beta-1"))
    assert sandbox.product_by_sku("Beta-1") is not None
    assert sorted(p["attributes"]["sku"] for p in sandbox.products()) == [
        "GAMMA-1",
        "alpha-1",
        "beta-1",
    ]


def test_a_sync_batch_with_a_duplicate_sku_writes_nothing(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    one, two = product_doc("Dup-9"), product_doc("DUP-9")
    for n, doc in enumerate((one, two)):
        for item in doc["included"]:
            item["id"] = f"{item['id']}-{n}"
        links = doc["data"]["relationships"]
        links["names"]["data"] = [{"type": "productnames", "id": f"n1-{n}"}]
        links["primaryUnitPrecision"]["data"]["id"] = f"u1-{n}"
    body = {
        "data": [one["data"], two["data"]],
        "included": [i for d in (one, two) for i in d["included"] if i["id"][:2] != "n2"],
    }
    response = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "sync"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/1/attributes/sku"
    assert sandbox.count("products") == 0
    assert sandbox.product_by_sku("dup-9") is None


def test_sku_and_product_filters_take_comma_lists(oro: httpx.Client, sandbox: OroSandbox) -> None:
    ids = [sandbox.create("products", product_doc(f"IX-{n}"))["id"] for n in range(5)]
    listed = oro.get(f"{API}/products", params={"filter[sku]": "IX-3,IX-1,nope"}).json()["data"]
    assert [p["attributes"]["sku"] for p in listed] == ["IX-1", "IX-3"]
    for product_id in ids[:3]:
        price = {
            "data": {
                "type": "productprices",
                "attributes": {"quantity": 1, "currency": "USD", "value": "5"},
                "relationships": {
                    "priceList": {"data": {"type": "pricelists", "id": "1"}},
                    "product": {"data": {"type": "products", "id": product_id}},
                    "unit": {"data": {"type": "productunits", "id": "each"}},
                },
            }
        }
        assert oro.post(f"{API}/productprices", json=price).status_code == 201
    params = {"filter[priceList]": "1", "filter[product]": f"{ids[0]},{ids[2]}"}
    prices = oro.get(f"{API}/productprices", params=params).json()["data"]
    assert sorted(p["relationships"]["product"]["data"]["id"] for p in prices) == [ids[0], ids[2]]
