"""Documents in a real browser: add an agenda item, upload two PDFs with the form (the
script shows upload and processing progress), open a confidential document and see
its watermarked pages, as the secretary and as a delegate with a join link."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.harness import Watch
from tests.browser.scenario import sign_in
from tests.dates import days_ahead, system_now, wall
from tests.pdf.pdfs import make_pdf
from tests.processes import ServerProcess


def create_meeting(page: Page, base: str) -> str:
    page.goto(base + "/meetings/new")
    page.locator("input[name=title]").fill("Phiên họp thường kỳ")
    day = days_ahead(system_now(), 7)
    page.locator("input[name=starts_at]").fill(wall(day, 9))
    page.locator("input[name=ends_at]").fill(wall(day, 11))
    page.get_by_role("button", name="Create meeting").click()
    expect(page).to_have_url(re.compile(r"/meetings/\w+\?notice=created$"))
    match = re.search(r"/meetings/(\w+)\?", page.url)
    assert match
    return match.group(1)


def all_pages_load(page: Page, count: int) -> None:
    """Scroll through the (lazily loaded) pages; each image arrives at tablet width."""
    images = page.locator("figure.page img")
    expect(images).to_have_count(count)
    for index in range(count):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") == 1600, index
    # Nothing still in flight (e.g. a revalidation) that leaving the page would abort.
    page.wait_for_load_state("networkidle")


def test_upload_with_progress_and_view_pages(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    watch: Watch,
    tmp_path: Path,
) -> None:
    base = server.base_url
    files = [
        make_pdf(tmp_path / "bao-cao.pdf", pages=4, title="Budget report"),
        make_pdf(tmp_path / "phu-luc.pdf", pages=2, title="Annex"),
    ]
    secretary = new_context().new_page()
    sign_in(secretary, base)
    meeting_id = create_meeting(secretary, base)

    secretary.locator("details.add-item summary").click()
    secretary.locator("details.add-item input[name=title]").fill("Báo cáo tài chính")
    secretary.locator("details.add-item input[name=duration_minutes]").fill("20")
    secretary.get_by_role("button", name="Add item").click()
    item = secretary.locator("li.agenda-item", has_text="Báo cáo tài chính")
    expect(item).to_be_visible()

    item.locator("details.item-upload summary").click()
    form = item.locator("form.upload")
    form.locator("input[type=file]").set_input_files([str(f) for f in files])
    form.locator("select[name=classification]").select_option("confidential")
    form.get_by_role("button", name="Upload").click()
    # One progress row per file, while uploading and processing.
    expect(form.locator(".upload-row")).to_have_count(2)
    # When both are ready the page reloads and lists them under the item.
    expect(item.locator("li.document")).to_have_count(2, timeout=30_000)
    expect(item.locator("li.document", has_text="Budget report")).to_contain_text("4 pages")
    expect(item.locator(".tag.confidential")).to_have_count(2)

    item.get_by_role("link", name="Budget report").click()
    expect(secretary.locator("h1")).to_contain_text("Budget report")
    expect(secretary.locator(".outline a").first).to_be_visible()
    all_pages_load(secretary, 4)

    # A delegate joins with a link and sees the same document, watermarked for them.
    secretary.goto(f"{base}/meetings/{meeting_id}")
    secretary.locator("form.addparticipant input[name=name]").fill("Đại biểu Hòa")
    secretary.get_by_role("button", name="Add participant").click()
    row = secretary.locator("table.participants tbody tr", has_text="Đại biểu Hòa")
    row.locator("summary").click()
    link = row.locator("input.link").input_value()

    delegate = new_context().new_page()
    delegate.goto(link)
    expect(delegate).to_have_url(f"{base}/m/{meeting_id}")
    delegate.get_by_role("link", name="Budget report").click()
    # The document's page (not the room's, which has hints of its own).
    expect(delegate.locator("p.hint", has_text="carries your name")).to_be_visible()
    all_pages_load(delegate, 4)
    # Viewing only: no download button for the delegate.
    expect(delegate.get_by_role("link", name="Download PDF")).to_have_count(0)

    secretary.goto(f"{base}/meetings/{meeting_id}")
    secretary.get_by_role("link", name="Budget report").click()
    secretary.wait_for_load_state("networkidle")  # its first pages, before leaving
    secretary.get_by_role("link", name="Who opened it").click()
    expect(secretary.locator("table.audit")).to_contain_text("Đại biểu Hòa")
    watch.assert_clean()
