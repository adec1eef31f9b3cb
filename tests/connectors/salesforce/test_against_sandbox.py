"""The Salesforce client against the Salesforce sandbox over real HTTP on 127.0.0.1.

Both were written from the same brief; these tests hold them to each other: every grant,
the health check, SOQL paging, describe, CRUD and upsert, collections with partial
failures, replication, Bulk 2.0, session expiry, API limits and the order rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from pimsync.connectors.http import RetryPolicy
from pimsync.connectors.salesforce import (
    API_VERSION,
    ApiLimitExceeded,
    ApiUsageTracker,
    SalesforceClient,
    SalesforceCredentials,
    SalesforceSettings,
    check_salesforce,
    connect,
)
from pimsync.errors import AuthenticationError, ConfigError, RejectedRecord, RemoteError
from pimsync.sandbox.salesforce import ConnectedApp, Login, SalesforceSandbox, serve
from tests.sandbox_salesforce._clock import START, Clock

TOKEN_CALLS = "POST /services/oauth2/token"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock: Clock) -> SalesforceSandbox:
    return SalesforceSandbox(clock=clock)


@pytest.fixture
def url(sb: SalesforceSandbox) -> Iterator[str]:
    with serve(sb) as base:
        yield base


@pytest.fixture
def sleeps() -> list[float]:
    return []


MakeClient = Callable[..., SalesforceClient]


@pytest.fixture
def make_client(url: str, sb: SalesforceSandbox, sleeps: list[float]) -> Iterator[MakeClient]:
    """Client-credentials clients of the served sandbox; waits go to ``sleeps``."""
    clients: list[SalesforceClient] = []

    def make(usage: ApiUsageTracker | None = None) -> SalesforceClient:
        credentials = SalesforceCredentials(
            "client_credentials", sb.app.client_id, client_secret=SecretStr(sb.app.client_secret)
        )
        client = SalesforceClient(
            url,
            credentials,
            sleep=sleeps.append,
            retry=RetryPolicy(max_attempts=2, base_delay=0, max_delay=0),
            usage=usage or ApiUsageTracker(sleep=sleeps.append),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> SalesforceClient:
    return make_client()


def settings(url: str, sb: SalesforceSandbox, **fields: Any) -> SalesforceSettings:
    return SalesforceSettings.model_validate({"url": url, "client_id": sb.app.client_id, **fields})


def priced_product(sb: SalesforceSandbox, name: str, price: int = 10) -> tuple[str, str]:
    """A product with an active standard price: (product id, standard entry id)."""
    product = sb.org.create("Product2", {"Name": name, "IsActive": True}, user=sb.admin_user_id)
    entry = sb.org.create(
        "PricebookEntry",
        {
            "Pricebook2Id": sb.org.standard_pricebook_id,
            "Product2Id": product,
            "UnitPrice": price,
            "IsActive": True,
        },
        user=sb.admin_user_id,
    )
    return product, entry


def rest_calls(sb: SalesforceSandbox) -> int:
    return sum(n for key, n in sb.requests.items() if " /services/data/" in key)


# --- authentication ----------------------------------------------------------------------


def test_client_credentials_sign_in_as_the_run_as_user(sb: SalesforceSandbox, url: str) -> None:
    secrets = {"client_secret": SecretStr(sb.app.client_secret)}
    with connect(settings(url, sb), secrets) as client:
        session = client.session()
        names = [r["Name"] for r in client.records("SELECT Name FROM Pricebook2")]
    assert session.instance_url == url
    assert (session.org_id, session.user_id) == (sb.org.id, sb.integration_user_id)
    assert names == ["Standard Price Book"]


def test_plain_http_is_for_loopback_unless_allowed(sb: SalesforceSandbox, url: str) -> None:
    secrets = {"client_secret": SecretStr(sb.app.client_secret)}
    with connect(settings(url.replace("127.0.0.1", "localhost"), sb), secrets) as client:
        assert client.instance_url.startswith("http://localhost:")

    remote = "http://salesforce.internal.example"
    with pytest.raises(ConfigError, match="allow_insecure_http"):
        connect(settings(remote, sb), secrets)
    connect(settings(remote, sb, allow_insecure_http=True), secrets).close()


def test_password_grant_appends_the_security_token(sb: SalesforceSandbox, url: str) -> None:
    login = Login()
    config = settings(url, sb, auth="password", username=login.username)
    secrets = {
        "client_secret": SecretStr(sb.app.client_secret),
        "password": SecretStr(login.password),
        "security_token": SecretStr(login.security_token),
    }
    with connect(config, secrets) as client:
        assert client.session().user_id == sb.user_id(login.username)
        assert client.limits()["DailyApiRequests"]["Max"] == sb.api_limit

    without_token = {k: v for k, v in secrets.items() if k != "security_token"}
    with (
        connect(config, without_token) as client,
        pytest.raises(AuthenticationError, match="invalid_grant"),
    ):
        client.session()


def _rsa_key() -> tuple[str, bytes]:
    """(private key PEM, public key PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def test_jwt_bearer_with_the_key_registered_on_the_connected_app(clock: Clock) -> None:
    private, public = _rsa_key()
    other_private, _other_public = _rsa_key()
    sb = SalesforceSandbox(app=ConnectedApp(certificate=public), clock=clock)
    user = sb.app.approved_users[0]
    with serve(sb) as url:
        config = settings(url, sb, auth="jwt", username=user)
        with connect(config, {"private_key": SecretStr(private)}) as client:
            assert client.session().user_id == sb.user_id(user)
            assert client.describe("Account").field("Name") is not None

        with (
            connect(config, {"private_key": SecretStr(other_private)}) as client,
            pytest.raises(AuthenticationError, match="invalid assertion") as refused,
        ):
            client.session()
        assert other_private not in str(refused.value)

        unapproved = settings(url, sb, auth="jwt", username="admin@sandbox.example")
        with (
            connect(unapproved, {"private_key": SecretStr(private)}) as client,
            pytest.raises(AuthenticationError, match="user hasn't approved this consumer"),
        ):
            client.session()


def test_check_salesforce_reports_instance_user_and_usage(sb: SalesforceSandbox, url: str) -> None:
    lines = check_salesforce(settings(url, sb), {"client_secret": SecretStr(sb.app.client_secret)})
    assert lines[0] == f"{url}: signed in (client credentials grant)"
    assert lines[1] == f"org {sb.org.id}, integration user {sb.integration_user_id}"
    assert lines[2].startswith(f"API {API_VERSION}: 1/100000 daily requests used")


def test_check_salesforce_names_refused_credentials(sb: SalesforceSandbox, url: str) -> None:
    with pytest.raises(AuthenticationError, match="invalid_client") as refused:
        check_salesforce(settings(url, sb), {"client_secret": SecretStr("not-the-secret")})
    assert "not-the-secret" not in str(refused.value)


# --- reading -------------------------------------------------------------------------------


def test_query_follows_next_records_url_across_pages(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    for n in range(8):
        sb.org.create("Account", {"Name": f"Customer {n}"}, user=sb.admin_user_id)
    sb.page_size = 3

    pages = list(client.query("SELECT Id, Name FROM Account ORDER BY Name"))

    assert [len(p) for p in pages] == [3, 3, 2]
    assert [r["Name"] for p in pages for r in p] == [f"Customer {n}" for n in range(8)]
    assert pages[0][0]["attributes"]["type"] == "Account"
    more = [k for k in sb.requests if k.startswith(f"GET /services/data/{API_VERSION}/query/01g")]
    assert len(more) == 2
    assert sb.cursors == {}  # the last page closed the cursor

    pages_left = client.query("SELECT Id FROM Account")
    next(pages_left)
    sb.expire_query_locators()
    with pytest.raises(RemoteError, match="INVALID_QUERY_LOCATOR"):
        next(pages_left)


def test_a_refused_query_is_a_config_error(client: SalesforceClient) -> None:
    with pytest.raises(ConfigError, match="Nmae"):
        list(client.query("SELECT Nmae FROM Account"))


def test_describe_and_check_fields(client: SalesforceClient) -> None:
    account = client.describe("Account")
    assert "Name" in account.required
    assert account.field("oro_id__c") is not None

    client.check_fields("Account", ["Name", "Oro_Id__c", "Owner.Username"])
    with pytest.raises(ConfigError, match=r"Salesforce Account does not have: Nmae, Oro_Id_c"):
        client.check_fields("Account", ["Name", "Nmae", "Oro_Id_c"])
    with pytest.raises(ConfigError, match="no object 'Widget__c'"):
        client.describe("Widget__c")


def test_modified_since_returns_later_changes_oldest_first(
    sb: SalesforceSandbox, client: SalesforceClient, clock: Clock
) -> None:
    first = sb.org.create("Account", {"Name": "First"}, user=sb.admin_user_id)
    clock.advance(minutes=5)
    second = sb.org.create("Account", {"Name": "Second"}, user=sb.admin_user_id)
    clock.advance(minutes=5)
    sb.org.update("Account", first, {"Phone": "555"}, user=sb.admin_user_id)
    clock.advance(minutes=5)
    sb.org.create("Account", {"Name": "Later"}, user=sb.admin_user_id)

    changed = [
        r
        for page in client.modified_since(
            "Account", ["Name"], START + timedelta(minutes=1), until=START + timedelta(minutes=12)
        )
        for r in page
    ]

    assert [(r["Id"], r["Name"]) for r in changed] == [(second, "Second"), (first, "First")]
    assert changed[0]["SystemModstamp"] == "2025-05-08T12:05:00.000+0000"


def test_updated_and_deleted_replication_calls(
    sb: SalesforceSandbox, client: SalesforceClient, clock: Clock
) -> None:
    clock.advance(seconds=30)
    kept = sb.org.create("Account", {"Name": "Kept"}, user=sb.admin_user_id)
    gone = sb.org.create("Account", {"Name": "Gone"}, user=sb.admin_user_id)
    clock.advance(minutes=1)
    client.delete("Account", gone)
    clock.advance(minutes=2)

    updates = client.updated("Account", START, clock.now + timedelta(hours=1))
    deletions = client.deleted("Account", START, clock.now)

    assert updates.ids == (kept,)
    assert updates.latest_date_covered == datetime(2025, 5, 8, 12, 3, tzinfo=UTC)
    assert [(d.id, d.deleted_date) for d in deletions.records] == [
        (gone, datetime(2025, 5, 8, 12, 1, 30, tzinfo=UTC))
    ]
    assert not deletions.lost_since(START)
    in_bin = client.records("SELECT Id, IsDeleted FROM Account", include_deleted=True)
    assert sorted((r["Id"], r["IsDeleted"]) for r in in_bin) == sorted(
        [(kept, False), (gone, True)]
    )


# --- single records --------------------------------------------------------------------------


def test_create_get_update_delete(client: SalesforceClient) -> None:
    account = client.create("Account", {"Name": "Acme", "BillingCity": "Berlin"})
    assert client.get("Account", account, ["Name", "BillingCity"]) == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/{API_VERSION}/sobjects/Account/{account}",
        },
        "Name": "Acme",
        "BillingCity": "Berlin",
    }

    client.update("Account", account, {"BillingCity": "Hamburg"})
    record = client.get("Account", account)
    assert record is not None and record["BillingCity"] == "Hamburg"

    assert client.delete("Account", account) is True
    assert client.get("Account", account) is None
    assert client.delete("Account", account) is False


def test_a_conditional_update_refuses_a_record_changed_since(
    sb: SalesforceSandbox, client: SalesforceClient, clock: Clock
) -> None:
    account = client.create("Account", {"Name": "Acme"})
    clock.advance(minutes=1)
    sb.org.update("Account", account, {"Phone": "human edit"}, user=sb.admin_user_id)

    with pytest.raises(RejectedRecord, match="changed in Salesforce since the condition"):
        client.update(
            "Account",
            account,
            {"Phone": "pimsync edit"},
            headers={"If-Unmodified-Since": format_datetime(START, usegmt=True)},
        )
    assert sb.org.get("Account", account)["Phone"] == "human edit"


def test_a_refused_create_names_the_missing_field(client: SalesforceClient) -> None:
    with pytest.raises(RejectedRecord) as refused:
        client.create("Contact", {"FirstName": "Alex"})
    assert refused.value.reason == (
        "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] [LastName]"
    )
    assert refused.value.field == "LastName"


def test_upsert_by_external_id_creates_updates_and_refuses_duplicates(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    created = client.upsert("Account", "Oro_Id__c", "42", {"Name": "Acme"})
    assert created.created is True and created.id is not None
    updated = client.upsert("Account", "Oro_Id__c", "42", {"Name": "Acme GmbH"})
    assert updated == (created.id, False)
    assert sb.org.get("Account", created.id)["Name"] == "Acme GmbH"

    twins = [
        sb.org.create("Account", {"Name": f"Twin {n}", "Oro_Id__c": "7"}, user=sb.admin_user_id)
        for n in (1, 2)
    ]
    with pytest.raises(RejectedRecord) as refused:
        client.upsert("Account", "Oro_Id__c", "7", {"Name": "Which one?"})
    assert refused.value.key == "Account Oro_Id__c=7"
    assert refused.value.reason == (
        f"the external id matches 2 records: {twins[0]}, {twins[1]}; nothing was written"
    )
    assert {sb.org.get("Account", t)["Name"] for t in twins} == {"Twin 1", "Twin 2"}

    with pytest.raises(ConfigError, match="is Nope__c an External ID field of Account"):
        client.upsert("Account", "Nope__c", "1", {"Name": "x"})
    with pytest.raises(RejectedRecord, match="INVALID_FIELD: Field Name is not an External ID"):
        client.upsert("Account", "Name", "Acme", {"Phone": "1"})


# --- sObject Collections -------------------------------------------------------------------


def test_collection_create_keeps_the_valid_records(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    wholesale = sb.org.create(
        "Pricebook2", {"Name": "Wholesale", "IsActive": True}, user=sb.admin_user_id
    )
    priced, _entry = priced_product(sb, "Priced")
    unpriced = sb.org.create("Product2", {"Name": "Unpriced"}, user=sb.admin_user_id)

    results = client.collection_create(
        "PricebookEntry",
        [
            {"Pricebook2Id": wholesale, "Product2Id": priced, "UnitPrice": 8},
            {"Pricebook2Id": wholesale, "Product2Id": unpriced, "UnitPrice": 8},
            {"Pricebook2Id": wholesale, "Product2Id": priced},
        ],
    )

    assert [r.success for r in results] == [True, False, False]
    assert results[0].id is not None
    assert sb.org.get("PricebookEntry", results[0].id)["UnitPrice"] == 8
    assert results[1].message == (
        "STANDARD_PRICE_NOT_DEFINED: No standard price defined for this product"
    )
    assert results[2].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert results[2].rejection("entry 3").field == "UnitPrice"


def test_collection_update_and_delete_report_each_record(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    ids = [client.create("Account", {"Name": f"A{n}"}) for n in range(3)]
    results = client.collection_update(
        "Account",
        [
            {"Id": ids[0], "Phone": "1"},
            {"Id": ids[1], "Name": ""},
            {"Id": ids[2], "Phone": "3"},
        ],
    )
    assert [r.success for r in results] == [True, False, True]
    assert results[1].id == ids[1]
    assert results[1].message == (
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Name] [Name]"
    )
    assert [sb.org.get("Account", i)["Phone"] for i in ids] == ["1", None, "3"]
    assert sb.org.get("Account", ids[1])["Name"] == "A1"

    client.delete("Account", ids[2])
    deleted = client.collection_delete(ids)
    assert [r.success for r in deleted] == [True, True, False]
    assert deleted[2].errors[0].code == "ENTITY_IS_DELETED"
    assert client.get("Account", ids[0]) is None


def test_collection_upsert_tells_created_from_updated(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    existing = client.create("Account", {"Name": "Old name", "Oro_Id__c": "1"})
    results = client.collection_upsert(
        "Account",
        "Oro_Id__c",
        [
            {"Oro_Id__c": "1", "Name": "New name"},
            {"Oro_Id__c": "2", "Name": "Brand new"},
            {"Oro_Id__c": "3", "Phone": "no name"},
            {"Oro_Id__c": "4", "Name": "Twice"},
            {"Oro_Id__c": "4", "Name": "Twice again"},
        ],
    )
    assert [(r.success, r.created) for r in results[:2]] == [(True, False), (True, True)]
    assert results[0].id == existing
    assert sb.org.get("Account", existing)["Name"] == "New name"
    assert results[2].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert [r.errors[0].code for r in results[3:]] == ["DUPLICATE_EXTERNAL_ID"] * 2
    names = [r["Name"] for r in client.records("SELECT Name FROM Account ORDER BY Name")]
    assert names == ["Brand new", "New name"]


# --- Bulk API 2.0 ----------------------------------------------------------------------------


def test_bulk_upsert_reports_the_failing_row(
    sb: SalesforceSandbox, client: SalesforceClient, sleeps: list[float]
) -> None:
    existing = client.create("Account", {"Name": "Old", "Oro_Id__c": "B1"})
    sb.bulk.in_progress_polls = 2

    result = client.bulk_ingest(
        "Account",
        "upsert",
        [
            {"Oro_Id__c": "B1", "Name": "Bulk 1", "Phone": None},
            {"Oro_Id__c": "B2", "Name": "Bulk 2", "BillingCity": "Köln, Porz"},
            {"Oro_Id__c": "B3", "Name": None},
        ],
        ext_field="Oro_Id__c",
        poll_interval=0.5,
    )

    assert (result.processed, result.failed, len(result.job_ids)) == (3, 1, 1)
    assert sleeps == [0.5, 0.5]
    updated, created = result.successful_rows
    assert (updated["sf__Id"], updated["sf__Created"]) == (existing, "false")
    assert created["sf__Created"] == "true"
    assert sb.org.get("Account", created["sf__Id"])["BillingCity"] == "Köln, Porz"
    assert [r["Oro_Id__c"] for r in result.failed_rows] == ["B3"]
    assert result.failed_rows[0]["sf__Error"].startswith(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]"
    )


def test_bulk_upsert_needs_the_external_id_field(client: SalesforceClient) -> None:
    with pytest.raises(ConfigError, match="needs the external id field"):
        client.bulk_ingest("Account", "upsert", [{"Name": "x"}])


# --- sessions and limits ----------------------------------------------------------------------


def test_an_expired_session_is_renewed_once_mid_run(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    account = client.create("Account", {"Name": "Before"})
    assert sb.requests[TOKEN_CALLS] == 1

    sb.faults.expire_tokens()
    client.update("Account", account, {"Name": "After"})

    assert sb.requests[TOKEN_CALLS] == 2
    assert sb.org.get("Account", account)["Name"] == "After"
    assert sb.requests[f"PATCH /services/data/{API_VERSION}/sobjects/Account/{account}"] == 2


def test_a_second_refusal_after_renewing_the_session_is_fatal(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    client.session()
    sb.sessions.ttl = timedelta(0)  # every new token is dead on arrival
    sb.faults.expire_tokens()

    with pytest.raises(AuthenticationError, match="INVALID_SESSION_ID"):
        client.limits()
    assert sb.requests[TOKEN_CALLS] == 2  # renewed once, not in a loop


def test_the_exhausted_allocation_stops_the_run(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    client.session()
    sb.api_limit = 50
    sb.api_usage = 50

    with pytest.raises(ApiLimitExceeded) as stopped:
        client.create("Account", {"Name": "Too late"})

    message = str(stopped.value)
    assert "TotalRequests Limit exceeded." in message
    assert "API allocation is used up" in message
    assert stopped.value.retry_after == 3600.0
    assert rest_calls(sb) == 1  # refused calls count too: never retried
    assert sb.org.rows("Account") == []


def test_the_usage_tracker_slows_down_then_stops_near_the_limit(
    sb: SalesforceSandbox, make_client: MakeClient, sleeps: list[float]
) -> None:
    client = make_client(ApiUsageTracker(slow_down_at=0.8, stop_at=0.95, sleep=sleeps.append))
    sb.api_limit, sb.api_usage = 100, 10
    client.limits()  # 11/100
    client.limits()
    assert sleeps == []

    sb.api_usage = 85
    client.limits()  # answers 86/100: the next call waits
    client.limits()  # answers 87/100
    assert sleeps == [pytest.approx(0.8)]

    sb.api_usage = 95
    client.limits()  # answers 96/100: pimsync stops before the next call
    sent = rest_calls(sb)
    with pytest.raises(ApiLimitExceeded, match=r"api-usage 96/100 \(96%\).*stop threshold"):
        client.limits()
    assert rest_calls(sb) == sent
    assert client.usage.usage is not None and client.usage.usage.used == 96


# --- order rules ---------------------------------------------------------------------------


def test_order_rules_price_book_first_and_activated_orders_locked(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    account = client.create("Account", {"Name": "Buyer"})
    _product, entry = priced_product(sb, "Widget", 10)
    order = client.create(
        "Order", {"AccountId": account, "EffectiveDate": date(2025, 5, 8).isoformat()}
    )
    line = {"OrderId": order, "PricebookEntryId": entry, "Quantity": 2, "UnitPrice": 10}

    with pytest.raises(RejectedRecord, match="no order products"):
        client.update("Order", order, {"Status": "Activated"})
    with pytest.raises(RejectedRecord, match="Price Book Not Set on Order") as no_book:
        client.create("OrderItem", line)
    assert no_book.value.key == "new OrderItem"

    client.update("Order", order, {"Pricebook2Id": sb.org.standard_pricebook_id})
    client.create("OrderItem", line)
    client.update("Order", order, {"Status": "Activated"})
    record = client.get("Order", order, ["StatusCode", "TotalAmount"])
    assert record is not None and (record["StatusCode"], record["TotalAmount"]) == (
        "Activated",
        20.0,
    )

    with pytest.raises(RejectedRecord) as locked:
        client.update("Order", order, {"Description": "changed later"})
    assert locked.value.key == f"Order {order}"
    assert locked.value.reason == (
        "ENTITY_IS_LOCKED: You can't edit an activated order. Set its status to Draft first. "
        "[Description]"
    )
    with pytest.raises(RejectedRecord, match="ENTITY_IS_LOCKED"):
        client.create("OrderItem", line)
    with pytest.raises(RejectedRecord, match="ENTITY_IS_LOCKED"):
        client.upsert("Order", "Id", order, {"Description": "via upsert"})


def test_money_dates_and_datetimes_are_sent_as_salesforce_reads_them(
    sb: SalesforceSandbox, client: SalesforceClient
) -> None:
    product, _entry = priced_product(sb, "Widget")
    wholesale = client.create("Pricebook2", {"Name": "Wholesale", "IsActive": True})
    entry = client.create(
        "PricebookEntry",
        {"Pricebook2Id": wholesale, "Product2Id": product, "UnitPrice": Decimal("8.79")},
    )
    assert sb.org.get("PricebookEntry", entry)["UnitPrice"] == Decimal("8.79")

    account = client.create("Account", {"Name": "Buyer"})
    contract = client.collection_create(
        "Contract", [{"AccountId": account, "StartDate": date(2025, 1, 1), "ContractTerm": 12}]
    )[0]
    assert contract.success, contract.message
    assert sb.org.get("Contract", contract.id or "")["EndDate"] == date(2025, 12, 31)

    result = client.bulk_ingest(
        "Product2",
        "insert",
        [{"Name": "Bulk widget", "Description": datetime(2025, 5, 8, 9, 30, tzinfo=UTC)}],
    )
    assert result.failed == 0, result.failed_rows
    created = sb.org.get("Product2", result.successful_rows[0]["sf__Id"])
    assert created["Description"] == "2025-05-08T09:30:00+00:00"
