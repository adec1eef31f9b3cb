"""In a browser: run a sync from /jobs and watch it finish, open a record Oro refused,
and read a dry run's diff; Akeneo and Oro sandboxes served on 127.0.0.1."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from pimsync.cli._demo import PRODUCTS_JOB
from pimsync.jobs import Mode, RunStatus
from tests.web.browser.conftest import screenshot, sign_in
from tests.web.conftest import Hub
from tests.web.test_jobs_ui import akeneo_and_oro, break_sku_in_akeneo, rename_in_akeneo


def _run_now(page: Page, button: str) -> Locator:
    """Press a Run now button of the products job; the run's progress box."""
    page.locator(f'tr.job[data-job="{PRODUCTS_JOB}"]').get_by_role("button", name=button).click()
    return page.locator(".run-progress").filter(has_text=f"of {PRODUCTS_JOB}")


def _count(progress: Locator, stream: str, name: str) -> Locator:
    return progress.locator(f'tr[data-stream="{stream}"] .count-{name}')


def test_run_a_sync_and_watch_it_finish(page: Page, hub: Hub) -> None:
    with akeneo_and_oro(hub, products=40) as (pim, shop):
        pim.faults.slow("/api/rest/v1/product", 1.0)  # long enough to watch it run
        sign_in(page, hub, "max", "/jobs")

        progress = _run_now(page, "Full")

        expect(progress.locator(".status")).to_have_text("running")
        expect(progress).to_contain_text("now reading")
        screenshot(page, "jobs")
        expect(progress.locator(".status")).to_have_text("succeeded", timeout=60_000)
        expect(_count(progress, "products", "read")).to_have_text("40")
        expect(_count(progress, "products", "created")).to_have_text("40")
        expect(_count(progress, "products", "rejected")).to_have_text("0")
        assert progress.get_attribute("hx-trigger") is None  # polling stopped
        assert shop.count("products") >= 40

        page.get_by_role("link", name="Runs", exact=True).click()
        row = page.locator("table.runs tbody tr").first
        expect(row).to_contain_text(PRODUCTS_JOB)
        expect(row).to_contain_text("succeeded")
        chart = page.locator("figure.chart").filter(has_text=PRODUCTS_JOB)
        expect(chart.locator("rect")).to_have_count(1)
        screenshot(page, "runs")

        page.get_by_role("link", name="Dashboard", exact=True).click()
        job = page.locator("tr", has_text=PRODUCTS_JOB).first
        expect(job).to_contain_text("succeeded")
        expect(page.locator("tr", has_text="shop").locator(".health")).to_have_text("ok")
        screenshot(page, "dashboard")


def test_open_a_record_the_destination_refused(page: Page, hub: Hub) -> None:
    with akeneo_and_oro(hub, products=20) as (pim, _shop):
        refused = break_sku_in_akeneo(pim, 3)
        sign_in(page, hub, "max", "/jobs")

        progress = _run_now(page, "Full")
        expect(progress.locator(".status")).to_have_text("partial", timeout=60_000)
        expect(_count(progress, "products", "rejected")).to_have_text("1")
        progress.get_by_role("link", name=re.compile(r"Run #\d+")).click()

        expect(page.get_by_role("heading", name="Refused records (1)")).to_be_visible()
        expect(page.get_by_role("button", name="Retry failed items")).to_be_visible()
        screenshot(page, "run")
        page.get_by_role("link", name=refused).click()

        message = page.locator("pre.remote-message")
        expect(message).to_contain_text("This value is not valid.")
        expect(message).to_contain_text("sku")
        expect(page.locator(".failed-pending")).to_have_text("pending")


def test_run_a_dry_run_and_read_its_diff(page: Page, hub: Hub) -> None:
    with akeneo_and_oro(hub, products=20) as (pim, shop):
        assert hub.runner.run(PRODUCTS_JOB, Mode.FULL).status is RunStatus.SUCCEEDED
        renamed = rename_in_akeneo(pim, 2, "Renamed in Akeneo")
        writes = sum(shop.writes.values())
        sign_in(page, hub, "max", "/jobs")

        progress = _run_now(page, "Dry run")
        expect(progress.locator(".status")).to_have_text("succeeded", timeout=60_000)
        expect(progress).to_contain_text("(dry run)")
        expect(_count(progress, "products", "updated")).to_have_text("1")
        progress.get_by_role("link", name="Read its diff").click()

        record = page.locator(f'section.diff[data-key="{renamed}"]')
        expect(record.locator(".action")).to_have_text("update")
        name = record.get_by_role("row").filter(has_text="names[default]")
        expect(name.locator(".after")).to_have_text("Renamed in Akeneo")
        expect(name.locator(".before")).not_to_have_text("Renamed in Akeneo")
        expect(page.get_by_text("not compared: prices, images")).to_be_visible()
        screenshot(page, "dry-run-diff")
        assert sum(shop.writes.values()) == writes  # the dry run sent nothing
