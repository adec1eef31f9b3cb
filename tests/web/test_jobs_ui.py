"""Jobs and runs over HTTP: run now with live progress, run history with filters and
charts, refused records with the destination's message, retry, and dry-run diffs (field
by field for Oro products; plainly without fields for a folder of files)."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr
from sqlalchemy import insert, select, update

from pimsync.cli._demo import (
    PRODUCTS_JOB,
    STRUCTURE_JOB,
    demo_project,
    pim_connection,
    shop_connection,
)
from pimsync.config import ProjectConfig
from pimsync.config._stored import save_connection, save_project
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import read_plan, structure_check_of
from pimsync.jobs import Mode, RunStatus
from pimsync.runners._oro import OroJobOptions, structure_settings
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.state import _runs, _sync
from pimsync.state._tables import locks, runs
from pimsync.state._users import create_token
from tests.cli._cli import write_catalog
from tests.web.conftest import Hub, csrf_of

HTMX = {"HX-Request": "true"}


# -- set-up ------------------------------------------------------------------------------


def files_project(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig.model_validate(
        {
            "connections": {
                "files": {"kind": "jsonl", "path": str(tmp_path / "catalog.jsonl")},
                "out": {"kind": "directory", "path": str(tmp_path / "out")},
            },
            "jobs": {
                "publish": {
                    "flow": "files.products",
                    "source": "files",
                    "destination": "out",
                    "schedule": "30 2 * * *",
                }
            },
        }
    )


@pytest.fixture
def files_hub(hub: Hub, tmp_path: Path) -> Hub:
    """The hub with a JSON Lines file of 30 products and a job publishing them to a folder."""
    write_catalog(tmp_path / "catalog.jsonl", 30)
    with hub.runner.db.begin() as conn:
        save_project(conn, hub.runner.box, files_project(tmp_path))
    return hub


def token(hub: Hub, username: str) -> dict[str, str]:
    with hub.runner.db.begin() as conn:
        return {"Authorization": f"Bearer {create_token(conn, username, 'test')}"}


def wait_for(hub: Hub, run_id: int) -> dict[str, Any]:
    """The run's progress once it has ended."""
    with hub.client(headers=token(hub, "val")) as api:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            progress: dict[str, Any] = api.get(f"/api/v1/runs/{run_id}/progress").json()
            if progress["done"]:
                return progress
            time.sleep(0.05)
    raise AssertionError(f"run #{run_id} did not end")


def run_now_answer(browser: httpx.Client, job: str, run: str) -> httpx.Response:
    """Press a Run now button of ``job`` as htmx does."""
    listing = browser.get("/jobs")
    return browser.post(
        f"/jobs/{job}/runs", data={"csrf_token": csrf_of(listing), "run": run}, headers=HTMX
    )


def run_now(browser: httpx.Client, job: str, run: str) -> int:
    """Press a Run now button; the id of the run it started."""
    answer = run_now_answer(browser, job, run)
    assert answer.status_code == 200, answer.text
    found = re.search(r'id="run-(\d+)-progress"', answer.text)
    assert found is not None, answer.text
    return int(found[1])


def _counts_row(html: str, stream: str) -> dict[str, int]:
    row = re.search(rf'<tr data-stream="{stream}">(.*?)</tr>', html, re.S)
    assert row is not None, html
    return {k: int(v) for k, v in re.findall(r'class="count-(\w+)">(\d+)<', row[1])}


@contextmanager
def akeneo_and_oro(hub: Hub, products: int = 12) -> Iterator[tuple[AkeneoSandbox, OroSandbox]]:
    """Akeneo and Oro sandboxes on 127.0.0.1 with the demo's two jobs in the hub, and Oro
    made ready for products (the structure job run, the admin's attribute import done)."""
    pim, shop = AkeneoSandbox.demo(products=products), OroSandbox()
    with serve_akeneo(pim) as pim_url, serve_oro(shop) as shop_url:
        project = demo_project(pim_connection(pim, pim_url), shop_connection(shop, shop_url))
        secrets = {
            "pim": {
                "secret": SecretStr(pim.credentials.secret),
                "password": SecretStr(pim.credentials.password),
            },
            "shop": {"client_secret": SecretStr(shop.credentials.client_secret)},
        }
        with hub.runner.db.begin() as conn:
            for name, connection in project.connections.items():
                save_connection(conn, hub.runner.box, name, connection, values=secrets[name])
            save_project(conn, hub.runner.box, project)
        runner = hub.runner
        assert runner.run(STRUCTURE_JOB, Mode.FULL).status is RunStatus.PARTIAL
        stored = runner.project()
        source, destination = runner.endpoint(stored, "pim"), runner.endpoint(stored, "shop")
        options = OroJobOptions.model_validate(stored.jobs[PRODUCTS_JOB].options)
        with (
            connect_akeneo(source.settings, source.secrets) as akeneo,
            connect_oro(destination.settings, destination.secrets) as oro,
        ):
            plan = read_plan(AkeneoCatalog(akeneo), oro, structure_settings(options))
        csv = structure_check_of(plan).csv
        assert csv is not None
        fields = shop.import_attributes(csv)
        shop.update_schema()
        shop.add_to_family("default_family", fields)
        ready = runner.run(STRUCTURE_JOB, Mode.FULL)
        assert ready.status is RunStatus.SUCCEEDED, ready.error
        yield pim, shop


def rename_in_akeneo(pim: AkeneoSandbox, index: int, name: str) -> str:
    """Give the product at ``index`` a new English name; its uuid."""
    uuid = pim.store.identifier_order()[index]
    raw = pim.store.product(uuid)
    assert raw is not None
    values = {"name": [{"locale": "en_US", "scope": None, "data": name}]}
    pim.update_product(raw["uuid"], {"values": values})
    return str(raw["uuid"])


def break_sku_in_akeneo(pim: AkeneoSandbox, index: int) -> str:
    """A SKU Akeneo takes and Oro refuses (no spaces or dots); the product's uuid."""
    uuid = pim.store.identifier_order()[index]
    raw = pim.store.product(uuid)
    assert raw is not None
    pim.update_product(
        raw["uuid"], {"values": {"sku": [{"locale": None, "scope": None, "data": "BAD 1.B"}]}}
    )
    return str(raw["uuid"])


# -- jobs and run now --------------------------------------------------------------------


def test_jobs_lists_each_job_with_schedule_last_and_next_run(files_hub: Hub) -> None:
    with files_hub.runner.db.begin() as conn:
        done = _runs.start_run(conn, "publish", "diff", False)
        _runs.finish_run(conn, done, "succeeded", {})

    manager = files_hub.sign_in("max").get("/jobs").text
    viewer = files_hub.sign_in("val").get("/jobs").text

    assert "files → out" in manager and "30 2 * * *" in manager
    assert f'href="/runs/{done}"' in manager
    assert re.search(r"\d{4}-\d\d-\d\d 02:30 UTC", manager)
    assert 'value="dry-run">Dry run</button>' in manager
    assert "Run now" not in viewer and 'name="run"' not in viewer
    with files_hub.client(headers=token(files_hub, "val")) as api:
        [job] = api.get("/api/v1/jobs").json()["jobs"]
    assert job["last_run"]["id"] == done and job["next_run_at"].endswith("02:30:00+00:00")


def test_run_now_shows_progress_that_polls_until_the_run_ends(
    files_hub: Hub, tmp_path: Path
) -> None:
    browser = files_hub.sign_in("max")

    run_id = run_now(browser, "publish", "full")
    wait_for(files_hub, run_id)
    fragment = browser.get(f"/runs/{run_id}/progress").text

    assert 'hx-trigger="every 1s"' not in fragment  # an ended run stops polling
    assert 'data-status="succeeded"' in fragment
    assert _counts_row(fragment, "products") == {
        "read": 30,
        "created": 30,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "deleted": 0,
        "disabled": 0,
    }
    assert len(list((tmp_path / "out").glob("*.json"))) == 30


def test_the_progress_of_a_running_run_polls_itself(files_hub: Hub) -> None:
    with files_hub.runner.db.begin() as conn:  # a run another process is running
        running = _runs.start_run(conn, "publish", "diff", False)
        _runs.update_counts(conn, running, {"streams": {"products": {"extracted": 7}}})

    fragment = files_hub.sign_in("val").get(f"/runs/{running}/progress").text

    assert f'hx-get="/runs/{running}/progress" hx-trigger="every 1s"' in fragment
    assert _counts_row(fragment, "products")["read"] == 7
    assert "counts as stored with each loaded batch" in fragment


def test_run_now_without_htmx_lands_on_the_run(files_hub: Hub) -> None:
    browser = files_hub.sign_in("max")
    listing = browser.get("/jobs")

    answer = browser.post(
        "/jobs/publish/runs",
        data={"csrf_token": csrf_of(listing), "run": "diff"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    run_id = int(answer.headers["location"].rsplit("/", 1)[1])
    assert wait_for(files_hub, run_id)["status"] == "succeeded"


def test_a_job_that_cannot_be_built_says_why_in_place(hub: Hub, tmp_path: Path) -> None:
    with hub.runner.db.begin() as conn:  # the file is missing: the run would fail
        save_project(conn, hub.runner.box, files_project(tmp_path))
    browser = hub.sign_in("max")
    listing = browser.get("/jobs")

    unknown = browser.post(
        "/jobs/nope/runs", data={"csrf_token": csrf_of(listing), "run": "full"}, headers=HTMX
    )

    assert 'role="alert"' in unknown.text and "unknown job &#39;nope&#39;" in unknown.text


def test_a_running_job_cannot_start_twice(files_hub: Hub) -> None:
    now = datetime.now(UTC)
    with files_hub.runner.db.begin() as conn:  # this process holds the job's lock
        conn.execute(
            insert(locks).values(
                name="publish", run_id=41, host=socket.gethostname(), pid=os.getpid(),
                acquired_at=now, heartbeat_at=now,
            )
        )  # fmt: skip
    browser = files_hub.sign_in("max")

    pressed = run_now_answer(browser, "publish", "full")
    with files_hub.client(headers=token(files_hub, "max")) as api:
        started = api.post("/api/v1/jobs/publish/runs", json={"mode": "full"})

    assert 'role="alert"' in pressed.text and "is already running (run 41" in pressed.text
    assert started.status_code == 409 and "already running" in started.json()["detail"]
    with files_hub.runner.db.connect() as conn:
        assert _runs.list_runs(conn) == []  # the refused runs left no row


# -- security --------------------------------------------------------------------------------


def test_a_viewer_cannot_run_or_retry_in_pages_or_api(files_hub: Hub) -> None:
    with files_hub.runner.db.begin() as conn:
        failed = _runs.start_run(conn, "publish", "diff", False)
        scope = _sync.Scope("publish", "products", "out", "product")
        _sync.record_failures(conn, scope, [_sync.Failure("p-1", "h", "no")], {}, failed, 3)
        _runs.add_items(conn, failed, [_runs.RunItem("products", "p-1", "rejected", "no")])
        _runs.finish_run(conn, failed, "partial", {})
    browser = files_hub.sign_in("val")
    csrf = csrf_of(browser.get("/jobs"))

    pressed = browser.post("/jobs/publish/runs", data={"csrf_token": csrf, "run": "full"})
    retried = browser.post(f"/runs/{failed}/retry", data={"csrf_token": csrf})
    with files_hub.client(headers=token(files_hub, "val")) as api:
        started = api.post("/api/v1/jobs/publish/runs", json={"mode": "full"})
        retried_api = api.post(f"/api/v1/runs/{failed}/retry")

    for answer in (pressed, retried, started, retried_api):
        assert answer.status_code == 403, answer.request.url
    assert "Refused records (1)" in browser.get(f"/runs/{failed}").text
    assert "Retry failed items" not in browser.get(f"/runs/{failed}").text
    assert "needs the &#39;run&#39; permission" in pressed.text
    with files_hub.runner.db.connect() as conn:
        assert [r.id for r in _runs.list_runs(conn)] == [failed]  # nothing started


def test_forms_need_the_csrf_token_and_the_api_the_csrf_header(files_hub: Hub) -> None:
    browser = files_hub.sign_in("max")

    wrong = browser.post("/jobs/publish/runs", data={"csrf_token": "forged", "run": "full"})
    missing = browser.post("/jobs/publish/runs", data={"run": "full"})
    retry = browser.post("/runs/1/retry", data={"csrf_token": "forged"})
    api = browser.post("/api/v1/jobs/publish/runs", json={"mode": "full"})

    assert wrong.status_code == 403 and "CSRF token" in wrong.text
    assert missing.status_code == 422
    assert retry.status_code == 403
    assert api.status_code == 403 and "X-CSRF-Token" in api.json()["detail"]
    with files_hub.runner.db.connect() as conn:
        assert _runs.list_runs(conn) == []


def test_anonymous_callers_are_sent_to_sign_in_or_refused(files_hub: Hub) -> None:
    with files_hub.client() as anonymous:
        page = anonymous.get("/jobs")
        paths = ["/api/v1/jobs", "/api/v1/runs/1/progress", "/api/v1/jobs/publish/chart"]
        reads = [anonymous.get(p).status_code for p in paths]
        start = anonymous.post("/api/v1/jobs/publish/runs", json={})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/jobs"
    assert reads == [401, 401, 401] and start.status_code == 401


def test_the_openapi_schema_documents_the_jobs_and_runs_api(hub: Hub) -> None:
    paths = set(hub.client().get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/jobs",
        "/api/v1/jobs/{name}/runs",
        "/api/v1/jobs/{name}/chart",
        "/api/v1/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/progress",
        "/api/v1/runs/{run_id}/items",
        "/api/v1/runs/{run_id}/retry",
        "/api/v1/runs/{run_id}/diff",
    } <= paths
    assert not any(p.startswith(("/jobs", "/runs")) for p in paths)  # pages stay out


# -- history, failed items and retry ------------------------------------------------------


def _run(hub: Hub, job: str, status: str, seconds: float, read: int, dry: bool = False) -> int:
    """A finished run that took ``seconds`` and read ``read`` records (created half)."""
    with hub.runner.db.begin() as conn:
        run_id = _runs.start_run(conn, job, "diff", dry)
        counts = {"streams": {"products": {"extracted": read, "created": read // 2}}}
        _runs.finish_run(conn, run_id, status, counts)
        started = conn.execute(select(runs.c.started_at).where(runs.c.id == run_id)).scalar_one()
        took = started + timedelta(seconds=seconds)
        conn.execute(update(runs).where(runs.c.id == run_id).values(finished_at=took))
    return run_id


def test_runs_show_counts_durations_and_throughput_filtered_by_job_and_status(
    files_hub: Hub,
) -> None:
    ok = _run(files_hub, "publish", "succeeded", 4.0, 200)
    bad = _run(files_hub, "publish", "failed", 2.0, 10)
    other = _run(files_hub, "archive", "succeeded", 1.0, 5)
    _run(files_hub, "publish", "succeeded", 3.0, 30, dry=True)
    browser = files_hub.sign_in("val")

    everything = browser.get("/runs").text
    failed = browser.get("/runs", params={"status": "failed"}).text
    publish = browser.get("/runs", params={"job": "publish"}).text

    def listed(html: str) -> set[int]:
        table = html[html.index('<table class="runs">') : html.index("</table>")]
        return {int(i) for i in re.findall(r'<td><a href="/runs/(\d+)">', table)}

    assert listed(everything) == {ok, bad, other, ok + 3}
    assert listed(failed) == {bad}
    assert listed(publish) == {ok, bad, ok + 3}
    row = re.search(rf'<td><a href="/runs/{ok}">.*?</tr>', everything, re.S)
    assert row is not None
    assert "4.0 s" in row[0] and "<td>200</td><td>100</td>" in row[0] and "50.0" in row[0]
    # one chart per job of the project; one bar per finished run that was not a dry run
    chart = publish[publish.index("<svg") : publish.index("</svg>")]
    assert chart.count("<rect") == 2 and "run #1: 4.0 s, 200 records, 50.0 records/s" in chart
    assert 'style="' not in publish  # the page's CSP refuses inline styles
    with files_hub.client(headers=token(files_hub, "val")) as api:
        points = api.get("/api/v1/jobs/publish/chart").json()["points"]
        listed = api.get("/api/v1/runs", params={"status": "failed"}).json()["runs"]
    assert [(p["run_id"], p["seconds"], p["records_per_second"]) for p in points] == [
        (ok, 4.0, 50.0),
        (bad, 2.0, 5.0),
    ]
    assert [r["id"] for r in listed] == [bad] and listed[0]["totals"]["read"] == 10


def test_a_refused_record_shows_the_message_and_retry_loads_it(
    files_hub: Hub, tmp_path: Path
) -> None:
    first = orjson.loads((tmp_path / "catalog.jsonl").read_bytes().splitlines()[0])
    blocker = tmp_path / "out" / f"{first['uuid']}.json"
    blocker.mkdir(parents=True)  # the folder cannot take this record: a directory is in the way
    browser = files_hub.sign_in("max")

    run_id = run_now(browser, "publish", "full")
    progress = wait_for(files_hub, run_id)
    run_page = browser.get(f"/runs/{run_id}").text
    item = browser.get(f"/runs/{run_id}/items/products/{first['uuid']}").text

    assert progress["status"] == "partial" and progress["totals"]["rejected"] == 1
    assert "Refused records (1)" in run_page and "Retry failed items" in run_page
    assert "Is a directory" in item and "pending" in item
    with files_hub.client(headers=token(files_hub, "val")) as api:
        [listed] = api.get(f"/api/v1/runs/{run_id}/items").json()["items"]
    assert listed["key"] == first["uuid"] and "Is a directory" in listed["message"]
    assert listed["still_failing"] == "pending"

    blocker.rmdir()
    retried = browser.post(
        f"/runs/{run_id}/retry", data={"csrf_token": csrf_of(browser.get(f"/runs/{run_id}"))}
    )
    new_run = int(str(retried.url).rsplit("/", 1)[1])
    done = wait_for(files_hub, new_run)

    assert new_run != run_id and done["status"] == "succeeded"
    assert done["totals"]["created"] == 1 and blocker.is_file()
    assert "None of them is failing any more" in browser.get(f"/runs/{run_id}").text
    again = browser.post(
        f"/runs/{run_id}/retry", data={"csrf_token": csrf_of(browser.get(f"/runs/{run_id}"))}
    )
    assert again.status_code == 409 and "nothing to retry" in again.text


# -- dry runs --------------------------------------------------------------------------------


def test_a_dry_run_without_field_level_diff_lists_its_plan_and_says_so(
    files_hub: Hub, tmp_path: Path
) -> None:
    browser = files_hub.sign_in("max")
    wait_for(files_hub, run_now(browser, "publish", "full"))
    write_catalog(tmp_path / "catalog.jsonl", 32)

    with files_hub.client(headers=token(files_hub, "max")) as api:
        # the file's products are older than the last run: only a full run sees the new ones
        started = api.post("/api/v1/jobs/publish/runs", json={"mode": "full", "dry_run": True})
        dry = started.json()["run_id"]
        wait_for(files_hub, dry)
        answer = api.get(f"/api/v1/runs/{dry}/diff").json()
    page = browser.get(f"/runs/{dry}/diff").text

    assert page.count('class="card diff diff-create"') == 2
    assert "cannot read its records back, so field-level changes are not available" in page
    assert answer["totals"] == {"create": 2}
    assert answer["field_level"] == {"products": {"available": False, "not_compared": []}}
    assert all(r["changes"] == [] and not r["compared"] for r in answer["records"])
    assert len(list((tmp_path / "out").glob("*.json"))) == 30  # a dry run sends nothing


def test_a_real_run_has_no_diff(files_hub: Hub) -> None:
    browser = files_hub.sign_in("val")
    with files_hub.runner.db.begin() as conn:
        real = _runs.start_run(conn, "publish", "diff", False)
        _runs.finish_run(conn, real, "succeeded", {})
    answer = browser.get(f"/runs/{real}/diff")
    assert answer.status_code == 422 and "is not a dry run" in answer.text


def test_an_oro_dry_run_diff_shows_field_level_changes(hub: Hub) -> None:
    with akeneo_and_oro(hub) as (pim, _shop):
        assert hub.runner.run(PRODUCTS_JOB, Mode.FULL).status is RunStatus.SUCCEEDED
        renamed = rename_in_akeneo(pim, 2, "Renamed in Akeneo")
        with hub.client(headers=token(hub, "max")) as api:
            started = api.post(
                f"/api/v1/jobs/{PRODUCTS_JOB}/runs", json={"mode": "diff", "dry_run": True}
            )
            assert started.status_code == 202, started.text
            dry = started.json()["run_id"]
            wait_for(hub, dry)
            diff = api.get(f"/api/v1/runs/{dry}/diff").json()

    [record] = [r for r in diff["records"] if r["key"] == renamed]
    assert record["action"] == "update" and record["compared"]
    changes = {c["field"]: (c["before"], c["after"]) for c in record["changes"]}
    # the default name and the English one change, and nothing else differs
    assert "names[default]" in changes and len(changes) == 2, changes
    assert all(f.startswith("names[") for f in changes)
    assert all(before != after == "Renamed in Akeneo" for before, after in changes.values())
    assert diff["field_level"]["products"] == {
        "available": True,
        "not_compared": ["prices", "images", "slugs", "unit precision", "variant links"],
    }
