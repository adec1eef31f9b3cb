"""In a browser: signing in, and adding, testing and removing a connection."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from tests.web.browser.conftest import screenshot, sign_in
from tests.web.conftest import Hub


def test_sign_in_refuses_a_wrong_password_then_lands_on_the_asked_page(
    page: Page, hub: Hub
) -> None:
    page.goto(f"{hub.url}/connections")
    expect(page).to_have_url(f"{hub.url}/login?next=/connections")
    page.get_by_label("User").fill("max")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_value("")

    page.get_by_label("Password").fill("manager-pass-1")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{hub.url}/connections")
    expect(page.get_by_text("max · manager")).to_be_visible()
    assert page.evaluate("typeof htmx.ajax") == "function"  # served by the hub, allowed by CSP


def test_add_and_test_a_connection(page: Page, hub: Hub) -> None:
    pim = AkeneoSandbox.demo(products=3)
    credentials = pim.credentials
    with serve_akeneo(pim) as pim_url:
        sign_in(page, hub, "max", "/connections")
        form = page.locator("form[action='/connections']")
        form.get_by_label("Name").fill("pim")
        form.get_by_label("Kind").select_option("akeneo")
        form.get_by_label("Settings").fill(
            f"url={pim_url}\nclient_id={credentials.client_id}\nusername={credentials.username}"
        )
        form.get_by_label("Secrets").fill(
            f"secret={credentials.secret}\npassword={credentials.password}"
        )
        form.get_by_role("button", name="Add").click()

        expect(page.get_by_text("added connection pim")).to_be_visible()
        row = page.get_by_role("row", name="pim akeneo")
        expect(row).to_contain_text("secret: set")
        assert credentials.secret not in page.content()
        screenshot(page, "connections")

        row.get_by_role("button", name="Test").click()
        expect(page.get_by_text("connection pim works")).to_be_visible()

        pim.faults.fail_next("/api/oauth/v1/token", 401)
        page.get_by_role("row", name="pim akeneo").get_by_role("button", name="Test").click()
        expect(page.locator(".error").first).to_be_visible()
