"""Account Manager tokens, WebDAV files, 401/413 and injected faults."""

from __future__ import annotations

import httpx

from pimsync.sandbox.sfcc import WEBDAV, SfccSandbox
from tests.sandbox_sfcc.conftest import INSTANCE, JOBS, token


def test_token_for_good_credentials_only(sandbox: SfccSandbox, base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        answer = client.post(
            "/dwsso/oauth2/access_token",
            data={"grant_type": "client_credentials"},
            auth=(sandbox.client.client_id, sandbox.client.client_secret),
        ).json()
        assert answer["token_type"] == "Bearer"
        assert answer["expires_in"] == 1799
        assert "refresh_token" not in answer
        bad = client.post(
            "/dwsso/oauth2/access_token",
            data={"grant_type": "client_credentials"},
            auth=(sandbox.client.client_id, "wrong"),
        )
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_client"
        grant = client.post(
            "/dwsso/oauth2/access_token",
            data={"grant_type": "password"},
            auth=(sandbox.client.client_id, sandbox.client.client_secret),
        )
        assert grant.status_code == 400


def test_put_get_propfind_delete(sfcc: httpx.Client) -> None:
    url = f"{INSTANCE}/a.zip"
    assert sfcc.put(url, content=b"first").status_code == 201
    assert sfcc.put(url, content=b"second").status_code == 204
    assert sfcc.get(url).content == b"second"
    listing = sfcc.request("PROPFIND", INSTANCE, headers={"Depth": "1"})
    assert listing.status_code == 207
    assert "<D:href>/on/demandware.servlet/webdav/Sites/impex/src/instance/a.zip</D:href>" in (
        listing.text
    )
    assert "<D:getcontentlength>6</D:getcontentlength>" in listing.text
    assert sfcc.delete(url).status_code == 204
    assert sfcc.get(url).status_code == 404
    assert sfcc.delete(url).status_code == 404


def test_folders_must_exist_and_can_be_made(sfcc: httpx.Client) -> None:
    assert sfcc.put(f"{WEBDAV}/Impex/src/pimsync/catalog/x.xml", content=b"<x/>").status_code == 409
    assert sfcc.request("MKCOL", f"{WEBDAV}/Impex/src/pimsync").status_code == 201
    assert sfcc.request("MKCOL", f"{WEBDAV}/Impex/src/pimsync/catalog").status_code == 201
    assert sfcc.put(f"{WEBDAV}/Impex/src/pimsync/catalog/x.xml", content=b"<x/>").status_code == 201


def test_401_without_token_with_expired_token_and_outside_permissions(
    sandbox: SfccSandbox, sfcc: httpx.Client, base_url: str
) -> None:
    with httpx.Client(base_url=base_url) as anonymous:
        assert anonymous.put(f"{INSTANCE}/a.zip", content=b"x").status_code == 401
        fault = anonymous.post(JOBS, json={"file_name": "a.zip"})
        assert fault.status_code == 401
        assert fault.json()["fault"]["type"] == "InvalidAuthorizationHeaderException"
    assert sfcc.get(f"{WEBDAV}/Catalogs/apparel-master/x.jpg").status_code == 401
    sandbox.faults.expire_tokens()
    assert sfcc.put(f"{INSTANCE}/a.zip", content=b"x").status_code == 401
    fault = sfcc.post(JOBS, json={"file_name": "a.zip"})
    assert fault.json()["fault"]["type"] == "InvalidAccessTokenException"
    sfcc.headers["Authorization"] = f"Bearer {token(sfcc, sandbox)}"
    assert sfcc.put(f"{INSTANCE}/a.zip", content=b"x").status_code == 201


def test_413_over_the_size_limit(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    too_big = b"x" * (sandbox.size_limit + 1)
    response = sfcc.put(f"{INSTANCE}/big.zip", content=too_big)
    assert response.status_code == 413
    assert str(sandbox.size_limit) in response.text
    assert sfcc.get(f"{INSTANCE}/big.zip").status_code == 404
    streamed = sfcc.put(f"{INSTANCE}/big.zip", content=iter([too_big[:40000], too_big[40000:]]))
    assert streamed.status_code == 413
    assert sfcc.put(f"{INSTANCE}/ok.zip", content=b"x" * sandbox.size_limit).status_code == 201


def test_injected_faults(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    sandbox.faults.fail_next("/s/-/dw/data/", 503)
    fault = sfcc.get(f"{JOBS}/1")
    assert fault.status_code == 503
    assert fault.json()["fault"]["type"] == "InternalServerErrorException"
    sandbox.faults.fail_next(WEBDAV, 500)
    assert sfcc.put(f"{INSTANCE}/a.zip", content=b"x").status_code == 500
    sandbox.faults.drop_next(WEBDAV)
    try:
        sfcc.get(f"{INSTANCE}/a.zip")
        raise AssertionError("the connection should have been dropped")
    except httpx.TransportError:
        pass
    assert sfcc.put(f"{INSTANCE}/a.zip", content=b"x").status_code == 201
