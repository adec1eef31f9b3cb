"""The OAuth token flow and the bearer check."""

from __future__ import annotations

import httpx

from pimsync.sandbox.akeneo import AkeneoSandbox
from tests.sandbox.conftest import TOKEN, basic, login

API = "/api/rest/v1/channels"


def test_password_grant_then_refresh(sandbox: AkeneoSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        first = login(client, sandbox).json()
        assert first["token_type"] == "bearer"
        assert first["expires_in"] == 3600
        assert first["scope"] is None
        refreshed = client.post(
            TOKEN,
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            headers={"Authorization": basic(sandbox)},
        )
        assert refreshed.status_code == 200
        token = refreshed.json()["access_token"]
        assert token != first["access_token"]
        ok = client.get(API, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        reused = client.post(
            TOKEN,
            json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            headers={"Authorization": basic(sandbox)},
        )
        assert reused.status_code == 422


def test_bad_credentials_are_refused(sandbox: AkeneoSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        wrong_user = client.post(
            TOKEN,
            json={"grant_type": "password", "username": "admin", "password": "nope"},
            headers={"Authorization": basic(sandbox)},
        )
        assert wrong_user.status_code == 422
        assert set(wrong_user.json()) == {"code", "message"}
        wrong_client = client.post(
            TOKEN,
            json={"grant_type": "password", "username": "admin", "password": "admin"},
            headers={"Authorization": "Basic " + "eDp5"},
        )
        assert wrong_client.status_code == 422
        assert "client_id" in wrong_client.json()["message"]


def test_rest_routes_need_a_valid_bearer_token(base_url: str) -> None:
    anonymous = httpx.get(base_url + API)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"code": 401, "message": "Authentication is required"}
    forged = httpx.get(base_url + API, headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_tokens_expire_after_their_ttl(base_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from pimsync.sandbox.akeneo import serve

    moment = [datetime(2026, 3, 1, tzinfo=UTC)]
    sb = AkeneoSandbox.demo(products=5, token_ttl=60, clock=lambda: moment[0])
    with serve(sb) as url, httpx.Client(base_url=url) as client:
        token = login(client, sb).json()
        assert token["expires_in"] == 60
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.get(API, headers=headers).status_code == 200
        moment[0] += timedelta(seconds=61)
        expired = client.get(API, headers=headers)
        assert expired.status_code == 401
        assert "expired" in expired.json()["message"]
