"""Delivering import archives to SFCC (token, WebDAV, OCAPI, polling) against a scripted
instance, and building the archives themselves."""

from __future__ import annotations

import base64
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr

from pimsync.connectors.sfcc._archive import ArchiveEntry, build_archives
from pimsync.connectors.sfcc._client import SfccClient
from pimsync.connectors.sfcc._settings import SfccSettings
from pimsync.errors import AuthenticationError, FatalDestinationError

SECRET = "am-client-secret-123"
HOST = "https://zzrk-001.dx.commercecloud.salesforce.com"
EXECUTIONS = "/s/-/dw/data/v25_6/jobs/sfcc-site-archive-import/executions"


class Instance:
    """A scripted instance: Account Manager, WebDAV and OCAPI as TRIGGER.md describes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.polls: list[dict[str, Any]] = []
        self.size_limit = 10_000_000
        self.start_fault: dict[str, Any] | None = None
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.url.host == "account.demandware.com":
            expected = base64.b64encode(f"pimsync:{SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return httpx.Response(401, json={"error": "invalid_client"})
            self.tokens_issued += 1
            token = f"tok-{self.tokens_issued}"
            self.valid_tokens.add(token)
            return httpx.Response(
                200, json={"access_token": token, "token_type": "Bearer", "expires_in": 1799}
            )
        if (
            request.headers.get("authorization", "").removeprefix("Bearer ")
            not in self.valid_tokens
        ):
            return httpx.Response(401, text="Unauthorized")
        if path.startswith("/on/demandware.servlet/webdav/Sites/Impex/src/instance/"):
            name = path.rsplit("/", 1)[1]
            if request.method == "PUT":
                body = request.read()
                if len(body) > self.size_limit:
                    return httpx.Response(
                        413, text="Request Entity Too Large: file size limit exceeded"
                    )
                self.files[name] = body
                return httpx.Response(201)
            if request.method == "DELETE":
                self.files.pop(name, None)
                return httpx.Response(204)
        if path == EXECUTIONS and request.method == "POST":
            if self.start_fault is not None:
                fault, self.start_fault = self.start_fault, None
                return httpx.Response(400, json={"_v": "25.6", "fault": fault})
            return httpx.Response(
                202, json={"id": "154", "execution_status": "pending", "status": "PENDING"}
            )
        if path == f"{EXECUTIONS}/154":
            return httpx.Response(200, json=self.polls.pop(0))
        if path.startswith("/on/demandware.servlet/webdav/Sites/Impex/log/"):
            return httpx.Response(
                200, text="[2026-11-23] ERROR catalog.xml line 7: cvc-complex-type"
            )
        return httpx.Response(404)


def running() -> dict[str, Any]:
    return {"id": "154", "execution_status": "running", "status": "RUNNING"}


def finished(code: str, message: str = "Success", step: str | None = None) -> dict[str, Any]:
    steps = [{"exit_status": {"code": code, "message": step}}] if step else []
    return {
        "id": "154",
        "execution_status": "finished",
        "status": code,
        "exit_status": {"code": code, "message": message},
        "log_file_name": "Job-sfcc-site-archive-import-1.log",
        "step_executions": steps,
    }


@pytest.fixture
def instance() -> Instance:
    return Instance()


@pytest.fixture
def client(instance: Instance, tmp_path: Path) -> Callable[..., SfccClient]:
    def make(**settings: Any) -> SfccClient:
        config = SfccSettings(url=HOST, client_id="pimsync", poll_seconds=0.01, **settings)
        return SfccClient(
            config, SecretStr(SECRET), transport=httpx.MockTransport(instance.handler),
            sleep=lambda _s: None,
        )  # fmt: skip

    return make


def archive(tmp_path: Path, size: int = 1000) -> Path:
    path = tmp_path / "pimsync-1.zip"
    path.write_bytes(b"x" * size)
    return path


def test_upload_start_and_wait_for_a_successful_import(
    instance: Instance, client: Callable[..., SfccClient], tmp_path: Path
) -> None:
    instance.polls = [running(), finished("OK")]
    with client() as sfcc:
        sfcc.upload(archive(tmp_path, 3_000_000))
        execution = sfcc.wait(sfcc.start_import("pimsync-1.zip"))
        sfcc.delete("pimsync-1.zip")
    assert execution.ok
    assert instance.files == {}
    put = next(r for r in instance.requests if r.method == "PUT")
    assert put.headers["content-length"] == "3000000"
    start = next(r for r in instance.requests if r.url.path == EXECUTIONS)
    assert orjson.loads(start.content) == {"file_name": "pimsync-1.zip"}
    assert instance.tokens_issued == 1  # one token for WebDAV and OCAPI


def test_a_refused_token_is_fetched_again_once(
    instance: Instance, client: Callable[..., SfccClient], tmp_path: Path
) -> None:
    with client() as sfcc:
        sfcc.upload(archive(tmp_path))
        instance.valid_tokens.clear()  # the instance forgets the token (expired)
        sfcc.upload(archive(tmp_path))
    assert instance.tokens_issued == 2


def test_an_oversized_archive_fails_with_the_instances_message(
    instance: Instance, client: Callable[..., SfccClient], tmp_path: Path
) -> None:
    instance.size_limit = 100
    with client() as sfcc, pytest.raises(FatalDestinationError) as caught:
        sfcc.upload(archive(tmp_path, 1000))
    assert "refused the upload of pimsync-1.zip" in str(caught.value)
    assert "file size limit exceeded" in str(caught.value)


def test_wrong_credentials_say_so_without_the_secret(
    client: Callable[..., SfccClient], tmp_path: Path
) -> None:
    bad = SfccSettings(url=HOST, client_id="other")
    sfcc = SfccClient(bad, SecretStr(SECRET), transport=httpx.MockTransport(Instance().handler))
    with sfcc, pytest.raises(AuthenticationError) as caught:
        sfcc.upload(archive(tmp_path))
    text = str(caught.value)
    assert "authentication failed for https://account.demandware.com: invalid_client" in text
    assert SECRET not in text
    assert base64.b64encode(f"other:{SECRET}".encode()).decode() not in text


def test_a_failed_import_reports_the_step_message_and_the_log(
    instance: Instance, client: Callable[..., SfccClient]
) -> None:
    instance.polls = [finished("ERROR", "Failed", step="catalog.xml: invalid element 'prodct'")]
    with client() as sfcc, pytest.raises(FatalDestinationError) as caught:
        sfcc.wait(sfcc.start_import("pimsync-1.zip"))
    text = str(caught.value)
    assert "ended in ERROR: catalog.xml: invalid element 'prodct'" in text
    assert "catalog.xml line 7: cvc-complex-type" in text


def test_the_parameters_form_is_used_when_file_name_is_unknown(
    instance: Instance, client: Callable[..., SfccClient]
) -> None:
    instance.start_fault = {"type": "UnknownPropertyException", "message": "document"}
    instance.polls = [finished("OK")]
    with client() as sfcc:
        assert sfcc.wait(sfcc.start_import("a.zip")).ok
    bodies = [orjson.loads(r.content) for r in instance.requests if r.url.path == EXECUTIONS]
    assert bodies[-1] == {"parameters": [{"name": "ImportFile", "value": "a.zip"}]}


def test_a_job_already_running_fails_with_the_fault(
    instance: Instance, client: Callable[..., SfccClient]
) -> None:
    instance.start_fault = {"type": "JobAlreadyRunningException", "message": "job is running"}
    with client() as sfcc, pytest.raises(FatalDestinationError) as caught:
        sfcc.start_import("a.zip")
    assert "JobAlreadyRunningException: job is running" in str(caught.value)


def test_an_import_that_never_ends_times_out(
    instance: Instance, client: Callable[..., SfccClient]
) -> None:
    instance.polls = [running()] * 10
    ticks = iter(range(0, 100, 10))
    with client(import_timeout=25) as sfcc, pytest.raises(FatalDestinationError) as caught:
        sfcc.wait(sfcc.start_import("a.zip"), clock=lambda: float(next(ticks)))
    assert "did not end within 25 s (last status: RUNNING)" in str(caught.value)


def _file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def test_archives_keep_the_import_order_and_one_folder(tmp_path: Path) -> None:
    entries = [
        ArchiveEntry("pricebooks/usd.xml", _file(tmp_path, "p.xml", b"<p/>")),
        ArchiveEntry("catalogs/master/catalog.xml", _file(tmp_path, "c.xml", b"<c/>")),
        ArchiveEntry("meta/system-objecttype-extensions.xml", _file(tmp_path, "m.xml", b"<m/>")),
        ArchiveEntry("libraries/lib/library.xml", _file(tmp_path, "l.xml", b"<l/>")),
    ]
    [built] = build_archives(entries, tmp_path / "out", "pimsync-7", 10_000_000)
    with zipfile.ZipFile(built) as zf:
        names = zf.namelist()
    assert names == [
        "pimsync-7/meta/system-objecttype-extensions.xml",
        "pimsync-7/catalogs/master/catalog.xml",
        "pimsync-7/pricebooks/usd.xml",
        "pimsync-7/libraries/lib/library.xml",
    ]


def test_archives_are_split_under_the_limit(tmp_path: Path) -> None:
    # Random bytes do not compress: three files of 400 kB cannot share a 1 MB archive.
    entries = [
        ArchiveEntry(
            f"catalogs/master/catalog-{n}.xml", _file(tmp_path, f"{n}.xml", os.urandom(400_000))
        )
        for n in range(3)
    ]
    built = build_archives(entries, tmp_path / "out", "pimsync-8", 1_000_000)
    assert [p.name for p in built] == ["pimsync-8.zip", "pimsync-8-2.zip"]
    assert all(p.stat().st_size <= 1_000_000 for p in built)
    with zipfile.ZipFile(built[1]) as zf:
        assert zf.namelist() == ["pimsync-8-2/catalogs/master/catalog-2.xml"]
    # Text compresses: the same three files of XML fit in one archive.
    text = [
        ArchiveEntry(f"catalogs/master/c-{n}.xml", _file(tmp_path, f"t{n}.xml", b"<a/>" * 100_000))
        for n in range(3)
    ]
    assert len(build_archives(text, tmp_path / "out2", "pimsync-9", 1_000_000)) == 1
    with pytest.raises(FatalDestinationError, match="more than the archive limit"):
        build_archives(entries[:1], tmp_path / "out3", "x", 100_000)


def test_polling_starts_soon_and_backs_off_to_poll_seconds(instance: Instance) -> None:
    instance.polls = [running()] * 6 + [finished("OK")]
    waits: list[float] = []
    settings = SfccSettings(url=HOST, client_id="pimsync", poll_seconds=1.5)
    transport = httpx.MockTransport(instance.handler)
    with SfccClient(settings, SecretStr(SECRET), transport=transport, sleep=waits.append) as sfcc:
        assert sfcc.wait(sfcc.start_import("a.zip")).ok
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.5, 1.5, 1.5]
