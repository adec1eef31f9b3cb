"""SFCC delivery over real HTTP against the SFCC sandbox: archives of the reference
samples (read in place) uploaded, imported and checked on the sandbox's instance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from pimsync.connectors.sfcc import (
    ArchiveEntry,
    SfccClient,
    SfccSettings,
    build_archives,
    check_sfcc,
)
from pimsync.errors import AuthenticationError, ConfigError, FatalDestinationError
from pimsync.sandbox.sfcc import SfccSandbox, serve

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "sfcc"
SAMPLES, XSD = REFERENCE.resolve() / "samples", REFERENCE.resolve() / "xsd"
LAYOUT = {
    "meta/system-objecttype-extensions.xml": "metadata.xml",
    "catalogs/apparel-master/catalog.xml": "master-catalog.xml",
    "pricebooks/usd-list-prices.xml": "pricebook.xml",
    "libraries/SharedLibrary/library.xml": "library.xml",
}


@pytest.fixture
def samples() -> list[ArchiveEntry]:
    if not (SAMPLES / "master-catalog.xml").is_file() or not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC reference samples/XSDs not found under {REFERENCE}")
    return [ArchiveEntry(path, SAMPLES / name) for path, name in LAYOUT.items()]


def deliver(sandbox: SfccSandbox, entries: list[ArchiveEntry], folder: Path) -> str:
    """Build, upload, import and wait; the execution's status."""
    with serve(sandbox) as url:
        settings = SfccSettings(
            url=url, account_manager_url=url, client_id=sandbox.client.client_id,
            poll_seconds=0.05, import_timeout=60,
        )  # fmt: skip
        with SfccClient(settings, SecretStr(sandbox.client.client_secret)) as client:
            [archive] = build_archives(entries, folder, "pimsync-1", settings.max_archive_bytes)
            client.upload(archive)
            execution = client.wait(client.start_import(archive.name))
            client.delete(archive.name)
    return execution.status


@pytest.fixture
def sandbox() -> SfccSandbox:
    return SfccSandbox(xsd_folder=XSD, import_delay=0.05)


def test_the_samples_reach_the_instance(
    sandbox: SfccSandbox, samples: list[ArchiveEntry], tmp_path: Path
) -> None:
    assert deliver(sandbox, samples, tmp_path) == "OK"
    product = sandbox.instance.product("apparel-master", "tshirt-model")
    assert product is not None
    assert isinstance(sandbox.instance.price("usd-list-prices", "tshirt-red-m"), Decimal)


def test_an_invalid_file_fails_the_delivery_with_file_and_line(
    sandbox: SfccSandbox, samples: list[ArchiveEntry], tmp_path: Path
) -> None:
    broken = tmp_path / "catalog.xml"
    text = (SAMPLES / "master-catalog.xml").read_text()
    broken.write_text(
        text.replace("<product ", "<prodcut ", 1).replace("</product>", "</prodcut>", 1)
    )
    entries = [e if "catalogs/" not in e.path else ArchiveEntry(e.path, broken) for e in samples]
    with pytest.raises(FatalDestinationError) as caught:
        deliver(sandbox, entries, tmp_path / "out")
    message = str(caught.value)
    assert "ended in ERROR" in message
    assert "catalogs/apparel-master/catalog.xml line" in message
    assert sandbox.instance.product("apparel-master", "tshirt-model") is None  # nothing applied


def test_an_upload_over_the_instance_limit_fails_with_its_message(
    samples: list[ArchiveEntry], tmp_path: Path
) -> None:
    small = SfccSandbox(xsd_folder=XSD, size_limit=1000)
    with pytest.raises(FatalDestinationError) as caught:
        deliver(small, samples, tmp_path)
    assert "refused the upload of pimsync-1.zip" in str(caught.value)
    assert "413" in str(caught.value)


def test_missing_webdav_permissions_say_what_to_grant(
    samples: list[ArchiveEntry], tmp_path: Path
) -> None:
    closed = SfccSandbox(xsd_folder=XSD, webdav_paths=())
    with pytest.raises(FatalDestinationError) as caught:
        deliver(closed, samples, tmp_path)
    assert "give the API client read_write on /impex in WebDAV Client Permissions" in str(
        caught.value
    )


def test_an_instance_refusing_file_name_gets_the_parameters_form(
    samples: list[ArchiveEntry], tmp_path: Path
) -> None:
    strict = SfccSandbox(xsd_folder=XSD, accept_file_name=False, import_delay=0.05)
    assert deliver(strict, samples, tmp_path) == "OK"


def test_the_connection_check_says_what_works(tmp_path: Path) -> None:
    if not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC XSDs not found under {XSD}")
    sandbox = SfccSandbox()
    secrets = {"client_secret": SecretStr(sandbox.client.client_secret)}
    with serve(sandbox) as url:
        settings = SfccSettings(
            url=url, account_manager_url=url, client_id=sandbox.client.client_id, xsd_folder=XSD
        )
        lines = check_sfcc(settings, secrets)
        with pytest.raises(AuthenticationError, match="invalid_client"):
            check_sfcc(settings, {"client_secret": SecretStr("wrong")})
    assert lines[0].startswith(f"XSD folder {XSD}: catalog.xsd")
    assert lines[1] == f"Account Manager: token for API client {sandbox.client.client_id}"
    assert lines[2].startswith("WebDAV Impex/src/instance: readable")
    files_only = SfccSettings(deliver=False, output_dir=tmp_path / "out")
    assert check_sfcc(files_only, {}) == [
        f"output_dir {tmp_path / 'out'}: writable (files are not delivered)"
    ]
    with pytest.raises(ConfigError, match=r"lacks catalog\.xsd"):
        check_sfcc(SfccSettings(deliver=False, output_dir=tmp_path, xsd_folder=tmp_path), {})
