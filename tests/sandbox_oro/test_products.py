"""Product CRUD with localized names, validation errors, upsert refusal and sync batch."""

from __future__ import annotations

import httpx

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro.conftest import API, VND, product_doc


def test_create_read_update_delete(oro: httpx.Client, sandbox: OroSandbox) -> None:
    created = oro.post(f"{API}/products", json=product_doc("ABC-1"))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == VND
    body = created.json()
    product_id = body["data"]["id"]
    assert body["data"]["attributes"]["sku"] == "ABC-1"
    assert {i["meta"]["includeId"] for i in body["included"]} == {"n1", "n2", "u1"}
    assert sandbox.product_names(product_id) == {None: "Widget", "2": "Widget (fr)"}
    stored = sandbox.get("products", product_id)
    assert stored is not None
    assert stored["relationships"]["unitPrecisions"] == [
        stored["relationships"]["primaryUnitPrecision"]
    ]

    read = oro.get(f"{API}/products/{product_id}", params={"include": "names,category"})
    assert read.status_code == 200
    included = {(i["type"], i["id"]) for i in read.json()["included"]}
    assert ("categories", "3") in included
    assert sum(1 for t, _ in included if t == "productnames") == 2

    names = stored["relationships"]["names"]
    default = names[0]["id"]
    patch = {
        "data": {
            "type": "products",
            "id": product_id,
            "attributes": {"status": "disabled"},
            "relationships": {"names": {"data": [names[0]]}},
        },
        "included": [
            {
                "type": "productnames",
                "id": default,
                "meta": {"update": True},
                "attributes": {"string": "Gadget"},
            }
        ],
    }
    updated = oro.patch(f"{API}/products/{product_id}", json=patch)
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["attributes"]["status"] == "disabled"
    # to-many replacement: the French name was left out, so it is gone
    assert sandbox.product_names(product_id) == {None: "Gadget"}
    assert sandbox.count("productnames") == 1

    assert oro.delete(f"{API}/products/{product_id}").status_code == 204
    missing = oro.get(f"{API}/products/{product_id}")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["title"] == "not found http exception"
    assert sandbox.count("productnames") == 0


def test_duplicate_sku_is_a_unique_entity_error(oro: httpx.Client) -> None:
    assert oro.post(f"{API}/products", json=product_doc("DUP-1")).status_code == 201
    response = oro.post(f"{API}/products", json=product_doc("dup-1"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["title"] == "unique entity constraint"
    assert error["source"]["pointer"] == "/data/attributes/sku"


def test_too_long_name_points_at_the_included_field(oro: httpx.Client, sandbox: OroSandbox) -> None:
    response = oro.post(f"{API}/products", json=product_doc("LONG-1", name="x" * 256))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["title"] == "length constraint"
    assert error["source"]["pointer"] == "/included/0/attributes/string"
    assert sandbox.count("products") == 0
    assert sandbox.count("productnames") == 0  # nothing half-written


def test_other_validation_errors(oro: httpx.Client) -> None:
    bad_sku = oro.post(f"{API}/products", json=product_doc("has space"))
    assert bad_sku.json()["errors"][0]["title"] == "regex constraint"
    doc = product_doc("EXTRA-1")
    doc["data"]["attributes"]["nope"] = 1
    extra = oro.post(f"{API}/products", json=doc)
    assert extra.status_code == 400
    assert extra.json()["errors"][0]["title"] == "extra fields constraint"
    mismatch = oro.patch(f"{API}/products/99", json={"data": {"type": "products", "id": "98"}})
    assert mismatch.status_code == 409
    unknown = oro.get(f"{API}/nosuchthings")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["title"] == "entity type constraint"


def test_products_cannot_be_upserted(oro: httpx.Client) -> None:
    doc = product_doc("UPS-1")
    doc["data"]["meta"] = {"upsert": ["sku"]}
    response = oro.post(f"{API}/products", json=doc)
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == "The upsert operation is not allowed."


def test_product_units_upsert_by_id(oro: httpx.Client) -> None:
    doc = {
        "data": {
            "type": "productunits",
            "id": "box",
            "meta": {"upsert": True},
            "attributes": {"defaultPrecision": 0},
        }
    }
    assert oro.post(f"{API}/productunits", json=doc).status_code == 201
    assert oro.post(f"{API}/productunits", json=doc).status_code == 200


def test_sync_batch_is_atomic(oro: httpx.Client, sandbox: OroSandbox) -> None:
    good = product_doc("BATCH-1")
    bad = product_doc("BATCH-2", name="y" * 300)
    body = {"data": [good["data"]], "included": good["included"]}
    response = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "sync"})
    assert response.status_code == 200, response.text
    assert [d["attributes"]["sku"] for d in response.json()["data"]] == ["BATCH-1"]
    body = {"data": [bad["data"]], "included": bad["included"]}
    response = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "sync"})
    assert response.status_code == 400
    assert [p["attributes"]["sku"] for p in sandbox.products()] == ["BATCH-1"]


def test_prices(oro: httpx.Client, sandbox: OroSandbox) -> None:
    product_id = oro.post(f"{API}/products", json=product_doc("PRICE-1")).json()["data"]["id"]
    price = {
        "data": {
            "type": "productprices",
            "attributes": {"quantity": 1, "currency": "USD", "value": 126.78},
            "relationships": {
                "priceList": {"data": {"type": "pricelists", "id": "1"}},
                "product": {"data": {"type": "products", "id": product_id}},
                "unit": {"data": {"type": "productunits", "id": "each"}},
            },
        }
    }
    created = oro.post(f"{API}/productprices", json=price)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["id"].endswith("-1")
    assert created.json()["data"]["attributes"]["value"] == "126.7800"
    assert oro.post(f"{API}/productprices", json=price).status_code == 400  # duplicate
    assert oro.get(f"{API}/productprices").status_code == 400  # priceList filter required
    listed = oro.get(f"{API}/productprices", params={"filter[priceList]": "1"}).json()
    assert len(listed["data"]) == 1
    price["data"]["attributes"]["currency"] = "EUR"
    assert oro.post(f"{API}/productprices", json=price).status_code == 400
