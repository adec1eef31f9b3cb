"""Waiting for an asynchronous batch of the Oro sandbox, as a client polls it."""

from __future__ import annotations

import time
from typing import Any

import httpx


def finished(oro: httpx.Client, location: str, timeout: float = 20) -> dict[str, Any]:
    """The attributes of the ``asyncoperations`` record at ``location`` once it is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = oro.get(location)
        assert response.status_code == 200, response.text
        attributes: dict[str, Any] = response.json()["data"]["attributes"]
        if attributes["status"] in ("success", "failed", "cancelled"):
            return attributes
        time.sleep(0.02)
    raise AssertionError("the operation did not finish")
