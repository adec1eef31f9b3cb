"""Salesforce API calls and time for upserts: sObject Collections vs one call per record.

Starts ``pimsync sandbox salesforce`` in its own process, then upserts N accounts by an
external id twice with pimsync's client: once through ``collection_upsert`` (200 records
per call) and once record by record (``upsert``), counting the HTTP calls each way puts
on the wire and the wall time. The issue's target: at most 10 API calls per 1,000
upserts.

    python benchmarks/salesforce_sync.py --accounts 1000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import httpx
from pydantic import SecretStr

from oro_sync import sandbox  # this folder is on sys.path
from pimsync.connectors.salesforce import SalesforceSettings, connect

CLIENT_ID = "3MVG9pimsync.sandbox.consumer.key"  # the sandbox's connected app
CLIENT_SECRET = "pimsync-salesforce-secret"

CALLS: Counter[str] = Counter()


def count_calls() -> None:
    """Count the requests pimsync's client sends, by method (token requests apart)."""
    send = httpx.HTTPTransport.handle_request

    def counting(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        kind = "token" if request.url.path.endswith("/oauth2/token") else request.method
        CALLS[kind] += 1
        return send(self, request)

    httpx.HTTPTransport.handle_request = counting  # type: ignore[method-assign]


def accounts(n: int, run: str) -> list[dict[str, Any]]:
    return [
        {"Pimsync_Id__c": f"{run}-{i}", "Name": f"Account {run} {i}", "Phone": f"+33 1 {i:08d}"}
        for i in range(n)
    ]


def api_calls() -> int:
    return sum(n for kind, n in CALLS.items() if kind != "token")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    args = parser.parse_args()
    n = args.accounts
    count_calls()
    with sandbox("salesforce", "--accounts", "0", "--products", "0") as (url, _pid):
        settings = SalesforceSettings(url=url, auth="client_credentials", client_id=CLIENT_ID)
        client = connect(settings, {"client_secret": SecretStr(CLIENT_SECRET)})
        with client:
            client.session()  # the token, outside the counts
            rows = []
            for way in ("collections", "per record"):
                CALLS.clear()
                records = accounts(n, "c" if way == "collections" else "r")
                started = time.perf_counter()
                if way == "collections":
                    results = client.collection_upsert("Account", "Pimsync_Id__c", records)
                    failed = sum(1 for r in results if not r.success)
                else:
                    failed = 0
                    for record in records:
                        fields = {k: v for k, v in record.items() if k != "Pimsync_Id__c"}
                        client.upsert("Account", "Pimsync_Id__c", record["Pimsync_Id__c"], fields)
                seconds = time.perf_counter() - started
                calls = api_calls()
                rows.append((way, calls, calls * 1000 / n, seconds, failed))
    print(f"{n} account upserts against the Salesforce sandbox")
    print("| way | API calls | per 1,000 upserts | time | records/s | failed |")
    print("|---|---|---|---|---|---|")
    for way, calls, per_thousand, seconds, failed in rows:
        print(
            f"| {way} | {calls} | {per_thousand:.1f} | {seconds:.2f} s | "
            f"{n / seconds:,.0f} | {failed} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
