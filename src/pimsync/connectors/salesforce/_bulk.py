"""Bulk API 2.0 ingest jobs: large initial loads in CSV, polled to their end.

One job: ``POST jobs/ingest`` → ``PUT jobs/ingest/{id}/batches`` (CSV) →
``PATCH jobs/ingest/{id} {"state": "UploadComplete"}`` → poll ``GET jobs/ingest/{id}``
until ``JobComplete`` / ``Failed`` / ``Aborted`` → ``successfulResults`` and
``failedResults`` (CSV with ``sf__Id``, ``sf__Created`` / ``sf__Error`` and the input
columns). Rows above the per-job upload size go into further jobs.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pimsync.errors import ConfigError, FatalDestinationError

if TYPE_CHECKING:
    from ._client import SalesforceClient

__all__ = ["MAX_UPLOAD_BYTES", "BulkJobResult", "BulkOperation", "run_ingest_job"]

log = logging.getLogger("pimsync.salesforce")

BulkOperation = Literal["insert", "update", "upsert", "delete", "hardDelete"]
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # 150 MB once base64-encoded by Salesforce
_NULL = "#N/A"  # Bulk API: sets the field to null (an empty cell leaves it unchanged)
_FINAL = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass(frozen=True)
class BulkJobResult:
    """What the ingest job(s) did: counts and the result rows (``sf__Id``,
    ``sf__Created`` or ``sf__Error`` plus the input columns)."""

    job_ids: tuple[str, ...]
    processed: int
    failed: int
    successful_rows: list[dict[str, str]] = field(default_factory=list, repr=False)
    failed_rows: list[dict[str, str]] = field(default_factory=list, repr=False)


def _cell(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):  # ISO 8601 with the T, as Bulk API reads it
        return value.isoformat()
    return str(value)


def csv_chunks(rows: Sequence[Mapping[str, Any]], max_bytes: int) -> Iterator[bytes]:
    """``rows`` as LF-terminated CSV documents of at most ``max_bytes`` each (a header
    per document; a single larger row still gets its own document)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    header = _csv_line(columns)
    buffer = io.BytesIO()
    buffer.write(header)
    count = 0
    for row in rows:
        line = _csv_line([_cell(row[column]) if column in row else "" for column in columns])
        if count and buffer.tell() + len(line) > max_bytes:
            yield buffer.getvalue()
            buffer = io.BytesIO()
            buffer.write(header)
            count = 0
        buffer.write(line)
        count += 1
    if count:
        yield buffer.getvalue()


def _csv_line(cells: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode()


def _read_csv(text: str) -> list[dict[str, str]]:
    return [dict(row) for row in csv.DictReader(io.StringIO(text))] if text.strip() else []


def run_ingest_job(
    client: SalesforceClient,
    sobject: str,
    operation: BulkOperation,
    rows: Sequence[Mapping[str, Any]],
    *,
    ext_field: str | None = None,
    poll_interval: float = 2.0,
    timeout: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> BulkJobResult:
    """Run ``operation`` on ``rows`` with as many ingest jobs as their size needs.

    Raises :class:`ConfigError` for an upsert without ``ext_field``,
    :class:`FatalDestinationError` when a job ends ``Failed`` or ``Aborted`` or outlasts
    ``timeout`` seconds (its id in the message, to look it up in Setup).
    """
    if operation == "upsert" and not ext_field:
        raise ConfigError(f"a bulk upsert of {sobject} needs the external id field")
    job_ids: list[str] = []
    processed = failed = 0
    successful_rows: list[dict[str, str]] = []
    failed_rows: list[dict[str, str]] = []
    for document in csv_chunks(rows, max_upload_bytes):
        job_id = _open_job(client, sobject, operation, ext_field)
        job_ids.append(job_id)
        base = f"jobs/ingest/{job_id}"
        client.request(
            "PUT", f"{base}/batches", content=document, headers={"Content-Type": "text/csv"}
        )
        client.request("PATCH", base, json={"state": "UploadComplete"}, idempotent=True)
        info = _wait(client, base, sobject, operation, poll_interval, timeout, sleep)
        processed += int(info.get("numberRecordsProcessed") or 0)
        failed += int(info.get("numberRecordsFailed") or 0)
        successful_rows += _read_csv(client.request("GET", f"{base}/successfulResults/").text)
        failed_rows += _read_csv(client.request("GET", f"{base}/failedResults/").text)
        log.info("bulk %s of %s: job %s %s", operation, sobject, job_id, info.get("state"))
    return BulkJobResult(tuple(job_ids), processed, failed, successful_rows, failed_rows)


def _open_job(client: SalesforceClient, sobject: str, operation: str, ext_field: str | None) -> str:
    body: dict[str, Any] = {
        "object": sobject,
        "operation": operation,
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if ext_field:
        body["externalIdFieldName"] = ext_field
    job = client.http.decode_json(client.request("POST", "jobs/ingest", json=body))
    return str(job["id"])


def _wait(
    client: SalesforceClient,
    base: str,
    sobject: str,
    operation: str,
    poll_interval: float,
    timeout: float,
    sleep: Callable[[float], None],
) -> Mapping[str, Any]:
    waited = 0.0
    while True:
        info: Mapping[str, Any] = client.http.decode_json(client.request("GET", base))
        state = str(info.get("state"))
        if state == "JobComplete":
            return info
        job = base.rsplit("/", 1)[-1]
        if state in _FINAL:
            raise FatalDestinationError(
                f"Salesforce bulk {operation} job {job} on {sobject} ended {state}: "
                f"{info.get('errorMessage') or 'no message'}"
            )
        if waited >= timeout:
            raise FatalDestinationError(
                f"Salesforce bulk {operation} job {job} on {sobject} is still {state} after "
                f"{timeout:.0f} s; it keeps running in Salesforce (Setup > Bulk Data Load Jobs)"
            )
        sleep(poll_interval)
        waited += poll_interval
