"""In a browser: build a catalog with three criteria, watching the count after each, and
enable it. The expected counts come from the Akeneo sandbox's raw store."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from tests.web.browser.conftest import screenshot, sign_in
from tests.web.conftest import Hub
from tests.web.test_catalogs import add_pim_and_shop

FAMILIES = ("shoes", "chairs")


def _color(product: dict[str, Any]) -> Any:
    return next((v["data"] for v in product["values"].get("color", [])), None)


def _selected(count: int) -> re.Pattern[str]:
    return re.compile(rf"^\s*{count} products? selected")


def test_build_a_catalog_with_three_criteria_and_enable_it(page: Page, hub: Hub) -> None:
    pim = AkeneoSandbox.demo(products=40)
    raw = list(pim.store.products.values())
    in_families = [p for p in raw if p["family"] in FAMILIES]
    enabled = [p for p in in_families if p["enabled"]]
    white = [p for p in enabled if _color(p) == "white"]
    # each criterion must change the count, or the test could not see it update
    assert len(raw) > len(in_families) > len(enabled) > len(white) > 0

    with serve_akeneo(pim) as pim_url:
        add_pim_and_shop(hub, pim_url, pim)
        sign_in(page, hub, "max", "/catalogs")
        create = page.locator("form[action='/catalogs']")
        create.get_by_label("Name").fill("web")
        create.get_by_label("Destination").select_option("shop")
        create.get_by_role("button", name="Create").click()
        expect(page).to_have_url(f"{hub.url}/catalogs/web")
        count = page.locator("#catalog-count")
        expect(count).to_have_text(_selected(len(raw)))

        # the search box narrows the fields offered
        search = page.get_by_placeholder("attribute or system field")
        search.fill("fam")
        expect(page.get_by_role("button", name="Color", exact=True)).to_be_hidden()
        page.get_by_role("button", name="Family", exact=True).click()
        family = page.get_by_label("Value of Family")
        family.select_option(list(FAMILIES))
        expect(count).to_have_text(_selected(len(in_families)))
        expect(search).to_have_value("fam")  # kept across the editor's re-rendering

        search.fill("")
        page.get_by_role("button", name="Status", exact=True).click()
        expect(page.get_by_label("Value of Status")).to_have_value("true")
        expect(count).to_have_text(_selected(len(enabled)))

        page.get_by_role("button", name="Color", exact=True).click()
        expect(page.get_by_label("Operator of Color")).to_have_value("IN")
        page.get_by_label("Value of Color").select_option("white")
        expect(count).to_have_text(_selected(len(white)))
        expect(page.locator(".criterion")).to_have_count(3)
        screenshot(page, "catalog-editor")

        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("saved catalog web: 3 criteria")).to_be_visible()
        expect(page.get_by_test_id("enabled")).to_have_text("No")
        page.get_by_role("button", name="Enable").click()
        expect(page.get_by_text("catalog web enabled", exact=True)).to_be_visible()
        expect(page.get_by_test_id("enabled")).to_have_text("Yes")
        expect(count).to_have_text(_selected(len(white)))

    catalog = hub.runner.project().catalogs["web"]
    assert catalog.enabled
    assert [(c.field, c.operator) for c in catalog.criteria] == [
        ("family", "IN"),
        ("enabled", "="),
        ("color", "IN"),
    ]
