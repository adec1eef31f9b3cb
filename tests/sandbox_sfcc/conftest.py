"""SFCC sandbox fixtures: a sandbox served on 127.0.0.1, a token, site archives of the
reference samples (read in place from ../shared/reference/sfcc, never copied)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pimsync.sandbox.sfcc import WEBDAV, SfccSandbox, serve

# "shared" sits beside the repository root
REFERENCE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "sfcc").resolve()
SAMPLES = REFERENCE / "samples"
XSD = REFERENCE / "xsd"
JOBS = "/s/-/dw/data/v25_6/jobs/sfcc-site-archive-import/executions"
INSTANCE = f"{WEBDAV}/Impex/src/instance"

# archive path (under the top folder) → sample file
SAMPLE_LAYOUT = {
    "meta/system-objecttype-extensions.xml": "metadata.xml",
    "catalogs/apparel-master/catalog.xml": "master-catalog.xml",
    "catalogs/storefront-gents/catalog.xml": "storefront-catalog.xml",
    "pricebooks/usd-list-prices.xml": "pricebook.xml",
    "libraries/SharedLibrary/library.xml": "library.xml",
    "jobs.xml": "jobs.xml",
}


def need_reference() -> None:
    if not (SAMPLES / "master-catalog.xml").is_file() or not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC reference samples/XSDs not found under {REFERENCE}")


def site_archive(files: dict[str, bytes | str], top: str = "pimsync-test") -> bytes:
    """A zip with one top-level folder holding ``files`` (path → content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(f"{top}/{path}", content)
    return buffer.getvalue()


def sample_archive() -> bytes:
    need_reference()
    return site_archive(
        {path: (SAMPLES / name).read_bytes() for path, name in SAMPLE_LAYOUT.items()}
    )


def catalog_xml(catalog_id: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<catalog xmlns="http://www.demandware.com/xml/impex/catalog/2006-10-31" '
        f'catalog-id="{catalog_id}">\n{body}\n</catalog>\n'
    )


def token(client: httpx.Client, sb: SfccSandbox) -> str:
    response = client.post(
        "/dwsso/oauth2/access_token",
        data={"grant_type": "client_credentials"},
        auth=(sb.client.client_id, sb.client.client_secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def run_import(
    client: httpx.Client, content: bytes, name: str = "pimsync-test.zip"
) -> dict[str, Any]:
    """Upload ``content``, start the site import, poll until it ends; the final document."""
    assert client.put(f"{INSTANCE}/{name}", content=content).status_code in (201, 204)
    started = client.post(JOBS, json={"file_name": name, "mode": "merge"})
    assert started.status_code == 202, started.text
    return poll(client, started.json()["id"])


def poll(
    client: httpx.Client, execution_id: str, jobs: str = JOBS, timeout: float = 20.0
) -> dict[str, Any]:
    """GET the execution until it is finished or aborted; the last document."""
    deadline = time.monotonic() + timeout
    while True:
        doc: dict[str, Any] = client.get(f"{jobs}/{execution_id}").json()
        if doc["execution_status"] in ("finished", "aborted") or time.monotonic() > deadline:
            return doc
        time.sleep(0.02)


@pytest.fixture
def sandbox() -> SfccSandbox:
    return SfccSandbox(xsd_folder=XSD if XSD.is_dir() else None, size_limit=64 * 1024)


@pytest.fixture
def base_url(sandbox: SfccSandbox) -> Iterator[str]:
    with serve(sandbox) as url:
        yield url


@pytest.fixture
def sfcc(sandbox: SfccSandbox, base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url) as client:
        client.headers["Authorization"] = f"Bearer {token(client, sandbox)}"
        yield client
