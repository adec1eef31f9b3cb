"""In a browser: editing an Oro job's mapping with its live preview, and choosing what a
destination may receive."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pimsync.catalogs import Permissions
from tests.web.browser.conftest import screenshot, sign_in
from tests.web.conftest import Hub
from tests.web.test_mapping_ui import JOB, pim_and_shop


def test_edit_a_mapping_line_see_the_preview_change_and_save(page: Page, hub: Hub) -> None:
    with pim_and_shop(hub) as systems:
        sign_in(page, hub, "max", "/mapping")
        page.get_by_role("link", name=JOB).click()
        expect(page.get_by_role("heading", name=f"Mapping of {JOB}")).to_be_visible()
        preview = page.locator("#mapping-preview")
        expect(preview.locator('[data-preview-field="featured"]')).to_be_visible()
        expect(preview.locator('[data-preview-field="newArrival"]')).to_have_count(0)
        sku = preview.locator(".preview-sku").inner_text()
        eco_label = next((v["data"] for v in systems.raw(sku)["values"].get("eco_label", [])), None)
        screenshot(page, "mapping")

        field = page.get_by_label("Destination field, line 1")
        field.fill("newArrival")
        field.press("Tab")  # the change goes to the preview, unsaved

        row = preview.locator('[data-preview-field="newArrival"]')
        expect(row).to_be_visible()
        expect(row.locator(".value")).to_have_text(str(eco_label).lower())
        expect(preview.locator('[data-preview-field="featured"]')).to_have_count(0)
        assert systems.options()["attributes"] == [{"akeneo": "eco_label", "oro": "featured"}]

        # a wrong Akeneo code: the preview says what stops it, Save shows it at the field
        page.get_by_label("Akeneo attribute, line 1").fill("eco_labl")
        page.get_by_label("Akeneo attribute, line 1").press("Tab")
        expect(preview.get_by_text("Akeneo has no attribute 'eco_labl'")).to_be_visible()
        page.get_by_role("button", name="Save").click()
        expect(page.locator('[data-field="attributes.0.akeneo"]')).to_have_text(
            "Akeneo has no attribute 'eco_labl'"
        )
        assert systems.options()["attributes"] == [{"akeneo": "eco_label", "oro": "featured"}]

        page.get_by_label("Akeneo attribute, line 1").fill("eco_label")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"saved the mapping of {JOB}")).to_be_visible()
        assert systems.options()["attributes"] == [{"akeneo": "eco_label", "oro": "newArrival"}]
        expect(page.get_by_label("Destination field, line 1")).to_have_value("newArrival")


def test_choose_what_a_destination_may_receive(page: Page, hub: Hub) -> None:
    with pim_and_shop(hub) as systems:
        sign_in(page, hub, "max", "/permissions")
        page.get_by_role("link", name="shop").click()
        trees = page.locator("#dimension-category_trees")
        expect(trees.get_by_label("sales")).to_be_visible()
        screenshot(page, "permissions")

        trees.get_by_label("Only these").check()
        trees.get_by_label("sales").check()
        locales = page.locator("#dimension-locales")
        locales.get_by_label("Only these").check()
        locales.get_by_label("en_US").check()
        page.get_by_role("button", name="Save").click()

        expect(page.get_by_text("saved the permissions of shop")).to_be_visible()
        assert systems.hub.runner.project().permissions["shop"] == Permissions(
            category_trees=("sales",), locales=("en_US",)
        )
        page.get_by_role("link", name="← Permissions").click()
        row = page.locator('tr[data-destination="shop"]')
        expect(row.locator(".dimension-category_trees")).to_have_text("sales")
        expect(row.locator(".dimension-attribute_groups")).to_have_text("all")
