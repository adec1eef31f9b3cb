from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from pimsync.connectors.http import RetryPolicy
from pimsync.connectors.salesforce import (
    ApiUsageTracker,
    SalesforceClient,
    SalesforceCredentials,
)

from ._fake import CLIENT_ID, CLIENT_SECRET, LOGIN, FakeSalesforce

MakeClient = Callable[..., SalesforceClient]


@pytest.fixture
def fake() -> FakeSalesforce:
    return FakeSalesforce()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(fake: FakeSalesforce, sleeps: list[float]) -> Iterator[MakeClient]:
    clients: list[SalesforceClient] = []

    def make(
        credentials: SalesforceCredentials | None = None,
        usage: ApiUsageTracker | None = None,
    ) -> SalesforceClient:
        credentials = credentials or SalesforceCredentials(
            "client_credentials", CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET)
        )
        client = SalesforceClient(
            LOGIN,
            credentials,
            transport=fake.transport(),
            sleep=sleeps.append,
            retry=RetryPolicy(max_attempts=3, base_delay=0, max_delay=0),
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
