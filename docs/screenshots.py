"""The screenshots of docs/user-guide.md, made from a real run:

    make install-test                      # once: Playwright is a test extra
    .venv/bin/python docs/screenshots.py   # writes docs/img/*.png (half a minute)

It starts `meetroom serve --demo` twice on free ports of 127.0.0.1, each with a
temporary data directory (the demo in English, then in Vietnamese), drives Debian's
/usr/bin/chromium with Playwright as the secretary (the admin account), the chair and a
delegate by their join links, and saves small PNGs (256 colours) into docs/img/. Any
request to another host than 127.0.0.1 fails the run. Re-running gives the same
pictures but for the times and dates (the demo is booked today) and the fake camera's
picture.

`--only NAME` makes the pictures whose names contain NAME; `--out DIR` writes elsewhere.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageFont
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
PASSWORD = "screenshots-admin-1"
TIME_ZONE = "Asia/Ho_Chi_Minh"
# What join links and QR codes show, as on a real network (README's example); the
# browsers here follow them at the server's own address.
PUBLIC_URL = "https://meet.ministry.lan"
TIMEOUT_MS = 20_000
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 1280, "height": 800}
UPRIGHT: ViewportSize = {"width": 800, "height": 1280}
PHONE: ViewportSize = {"width": 390, "height": 720}
MAX_BYTES = 250_000
SERIF = REPO / "meetroom" / "docs" / "fonts" / "LiberationSerif-Regular.ttf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    locale: str


@contextmanager
def demo_server(locale: str) -> Iterator[Server]:
    """`meetroom serve --demo` with the demo (and the admin's name) in `locale`."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="meetroom-shots-") as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEETROOM_")}
        env.update(
            MEETROOM_DATA_DIR=data,
            MEETROOM_ADMIN_PASSWORD=PASSWORD,
            MEETROOM_DEFAULT_LOCALE=locale,
            MEETROOM_TIMEZONE=TIME_ZONE,
            MEETROOM_PUBLIC_URL=PUBLIC_URL,
            # The lightest password hashing the settings allow: nobody keeps this data.
            MEETROOM_PASSWORD_TIME_COST="1",
            MEETROOM_PASSWORD_MEMORY_KIB="8192",
        )
        command = [sys.executable, "-m", "meetroom", "serve", "--demo", "--port", str(port)]
        log = Path(data) / "server.log"
        with log.open("w") as out:
            proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not _healthy(base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield Server(base, locale)
        finally:
            proc.terminate()
            proc.wait(20)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@dataclass
class Shots:
    """Where the pictures go, which to make, and what the pages did that they must not."""

    out: Path
    only: str
    made: list[Path] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def wanted(self, name: str) -> bool:
        return self.only in name

    def watch(self, context: BrowserContext) -> None:
        def on_request(url: str) -> None:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
                self.foreign.append(url)

        context.on("request", lambda req: on_request(req.url))
        context.on("weberror", lambda err: self.errors.append(str(err.error)))
        context.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )

    def save(self, name: str, page: Page, **options: Any) -> None:
        """The page (or `clip`, `full_page`) as a 256-colour PNG."""
        page.wait_for_timeout(400)  # transitions and late images settle
        raw = page.screenshot(animations="disabled", caret="hide", **options)
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        small = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        path = self.out / f"{name}.png"
        small.save(path, optimize=True)
        self.made.append(path)
        size = path.stat().st_size
        print(f"{path.relative_to(REPO)}: {image.width}x{image.height}, {size // 1000} KB")
        if size > MAX_BYTES:
            print(f"  larger than {MAX_BYTES // 1000} KB", file=sys.stderr)


class Api:
    """The admin's JSON API through a browser context (its cookies sign the pages in)."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.request, self.base = context.request, base
        resp = self.request.post(
            base + "/api/auth/login", data={"username": "admin", "password": PASSWORD}
        )
        assert resp.ok, resp.text()
        self.headers = {"X-CSRF-Token": resp.json()["csrf_token"]}

    def call(self, method: str, path: str, **options: Any) -> Any:
        resp = self.request.fetch(self.base + path, method=method, headers=self.headers, **options)
        assert resp.ok, f"{method} {path}: {resp.status} {resp.text()}"
        return resp.json() if resp.body() else None


@dataclass
class Demo:
    meeting_id: str
    links: dict[str, str]  # join link by meeting role
    documents: list[dict[str, Any]]
    starts_at: datetime


def find_demo(api: Api) -> Demo:
    """The demo meeting, moved to tomorrow if it already began (it is booked today at
    the next full hour, 22:00 at the latest), so that starting it is still early."""
    (meeting,) = api.call("GET", "/api/meetings")
    mid = meeting["id"]
    starts = datetime.fromisoformat(meeting["starts_at"])
    if starts <= datetime.now(starts.tzinfo) + timedelta(minutes=5):
        starts += timedelta(days=1)
        ends = datetime.fromisoformat(meeting["ends_at"]) + timedelta(days=1)
        data = {"starts_at": starts.isoformat(), "ends_at": ends.isoformat()}
        api.call("PATCH", f"/api/meetings/{mid}", data=data)
    detail = api.call("GET", f"/api/meetings/{mid}")
    links = {
        p["role"]: p["join_url"].replace(PUBLIC_URL, api.base, 1) for p in detail["participants"]
    }
    documents = api.call("GET", f"/api/meetings/{mid}/documents")
    return Demo(mid, links, documents, starts)


def wait_ready(api: Api, document_id: str) -> None:
    deadline = time.monotonic() + 60
    while api.call("GET", f"/api/documents/{document_id}")["status"] == "processing":
        assert time.monotonic() < deadline, f"document {document_id} still processing"
        time.sleep(0.2)


def fonts_not_embedded_pdf(lines: list[str]) -> bytes:
    """One A4 page in Times New Roman, named but not embedded, as older "print to PDF"
    drivers write it. Letters beyond ASCII are coded 128 and up, named /uniXXXX."""
    extra = sorted({c for line in lines for c in line if ord(c) > 126})
    codes = {chr(i): i for i in range(32, 127)} | {c: 128 + i for i, c in enumerate(extra)}
    by_code = {code: c for c, code in codes.items()}
    serif = ImageFont.truetype(str(SERIF), 1000)  # metric-compatible with Times New Roman
    last = max(codes.values())
    widths = " ".join(
        str(round(serif.getlength(by_code[code]))) if code in by_code else "0"
        for code in range(32, last + 1)
    )
    names = " ".join(f"/uni{ord(c):04X}" for c in extra)
    text = "".join(
        f"BT /F1 {size} Tf 72 {y} Td <{bytes(codes[c] for c in line).hex()}> Tj ET\n"
        for (line, size, y) in zip(
            lines, [20] + [12] * (len(lines) - 1), range(760, 0, -22), strict=False
        )
    ).encode()
    content = zlib.compress(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>",
        (
            f"<< /Type /Font /Subtype /TrueType /BaseFont /TimesNewRomanPSMT /FirstChar 32"
            f" /LastChar {last} /Widths [{widths}] /Encoding << /Type /Encoding"
            f" /BaseEncoding /WinAnsiEncoding /Differences [128 {names}] >>"
            f" /FontDescriptor 5 0 R >>"
        ).encode(),
        b"<< /Type /FontDescriptor /FontName /TimesNewRomanPSMT /Flags 34"
        b" /FontBBox [-568 -216 2046 891] /ItalicAngle 0 /Ascent 891 /Descent -216"
        b" /CapHeight 662 /StemV 80 >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


DECISION = [
    "Decision on the schedule of the quarterly meetings",
    "",
    "1. The quarterly review meetings are held on the first Monday of each quarter.",
    "2. Documents are sent to the delegates three working days before the meeting.",
    "3. The secretariat keeps the minutes and the attendance list.",
    "",
    "Vietnamese text in the same font: Quyết định về lịch họp sơ kết hằng quý.",
]


def connected(page: Page) -> None:
    expect(page.locator("#live")).to_have_attribute("data-connection", "connected")
    expect(page.locator(".live-sheet")).not_to_have_class("is-loading")


def join_video(page: Page) -> None:
    page.locator(".vid-open[data-tab=video]").click()
    page.locator(".vid-join").click()
    expect(page.locator("#live")).to_have_attribute("data-video", "in")
    expect(page.locator(".vid-tile[data-local=true]")).to_have_attribute("data-video", "on")


def english(server: Server, shots: Shots, new_context: Callable[..., BrowserContext]) -> None:
    """The secretary's pages, the early start, the band, the take-over, the fonts."""
    admin_context = new_context(viewport=DESKTOP)
    api = Api(admin_context, server.base)
    demo = find_demo(api)
    mid = demo.meeting_id
    admin = admin_context.new_page()

    # A document in Times New Roman, not embedded: listed with a warning everywhere.
    items = api.call("GET", f"/api/meetings/{mid}/agenda")["items"]
    doc = api.call(
        "POST",
        f"/api/meetings/{mid}/documents",
        multipart={
            "agenda_item_id": items[-1]["id"],
            "title": "Decision on the schedule of meetings",
            "file": {
                "name": "decision-schedule.pdf",
                "mimeType": "application/pdf",
                "buffer": fonts_not_embedded_pdf(DECISION),
            },
        },
    )
    wait_ready(api, doc["id"])
    if shots.wanted("document-fonts-warning"):
        admin.goto(f"{server.base}/documents/{doc['id']}")
        expect(admin.locator(".font-warning").first).to_be_visible()
        admin.wait_for_load_state("networkidle")
        shots.save("document-fonts-warning", admin)

    if shots.wanted("meeting-page"):
        admin.goto(f"{server.base}/meetings/{mid}")
        row = admin.locator("table.participants tbody tr").nth(1)
        row.locator("summary").click()
        expect(row.locator("img.qr")).to_be_visible()
        admin.wait_for_load_state("networkidle")
        shots.save("meeting-page", admin, full_page=True)

    if shots.wanted("meeting-form-repeats"):
        admin.goto(f"{server.base}/meetings/new")
        monday = demo.starts_at.date() + timedelta(days=7 - demo.starts_at.weekday())
        admin.locator("input[name=title]").fill("Weekly briefing")
        admin.locator("input[name=starts_at]").fill(f"{monday}T08:00")
        admin.locator("input[name=ends_at]").fill(f"{monday}T09:00")
        repeats = admin.locator("fieldset.repeats")
        repeats.locator("select[name=repeat]").select_option("weekly")
        days = repeats.locator("input[type=checkbox][name^=repeat_day_]")
        days.nth(0).check()
        days.nth(3).check()
        repeats.locator("input[name=repeat_end]").nth(1).check()
        repeats.locator("input[name=repeat_count]").fill("12")
        admin.evaluate("document.activeElement.blur()")
        shots.save("meeting-form-repeats", admin, full_page=True)

    # The delegate's tablet before the meeting is started: the band above the page.
    tablet = new_context(viewport=TABLET, has_touch=True).new_page()
    tablet.goto(demo.links["delegate"])
    connected(tablet)
    expect(tablet.locator(".live-lifecycle")).to_be_visible()
    if shots.wanted("tablet-not-started"):
        shots.save("tablet-not-started", tablet)

    # Starting early, without JavaScript: the server's confirmation page.
    plain_context = new_context(viewport=DESKTOP, java_script_enabled=False)
    Api(plain_context, server.base)  # signs the context in
    plain = plain_context.new_page()
    plain.goto(f"{server.base}/meetings/{mid}")
    plain.get_by_role("button", name="Start the meeting").click()
    expect(plain.locator("h1")).to_have_text("Start the meeting now?")
    if shots.wanted("start-early"):
        shots.save("start-early", plain)
    plain.get_by_role("button", name="Start the meeting now").click()
    expect(plain.locator(".status-badge").first).to_have_attribute("data-status", "in_progress")
    plain_context.close()

    # The chair presents page 2 of the budget report; the admin may take over.
    chair = new_context(viewport=DESKTOP).new_page()
    chair.goto(demo.links["chair"])
    connected(chair)
    report = demo.documents[0]["id"]
    chair.locator(f".doc-open[data-doc='{report}']").click()
    chair.get_by_role("button", name="Next page").click()
    expect(chair.locator(".live-pageno")).to_have_attribute("data-page", "2")
    admin.goto(f"{server.base}/m/{mid}")
    connected(admin)
    expect(admin.locator(".live-pageno")).to_have_attribute("data-page", "2")
    expect(admin.get_by_role("button", name="Take over presenting")).to_be_visible()
    if shots.wanted("live-take-over"):
        shots.save("live-take-over", admin)

    # The floor: the delegate asks (a point of order), the chair asks too, then gives
    # the delegate the floor; the chair's Speakers tab and the delegate's tablet.
    tablet.locator(".floor-ask-button").click()
    dialog = tablet.locator(".floor-dialog")
    dialog.get_by_label("Point of order", exact=True).check()
    dialog.get_by_label("Subject of the point of order").fill("Order of the agenda")
    dialog.get_by_label("MeetRoom may open my microphone when I get the floor").check()
    if shots.wanted("floor-ask"):
        shots.save("floor-ask", tablet)
    dialog.get_by_role("button", name="Ask to speak").click()
    expect(tablet.locator(".floor-mine")).to_have_text("You are number 1")
    chair.locator(".floor-ask-button").click()
    chair.locator(".floor-dialog").get_by_role("button", name="Ask to speak").click()
    expect(chair.locator(".floor-mine")).to_have_text("You are number 2")
    chair.get_by_role("tab", name="Speakers").click()
    chair.locator(".floor-give").first.click()
    expect(tablet.locator(".floor-mine")).to_have_text("You have the floor")
    if shots.wanted("floor-chair"):
        shots.save("floor-chair", chair)
    if shots.wanted("floor-tablet"):
        shots.save("floor-tablet", tablet)


def vietnamese(server: Server, shots: Shots, new_context: Callable[..., BrowserContext]) -> None:
    """The top navigation, and a delegate's tablet with the video strip, in Vietnamese."""
    admin_context = new_context(viewport=DESKTOP, locale="vi-VN")
    api = Api(admin_context, server.base)
    demo = find_demo(api)
    admin = admin_context.new_page()
    admin.goto(f"{server.base}/meetings")
    expect(admin.locator("html")).to_have_attribute("lang", "vi")
    if shots.wanted("nav-vi-1280"):
        shots.save("nav-vi-1280", admin, clip={"x": 0, "y": 0, "width": 1280, "height": 215})
    if shots.wanted("nav-menu-narrow"):
        admin.set_viewport_size(PHONE)
        admin.locator("header .menu-toggle").click()
        expect(admin.locator("nav.mainnav a").first).to_be_visible()
        shots.save("nav-menu-narrow", admin)

    api.call("POST", f"/api/meetings/{demo.meeting_id}/open")
    chair = new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    chair.goto(demo.links["chair"])
    connected(chair)
    report = demo.documents[0]["id"]
    chair.locator(f".doc-open[data-doc='{report}']").click()
    chair.get_by_role("button", name="Trang sau").click()
    join_video(chair)

    for name, size in (("tablet-video-vi-1280x800", TABLET), ("tablet-video-vi-800x1280", UPRIGHT)):
        if not shots.wanted(name):
            continue
        tablet = new_context(viewport=size, has_touch=True, locale="vi-VN").new_page()
        tablet.goto(demo.links["delegate"])
        connected(tablet)
        expect(tablet.locator(".live-pageno")).to_have_attribute("data-page", "2")
        join_video(tablet)
        expect(tablet.locator(".vid-tile")).to_have_count(2)
        shots.save(name, tablet)
        tablet.context.close()


def ballots(server: Server, shots: Shots, new_context: Callable[..., BrowserContext]) -> None:
    """A secret vote from the delegate's tablet: the ballot full screen, the receipt,
    and the projector's count, then its chart of the result."""
    admin_context = new_context(viewport=DESKTOP)
    api = Api(admin_context, server.base)
    demo = find_demo(api)
    mid = demo.meeting_id
    api.call("POST", f"/api/meetings/{mid}/open")
    # The demo's secret vote, with a countdown of three minutes.
    draft = next(v for v in api.call("GET", f"/api/meetings/{mid}/votes")["votes"] if v["secret"])
    keep = ("title", "item_id", "document_id", "kind", "secret", "rule", "tie")
    body = {k: draft[k] for k in keep} | {"duration_seconds": 180}
    api.call("PUT", f"/api/votes/{draft['id']}", data=body)
    chair = new_context(viewport=DESKTOP).new_page()
    chair.goto(demo.links["chair"])
    connected(chair)
    # The chair shows the plan the vote is on (the projector follows).
    plan = demo.documents[1]["id"]
    chair.locator(f".doc-open[data-doc='{plan}']").click()
    tablet = new_context(viewport=TABLET, has_touch=True).new_page()
    tablet.goto(demo.links["delegate"])
    connected(tablet)
    projector = admin_context.new_page()
    projector.goto(f"{server.base}/m/{mid}/projector")
    expect(projector.locator("#live")).to_have_attribute("data-connection", "connected")

    api.call("POST", f"/api/votes/{draft['id']}/open")
    ballot = tablet.locator(".ballot-dialog")
    expect(ballot.get_by_role("button", name="Yes", exact=True)).to_be_visible()
    if shots.wanted("vote-ballot"):
        shots.save("vote-ballot", tablet)
    ballot.get_by_role("button", name="Yes", exact=True).click()
    ballot.get_by_role("button", name="Confirm").click()
    expect(ballot.locator(".ballot-receipt")).to_be_visible()
    if shots.wanted("vote-receipt"):
        shots.save("vote-receipt", tablet)
    # The chair votes too, from the band's "Vote" (the ballot does not cover the
    # chair's page by itself).
    chair.locator(".ballot-band").get_by_role("button", name="Vote").click()
    chair.locator(".ballot-dialog").get_by_role("button", name="Abstain", exact=True).click()
    chair.locator(".ballot-dialog").get_by_role("button", name="Confirm").click()
    expect(chair.locator(".ballot-receipt")).to_be_visible()
    expect(projector.locator(".ballot-projector-count")).to_have_text("2 of 2 voted")
    if shots.wanted("vote-projector-open"):
        shots.save("vote-projector-open", projector)
    api.call("POST", f"/api/votes/{draft['id']}/close")
    expect(projector.locator(".ballot-projector .ballot-chart")).to_be_visible()
    if shots.wanted("vote-projector-result"):
        shots.save("vote-projector-result", projector)
    expect(tablet.locator(".ballot-dialog .ballot-result")).to_be_visible()
    if shots.wanted("vote-result"):
        shots.save("vote-result", tablet)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    parser.add_argument("--only", default="", help="only the pictures whose names hold this")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    shots = Shots(args.out.resolve(), args.only)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for locale, scenes in (("en", english), ("vi", vietnamese), ("en", ballots)):
            with demo_server(locale) as server, contexts(browser, shots) as new_context:
                scenes(server, shots, new_context)
        browser.close()
    if shots.foreign or shots.errors:
        print(f"requests that left 127.0.0.1: {shots.foreign}", file=sys.stderr)
        print(f"errors in the pages: {shots.errors}", file=sys.stderr)
        return 1
    print(f"{len(shots.made)} pictures in {args.out}")
    return 0


@contextmanager
def contexts(browser: Browser, shots: Shots) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts (each its own cookies) in English and the server's time zone,
    watched by `shots`; closed at the end."""
    made: list[BrowserContext] = []

    def new_context(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        context = browser.new_context(timezone_id=TIME_ZONE, **options)
        context.set_default_timeout(TIMEOUT_MS)
        shots.watch(context)
        made.append(context)
        return context

    try:
        yield new_context
    finally:
        for context in made:
            context.close()


if __name__ == "__main__":
    sys.exit(main())
