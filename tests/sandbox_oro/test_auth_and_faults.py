"""Client-credentials tokens, empty 401s, and the faults a test can inject."""

from __future__ import annotations

import httpx
import pytest

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro.conftest import API, token


def test_token_grant_json_and_form(sandbox: OroSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        form = {
            "grant_type": "client_credentials",
            "client_id": "pimsync-oro",
            "client_secret": "pimsync-oro-secret",
        }
        answer = client.post("/oauth2-token", data=form).json()
        assert answer["token_type"] == "Bearer"
        assert answer["expires_in"] == 3600
        assert "refresh_token" not in answer
        assert token(client, sandbox)


def test_bad_client_and_grant(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        bad = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        response = client.post("/oauth2-token", json=bad)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        response = client.post("/oauth2-token", json={**bad, "grant_type": "magic"})
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


def test_401_has_an_empty_body(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.get(f"{API}/products")
        assert response.status_code == 401
        assert response.content == b""
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        response = client.get(f"{API}/products", headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401
        assert response.content == b""


def test_token_expiry(oro: httpx.Client, sandbox: OroSandbox) -> None:
    assert oro.get(f"{API}/localizations").status_code == 200
    sandbox.faults.expire_tokens()
    assert oro.get(f"{API}/localizations").status_code == 401
    oro.headers["Authorization"] = f"Bearer {token(oro, sandbox)}"
    assert oro.get(f"{API}/localizations").status_code == 200


def test_429_with_retry_after_then_500(oro: httpx.Client, sandbox: OroSandbox) -> None:
    sandbox.faults.fail_next(f"{API}/products", 429, retry_after=2)
    sandbox.faults.fail_next(f"{API}/products", 500)
    first = oro.get(f"{API}/products")
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "2"
    assert first.headers["content-type"] == "application/vnd.api+json"
    assert first.json()["errors"][0]["status"] == "429"
    second = oro.get(f"{API}/products")
    assert second.status_code == 500
    error = second.json()["errors"][0]
    assert error["status"] == "500"
    assert error["title"] and error["detail"]
    assert set(second.json()) == {"errors"}
    assert oro.get(f"{API}/products").status_code == 200


def test_dropped_connection_and_slowness(oro: httpx.Client, sandbox: OroSandbox) -> None:
    sandbox.faults.drop_next(f"{API}/productunits")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        oro.get(f"{API}/productunits")
    assert oro.get(f"{API}/productunits").status_code == 200
    sandbox.faults.slow(f"{API}/brands", 0.5)
    with pytest.raises(httpx.ReadTimeout):
        oro.get(f"{API}/brands", timeout=0.1)
    sandbox.faults.clear()


def test_request_counter(oro: httpx.Client, sandbox: OroSandbox) -> None:
    before = sandbox.requests[f"{API}/pricelists"]
    oro.get(f"{API}/pricelists")
    assert sandbox.requests[f"{API}/pricelists"] == before + 1


def test_media_type_parameters_are_refused(oro: httpx.Client) -> None:
    headers = {"Content-Type": "application/vnd.api+json; charset=utf-8"}
    assert oro.post(f"{API}/brands", content=b"{}", headers=headers).status_code == 415
    headers = {"Accept": "application/vnd.api+json; ext=bulk"}
    assert oro.get(f"{API}/brands", headers=headers).status_code == 406
