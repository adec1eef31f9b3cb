"""Browser tests: Playwright drives Debian's Chromium (``scripts/ensure-chromium``) against
a hub served on 127.0.0.1.

``PIMSYNC_TEST_CHROMIUM`` names the browser binary (``./scripts/test`` sets it). Without
it the tests look in ``/usr/lib/chromium`` and skip, saying how to install it, when it is
not there; with it set to a missing file they fail (CI must not skip them silently).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.web.conftest import PASSWORDS, Hub

_KNOWN = ("/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium")


def _chromium() -> str:
    named = os.environ.get("PIMSYNC_TEST_CHROMIUM")
    if named:
        if not os.access(named, os.X_OK):
            pytest.fail(f"PIMSYNC_TEST_CHROMIUM={named} is not an executable browser")
        return named
    found = next((p for p in _KNOWN if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.skip("no Chromium under /usr/lib/chromium: run ./scripts/ensure-chromium (root)")
    return found


@pytest.fixture(scope="session")
def playwright(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playwright]:
    home = tmp_path_factory.mktemp("browser-home")
    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)  # Chromium writes its profile bits under HOME
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=_chromium())
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab. The test fails if the page logged an error (a script that
    broke, or anything the Content-Security-Policy blocked)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    tab.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield tab
    finally:
        context.close()
    # A refused form answers 4xx on purpose; the browser logs that as a failed load.
    unexpected = [e for e in errors if "status of 4" not in e and "favicon" not in e]
    assert not unexpected, unexpected


def sign_in(page: Page, hub: Hub, username: str, path: str = "/") -> None:
    """Sign in through the form, as a person would, and land on ``path``."""
    page.goto(f"{hub.url}/login?next={path}")
    page.get_by_label("User").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub.url}{path}")


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot of a main screen for the docs, when ``PIMSYNC_SCREENSHOTS``
    names a folder (``scripts/screenshots`` sets it to ``docs/screenshots``)."""
    folder = os.environ.get("PIMSYNC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
