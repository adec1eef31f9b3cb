"""Queries, single-record writes, upsert outcomes, collections, replication, describe."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest

from pimsync.connectors.salesforce import (
    DeletedRecord,
    SalesforceClient,
    SaveResult,
    UpsertOutcome,
    soql_literal,
)
from pimsync.errors import ConfigError, RejectedRecord

from ._fake import ROOT, FakeSalesforce, body, route, sf_error


def _record(n: int) -> dict[str, object]:
    return {
        "attributes": {"type": "Account", "url": f"{ROOT}/sobjects/Account/001{n:015d}"},
        "Id": f"001{n:015d}",
        "Name": f"Account {n}",
    }


def test_query_follows_next_records_url_to_the_last_page(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    cursor = f"{ROOT}/query/01gRO0000016PIAYA2"

    def first(request: httpx.Request) -> httpx.Response:
        assert request.url.params["q"] == "SELECT Id, Name FROM Account"
        return httpx.Response(
            200,
            json={
                "totalSize": 5,
                "done": False,
                "nextRecordsUrl": f"{cursor}-2",
                "records": [_record(n) for n in range(2)],
            },
        )

    def more(request: httpx.Request, offset: str) -> httpx.Response:
        start = int(offset)
        done = start + 2 >= 5
        page = {
            "totalSize": 5,
            "done": done,
            "records": [_record(n) for n in range(start, min(start + 2, 5))],
        }
        if not done:
            page["nextRecordsUrl"] = f"{cursor}-{start + 2}"
        return httpx.Response(200, json=page)

    fake.routes += [
        route("GET", r"/query/", first),
        route("GET", r"/query/01gRO0000016PIAYA2-(\d+)", more),
    ]

    pages = list(client.query("SELECT Id, Name FROM Account"))

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [r["Name"] for page in pages for r in page][-1] == "Account 4"
    assert len(fake.api_calls("GET")) == 3


def test_query_all_and_batch_size_hint(fake: FakeSalesforce, client: SalesforceClient) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})

    fake.routes.append(route("GET", r"/queryAll/", answer))

    assert list(client.query("SELECT Id FROM Account", include_deleted=True, batch_size=500)) == [
        []
    ]
    assert seen[0].headers["Sforce-Query-Options"] == "batchSize=500"


def test_an_invalid_field_in_a_query_is_a_config_error(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.routes.append(
        route(
            "GET",
            r"/query/",
            lambda request: sf_error(
                400,
                "INVALID_FIELD",
                "No such column 'Colour__c' on entity 'Account'.",
            ),
        )
    )
    with pytest.raises(ConfigError, match="Colour__c"):
        list(client.query("SELECT Colour__c FROM Account"))


def test_modified_since_builds_a_system_modstamp_query(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["q"])
        return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})

    fake.routes.append(route("GET", r"/query/", answer))
    since = datetime(2024, 5, 8, 21, 20, tzinfo=UTC)

    list(client.modified_since("Account", ["Name", "Oro_Id__c"], since))

    assert seen == [
        "SELECT Id, Name, Oro_Id__c, SystemModstamp FROM Account "
        "WHERE SystemModstamp > 2024-05-08T21:20:00Z ORDER BY SystemModstamp, Id"
    ]
    with pytest.raises(ConfigError, match="not a Salesforce object or field name"):
        client.modified_since("Account", ["Name FROM User --"], since)


def test_soql_literal_escapes_quotes() -> None:
    assert soql_literal("O'Brien \\ Co") == "'O\\'Brien \\\\ Co'"


@pytest.mark.parametrize(
    ("response", "outcome"),
    [
        (
            httpx.Response(
                201, json={"id": "001N", "success": True, "errors": [], "created": True}
            ),
            UpsertOutcome("001N", True),
        ),
        (
            httpx.Response(
                200, json={"id": "001U", "success": True, "errors": [], "created": False}
            ),
            UpsertOutcome("001U", False),
        ),
        (httpx.Response(204), UpsertOutcome(None, False)),
    ],
)
def test_upsert_by_external_id_reports_created_or_updated(
    fake: FakeSalesforce,
    client: SalesforceClient,
    response: httpx.Response,
    outcome: UpsertOutcome,
) -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request, field: str, value: str) -> httpx.Response:
        requests.append(request)
        return response

    fake.routes.append(route("PATCH", r"/sobjects/Account/(\w+)/(.+)", answer))

    result = client.upsert("Account", "Oro_Id__c", "42/a b", {"Name": "Acme GmbH"})

    assert result == outcome
    assert unquote(requests[0].url.raw_path.decode()).endswith("/Oro_Id__c/42/a b")
    assert "42%2Fa%20b" in requests[0].url.raw_path.decode()
    assert body(requests[0]) == {"Name": "Acme GmbH"}


def test_upsert_matching_several_records_is_rejected_naming_them(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.routes.append(
        route(
            "PATCH",
            r"/sobjects/Account/Oro_Id__c/42",
            lambda request: httpx.Response(
                300,
                json=[f"{ROOT}/sobjects/Account/001AAA", f"{ROOT}/sobjects/Account/001BBB"],
            ),
        )
    )
    with pytest.raises(RejectedRecord) as raised:
        client.upsert("Account", "Oro_Id__c", "42", {"Name": "Acme"})
    assert raised.value.key == "Account Oro_Id__c=42"
    assert "matches 2 records: 001AAA, 001BBB; nothing was written" in raised.value.reason


def test_upsert_refused_by_validation_is_a_rejected_record(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.routes.append(
        route(
            "PATCH",
            r"/sobjects/Contact/Oro_Id__c/7",
            lambda request: sf_error(
                400,
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
                fields=["LastName"],
            ),
        )
    )
    with pytest.raises(RejectedRecord, match="REQUIRED_FIELD_MISSING") as raised:
        client.upsert("Contact", "Oro_Id__c", "7", {"FirstName": "Jo"})
    assert raised.value.field == "LastName"


def test_upsert_by_an_unknown_field_is_a_config_error(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    with pytest.raises(ConfigError, match="cannot upsert Account by Nope__c"):
        client.upsert("Account", "Nope__c", "1", {"Name": "A"})


def test_crud(fake: FakeSalesforce, client: SalesforceClient) -> None:
    fake.routes += [
        route(
            "POST",
            r"/sobjects/Account/",
            lambda r: httpx.Response(201, json={"id": "001N", "success": True, "errors": []}),
        ),
        route(
            "GET",
            r"/sobjects/Account/001N",
            lambda r: httpx.Response(200, json={"Id": "001N", "Name": r.url.params["fields"]}),
        ),
        route("PATCH", r"/sobjects/Account/001N", lambda r: httpx.Response(204)),
        route("DELETE", r"/sobjects/Account/001N", lambda r: httpx.Response(204)),
        route(
            "DELETE",
            r"/sobjects/Account/001X",
            lambda r: sf_error(404, "ENTITY_IS_DELETED", "entity is deleted"),
        ),
        route("PATCH", r"/sobjects/Account/001C", lambda r: httpx.Response(412)),
    ]
    assert client.create("Account", {"Name": "A"}) == "001N"
    assert client.get("Account", "001N", ["Name", "Phone"]) == {"Id": "001N", "Name": "Name,Phone"}
    assert client.get("Account", "001Z") is None
    client.update("Account", "001N", {"Name": "B"})
    assert client.delete("Account", "001N") is True
    assert client.delete("Account", "001X") is False
    with pytest.raises(RejectedRecord, match="changed in Salesforce"):
        client.update("Account", "001C", {"Name": "B"}, headers={"If-Unmodified-Since": "x"})


def test_collection_upsert_sends_200_per_call_and_keeps_per_record_results(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        payload = body(request)
        assert payload["allOrNone"] is False
        results = []
        for record in payload["records"]:
            assert record["attributes"] == {"type": "Account"}
            if record["Name"]:
                results.append(
                    {
                        "id": f"001{record['Oro_Id__c']}",
                        "success": True,
                        "errors": [],
                        "created": True,
                    }
                )
            else:
                results.append(
                    {
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "REQUIRED_FIELD_MISSING",
                                "message": "Required fields are missing: [Name]",
                                "fields": ["Name"],
                            }
                        ],
                    }
                )
        return httpx.Response(200, json=results)

    fake.routes.append(route("PATCH", r"/composite/sobjects/Account/Oro_Id__c", answer))
    records = [{"Oro_Id__c": str(n), "Name": "" if n in (5, 301) else f"A{n}"} for n in range(450)]

    results = client.collection_upsert("Account", "Oro_Id__c", records)

    assert [len(body(r)["records"]) for r in fake.api_calls("PATCH")] == [200, 200, 50]
    assert len(results) == 450
    failed = [n for n, result in enumerate(results) if not result.success]
    assert failed == [5, 301]
    assert results[6] == SaveResult("0016", True, True)
    rejection = results[301].rejection("Account Oro_Id__c=301")
    assert rejection.field == "Name"
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]" in str(rejection)


def test_collection_create_update_delete(fake: FakeSalesforce, client: SalesforceClient) -> None:
    def ok(request: httpx.Request) -> httpx.Response:
        count = len(body(request)["records"])
        return httpx.Response(
            200, json=[{"id": f"001{n}", "success": True, "errors": []} for n in range(count)]
        )

    def deleted(request: httpx.Request) -> httpx.Response:
        assert request.url.params["allOrNone"] == "false"
        ids = request.url.params["ids"].split(",")
        return httpx.Response(
            200,
            json=[
                {
                    "id": i,
                    "success": i != "001bad",
                    "errors": []
                    if i != "001bad"
                    else [{"statusCode": "ENTITY_IS_DELETED", "message": "gone"}],
                }
                for i in ids
            ],
        )

    fake.routes += [
        route("POST", r"/composite/sobjects", ok),
        route("PATCH", r"/composite/sobjects", ok),
        route("DELETE", r"/composite/sobjects", deleted),
    ]
    assert len(client.collection_create("Contact", [{"LastName": "X"}] * 201)) == 201
    assert all(
        r.success for r in client.collection_update("Contact", [{"Id": "003A", "LastName": "Y"}])
    )
    with pytest.raises(ValueError, match="needs its Id"):
        client.collection_update("Contact", [{"LastName": "Y"}])
    results = client.collection_delete(["001a", "001bad"])
    assert [r.success for r in results] == [True, False]
    assert results[1].message == "ENTITY_IS_DELETED: gone"


def test_a_collection_refused_as_a_whole_fails_each_of_its_records(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.routes.append(
        route(
            "POST", r"/composite/sobjects", lambda r: sf_error(400, "JSON_PARSER_ERROR", "bad json")
        )
    )
    results = client.collection_create("Account", [{"Name": "A"}, {"Name": "B"}])
    assert [r.message for r in results] == ["JSON_PARSER_ERROR: bad json"] * 2


def test_updated_and_deleted(fake: FakeSalesforce, client: SalesforceClient) -> None:
    params: list[httpx.QueryParams] = []

    def updated(request: httpx.Request) -> httpx.Response:
        params.append(request.url.params)
        return httpx.Response(
            200, json={"ids": ["001A", "001B"], "latestDateCovered": "2024-05-08T21:20:00.000+0000"}
        )

    def deleted(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "deletedRecords": [{"id": "001C", "deletedDate": "2024-05-07T11:02:00.000+0000"}],
                "earliestDateAvailable": "2024-05-01T02:00:00.000+0000",
                "latestDateCovered": "2024-05-08T21:20:00.000+0000",
            },
        )

    fake.routes += [
        route("GET", r"/sobjects/Account/updated/", updated),
        route("GET", r"/sobjects/Account/deleted/", deleted),
    ]
    start, end = datetime(2024, 5, 6, tzinfo=UTC), datetime(2024, 5, 10, 0, 0, 42, tzinfo=UTC)

    changes = client.updated("Account", start, end)
    deletions = client.deleted("Account", start, end)

    assert params[0]["start"] == "2024-05-06T00:00:00+00:00"
    assert params[0]["end"] == "2024-05-10T00:00:00+00:00"
    assert changes.ids == ("001A", "001B")
    assert changes.latest_date_covered == datetime(2024, 5, 8, 21, 20, tzinfo=UTC)
    assert deletions.records == (DeletedRecord("001C", datetime(2024, 5, 7, 11, 2, tzinfo=UTC)),)
    assert deletions.lost_since(datetime(2024, 4, 30, tzinfo=UTC))
    assert not deletions.lost_since(datetime(2024, 5, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        client.updated("Account", datetime(2024, 5, 6), end)


def test_describe_check_names_the_unknown_fields(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fields = [
        {"name": "Id", "nillable": False, "createable": False, "defaultedOnCreate": True},
        {"name": "Name", "nillable": False, "createable": True, "defaultedOnCreate": False},
        {"name": "Oro_Id__c", "nillable": True, "createable": True, "externalId": True},
        {
            "name": "OwnerId",
            "nillable": False,
            "createable": True,
            "defaultedOnCreate": True,
            "relationshipName": "Owner",
        },
    ]
    fake.routes.append(
        route(
            "GET",
            r"/sobjects/Account/describe/",
            lambda r: httpx.Response(200, json={"name": "Account", "fields": fields}),
        )
    )

    client.check_fields("Account", ["Name", "oro_id__c", "Owner.Username"])
    with pytest.raises(ConfigError) as raised:
        client.check_fields("Account", ["Name", "Colour__c", "Parent.Name"])

    assert "Salesforce Account does not have: Colour__c, Parent.Name" in str(raised.value)
    assert client.describe("Account").required == ["Name"]
    assert len(fake.api_calls("GET", "/describe")) == 1  # cached
    with pytest.raises(ConfigError, match="no object 'Acount'"):
        client.describe("Acount")
