"""sObject rows, upsert by external id, SOQL with cursors, getUpdated/getDeleted."""

from __future__ import annotations

import httpx

from pimsync.sandbox.salesforce import SalesforceSandbox, case_safe

from .conftest import Clock, V, create, error


def test_crud_round_trip(sb: SalesforceSandbox, api: httpx.Client) -> None:
    id_ = create(api, "Account", Name="Acme", BillingCity="Berlin")
    assert len(id_) == 18 and id_.startswith("001") and case_safe(id_[:15]) == id_
    record = api.get(f"{V}/sobjects/Account/{id_[:15]}").json()  # 15-char ids work too
    assert record["attributes"] == {"type": "Account", "url": f"{V}/sobjects/Account/{id_}"}
    assert record["Name"] == "Acme" and record["CreatedById"] == sb.integration_user_id
    assert record["SystemModstamp"].endswith("+0000")
    assert api.patch(f"{V}/sobjects/Account/{id_}", json={"Name": "Acme GmbH"}).status_code == 204
    fields = api.get(f"{V}/sobjects/Account/{id_}", params={"fields": "Name"}).json()
    assert fields == {"attributes": record["attributes"], "Name": "Acme GmbH"}
    assert api.delete(f"{V}/sobjects/Account/{id_}").status_code == 204
    gone = api.delete(f"{V}/sobjects/Account/{id_}")
    assert gone.status_code == 404 and error(gone)["errorCode"] == "ENTITY_IS_DELETED"


def test_write_errors(api: httpx.Client) -> None:
    missing = api.post(f"{V}/sobjects/Contact", json={"FirstName": "Ann"})
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]
    unknown = api.post(f"{V}/sobjects/Account", json={"Name": "A", "Nope__c": 1})
    assert error(unknown)["errorCode"] == "INVALID_FIELD"
    read_only = api.post(f"{V}/sobjects/Account", json={"Name": "A", "CreatedDate": "x"})
    assert error(read_only)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    bad_ref = api.post(f"{V}/sobjects/Contact", json={"LastName": "X", "AccountId": "001xx"})
    assert error(bad_ref)["errorCode"] == "MALFORMED_ID"
    assert api.get(f"{V}/sobjects/Nope__c/001").status_code == 404
    assert api.get("/services/data/v99.0/limits").status_code == 404


def test_upsert_by_external_id(sb: SalesforceSandbox, api: httpx.Client) -> None:
    url = f"{V}/sobjects/Account/Oro_Id__c/42"
    created = api.patch(url, json={"Name": "Acme"})
    assert created.status_code == 201
    body = created.json()
    assert body["created"] is True and body["success"] is True and body["errors"] == []
    updated = api.patch(url, json={"Name": "Acme GmbH"})
    assert updated.status_code == 200
    assert updated.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    old_version = api.patch("/services/data/v45.0/sobjects/Account/Oro_Id__c/42", json={})
    assert old_version.status_code == 204
    # Oro_Id__c is not unique and matches case-insensitively: "ABC" and "abc" collide
    create(api, "Account", Name="One", Oro_Id__c="ABC")
    create(api, "Account", Name="Two", Oro_Id__c="abc")
    several = api.patch(f"{V}/sobjects/Account/Oro_Id__c/Abc", json={"Name": "Three"})
    assert several.status_code == 300
    assert len(several.json()) == 2 and all("/sobjects/Account/001" in u for u in several.json())
    assert api.get(f"{V}/sobjects/Account/Oro_Id__c/abc").status_code == 300
    assert api.patch(f"{V}/sobjects/Account/Nope__c/1", json={}).status_code == 404
    assert api.patch(f"{V}/sobjects/Account/Name/x", json={}).status_code == 400
    only = api.patch(f"{V}/sobjects/Account/Oro_Id__c/7", params={"updateOnly": "true"}, json={})
    assert only.status_code == 404
    contact = api.patch(
        f"{V}/sobjects/Contact/Oro_Id__c/c1",
        json={"LastName": "Doe", "Account": {"Oro_Id__c": "42"}},
    )
    assert contact.status_code == 201
    assert sb.org.get("Contact", contact.json()["id"])["AccountId"] == body["id"]


def test_unique_external_id_rejects_duplicates(api: httpx.Client) -> None:
    create(api, "Product2", Name="A", Pimsync_Id__c="sku-1")
    dup = api.post(f"{V}/sobjects/Product2", json={"Name": "B", "Pimsync_Id__c": "SKU-1"})
    assert error(dup)["errorCode"] == "DUPLICATE_VALUE"


def test_soql_subset(api: httpx.Client) -> None:
    for n, city in enumerate(["Berlin", "Paris", "Berlin", None]):
        create(api, "Account", Name=f"Acc {n}", BillingCity=city, NumberOfEmployees=n * 10)

    def q(soql: str) -> httpx.Response:
        return api.get(f"{V}/query/", params={"q": soql})

    page = q("SELECT Id, Name FROM Account WHERE BillingCity = 'berlin' ORDER BY Name DESC")
    body = page.json()
    assert body["totalSize"] == 2 and body["done"] is True
    assert [r["Name"] for r in body["records"]] == ["Acc 2", "Acc 0"]
    assert list(body["records"][0]) == ["attributes", "Id", "Name"]
    names = [
        r["Name"]
        for r in q(
            "select Name from Account where (NumberOfEmployees >= 10 and NumberOfEmployees < 30) "
            "or BillingCity = null order by NumberOfEmployees limit 2"
        ).json()["records"]
    ]
    assert names == ["Acc 1", "Acc 2"]
    # as in SOQL, != and NOT IN keep the rows where the field is null
    assert (
        q(
            "SELECT Name FROM Account WHERE Name LIKE 'acc%' AND NOT BillingCity IN ('Paris')"
        ).json()["totalSize"]
        == 3
    )
    assert (
        q("SELECT Name FROM Account WHERE BillingCity NOT IN ('Paris', 'Berlin')").json()[
            "totalSize"
        ]
        == 1
    )
    assert q("SELECT COUNT() FROM Account WHERE BillingCity != null").json()["totalSize"] == 3
    invalid = q("SELECT Id, Foo FROM Account")
    assert invalid.status_code == 400 and error(invalid)["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Foo' on entity 'Account'" in error(invalid)["message"]
    assert "ERROR at Row:1:Column:12" in error(invalid)["message"]
    assert error(q("SELECT Id FROM Nope"))["errorCode"] == "INVALID_TYPE"
    assert (
        error(q("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'"))[
            "errorCode"
        ]
        == "MALFORMED_QUERY"
    )
    quoted = q("SELECT Id FROM Account WHERE SystemModstamp > '2024-05-08T00:00:00Z'")
    assert error(quoted)["errorCode"] == "INVALID_FIELD"
    assert (
        q("SELECT Id FROM Account WHERE SystemModstamp > 2024-05-08T00:00:00Z").json()["totalSize"]
        == 4
    )


def test_query_paging_follows_next_records_url(sb: SalesforceSandbox, api: httpx.Client) -> None:
    for n in range(450):
        sb.org.create("Product2", {"Name": f"P{n:03d}"}, user=sb.admin_user_id)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    page = api.get(
        f"{V}/query", params={"q": "SELECT Name FROM Product2 ORDER BY Name"}, headers=headers
    ).json()
    names = [r["Name"] for r in page["records"]]
    while not page["done"]:
        assert page["nextRecordsUrl"].startswith(f"{V}/query/01g")
        page = api.get(page["nextRecordsUrl"], headers=headers).json()
        names += [r["Name"] for r in page["records"]]
    assert names == [f"P{n:03d}" for n in range(450)] and "nextRecordsUrl" not in page
    first = api.get(f"{V}/query", params={"q": "SELECT Name FROM Product2"}, headers=headers)
    sb.expire_query_locators()
    stale = api.get(first.json()["nextRecordsUrl"])
    assert stale.status_code == 400 and error(stale)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_the_recycle_bin(api: httpx.Client) -> None:
    id_ = create(api, "Account", Name="Gone")
    api.delete(f"{V}/sobjects/Account/{id_}")
    soql = {"q": "SELECT Id, IsDeleted FROM Account"}
    assert api.get(f"{V}/query", params=soql).json()["totalSize"] == 0
    rows = api.get(f"{V}/queryAll", params=soql).json()["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(id_, True)]


def test_get_updated_and_deleted(sb: SalesforceSandbox, api: httpx.Client, clock: Clock) -> None:
    start = "2025-05-08T12:00:00+00:00"
    first = create(api, "Account", Name="First")
    clock.advance(minutes=5)
    second = create(api, "Account", Name="Second")
    api.delete(f"{V}/sobjects/Account/{first}")
    clock.advance(minutes=5)
    window = {"start": start, "end": "2025-05-08T12:30:00+00:00"}
    updated = api.get(f"{V}/sobjects/Account/updated/", params=window).json()
    assert updated == {"ids": [second], "latestDateCovered": "2025-05-08T12:10:00.000+0000"}
    deleted = api.get(f"{V}/sobjects/Account/deleted/", params=window).json()
    assert deleted["deletedRecords"] == [
        {"id": first, "deletedDate": "2025-05-08T12:05:00.000+0000"}
    ]
    assert deleted["latestDateCovered"] == "2025-05-08T12:10:00.000+0000"
    assert "earliestDateAvailable" in deleted
    backwards = api.get(
        f"{V}/sobjects/Account/updated/", params={"start": window["end"], "end": start}
    )
    assert error(backwards)["errorCode"] == "INVALID_REPLICATION_DATE"


def test_if_unmodified_since_answers_412(
    sb: SalesforceSandbox, api: httpx.Client, clock: Clock
) -> None:
    id_ = create(api, "Account", Name="A")
    clock.advance(minutes=1)
    sb.org.update("Account", id_, {"Name": "Edited by a human"}, user=sb.admin_user_id)
    stale = api.patch(
        f"{V}/sobjects/Account/{id_}",
        json={"Name": "B"},
        headers={"If-Unmodified-Since": "Thu, 08 May 2025 12:00:30 GMT"},
    )
    assert stale.status_code == 412
    assert sb.org.get("Account", id_)["LastModifiedById"] == sb.admin_user_id
