"""Bulk API 2.0 ingest: job, CSV upload, UploadComplete, polling, results."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import httpx
import pytest

from pimsync.connectors.salesforce import SalesforceClient
from pimsync.connectors.salesforce._bulk import csv_chunks
from pimsync.errors import ConfigError, FatalDestinationError

from ._fake import ROOT, FakeSalesforce, body, read_csv, route


@dataclass
class FakeJobs:
    """Ingest jobs that finish after ``polls_to_finish`` polls; rows without a Name fail."""

    polls_to_finish: int = 2
    final_state: str = "JobComplete"
    jobs: dict[str, dict[str, object]] = field(default_factory=dict)

    def install(self, fake: FakeSalesforce) -> None:
        fake.routes += [
            route("POST", r"/jobs/ingest", self.create),
            route("PUT", r"/jobs/ingest/(\w+)/batches", self.upload),
            route("PATCH", r"/jobs/ingest/(\w+)", self.close),
            route("GET", r"/jobs/ingest/(\w+)", self.info),
            route("GET", r"/jobs/ingest/(\w+)/successfulResults/", self.successful),
            route("GET", r"/jobs/ingest/(\w+)/failedResults/", self.failed),
        ]

    def create(self, request: httpx.Request) -> httpx.Response:
        job_id = f"7505g{len(self.jobs):013d}"
        spec = body(request)
        self.jobs[job_id] = {"spec": spec, "state": "Open", "rows": [], "polls": 0}
        return httpx.Response(
            200,
            json={
                "id": job_id,
                "state": "Open",
                "contentUrl": f"services/data/v62.0/jobs/ingest/{job_id}/batches",
                **spec,
            },
        )

    def upload(self, request: httpx.Request, job_id: str) -> httpx.Response:
        assert request.headers["Content-Type"] == "text/csv"
        assert self.jobs[job_id]["state"] == "Open"
        self.jobs[job_id]["rows"] = read_csv(request.content)
        return httpx.Response(201)

    def close(self, request: httpx.Request, job_id: str) -> httpx.Response:
        assert body(request) == {"state": "UploadComplete"}
        self.jobs[job_id]["state"] = "UploadComplete"
        return httpx.Response(200, json={"id": job_id, "state": "UploadComplete"})

    def info(self, request: httpx.Request, job_id: str) -> httpx.Response:
        job = self.jobs[job_id]
        job["polls"] = int(job["polls"]) + 1  # type: ignore[call-overload]
        if job["polls"] >= self.polls_to_finish:
            job["state"] = self.final_state
        elif job["state"] == "UploadComplete":
            job["state"] = "InProgress"
        rows = job["rows"]
        assert isinstance(rows, list)
        failed = sum(1 for row in rows if not row["Name"])
        return httpx.Response(
            200,
            json={
                "id": job_id,
                "state": job["state"],
                "numberRecordsProcessed": len(rows),
                "numberRecordsFailed": failed,
                "errorMessage": "InvalidBatch : Field name not found : Colour__c"
                if self.final_state == "Failed"
                else None,
            },
        )

    def _results(self, job_id: str, ok: bool) -> httpx.Response:
        rows = self.jobs[job_id]["rows"]
        assert isinstance(rows, list)
        out = io.StringIO()
        extra = ["sf__Id", "sf__Created"] if ok else ["sf__Id", "sf__Error"]
        writer = csv.DictWriter(out, [*extra, "ProductCode", "Name"], lineterminator="\n")
        writer.writeheader()
        for n, row in enumerate(rows):
            if bool(row["Name"]) == ok:
                status = (
                    "true"
                    if ok
                    else "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
                )
                writer.writerow({**row, "sf__Id": f"01t{n}" if ok else "", extra[1]: status})
        return httpx.Response(200, text=out.getvalue(), headers={"Content-Type": "text/csv"})

    def successful(self, request: httpx.Request, job_id: str) -> httpx.Response:
        return self._results(job_id, ok=True)

    def failed(self, request: httpx.Request, job_id: str) -> httpx.Response:
        return self._results(job_id, ok=False)


def test_bulk_upsert_runs_the_job_lifecycle_and_reads_results(
    fake: FakeSalesforce, client: SalesforceClient, sleeps: list[float]
) -> None:
    jobs = FakeJobs(polls_to_finish=3)
    jobs.install(fake)
    rows = [{"ProductCode": f"SKU-{n}", "Name": "" if n == 2 else f"Product {n}"} for n in range(5)]

    result = client.bulk_ingest(
        "Product2", "upsert", rows, ext_field="ProductCode", poll_interval=0.5
    )

    (job_id,) = result.job_ids
    assert jobs.jobs[job_id]["spec"] == {
        "object": "Product2",
        "operation": "upsert",
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
        "externalIdFieldName": "ProductCode",
    }
    assert [(r.method, r.url.path.removeprefix(ROOT)) for r in fake.api_calls()] == [
        ("POST", "/jobs/ingest"),
        ("PUT", f"/jobs/ingest/{job_id}/batches"),
        ("PATCH", f"/jobs/ingest/{job_id}"),
        ("GET", f"/jobs/ingest/{job_id}"),
        ("GET", f"/jobs/ingest/{job_id}"),
        ("GET", f"/jobs/ingest/{job_id}"),
        ("GET", f"/jobs/ingest/{job_id}/successfulResults/"),
        ("GET", f"/jobs/ingest/{job_id}/failedResults/"),
    ]
    assert sleeps == [0.5, 0.5]
    assert (result.processed, result.failed) == (5, 1)
    assert [r["ProductCode"] for r in result.successful_rows] == [
        "SKU-0",
        "SKU-1",
        "SKU-3",
        "SKU-4",
    ]
    assert result.failed_rows[0]["ProductCode"] == "SKU-2"
    assert result.failed_rows[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING")


def test_a_failed_job_is_a_fatal_error_naming_it(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    FakeJobs(polls_to_finish=1, final_state="Failed").install(fake)
    with pytest.raises(
        FatalDestinationError, match=r"job 7505g0+ on Product2 ended Failed.*Colour__c"
    ):
        client.bulk_ingest("Product2", "insert", [{"Name": "A", "ProductCode": "x"}])


def test_a_job_outlasting_the_timeout_is_reported(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    FakeJobs(polls_to_finish=100).install(fake)
    with pytest.raises(FatalDestinationError, match="still InProgress after 2 s"):
        client.bulk_ingest("Product2", "insert", [{"Name": "A"}], poll_interval=1, timeout=2)


def test_bulk_upsert_needs_the_external_id_field(client: SalesforceClient) -> None:
    with pytest.raises(ConfigError, match="external id field"):
        client.bulk_ingest("Product2", "upsert", [{"Name": "A"}])


def test_csv_is_split_by_size_with_a_header_each_and_nulls_marked() -> None:
    rows = [{"Name": f"N{n}", "Description": None if n == 0 else 'say "hi", ok'} for n in range(4)]
    chunks = list(csv_chunks(rows, max_bytes=60))
    parsed = [read_csv(chunk) for chunk in chunks]
    assert len(chunks) > 1
    assert all(chunk.startswith(b"Name,Description\n") for chunk in chunks)
    flat = [row for part in parsed for row in part]
    assert [row["Name"] for row in flat] == ["N0", "N1", "N2", "N3"]
    assert flat[0]["Description"] == "#N/A"
    assert flat[1]["Description"] == 'say "hi", ok'
