"""Platform rules (price books, orders), sObject Collections and Bulk API 2.0 ingest."""

from __future__ import annotations

import httpx

from pimsync.sandbox.salesforce import SalesforceSandbox

from .conftest import V, create, error, priced_product


def test_custom_price_needs_a_standard_price(sb: SalesforceSandbox, api: httpx.Client) -> None:
    book = create(api, "Pricebook2", Name="Wholesale", IsActive=True)
    product = create(api, "Product2", Name="Widget")
    entry = {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": 8, "IsActive": True}
    refused = api.post(f"{V}/sobjects/PricebookEntry", json=entry)
    assert refused.status_code == 400
    assert error(refused) == {
        "message": "No standard price defined for this product",
        "errorCode": "STANDARD_PRICE_NOT_DEFINED",
        "fields": [],
    }
    create(
        api,
        "PricebookEntry",
        Pricebook2Id=sb.org.standard_pricebook_id,
        Product2Id=product,
        UnitPrice=10,
    )
    custom = create(api, "PricebookEntry", **entry)
    assert api.get(f"{V}/sobjects/PricebookEntry/{custom}").json()["Name"] == "Widget"
    again = api.post(f"{V}/sobjects/PricebookEntry", json=entry)
    assert error(again)["errorCode"] == "DUPLICATE_VALUE"
    moved = api.patch(f"{V}/sobjects/PricebookEntry/{custom}", json={"Product2Id": product})
    assert error(moved)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_order_rules(sb: SalesforceSandbox, api: httpx.Client) -> None:
    account = create(api, "Account", Name="Acme")
    _product, entry = priced_product(api, sb)
    missing = api.post(f"{V}/sobjects/Order", json={"AccountId": account})
    assert error(missing)["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert error(missing)["fields"] == ["EffectiveDate"]
    order = create(api, "Order", AccountId=account, EffectiveDate="2025-05-08")
    line = {"OrderId": order, "PricebookEntryId": entry, "Quantity": 2, "UnitPrice": 9.5}
    no_book = api.post(f"{V}/sobjects/OrderItem", json=line)
    assert error(no_book)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    empty = api.patch(f"{V}/sobjects/Order/{order}", json={"Status": "Activated"})
    assert error(empty)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    api.patch(f"{V}/sobjects/Order/{order}", json={"Pricebook2Id": sb.org.standard_pricebook_id})
    item = create(api, "OrderItem", **line)
    fetched = api.get(f"{V}/sobjects/OrderItem/{item}").json()
    assert (fetched["ListPrice"], fetched["TotalPrice"]) == (10.0, 19.0)
    assert api.get(f"{V}/sobjects/Order/{order}").json()["TotalAmount"] == 19.0
    other_book = create(api, "Pricebook2", Name="Other", IsActive=True)
    wrong = api.patch(f"{V}/sobjects/Order/{order}", json={"Pricebook2Id": other_book})
    assert error(wrong)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert api.patch(f"{V}/sobjects/Order/{order}", json={"Status": "Activated"}).status_code == 204
    header = api.get(f"{V}/sobjects/Order/{order}").json()
    assert header["StatusCode"] == "Activated" and header["ActivatedById"]
    locked = api.patch(f"{V}/sobjects/Order/{order}", json={"Description": "late change"})
    assert locked.status_code == 400 and error(locked)["errorCode"] == "ENTITY_IS_LOCKED"
    assert error(api.post(f"{V}/sobjects/OrderItem", json=line))["errorCode"] == (
        "ENTITY_IS_LOCKED"
    )
    assert error(api.delete(f"{V}/sobjects/Order/{order}"))["errorCode"] == "ENTITY_IS_LOCKED"
    activated = api.post(
        f"{V}/sobjects/Order",
        json={"AccountId": account, "Status": "Activated", "EffectiveDate": "2025-05-08"},
    )
    assert error(activated)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_order_product_entry_must_belong_to_the_orders_book(
    sb: SalesforceSandbox, api: httpx.Client
) -> None:
    account = create(api, "Account", Name="Acme")
    product, _entry = priced_product(api, sb)
    book = create(api, "Pricebook2", Name="Wholesale", IsActive=True)
    custom = create(
        api, "PricebookEntry", Pricebook2Id=book, Product2Id=product, UnitPrice=8, IsActive=True
    )
    order = create(
        api,
        "Order",
        AccountId=account,
        EffectiveDate="2025-05-08",
        Pricebook2Id=sb.org.standard_pricebook_id,
    )
    wrong = api.post(
        f"{V}/sobjects/OrderItem",
        json={"OrderId": order, "PricebookEntryId": custom, "Quantity": 1, "UnitPrice": 8},
    )
    assert error(wrong) == {
        "message": "Order Products must have a Price Book Entry that belongs to the Price "
        "Book related to the parent Order.",
        "errorCode": "FIELD_INTEGRITY_EXCEPTION",
        "fields": ["PricebookEntryId"],
    }


def test_collection_create_keeps_the_valid_records(api: httpx.Client) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "A"},
        {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
        {"attributes": {"type": "Account"}, "Name": "B"},
    ]
    results = api.post(
        f"{V}/composite/sobjects", json={"allOrNone": False, "records": records}
    ).json()
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    soql = {"q": "SELECT Name FROM Account ORDER BY Name"}
    assert [r["Name"] for r in api.get(f"{V}/query", params=soql).json()["records"]] == ["A", "B"]


def test_collection_all_or_none_rolls_back(api: httpx.Client) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "A"},
        {"attributes": {"type": "Account"}},
    ]
    results = api.post(
        f"{V}/composite/sobjects", json={"allOrNone": True, "records": records}
    ).json()
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    count = api.get(f"{V}/query", params={"q": "SELECT COUNT() FROM Account"}).json()
    assert count["totalSize"] == 0
    too_many = api.post(f"{V}/composite/sobjects", json={"records": records * 101})
    assert too_many.status_code == 400
    assert error(too_many)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collection_upsert_update_retrieve_delete(api: httpx.Client) -> None:
    existing = create(api, "Account", Name="Old", Oro_Id__c="1")
    rows = [
        {"attributes": {"type": "Account"}, "Oro_Id__c": "1", "Name": "Renamed"},
        {"attributes": {"type": "Account"}, "Oro_Id__c": "2", "Name": "New"},
        {"attributes": {"type": "Account"}, "Oro_Id__c": "3", "Name": "Dup a"},
        {"attributes": {"type": "Account"}, "Oro_Id__c": "3", "Name": "Dup b"},
        {"attributes": {"type": "Account"}, "Name": "No key"},
    ]
    results = api.patch(
        f"{V}/composite/sobjects/Account/Oro_Id__c", json={"allOrNone": False, "records": rows}
    ).json()
    assert results[0] == {"id": existing, "success": True, "errors": [], "created": False}
    assert results[1]["created"] is True
    assert [r["errors"][0]["statusCode"] for r in results[2:]] == [
        "DUPLICATE_EXTERNAL_ID",
        "DUPLICATE_EXTERNAL_ID",
        "MISSING_ARGUMENT",
    ]
    new = results[1]["id"]
    updates = [
        {"attributes": {"type": "Account"}, "id": new, "Name": "Newer"},
        {"attributes": {"type": "Account"}, "id": existing, "Name": ""},
    ]
    updated = api.patch(f"{V}/composite/sobjects", json={"records": updates}).json()
    assert updated[0] == {"id": new, "success": True, "errors": []}
    assert updated[1]["id"] == existing and updated[1]["success"] is False
    got = api.get(
        f"{V}/composite/sobjects/Account",
        params={"ids": f"{new},001000000000000AAA", "fields": "Name"},
    ).json()
    assert got[0]["Name"] == "Newer" and got[1] is None
    deleted = api.delete(f"{V}/composite/sobjects", params={"ids": f"{new},{new}"}).json()
    assert deleted[0]["success"] is True
    assert deleted[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_bulk_ingest_upsert(sb: SalesforceSandbox, api: httpx.Client) -> None:
    sb.bulk.in_progress_polls = 1
    create(api, "Account", Name="Parent", Oro_Id__c="p1")
    job = api.post(
        f"{V}/jobs/ingest/",
        json={
            "object": "Contact",
            "externalIdFieldName": "Oro_Id__c",
            "contentType": "CSV",
            "operation": "upsert",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        },
    ).json()
    assert job["state"] == "Open" and job["contentUrl"].endswith(
        f"/jobs/ingest/{job['id']}/batches"
    )
    csv = "Oro_Id__c,LastName,Email,Account.Oro_Id__c\nc1,Doe,doe@example.com,p1\nc2,,x@y.z,p1\n"
    put = api.put(
        f"{V}/jobs/ingest/{job['id']}/batches", content=csv, headers={"Content-Type": "text/csv"}
    )
    assert put.status_code == 201
    closed = api.patch(f"{V}/jobs/ingest/{job['id']}/", json={"state": "UploadComplete"})
    assert closed.status_code == 200
    assert api.get(f"{V}/jobs/ingest/{job['id']}/").json()["state"] == "InProgress"
    status = api.get(f"{V}/jobs/ingest/{job['id']}/").json()
    assert status["state"] == "JobComplete"
    assert (status["numberRecordsProcessed"], status["numberRecordsFailed"]) == (2, 1)
    ok = api.get(f"{V}/jobs/ingest/{job['id']}/successfulResults/").text.splitlines()
    assert ok[0] == "sf__Id,sf__Created,Oro_Id__c,LastName,Email,Account.Oro_Id__c"
    assert ok[1].split(",")[1:3] == ["true", "c1"]
    failed = api.get(f"{V}/jobs/ingest/{job['id']}/failedResults/").text.splitlines()
    assert failed[1].startswith(",REQUIRED_FIELD_MISSING:Required fields are missing")
    contact = sb.org.get("Contact", ok[1].split(",")[0])
    assert contact["AccountId"] == sb.org.rows("Account")[0]["Id"]
    late = api.put(
        f"{V}/jobs/ingest/{job['id']}/batches", content=csv, headers={"Content-Type": "text/csv"}
    )
    assert late.status_code == 409


def test_bulk_job_with_an_unknown_column_fails(api: httpx.Client) -> None:
    job = api.post(f"{V}/jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
    api.put(
        f"{V}/jobs/ingest/{job['id']}/batches",
        content="Name,Bogus__c\nA,1\n",
        headers={"Content-Type": "text/csv"},
    )
    status = api.patch(f"{V}/jobs/ingest/{job['id']}", json={"state": "UploadComplete"}).json()
    assert status["state"] == "Failed"
    assert status["errorMessage"] == "InvalidBatch : Field name not found : Bogus__c"
    bad = api.post(
        f"{V}/jobs/ingest",
        json={"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"},
    )
    assert bad.status_code == 400


def test_demo_org_is_consistent() -> None:
    sb = SalesforceSandbox.demo(accounts=3, products=4)
    assert len(sb.org.rows("Product2")) == 4
    assert len(sb.org.rows("PricebookEntry")) == 8
    assert [o["TotalAmount"] for o in sb.org.rows("Order")] != [0]
