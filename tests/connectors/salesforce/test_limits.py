"""API usage: Sforce-Limit-Info pacing, the stop threshold, REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

import httpx
import pytest

from pimsync.connectors.salesforce import (
    ApiLimitExceeded,
    ApiUsage,
    ApiUsageTracker,
    SalesforceClient,
    parse_limit_info,
)
from pimsync.errors import ConfigError, RemoteError, TransientError

from ._fake import FakeSalesforce, route, sf_error
from .conftest import MakeClient


def _ok(fake: FakeSalesforce) -> None:
    fake.routes.append(
        route("GET", r"/sobjects/Account/(\w+)", lambda r, i: httpx.Response(200, json={"Id": i}))
    )


def test_parse_limit_info_takes_the_tightest_allocation() -> None:
    assert parse_limit_info("api-usage=18/5000") == ApiUsage(18, 5000)
    tight = parse_limit_info("api-usage=18/5000; per-app-api-usage=240/250(appName=pimsync)")
    assert tight == ApiUsage(240, 250, "per-app-api-usage")
    assert parse_limit_info("garbage") is None
    assert parse_limit_info(None) is None


def test_request_limit_exceeded_stops_at_once_with_a_clear_error(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.routes.append(
        route(
            "GET",
            r"/sobjects/Account/001A",
            lambda r: sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        )
    )
    with pytest.raises(ApiLimitExceeded) as raised:
        client.get("Account", "001A")

    assert isinstance(raised.value, TransientError)  # the run stops, the watermark stays
    assert "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded." in str(raised.value)
    assert "API allocation is used up" in str(raised.value)
    assert len(fake.api_calls()) == 1  # not retried: refused calls count too


def test_other_403s_stay_remote_errors(fake: FakeSalesforce, client: SalesforceClient) -> None:
    fake.routes.append(
        route(
            "GET", r"/sobjects/Account/001A", lambda r: sf_error(403, "INSUFFICIENT_ACCESS", "no")
        )
    )
    with pytest.raises(RemoteError, match="INSUFFICIENT_ACCESS") as raised:
        client.get("Account", "001A")
    assert not isinstance(raised.value, ApiLimitExceeded)


def test_usage_above_slow_down_paces_calls_and_stops_before_the_limit(
    fake: FakeSalesforce, make_client: MakeClient, sleeps: list[float]
) -> None:
    _ok(fake)
    fake.allowed = 100
    client = make_client(
        usage=ApiUsageTracker(slow_down_at=0.8, stop_at=0.9, max_delay=2.0, sleep=sleeps.append)
    )

    fake.used = 50
    client.get("Account", "001A")  # header says 51/100
    client.get("Account", "001A")
    assert sleeps == []

    fake.used = 84
    client.get("Account", "001A")  # header says 85/100: half-way from 80 % to 90 %
    client.get("Account", "001A")
    assert sleeps == [pytest.approx(1.0)]
    assert str(client.usage.usage) == "api-usage 86/100 (86%)"

    fake.used = 89
    client.get("Account", "001A")  # 90/100: the next call is not sent
    calls = len(fake.api_calls())
    with pytest.raises(ApiLimitExceeded, match=r"api-usage 90/100 \(90%\).*stop threshold"):
        client.get("Account", "001A")
    assert len(fake.api_calls()) == calls


def test_thresholds_are_checked() -> None:
    with pytest.raises(ConfigError, match="slow_down_at"):
        ApiUsageTracker(slow_down_at=0.9, stop_at=0.8)
