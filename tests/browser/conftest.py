"""Headless Chromium driven by Playwright against pytest-django's live server.

The browser is Debian's ``chromium`` (no Playwright browser download): when it is
missing the browser tests skip, except in CI (``CI=true``), where a missing browser is
a broken pipeline and fails with a message saying what to install.

Playwright's sync API keeps an asyncio loop running in the tests' thread while the
browser is open, and Django refuses database calls from such a thread unless
``DJANGO_ALLOW_ASYNC_UNSAFE`` is set: the ``chromium`` fixture sets it for as long as the
browser runs, so a test makes its data and checks the database as any test does. The
live server answers on threads of its own and is unaffected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / "test-artifacts" / "screenshots"
"""Full-page screenshots of every page visited, for people to look at (git-ignored)."""

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI and this machine run the tests as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones Google on start-up, which the sandboxed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
"""Every wait of a step and of an ``expect``: long enough for a slow CI machine, short
enough to fail fast."""


def _browser_or_skip() -> Path:
    """The Chromium binary; skip without one, fail in CI where it must be installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = (
        f"Chromium is not installed at {CHROMIUM}: the browser tests drive Debian's"
        " `chromium` package (apt-get install chromium) or the binary named by CHROMIUM_PATH."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def screenshot(page: Any, name: str, *, always: bool = False) -> Path | None:
    """Save a full-page screenshot of what the browser shows, named for the step.

    Only with ``SCREENSHOTS=1`` (``make screenshots``) or ``always`` (a failed test's
    last page): a full-page PNG costs a fifth of a second of CPU, which the steps of
    every ``make test`` need not spend.
    """
    if not (always or os.environ.get("SCREENSHOTS")):
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}.png"
    page.screenshot(path=path, full_page=True)
    return path


LOAD_FAILED = "Failed to load resource: the server responded with a status of"


class PageProblems(list):
    """What went wrong in the browser during a test, beyond what the test asserts.

    A server error, a missing stylesheet, a script error or anything the
    Content-Security-Policy refused would not always fail a
    selector, but a person would see a broken page: each is recorded here, and
    ``open_page``'s teardown fails the test if any is left.
    """

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # Chromium reports a Content-Security-Policy violation (an inline style or
        # script the policy refused) as a console error. It reports every page answered
        # with an error status too; those _response judges (a 403 page can be the point).
        if message.type == "error" and not message.text.startswith(LOAD_FAILED):
            self.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        status = response.status
        if status >= 500 or (status == 404 and "/static/" in response.url):
            self.append(f"{status} {response.request.method} {response.url}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """Keep each phase's report on the test, so ``open_page`` knows if the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class Chromium:
    """The package's one headless Chromium, launched on first use and again if it died
    (a crash in one test must not fail every test after it)."""

    def __init__(self, playwright: Any, executable: Path) -> None:
        self.playwright = playwright
        self.executable = executable
        self.browser: Any = None

    def new_context(self, **options: Any) -> Any:
        if self.browser is None or not self.browser.is_connected():
            self.browser = self.playwright.chromium.launch(
                executable_path=str(self.executable), args=CHROMIUM_ARGS, headless=True
            )
        return self.browser.new_context(**options)

    def close(self) -> None:
        if self.browser is not None and self.browser.is_connected():
            self.browser.close()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Chromium]:
    """One headless Chromium for every browser test: each test gets a context of its own
    (cookies, storage, viewport), and the browser is launched once, not per test (it cost
    2.5 s of CPU a launch, a tenth of ``make test``'s browser tests).

    While Playwright runs, its event loop counts as running in the tests' thread, where
    Django refuses database calls; ``DJANGO_ALLOW_ASYNC_UNSAFE`` (Django's switch for
    code that runs beside a loop it does not use, as pytest-playwright documents for
    Django) lets the tests' factories and checks run there until the browser is closed.
    The routing's own check is stricter: ``read_decision()`` inside a ``read_from`` block
    still refuses to run on the loop's thread, so a test reads no standby itself.
    """
    executable = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        browser = Chromium(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()
            playwright.stop()


@pytest.fixture
def open_page(request, live_server, chromium) -> Iterator[Callable[[], Any]]:
    """``page = open_page()``: a new tab on the live server, in a context of the test's own.

    Relative URLs in ``page.goto`` resolve against the live server; downloads are
    accepted.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)

    opened: dict[str, Any] = {}
    problems = PageProblems()

    def open_() -> Any:
        if "page" in opened:
            return opened["page"]
        context = opened["context"] = chromium.new_context(
            base_url=live_server.url,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = opened["page"] = context.new_page()
        problems.watch(page)
        return page

    yield open_

    try:
        failed = getattr(request.node, "report_call", None)
        if "page" in opened and failed is not None and failed.failed:
            # What the browser showed when the test gave up: the first thing to look at in CI.
            screenshot(opened["page"], f"failed-{request.node.name}", always=True)
    finally:
        if "context" in opened:
            opened["context"].close()
    assert not problems, "The browser saw broken pages:\n" + "\n".join(problems)
