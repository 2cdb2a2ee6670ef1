"""A real server process and headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright's sync API.

The server runs as a subprocess, so the sync API never meets an asyncio loop. Every
page of every context is watched: requests to any host but 127.0.0.1, console errors,
uncaught exceptions, CSP violations, failed requests and HTTP errors are collected and
checked by `Watch.assert_clean()`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

from tests.processes import ServerProcess, clean_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ADMIN_PASSWORD = "browser-admin-pass-1"
TIMEOUT_MS = 15_000

# Chromium reports CSP violations on the console, but also as DOM events: make
# those console errors too, so none can slip by.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
});
"""


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (install Debian's chromium package)"
        if os.environ.get("MEETROOM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}; MEETROOM_REQUIRE_SERVICES=1 makes this a failure")
        pytest.skip(message)


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


@dataclass
class Watch:
    """What the pages did that they should not have."""

    allowed_host: str = "127.0.0.1"
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def on_request(self, req: Request) -> None:
        self.requests.append(req.url)
        parts = urlsplit(req.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != self.allowed_host:
            self.foreign_requests.append(req.url)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "assert"):
            self.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_request_failed(self, req: Request) -> None:
        # The browser aborts what a page was still loading when it navigates away (the
        # favicon, say): that is the page leaving, not a request that failed.
        if req.failure == "net::ERR_ABORTED" and not req.is_navigation_request():
            return
        self.failed_requests.append(f"{req.method} {req.url}: {req.failure}")

    def on_response(self, resp: Response) -> None:
        if resp.status >= 400:
            self.http_errors.append(f"{resp.request.method} {resp.url}: {resp.status}")

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self.on_request)
        context.on("console", self.on_console)
        context.on("requestfailed", self.on_request_failed)
        context.on("response", self.on_response)
        context.on("weberror", lambda err: self.page_errors.append(str(err.error)))

    def clear(self) -> None:
        """Forget what was seen (a module that reuses its contexts checks per test)."""
        for seen in (
            self.requests,
            self.foreign_requests,
            self.console_errors,
            self.page_errors,
            self.failed_requests,
            self.http_errors,
        ):
            seen.clear()

    def assert_clean(self) -> None:
        assert self.requests, "no requests were seen at all"
        assert not self.foreign_requests, f"requests left 127.0.0.1: {self.foreign_requests}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"
        assert not self.http_errors, f"HTTP errors: {self.http_errors}"


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
