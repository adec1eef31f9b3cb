"""A settable clock for the Salesforce sandbox: SystemModstamp, replication windows and
session expiry follow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2025, 5, 8, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
