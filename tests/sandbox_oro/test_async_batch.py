"""The asynchronous batch API: 202 + asyncoperations, polling, per-record errors."""

from __future__ import annotations

import httpx

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro._operations import finished
from tests.sandbox_oro.conftest import API, batch, price_item, product_doc, with_prices


def test_async_batch_saves_good_records_and_reports_the_bad_one(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    docs = [with_prices(product_doc(f"ASYNC-{n}"), price_item("pr")) for n in range(3)]
    docs[1] = with_prices(product_doc("ASYNC-1", name="z" * 300), price_item("pr"))
    body = batch(*docs)
    response = oro.patch(f"{API}/products", json=body)
    assert response.status_code == 202, response.text
    document = response.json()["data"]
    assert document["type"] == "asyncoperations"
    assert document["attributes"]["entityType"] == "products"
    location = response.headers["Content-Location"]
    assert location.endswith(f"{API}/asyncoperations/{document['id']}")

    done = finished(oro, location)
    assert done["status"] == "success"
    assert done["progress"] == 1.0
    summary = done["summary"]
    assert {k: summary[k] for k in ("readCount", "writeCount", "errorCount", "createCount")} == {
        "readCount": 3,
        "writeCount": 2,
        "errorCount": 1,
        "createCount": 2,
    }
    assert summary["updateCount"] == 0
    assert isinstance(summary["aggregateTime"], int)

    errors = oro.get(f"{location}/errors").json()["data"]
    assert [e["type"] for e in errors] == ["asyncoperationerrors"]
    error = errors[0]["attributes"]
    assert error["title"] == "length constraint"
    # the bad name is the 6th included record of the original body (3 per product + price)
    assert error["source"]["pointer"] == "/included/4/attributes/string"
    assert body["included"][4]["attributes"]["string"] == "z" * 300

    assert [p["attributes"]["sku"] for p in sandbox.products()] == ["ASYNC-0", "ASYNC-2"]
    assert [p["currency"] for p in sandbox.product_prices("ASYNC-2")] == ["USD"]
    assert sandbox.count("productprices") == 2  # the rejected product's price went with it
    assert sandbox.count("productnames") == 4


def test_async_updates_and_chunks(oro: httpx.Client, sandbox: OroSandbox) -> None:
    existing = sandbox.create("products", product_doc("UPD-1"))
    docs = [product_doc(f"MANY-{n:03d}") for n in range(130)]
    body = batch(*docs)
    body["data"].append(
        {
            "type": "products",
            "id": existing["id"],
            "meta": {"update": True},
            "attributes": {"status": "disabled"},
        }
    )
    response = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "async"})
    assert response.status_code == 202
    done = finished(oro, response.headers["Content-Location"])
    assert done["summary"]["createCount"] == 130
    assert done["summary"]["updateCount"] == 1
    assert done["summary"]["errorCount"] == 0
    assert oro.get(response.headers["Content-Location"] + "/errors").json()["data"] == []
    assert sandbox.count("products") == 131
    updated = sandbox.product_by_sku("upd-1")
    assert updated is not None and updated["attributes"]["status"] == "disabled"


def test_batch_is_only_for_batch_enabled_types(oro: httpx.Client, sandbox: OroSandbox) -> None:
    response = oro.patch(f"{API}/brands", json={"data": []})
    assert response.status_code == 405
    assert "PATCH" not in response.headers["Allow"]
    price_lists = {
        "data": [
            {"type": "pricelists", "attributes": {"name": "B2B", "priceListCurrencies": ["EUR"]}}
        ]
    }
    response = oro.patch(f"{API}/pricelists", json=price_lists)
    assert response.status_code == 202
    assert finished(oro, response.headers["Content-Location"])["summary"]["createCount"] == 1
    assert oro.get(f"{API}/asyncoperations").status_code == 405
    assert oro.get(f"{API}/asyncoperations/999").status_code == 404
    assert oro.get(f"{API}/asyncoperations/999/errors").status_code == 404


def test_a_bad_batch_document_is_refused_at_once(oro: httpx.Client, sandbox: OroSandbox) -> None:
    response = oro.patch(f"{API}/products", json={"data": {"type": "products"}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"]["pointer"] == "/data"
    assert sandbox.operations == {}


def test_an_included_record_no_primary_reaches_is_an_error(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    body = batch(product_doc("REACH-1"))
    body["included"].append(price_item("stray") | {"relationships": {}})
    sync = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "sync"})
    assert sync.status_code == 400
    assert sync.json()["errors"][0]["source"]["pointer"] == "/included/3"
    response = oro.patch(f"{API}/products", json=body)
    done = finished(oro, response.headers["Content-Location"])
    assert done["summary"]["writeCount"] == 1
    errors = sandbox.async_operation(response.json()["data"]["id"])["errors"]
    assert [e["source"]["pointer"] for e in errors] == ["/included/3"]
