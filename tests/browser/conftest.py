"""Playwright driving Debian's Chromium (/usr/bin/chromium) with the network cut off.

Every request that is not ``file:`` or ``data:`` is aborted and recorded, as are console errors, page errors and
dialogs, so a test can assert that a map loaded nothing from the network and ran no injected script.

Without /usr/bin/chromium the browser tests are skipped on a developer machine, but fail under ``CI=true``: CI must
run them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium package (tests/setup.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; browser tests must run under CI", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page with everything it tried to do that a test may want to forbid."""

    page: object
    blocked: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)

    def open(self, path: Path):
        self.page.goto(Path(path).resolve().as_uri())
        self.page.wait_for_function("() => document.readyState === 'complete'")
        return self.page


@pytest.fixture
def watched(browser):
    """A fresh 1200x800 page whose network is cut: only file: and data: URLs load."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    result = Watched(page)

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            result.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda msg: result.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: result.page_errors.append(str(err)))

    def dialog(d):
        result.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    yield result
    context.close()
