"""Browser fixtures: Debian's Chromium driven by Playwright against the shared `make run` server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.prod_server import SERVER_TEST_TIMEOUT_S, prod_server

__all__ = ["prod_server"]  # the shared, session-wide server fixture

HERE = Path(__file__).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Chromium against the real production build."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            # The first one pays for starting (and on a fresh clone, building) the server.
            item.add_marker(pytest.mark.timeout(SERVER_TEST_TIMEOUT_S))


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Package scope: the sync API keeps an event loop running in the main thread, which
    would break asyncio.run() in every later test of the session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded browser): `make chromium` installs it."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not on PATH: run `make chromium` (Debian's chromium package)")
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (own cookies) with JavaScript on."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def nojs_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context with JavaScript switched off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()
