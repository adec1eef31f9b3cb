"""SalesforceSandbox: one stand-in Sales Cloud org — data, connected app, sessions,
API limits, Bulk jobs, query cursors, faults — and its demo seed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.salesforce._auth import INTEGRATION_USER, ConnectedApp, Login, Sessions
from pimsync.sandbox.salesforce._bulk import IngestJobs
from pimsync.sandbox.salesforce._org import Org

ADMIN_USER = "admin@sandbox.example"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SalesforceSandbox:
    """A local Salesforce org's REST API: serve it with
    :func:`pimsync.sandbox.salesforce.serve`.

    * ``app`` — the connected app (client id/secret, client-credentials Run-As user,
      JWT certificate, password-flow switch); ``logins`` — passwords for that flow.
    * ``currencies`` — non-empty makes a multi-currency org (``CurrencyIsoCode`` fields;
      the first is the corporate currency).
    * ``api_limit`` — calls per 24 h; above it REST calls answer 403
      ``REQUEST_LIMIT_EXCEEDED``. ``api_usage`` counts the calls made.
    * ``page_size`` — largest query page (``Sforce-Query-Options: batchSize`` narrows it).
    * ``in_progress_polls`` — status reads of a closed Bulk job that answer ``InProgress``.

    State: ``org`` (records; ``org.create/update/delete(..., user=sb.admin_user_id)`` plays
    a human edit), ``bulk`` (ingest jobs), ``faults``, ``requests`` ("METHOD path"),
    ``cursors`` (open query locators; ``expire_query_locators()``).
    """

    def __init__(
        self,
        *,
        app: ConnectedApp | None = None,
        logins: tuple[Login, ...] = (Login(),),
        currencies: tuple[str, ...] = (),
        api_limit: int = 100_000,
        session_ttl: timedelta = timedelta(hours=2),
        page_size: int = 2000,
        in_progress_polls: int = 0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.app = app or ConnectedApp()
        self.org = Org(clock=clock, currencies=currencies)
        self.integration_user_id = self.org.add_user(INTEGRATION_USER, "Pimsync Integration")
        self.admin_user_id = self.org.add_user(ADMIN_USER, "Sandbox Admin")
        for username in {*(x.username for x in logins), *self.app.approved_users}:
            self.org.add_user(username, username.partition("@")[0])
        if self.app.run_as is not None:
            self.org.add_user(self.app.run_as, self.app.run_as.partition("@")[0])
        self.logins = {x.username: x for x in logins}
        self.sessions = Sessions(
            self.app, self.logins, self.user_id, self.org.id, clock, session_ttl
        )
        self.faults = Faults(self.sessions.expire_all)
        self.requests: Counter[str] = Counter()
        self.api_limit = api_limit
        self.api_usage = 0
        self.page_size = page_size
        self.bulk = IngestJobs(self.org, in_progress_polls)
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def user_id(self, username: str) -> str | None:
        """The id of the User called ``username``, or None."""
        for record in self.org.rows("User"):
            if record["Username"] == username and record["IsActive"]:
                return str(record["Id"])
        return None

    def spend_api_call(self) -> bool:
        """Count one API call; False once the daily allocation is used up."""
        with self._lock:
            self.api_usage += 1
            return self.api_usage <= self.api_limit

    def usage_header(self) -> str:
        return f"api-usage={self.api_usage}/{self.api_limit}"

    def expire_query_locators(self) -> None:
        """Forget every open query cursor (INVALID_QUERY_LOCATOR afterwards)."""
        self.cursors.clear()

    @classmethod
    def demo(cls, *, accounts: int = 5, products: int = 8, **options: Any) -> SalesforceSandbox:
        """A small org: products with standard and wholesale prices, accounts with
        contacts, a contract and a draft order with lines."""
        sb = cls(**options)
        org, admin = sb.org, sb.admin_user_id
        std = org.standard_pricebook_id
        wholesale = org.create(
            "Pricebook2",
            {"Name": "Wholesale", "IsActive": True, "Pimsync_Id__c": "wholesale"},
            user=admin,
        )
        entries = []
        for n in range(1, products + 1):
            product = org.create(
                "Product2",
                {
                    "Name": f"Demo product {n}",
                    "ProductCode": f"DEMO-{n:03d}",
                    "IsActive": True,
                    "Family": "Demo",
                    "Pimsync_Id__c": f"DEMO-{n:03d}",
                },
                user=admin,
            )
            price = Decimal(10 * n) + Decimal("0.99")
            org.create(
                "PricebookEntry",
                {"Pricebook2Id": std, "Product2Id": product, "UnitPrice": price, "IsActive": True},
                user=admin,
            )
            entries.append(
                org.create(
                    "PricebookEntry",
                    {
                        "Pricebook2Id": wholesale,
                        "Product2Id": product,
                        "UnitPrice": price * Decimal("0.8"),
                        "IsActive": True,
                    },
                    user=admin,
                )
            )
        for n in range(1, accounts + 1):
            account = org.create(
                "Account",
                {
                    "Name": f"Demo Customer {n}",
                    "Type": "Customer - Direct",
                    "BillingCity": "Berlin",
                    "BillingCountry": "Germany",
                },
                user=admin,
            )
            org.create(
                "Contact",
                {
                    "FirstName": "Alex",
                    "LastName": f"Buyer {n}",
                    "Email": f"buyer{n}@example.com",
                    "AccountId": account,
                },
                user=admin,
            )
            if n == 1 and entries:
                org.create(
                    "Contract",
                    {
                        "AccountId": account,
                        "StartDate": "2025-01-01",
                        "ContractTerm": 12,
                        "Pricebook2Id": wholesale,
                    },
                    user=admin,
                )
                order = org.create(
                    "Order",
                    {
                        "AccountId": account,
                        "EffectiveDate": date.today().isoformat(),
                        "Pricebook2Id": wholesale,
                        "Name": "Demo order",
                    },
                    user=admin,
                )
                org.create(
                    "OrderItem",
                    {
                        "OrderId": order,
                        "PricebookEntryId": entries[0],
                        "Quantity": 2,
                        "UnitPrice": 8.79,
                    },
                    user=admin,
                )
        return sb
