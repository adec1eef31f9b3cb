"""Delivering import archives to an SFCC instance: Account Manager token, WebDAV upload,
the ``sfcc-site-archive-import`` job through OCAPI, polling to its end; and reading a
catalog back with ``sfcc-site-archive-export`` (job 6 saves merchants' refinements).

One Account Manager API client (client credentials, HTTP Basic) gives a bearer token for
both WebDAV and OCAPI; it lasts about 30 minutes and is fetched again before expiry or
once on a 401. An upload the instance refuses (401 without WebDAV permissions, 413 over
its size limit) and an import that ends in ``ERROR`` raise
:class:`~pimsync.errors.FatalDestinationError` with the instance's own message (for a
failed import, the failing step's message and the end of its log).
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from pimsync.connectors.http import (
    BearerTokenAuth,
    CachedTokenProvider,
    HttpClient,
    OAuthToken,
    Redactor,
    remote_message,
    request_token,
)
from pimsync.errors import AuthenticationError, FatalDestinationError, RemoteError

from ._settings import SfccSettings

__all__ = [
    "EXPORT_JOB",
    "IMPORT_JOB",
    "TOKEN_PATH",
    "WEBDAV_IMPEX",
    "Execution",
    "SfccClient",
]

log = logging.getLogger("pimsync.sfcc")

TOKEN_PATH = "/dwsso/oauth2/access_token"  # noqa: S105 - a URL path
WEBDAV_IMPEX = "/on/demandware.servlet/webdav/Sites/Impex"
IMPORT_JOB = "sfcc-site-archive-import"
EXPORT_JOB = "sfcc-site-archive-export"
_TERMINAL = frozenset({"finished", "aborted"})
_POLL_FAILURES = 5  # polls that may fail in a row before the import is given up on
_FIRST_POLL = 0.1  # seconds before the first check of a job's execution
_CHUNK = 1024 * 1024
_LOG_TAIL = 2000  # characters of a failed import's log put into the error


@dataclass(frozen=True, slots=True)
class Execution:
    """One execution of the import (or export) job, as OCAPI reports it."""

    id: str
    status: str
    document: Mapping[str, Any] = field(repr=False)

    @property
    def job_id(self) -> str:
        return str(self.document.get("job_id") or IMPORT_JOB)

    @property
    def work(self) -> str:
        """What the job does, for messages: ``import`` or ``export``."""
        return "export" if self.job_id == EXPORT_JOB else "import"

    @property
    def finished(self) -> bool:
        return str(self.document.get("execution_status", "")).lower() in _TERMINAL

    @property
    def ok(self) -> bool:
        exit_status = self.document.get("exit_status") or {}
        return self.finished and str(exit_status.get("code", "")).upper() == "OK"

    @property
    def message(self) -> str:
        """The failing step's message, else the execution's exit message."""
        for step in reversed(self.document.get("step_executions") or []):
            step_exit = step.get("exit_status") or {}
            if str(step_exit.get("code", "")).upper() == "ERROR" and step_exit.get("message"):
                return str(step_exit["message"])
        exit_status = self.document.get("exit_status") or {}
        return str(exit_status.get("message") or self.status)


class _AccountManagerTokens:
    """Client-credentials tokens from Account Manager (HTTP Basic client id and secret)."""

    def __init__(self, http: HttpClient, client_id: str, secret: SecretStr) -> None:
        self._http = http
        pair = f"{client_id}:{secret.get_secret_value()}".encode()
        self._basic = base64.b64encode(pair).decode("ascii")
        http.redactor.add(self._basic)

    def __call__(self, previous: OAuthToken | None) -> OAuthToken:
        return request_token(
            self._http,
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {self._basic}"},
            system="Salesforce Account Manager",
            refused=(400, 401, 403),
            default_lifetime=timedelta(minutes=30),
        )


class SfccClient:
    """One SFCC instance, reached with an Account Manager API client."""

    def __init__(
        self,
        settings: SfccSettings,
        client_secret: SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if settings.url is None or settings.client_id is None:
            raise ValueError("an SfccClient needs the instance url and client_id")
        self.settings = settings
        self._sleep = sleep
        self.redactor = Redactor([client_secret])
        timeout = httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))
        common: dict[str, Any] = {
            "redactor": self.redactor,
            "allow_insecure_http": settings.allow_insecure_http,
            "timeout": timeout,
            "transport": transport,
            "sleep": sleep,
        }
        self._token_http = HttpClient(str(settings.account_manager_url).rstrip("/"), **common)
        fetcher = _AccountManagerTokens(self._token_http, settings.client_id, client_secret)
        self.tokens = CachedTokenProvider(fetcher, redactor=self.redactor)
        self.http = HttpClient(
            str(settings.url).rstrip("/"), auth=BearerTokenAuth(self.tokens), **common
        )
        self._ocapi = f"/s/-/dw/data/{settings.ocapi_version}"

    def __enter__(self) -> SfccClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()
        self._token_http.close()

    # -- WebDAV --------------------------------------------------------------------

    def upload(self, archive: Path) -> None:
        """PUT ``archive`` into ``Impex/src/instance/``, streamed from the file."""
        size = archive.stat().st_size

        def chunks() -> Iterator[bytes]:
            with archive.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    yield chunk

        url = f"{WEBDAV_IMPEX}/src/instance/{quote(archive.name)}"
        headers = {"Content-Type": "application/zip", "Content-Length": str(size)}
        self.tokens.token()  # refused credentials name Account Manager, not WebDAV
        try:
            self.http.request("PUT", url, content=chunks, headers=headers)
        except AuthenticationError as exc:
            raise FatalDestinationError(
                f"the instance refused the upload of {archive.name} (401): {exc}; give the "
                "API client read_write on /impex in WebDAV Client Permissions"
            ) from None
        except RemoteError as exc:
            raise FatalDestinationError(
                f"the instance refused the upload of {archive.name} ({size / 1e6:.1f} MB): {exc}"
            ) from None

    def delete(self, name: str) -> None:
        """Remove an uploaded archive (absent is fine)."""
        self.http.request("DELETE", f"{WEBDAV_IMPEX}/src/instance/{quote(name)}", expected=(404,))

    def listing(self) -> int:
        """How many entries ``Impex/src/instance/`` holds (a WebDAV PROPFIND)."""
        response = self.http.request(
            "PROPFIND",
            f"{WEBDAV_IMPEX}/src/instance/",
            headers={"Depth": "1"},
            idempotent=True,
        )
        return max(response.text.count("<d:response") + response.text.count("<D:response") - 1, 0)

    def job_log(self, name: str) -> str:
        """The end of an import's log file, or ``""`` if it cannot be read."""
        try:
            response = self.http.request("GET", f"{WEBDAV_IMPEX}/log/{quote(name)}")
        except RemoteError as exc:
            log.warning("cannot read the import log %s: %s", name, exc)
            return ""
        return response.text[-_LOG_TAIL:]

    # -- OCAPI ---------------------------------------------------------------------

    def start_import(self, archive_name: str) -> Execution:
        """Start ``sfcc-site-archive-import`` on an uploaded archive."""
        url = f"{self._ocapi}/jobs/{IMPORT_JOB}/executions"
        response = self.http.request(
            "POST", url, json={"file_name": archive_name}, expected=(400,), idempotent=False
        )
        if response.status_code == 400:
            message = remote_message(response)
            if "UnknownPropertyException" not in message:
                raise FatalDestinationError(f"the instance did not start the import: {message}")
            body = {"parameters": [{"name": "ImportFile", "value": archive_name}]}
            response = self.http.request("POST", url, json=body, idempotent=False)
        return _execution(self.http.decode_json(response))

    def execution(self, execution_id: str, job_id: str = IMPORT_JOB) -> Execution:
        url = f"{self._ocapi}/jobs/{quote(job_id)}/executions/{quote(execution_id)}"
        return _execution(self.http.get_json(url))

    def export_catalog(self, catalog_id: str, target: Path) -> Path:
        """Export catalog ``catalog_id`` with ``sfcc-site-archive-export`` and download
        the site archive (``<name>/catalogs/<catalog_id>/catalog.xml``) into ``target``,
        a folder; the archive is removed from the instance. Returns the file's path.

        Raises :class:`FatalDestinationError` when the export cannot be started, fails
        (an unknown catalog, say) or its archive cannot be read.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in catalog_id)
        name = f"pimsync-export-{safe}-{stamp}.zip"
        body = {"export_file": name, "data_units": {"catalogs": {catalog_id: True}}}
        url = f"{self._ocapi}/jobs/{EXPORT_JOB}/executions"
        response = self.http.request("POST", url, json=body, expected=(400,), idempotent=False)
        if response.status_code == 400:
            raise FatalDestinationError(
                f"the instance did not start the export of catalog {catalog_id!r}: "
                f"{remote_message(response)}"
            )
        path = target / name
        try:
            self.wait(_execution(self.http.decode_json(response)))
            self._download(f"{WEBDAV_IMPEX}/src/instance/{quote(name)}", path)
        finally:
            try:
                self.delete(name)
            except RemoteError as exc:  # a leftover export file harms nothing: say so only
                log.warning("cannot remove the export %s from the instance: %s", name, exc)
        return path

    def _download(self, url: str, path: Path) -> None:
        try:
            response = self.http.request("GET", url, stream=True)
        except RemoteError as exc:
            raise FatalDestinationError(f"cannot read the export {path.name}: {exc}") from None
        try:
            with path.open("wb") as fh:
                for chunk in response.iter_bytes(_CHUNK):
                    fh.write(chunk)
        finally:
            response.close()

    def wait(
        self, execution: Execution, *, clock: Callable[[], float] = time.monotonic
    ) -> Execution:
        """Poll ``execution`` until it ends; :class:`FatalDestinationError` if it fails or
        does not end within ``import_timeout``."""
        deadline = clock() + self.settings.import_timeout
        failures = 0
        # A small import ends in well under a second: check soon, then back off to
        # poll_seconds (doubling from _FIRST_POLL).
        interval = min(_FIRST_POLL, self.settings.poll_seconds)
        while not execution.finished:
            if clock() > deadline:
                raise FatalDestinationError(
                    f"the {execution.work} {execution.id} did not end within "
                    f"{self.settings.import_timeout:g} s (last status: {execution.status})"
                )
            self._sleep(interval)
            interval = min(interval * 2, self.settings.poll_seconds)
            try:
                execution = self.execution(execution.id, execution.job_id)
                failures = 0
            except RemoteError as exc:
                failures += 1
                if failures >= _POLL_FAILURES:
                    raise FatalDestinationError(
                        f"cannot follow the {execution.work} {execution.id}: {exc}"
                    ) from None
        if not execution.ok:
            name = execution.document.get("log_file_name")
            tail = self.job_log(str(name)) if name else ""
            detail = f"; end of the log {name}:\n{tail}" if tail else ""
            raise FatalDestinationError(
                f"the instance's {execution.work} ended in {execution.status}: "
                f"{execution.message}{detail}"
            )
        return execution

    def check(self) -> list[str]:
        """What works: the token, WebDAV and OCAPI (for `connections test`)."""
        self.tokens.token()
        lines = [f"Account Manager: token for API client {self.settings.client_id}"]
        entries = self.listing()
        lines.append(f"WebDAV Impex/src/instance: readable ({entries} entries)")
        return lines


def _execution(document: Any) -> Execution:
    if not isinstance(document, dict) or "id" not in document:
        raise FatalDestinationError(f"unexpected answer from OCAPI: {str(document)[:200]}")
    status = str(document.get("status") or document.get("execution_status") or "unknown")
    return Execution(str(document["id"]), status, document)
