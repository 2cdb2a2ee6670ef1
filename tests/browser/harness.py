"""What the browser tests share beside their fixtures (tests/browser/conftest.py):
Debian's headless Chromium and how it is started, the admin password of the server
they run, and `Watch`, which collects what the pages did that they should not have:
requests to any host but 127.0.0.1, console errors, uncaught exceptions, CSP
violations, failed requests and HTTP errors, checked by `Watch.assert_clean()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Response

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


def screenshot_dir(tmp_path: Path) -> Path:
    """Where a test writes its screenshots: $MEETROOM_SCREENSHOTS, else under its tmp_path."""
    where = Path(os.environ.get("MEETROOM_SCREENSHOTS") or tmp_path / "screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where
