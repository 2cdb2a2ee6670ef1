"""The minutes in a real browser, on a server that trusts a test CA made here: a
meeting is held (an agenda item, its conclusion written during the meeting) and
closed while the chair is in the meeting room, which then offers the minutes; the
secretary opens the minutes from the meeting's page by her join link,
edits the conclusion and saves; the chair and the secretary approve (frozen: the
files appear); the chair signs with a .p12 file uploaded in the form, and the page
says the signature is valid; the PDF downloads and its text has the edited
conclusion, in Vietnamese, exactly. axe finds nothing wrong with the page as a draft
being edited, nor once signed.

Screenshots of the page are written to $MEETROOM_SCREENSHOTS if set, else to the
test's temporary directory."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, BrowserContext, Page, expect

from tests.browser.accessibility import accessible
from tests.browser.harness import ADMIN_PASSWORD, Watch, require_chromium, screenshot_dir
from tests.browser.live_page import connected
from tests.dates import days_ahead, local_stamp, system_now
from tests.processes import ServerProcess, clean_env
from tests.server.minutes import pdf_text, words
from tests.signing.ca import TestCA

CONCLUSION = "Thông qua báo cáo tài chính quý IV."
EDITED = "Thông qua báo cáo tài chính quý IV; giao Sở Tài chính hoàn thiện trước ngày 15/01."
PASSWORD = "mật-khẩu-ký"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA.make(system_now())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, ca: TestCA) -> Iterator[ServerProcess]:
    """A server of its own: it trusts the test CA, and words the minutes in Vietnamese."""
    require_chromium()
    root = tmp_path_factory.mktemp("minutes-browser")
    (root / "roots.pem").write_bytes(ca.pem)
    env = clean_env(
        MEETROOM_ADMIN_PASSWORD=ADMIN_PASSWORD, MEETROOM_MINUTES_TEMPLATE="vi",
        MEETROOM_MINUTES_ISSUER="SỞ NỘI VỤ", MEETROOM_MINUTES_ISSUER_CODE="SNV",
        MEETROOM_SIGNING_TRUST_ROOTS=str(root / "roots.pem"),
    )  # fmt: skip
    proc = ServerProcess(root / "data", env=env)
    try:
        proc.wait_ready()
        yield proc
    finally:
        if proc.proc.poll() is None:
            assert proc.interrupt() == 0, proc.describe()


def held_meeting(
    api: APIRequestContext, base: str
) -> tuple[str, dict[str, str], Callable[[], None]]:
    """A meeting in progress: its id, the chair's and secretary's join links, and what
    closes it."""
    resp = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert resp.ok, resp.text()
    headers = {"X-CSRF-Token": resp.json()["csrf_token"]}

    def post(path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
        answer = api.fetch(f"{base}{path}", method=method, data=body or {}, headers=headers)
        assert answer.ok, f"{path}: {answer.status} {answer.text()}"
        return answer.json()

    day = days_ahead(system_now(), 7)
    meeting = post("/api/meetings", {"title": "Họp giao ban tháng Mười hai",
                                     "starts_at": local_stamp(day, 9),
                                     "ends_at": local_stamp(day, 11)})  # fmt: skip
    m = f"/api/meetings/{meeting['id']}"
    links = {}
    for name, role in (("Nguyễn Văn An", "chair"), ("Trần Thị Bình", "secretary"),
                       ("Lê Văn Cường", "delegate")):  # fmt: skip
        links[role] = post(f"{m}/participants", {"name": name, "role": role})["join_url"]
    item = post(f"{m}/agenda", {"title": "Báo cáo tài chính quý IV", "presenter": "Trần Thị Bình"})
    post(f"{m}/open")
    post(f"{m}/notes/{item['id']}", {"revision": 0, "conclusion": CONCLUSION}, method="PUT")
    return meeting["id"], links, lambda: post(f"{m}/close")


def person(new_context: Callable[..., BrowserContext], link: str, minutes: str) -> Page:
    page = new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(link)  # the join link signs them in (and opens the meeting room)
    page.goto(minutes)
    return page


def test_the_secretary_edits_the_chair_and_secretary_approve_the_chair_signs(
    server: ServerProcess,
    new_context: Callable[..., BrowserContext],
    watch: Watch,
    ca: TestCA,
    tmp_path: Path,
) -> None:
    shots = screenshot_dir(tmp_path)
    base = server.base_url
    meeting_id, links, close = held_meeting(new_context().request, base)
    minutes = f"{base}/meetings/{meeting_id}/minutes"

    # The chair is in the meeting room when the meeting is closed: the room offers the
    # minutes at once.
    chair = new_context(viewport={"width": 1200, "height": 900}).new_page()
    chair.goto(links["chair"])
    connected(chair)
    expect(chair.locator(".live-minutes")).to_be_hidden()
    close()
    chair.get_by_role("link", name="Minutes", exact=True).click()
    expect(chair).to_have_url(minutes)

    secretary = person(new_context, links["secretary"], f"{base}/meetings/{meeting_id}")
    secretary.get_by_role("link", name="Open the minutes").click()
    expect(secretary).to_have_url(minutes)
    conclusion = secretary.locator('textarea[name^="conclusion_"]')
    expect(conclusion).to_have_value(CONCLUSION)
    conclusion.fill(EDITED)
    secretary.get_by_role("button", name="Save the draft").click()
    expect(secretary.locator(".notice")).to_have_text("The draft was saved.")
    expect(secretary.locator('textarea[name^="conclusion_"]')).to_have_value(EDITED)
    secretary.screenshot(path=str(shots / "minutes-draft.png"), full_page=True)
    accessible(secretary, "the draft, as the secretary edits it")

    chair.reload()
    chair.get_by_role("button", name="Approve as chair").click()
    expect(chair.locator('.approvals [data-role="chair"] .approved')).to_contain_text(
        "Nguyễn Văn An")  # fmt: skip
    secretary.reload()
    expect(secretary.locator('.approvals [data-role="chair"] .approved')).to_be_visible()
    secretary.get_by_role("button", name="Approve as secretary").click()
    expect(secretary.locator("[data-minutes-status]")).to_have_attribute(
        "data-minutes-status", "frozen")  # fmt: skip
    expect(secretary.locator(".number")).to_have_text("1/BB-SNV")
    expect(secretary.locator('textarea[name^="conclusion_"]')).to_have_count(0)
    expect(secretary.locator(".doc-item .conclusion")).to_have_text(EDITED)

    chair.reload()
    p12 = tmp_path / "an.p12"
    p12.write_bytes(ca.pkcs12("Nguyễn Văn An", PASSWORD, system_now()))
    chair.get_by_label("Your certificate (.p12 or .pfx)").set_input_files(str(p12))
    chair.get_by_label("Its password").fill(PASSWORD)
    chair.get_by_role("button", name="Sign the PDF").click()
    expect(chair.locator(".notice")).to_have_text("The minutes' PDF was signed.")
    state = chair.locator(".signature-state")
    expect(state).to_have_attribute("data-state", "valid")
    expect(state).to_contain_text("Nguyễn Văn An")
    chair.screenshot(path=str(shots / "minutes-signed.png"), full_page=True)
    accessible(chair, "the signed minutes")

    with chair.expect_download() as download:
        chair.locator('[data-file="signed_pdf"]').click()
    saved = tmp_path / "minutes.pdf"
    download.value.save_as(saved)
    assert re.fullmatch(r"minutes-.*-v1\.pdf", download.value.suggested_filename)
    text = pdf_text(saved.read_bytes())
    assert words(EDITED) in text and "BIÊN BẢN" in text and "Số: 1/BB-SNV" in text
    watch.assert_clean()
