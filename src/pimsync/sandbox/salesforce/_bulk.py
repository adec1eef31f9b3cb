"""Bulk API 2.0 ingest jobs (brief §9): create, upload CSV, close with UploadComplete,
poll, read successful/failed/unprocessed results. The sandbox processes a job when it is
closed; ``in_progress_polls`` makes the first status reads answer ``InProgress``."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pimsync.sandbox.salesforce._errors import SalesforceError
from pimsync.sandbox.salesforce._org import Org
from pimsync.sandbox.salesforce._schema import (
    SObjectType,
    new_id,
    normalize_id,
    sf_datetime,
    to_json,
)

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
FINISHED = ("JobComplete", "Failed", "Aborted")


def _invalid(message: str) -> SalesforceError:
    return SalesforceError(400, "INVALIDJOB", message)


@dataclass
class IngestJob:
    id: str
    sobject: SObjectType
    operation: str
    external_id_field: str | None
    delimiter: str
    line_ending: str
    created_by: str
    created_at: datetime
    api_version: str
    state: str = "Open"
    modstamp: datetime | None = None
    uploads: list[bytes] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    error_message: str | None = None
    hidden_polls: int = 0

    def info(self) -> dict[str, Any]:
        """The job info document (create answer and status)."""
        state = "InProgress" if self.hidden_polls > 0 else self.state
        done = state in FINISHED
        info: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject.name,
            "createdById": self.created_by,
            "createdDate": sf_datetime(self.created_at),
            "systemModstamp": sf_datetime(self.modstamp or self.created_at),
            "state": state,
            "externalIdFieldName": self.external_id_field,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest",
            "contentUrl": f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches",
            "lineEnding": self.line_ending,
            "columnDelimiter": next(k for k, v in DELIMITERS.items() if v == self.delimiter),
            "numberRecordsProcessed": len(self.successful) + len(self.failed) if done else 0,
            "numberRecordsFailed": len(self.failed) if done else 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        if self.error_message is not None:
            info["errorMessage"] = self.error_message
        return info

    def results(self, kind: str) -> str:
        """``successfulResults``, ``failedResults`` or ``unprocessedrecords`` as CSV."""
        head = {
            "successfulResults": ["sf__Id", "sf__Created"],
            "failedResults": ["sf__Id", "sf__Error"],
            "unprocessedrecords": [],
        }[kind]
        rows = {
            "successfulResults": self.successful,
            "failedResults": self.failed,
            "unprocessedrecords": self.unprocessed,
        }[kind]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\n")
        writer.writerow(head + self.columns)
        writer.writerows(rows)
        return out.getvalue()


class IngestJobs:
    """The org's ingest jobs."""

    def __init__(self, org: Org, in_progress_polls: int = 0) -> None:
        self.org = org
        self.in_progress_polls = in_progress_polls
        self.jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._serial = 0

    def create(self, body: Any, user: str, version: str) -> IngestJob:
        """Open a job from its JSON request. Raises SalesforceError."""
        if not isinstance(body, dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is not an object")
        sobject = self.org.sobject(str(body.get("object", "")))
        if sobject is None:
            raise _invalid(f"InvalidJob : Invalid object: {body.get('object')}")
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise _invalid(f"InvalidJob : Invalid operation: {operation}")
        ext = body.get("externalIdFieldName")
        if operation == "upsert":
            ext_field = sobject.field(str(ext or ""))
            if ext_field is None or not (ext_field.external_id or ext_field.name == "Id"):
                raise _invalid(
                    f"InvalidJob : Field name provided, {ext}, is not an External ID or "
                    f"indexed field for {sobject.name}"
                )
            ext = ext_field.name
        if body.get("contentType", "CSV") != "CSV":
            raise _invalid("InvalidJob : Bulk API 2.0 accepts only CSV content")
        delimiter = DELIMITERS.get(str(body.get("columnDelimiter", "COMMA")))
        line_ending = body.get("lineEnding", "LF")
        if delimiter is None or line_ending not in ("LF", "CRLF"):
            raise _invalid("InvalidJob : Invalid columnDelimiter or lineEnding")
        with self._lock:
            self._serial += 1
            job = IngestJob(
                new_id("750", self._serial),
                sobject,
                operation,
                ext if operation == "upsert" else None,
                delimiter,
                line_ending,
                user,
                self.org.now(),
                version,
            )
            self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> IngestJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def upload(self, job_id: str, data: bytes) -> None:
        job = self.get(job_id)
        if job.state != "Open":
            raise SalesforceError(
                409, "INVALIDJOBSTATE", f"Job {job_id} is not open for uploads: {job.state}"
            )
        job.uploads.append(data)

    def close(self, job_id: str, state: Any) -> IngestJob:
        """``UploadComplete`` processes the job now; ``Aborted`` drops its data."""
        job = self.get(job_id)
        if state not in ("UploadComplete", "Aborted"):
            raise _invalid(f"InvalidJob : Invalid state: {state}")
        if job.state != "Open":
            raise SalesforceError(
                409, "INVALIDJOBSTATE", f"Job {job_id} can't change from state {job.state}"
            )
        job.modstamp = self.org.now()
        if state == "Aborted":
            job.state = "Aborted"
            job.columns, rows = self._rows(job)
            job.unprocessed = rows
            return job
        if not job.uploads:
            job.state, job.error_message = "Failed", "InvalidBatch : No data uploaded"
            return job
        job.state = "UploadComplete"
        self._process(job)
        job.hidden_polls = self.in_progress_polls
        return job

    def poll(self, job_id: str) -> dict[str, Any]:
        job = self.get(job_id)
        info = job.info()
        if job.hidden_polls > 0:
            job.hidden_polls -= 1
        return info

    def _rows(self, job: IngestJob) -> tuple[list[str], list[list[str]]]:
        header: list[str] = []
        rows: list[list[str]] = []
        for data in job.uploads:
            text = data.decode("utf-8-sig")
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=job.delimiter)
            lines = [r for r in reader if r]
            if lines:
                header = header or lines[0]
                rows += lines[1:]
        return header, rows

    def _process(self, job: IngestJob) -> None:
        header, rows = self._rows(job)
        job.columns = header
        for column in header:
            name, _dot, ext = column.partition(".")
            ok = (
                job.sobject.field(name) is not None
                if not ext
                else (
                    (rel := job.sobject.relationship(name)) is not None
                    and (parent := self.org.sobject(rel.reference_to or "")) is not None
                    and parent.field(ext) is not None
                )
            )
            if not ok:
                job.state = "Failed"
                job.error_message = f"InvalidBatch : Field name not found : {column}"
                return
        for row in rows:
            cells = dict(zip(header, row, strict=False))
            try:
                id_, created = self._apply(job, cells)
            except SalesforceError as exc:
                p = exc.problem
                error = f"{p.code}:{p.message}:{','.join(p.fields or ())} --"
                job.failed.append([cells.get("Id", ""), error, *row])
            else:
                job.successful.append([id_, "true" if created else "false", *row])
        job.state = "JobComplete"

    def _apply(self, job: IngestJob, cells: dict[str, str]) -> tuple[str, bool]:
        org, name, user = self.org, job.sobject.name, job.created_by
        if job.operation in ("delete", "hardDelete"):
            org.delete(name, cells.get("Id", ""), user=user, hard=job.operation == "hardDelete")
            return _id(cells), False
        values: dict[str, Any] = {}
        for column, text in cells.items():
            if text == "" or column == "Id":
                continue
            rel_name, _dot, ext = column.partition(".")
            if ext:
                values[rel_name] = {ext: text}
                continue
            f = job.sobject.field(column)
            assert f is not None  # the header was checked
            values[f.name] = to_json(f.from_csv(text))
        if job.operation == "insert":
            return org.create(name, values, user=user), True
        if job.operation == "update":
            org.update(name, cells.get("Id", ""), values, user=user)
            return _id(cells), False
        key = job.sobject.field(job.external_id_field or "")
        assert key is not None
        value = cells.get("Id", "") if key.name == "Id" else values.pop(key.name, None)
        if value in (None, ""):
            raise SalesforceError(400, "MISSING_ARGUMENT", f"{key.name} not specified")
        return org.upsert(name, key, value, values, user=user)


def _id(cells: dict[str, str]) -> str:
    raw = cells.get("Id", "")
    return normalize_id(raw) or raw
