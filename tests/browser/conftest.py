"""A real server process and headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright's sync API.

The server runs as a subprocess, so the sync API never meets an asyncio loop. Every
page of every context is watched: requests to any host but 127.0.0.1, console errors,
uncaught exceptions, CSP violations, failed requests and HTTP errors are collected and
checked by `Watch.assert_clean()` (tests/browser/harness.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.harness import (
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPORT_CSP_VIOLATIONS,
    TIMEOUT_MS,
    Watch,
    require_chromium,
)
from tests.browser.scenario import CHAIR_AND_DELEGATE, Scenario
from tests.pdf.pdfs import make_pdf
from tests.processes import ServerProcess, clean_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_chromium()  # before starting a server for nothing
    data: Path = tmp_path_factory.mktemp("browser") / "data"
    proc = ServerProcess(data, env=clean_env(MEETROOM_ADMIN_PASSWORD=ADMIN_PASSWORD))
    try:
        proc.wait_ready()
        yield proc
    finally:
        if proc.proc.poll() is None:
            code = proc.interrupt()
            assert code == 0, proc.describe()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    # Module scope: Playwright's sync API runs its own event loop, which must be gone
    # before the async tests of other modules run.
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def new_context(browser: Browser, watch: Watch) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser contexts (own cookies), each watched by `watch`."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        """`options`: more of Playwright's context options (viewport, has_touch, ...)."""
        context = browser.new_context(locale="en-US", timezone_id="Asia/Ho_Chi_Minh", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        watch.attach(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context: Callable[[], BrowserContext]) -> Callable[[], Page]:
    """A page in a fresh context."""

    def make() -> Page:
        return new_context().new_page()

    return make


@pytest.fixture
def scenario(new_context: Callable[..., BrowserContext], tmp_path: Path) -> Callable[..., Scenario]:
    """Makes the meeting most browser tests start from (tests/browser/scenario.py), on
    the server at `base`, with a three-page document titled `title`."""

    def make(
        base: str,
        title: str,
        people: Sequence[tuple[str, str]] = CHAIR_AND_DELEGATE,
        admin: BrowserContext | None = None,
    ) -> Scenario:
        pdf = make_pdf(tmp_path / "meeting.pdf", pages=3, title=title)
        return Scenario.prepare(new_context, base, pdf, people, admin)

    return make
