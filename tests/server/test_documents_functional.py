"""Agenda and documents through the JSON API, against a real server with its real
worker processes: upload, processing, pages, access, watermarks, downloads, audit."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from PIL import Image, ImageChops

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Site, local_path, login
from tests.pdf.pdfs import make_pdf
from tests.pdf.vietnamese_pdfs import vietnamese_pdf
from tests.server.meetings import create_meeting, upload, wait_done
from tests.waiting import until

WEBP = {"Accept": "image/avif,image/webp,image/apng,*/*"}


class Meeting:
    """A meeting with a chair, a delegate and a guest, each in their own browser."""

    def __init__(self, site: Site, admin_csrf: str, meeting_id: str) -> None:
        self.site = site
        self.csrf = admin_csrf
        self.id = meeting_id
        self.people: dict[str, tuple[str, TestClient, str]] = {}

    @property
    def admin(self) -> TestClient:
        return self.site.client

    def h(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    async def join(self, name: str, role: str) -> tuple[str, TestClient, str]:
        resp = await self.admin.post(
            f"/api/meetings/{self.id}/participants",
            json={"name": name, "role": role},
            headers=self.h(),
        )
        body = await resp.json()
        browser = await self.site.new_client()
        resp = await browser.get(local_path(body["join_url"]))
        assert resp.status == 200
        me = await (await browser.get("/api/me")).json()
        self.people[name] = (body["id"], browser, me["csrf_token"])
        return self.people[name]


@pytest.fixture
async def meeting(site: Site) -> Meeting:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    return Meeting(site, csrf, await create_meeting(site, csrf, "Council"))


async def uploaded(m: Meeting, tmp_path: Path, pages: int = 3, **fields: str) -> dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = make_pdf(tmp_path / f"doc{pages}-{len(fields)}.pdf", pages=pages).read_bytes()
    resp = await upload(m.admin, m.csrf, m.id, data, **fields)
    assert resp.status == 202, await resp.text()
    return await wait_done(m.admin, (await resp.json())["id"])


async def test_agenda_items(meeting: Meeting) -> None:
    m = meeting
    ids = []
    for title in ("Opening", "Budget", "Other business"):
        resp = await m.admin.post(
            f"/api/meetings/{m.id}/agenda",
            json={"title": title, "presenter": "Chair", "duration_minutes": 10},
            headers=m.h(),
        )
        assert resp.status == 201, await resp.text()
        ids.append((await resp.json())["id"])
    agenda = await (await m.admin.get(f"/api/meetings/{m.id}/agenda")).json()
    assert [(i["number"], i["title"]) for i in agenda["items"]] == [
        (1, "Opening"), (2, "Budget"), (3, "Other business"),
    ]  # fmt: skip

    resp = await m.admin.patch(f"/api/agenda/{ids[1]}", json={"notes": "Q3 figures"}, headers=m.h())
    assert (await resp.json())["notes"] == "Q3 figures"
    resp = await m.admin.patch(f"/api/agenda/{ids[1]}", json={"duration_minutes": 0}, headers=m.h())
    assert resp.status == 400

    order = [ids[2], ids[0], ids[1]]
    resp = await m.admin.post(
        f"/api/meetings/{m.id}/agenda/order", json={"item_ids": order}, headers=m.h()
    )
    assert [i["id"] for i in (await resp.json())["items"]] == order
    resp = await m.admin.post(
        f"/api/meetings/{m.id}/agenda/order", json={"item_ids": order[:2]}, headers=m.h()
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "bad_order")

    assert (await m.admin.delete(f"/api/agenda/{ids[2]}", headers=m.h())).status == 204
    agenda = await (await m.admin.get(f"/api/meetings/{m.id}/agenda")).json()
    assert [(i["number"], i["id"]) for i in agenda["items"]] == [(1, ids[0]), (2, ids[1])]

    # A delegate reads the agenda but cannot change it; the chair (join link) can.
    _, delegate, delegate_csrf = await m.join("Delegate", "delegate")
    assert (await delegate.get(f"/api/meetings/{m.id}/agenda")).status == 200
    resp = await delegate.post(
        f"/api/meetings/{m.id}/agenda",
        json={"title": "Mine"},
        headers={"X-CSRF-Token": delegate_csrf},
    )
    assert resp.status == 403
    _, chair, chair_csrf = await m.join("Chair", "chair")
    resp = await chair.post(
        f"/api/meetings/{m.id}/agenda", json={"title": "Added by the chair"},
        headers={"X-CSRF-Token": chair_csrf},
    )  # fmt: skip
    assert resp.status == 201


async def test_upload_process_and_dedup(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    resp = await m.admin.post(
        f"/api/meetings/{m.id}/agenda", json={"title": "Budget"}, headers=m.h()
    )
    item_id = (await resp.json())["id"]
    data = make_pdf(tmp_path / "budget.pdf", pages=4, title="Budget 2027").read_bytes()
    resp = await upload(m.admin, m.csrf, m.id, data, "ngân-sách.pdf", agenda_item_id=item_id)
    assert resp.status == 202
    first = await resp.json()
    assert first["status"] in ("processing", "ready") and first["agenda_item_id"] == item_id
    done = await wait_done(m.admin, first["id"])
    assert done["status"] == "ready" and done["pages"] == done["pages_done"] == 4
    assert done["title"] == "Budget 2027" and done["filename"] == "ngân-sách.pdf"
    assert done["sha256"] == hashlib.sha256(data).hexdigest()
    assert done["outline"] and all(1 <= e["page"] <= 4 for e in done["outline"] if e["page"])

    blobs = m.site.services.documents.renderer.blobs
    rendered = blobs.page(done["sha256"], 1, 1600, "jpeg")
    before = rendered.stat().st_mtime_ns
    text = await m.site.services.documents.files.page_text(done["sha256"], 2)
    assert text is not None and "2" in text

    # The same bytes again (another name, no item): stored once, ready at once.
    resp = await upload(m.admin, m.csrf, m.id, data, "copy.pdf")
    second = await resp.json()
    assert second["id"] != first["id"] and second["status"] == "ready"
    assert second["sha256"] == first["sha256"] and second["title"] == "Budget 2027"
    assert rendered.stat().st_mtime_ns == before
    assert len(list(blobs.original(first["sha256"]).parent.iterdir())) == 1

    agenda = await (await m.admin.get(f"/api/meetings/{m.id}/agenda")).json()
    assert [d["id"] for d in agenda["items"][0]["documents"]] == [first["id"]]
    assert [d["id"] for d in agenda["unattached"]] == [second["id"]]

    # The file goes with the last document that uses it, not before.
    assert (await m.admin.delete(f"/api/documents/{first['id']}", headers=m.h())).status == 204
    assert blobs.original(first["sha256"]).exists() and rendered.exists()
    assert (await m.admin.delete(f"/api/documents/{second['id']}", headers=m.h())).status == 204
    assert not blobs.original(first["sha256"]).exists() and not rendered.exists()
    assert await m.site.services.documents.files.get_file(first["sha256"]) is None


async def test_page_images(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    doc = await uploaded(m, tmp_path, pages=2)
    url = f"/api/documents/{doc['id']}/pages/1"

    # Ready means ready as JPEG; the WebP follows when the workers are otherwise idle,
    # and until then a WebP client gets the JPEG, to be asked for again soon.
    async def webp() -> aiohttp.ClientResponse | None:
        resp = await m.admin.get(url + "?w=1600", headers=WEBP)
        assert resp.status == 200
        if resp.content_type == "image/webp":
            return resp
        assert resp.content_type == "image/jpeg"
        assert resp.headers["Cache-Control"] == "private, max-age=60"
        return None

    resp = await until(webp, 30, "the WebP pass never came", interval=0.1)
    image = Image.open(io.BytesIO(await resp.read()))
    assert image.format == "WEBP" and image.width == 1600
    assert "immutable" in resp.headers["Cache-Control"] and resp.headers["ETag"].startswith('"')
    etag = resp.headers["ETag"]
    resp = await m.admin.get(url + "?w=1600", headers={**WEBP, "If-None-Match": etag})
    assert resp.status == 304

    for asked, served in ((100, 240), (800, 1600), (2000, 2400), (5000, 2400)):
        resp = await m.admin.get(f"{url}?w={asked}", headers=WEBP)
        assert Image.open(io.BytesIO(await resp.read())).width == served, asked
    resp = await m.admin.get(url, headers={"Accept": "image/jpeg,*/*"})
    assert resp.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(await resp.read())).format == "JPEG"

    assert (await m.admin.get(f"/api/documents/{doc['id']}/pages/3")).status == 404
    # Below the range the OpenAPI document gives (1 and up), or not a number.
    assert (await m.admin.get(f"/api/documents/{doc['id']}/pages/0")).status == 400
    assert (await m.admin.get(f"/api/documents/{doc['id']}/pages/x")).status == 400


async def test_restricted_document(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    allowed_id, allowed, _ = await m.join("Allowed", "delegate")
    _, left_out, _ = await m.join("Left out", "delegate")
    doc = await uploaded(m, tmp_path)
    resp = await m.admin.patch(
        f"/api/documents/{doc['id']}", json={"access": [allowed_id]}, headers=m.h()
    )
    assert (await resp.json())["access"] == [allowed_id]

    urls = [
        f"/api/documents/{doc['id']}",
        f"/api/documents/{doc['id']}/pages/1",
        f"/api/documents/{doc['id']}/pdf",
        f"/documents/{doc['id']}",
    ]
    for url in urls:
        assert (await left_out.get(url)).status == 403, url
    agenda = await (await left_out.get(f"/api/meetings/{m.id}/agenda")).json()
    assert agenda["unattached"] == []
    assert await (await left_out.get(f"/api/meetings/{m.id}/documents")).json() == []

    assert (await allowed.get(urls[0])).status == 200
    assert (await allowed.get(urls[1])).status == 200
    body = await (await allowed.get(urls[0])).json()
    assert "access" not in body  # the list itself is for the chair and secretary
    assert (await allowed.get(urls[2])).status == 403  # viewing yes, downloading no

    await m.admin.patch(f"/api/documents/{doc['id']}", json={"access": None}, headers=m.h())
    assert (await left_out.get(urls[0])).status == 200
    resp = await m.admin.patch(
        f"/api/documents/{doc['id']}", json={"access": ["nobody"]}, headers=m.h()
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "participant_not_found")


async def test_confidential_pages_are_watermarked_per_viewer(
    meeting: Meeting, tmp_path: Path
) -> None:
    m = meeting
    hoa_id, hoa, _ = await m.join("Đỗ Thị Hoa", "delegate")
    _, binh, _ = await m.join("Trần Bình", "delegate")
    doc = await uploaded(m, tmp_path, pages=2, classification="confidential")
    assert doc["classification"] == "confidential"
    url = f"/api/documents/{doc['id']}/pages/1?w=1600"

    resp = await hoa.get(url, headers=WEBP)
    assert resp.status == 200 and resp.headers["Cache-Control"] == "private, no-cache"
    hoa_page = await resp.read()
    again = await hoa.get(url, headers=WEBP)
    assert await again.read() == hoa_page  # cached per viewer
    binh_page = await (await binh.get(url, headers=WEBP)).read()
    assert binh_page != hoa_page

    base = m.site.services.documents.renderer.blobs.page(doc["sha256"], 1, 1600, "jpeg")
    original = Image.open(base).convert("L")
    marked = Image.open(io.BytesIO(hoa_page)).convert("L")
    assert marked.size == original.size
    # Pixels changed by more than a compression ripple, across the page, not a dot.
    histogram = ImageChops.difference(original, marked).histogram()
    differing = sum(histogram[25:])
    assert differing > original.width * original.height // 50
    for box in ((0, 0, 800, 1100), (800, 1100, 1600, 2200)):  # top-left and bottom-right
        assert sum(ImageChops.difference(original.crop(box), marked.crop(box)).histogram()[25:])

    audit = await (await m.admin.get(f"/api/documents/{doc['id']}/audit")).json()
    views = [e for e in audit if e["action"] == "page_view"]
    assert len(views) == 3 and {e["viewer_name"] for e in views} == {"Đỗ Thị Hoa", "Trần Bình"}
    hoa_code = next(e["trace_code"] for e in views if e["viewer_name"] == "Đỗ Thị Hoa")
    trace = await (await m.admin.get(f"/api/traces/{hoa_code}")).json()
    assert trace["viewer_name"] == "Đỗ Thị Hoa" and trace["viewer"] == f"p:{hoa_id}"
    assert (await hoa.get(f"/api/documents/{doc['id']}/audit")).status == 403
    assert (await hoa.get(f"/api/traces/{hoa_code}")).status == 403


async def test_downloads(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    _, hoa, _ = await m.join("Hoa", "delegate")
    data = make_pdf(tmp_path / "c.pdf", pages=2).read_bytes()
    resp = await upload(m.admin, m.csrf, m.id, data, classification="confidential")
    doc = await wait_done(m.admin, (await resp.json())["id"])
    pdf = f"/api/documents/{doc['id']}/pdf"
    assert (await hoa.get(pdf)).status == 403
    resp = await m.admin.get(pdf)
    assert resp.status == 200 and await resp.read() == data  # the secretary: the original
    assert "attachment" in resp.headers["Content-Disposition"]

    await m.admin.patch(f"/api/documents/{doc['id']}", json={"allow_download": True}, headers=m.h())
    resp = await hoa.get(pdf)
    stamped = await resp.read()
    assert resp.status == 200 and stamped.startswith(b"%PDF") and stamped != data
    audit = await (await m.admin.get(f"/api/documents/{doc['id']}/audit")).json()
    assert [(e["action"], e["viewer_name"]) for e in audit] == [
        ("download", "Hoa"), ("download_original", "Administrator"),
    ]  # fmt: skip
    assert audit[0]["trace_code"]


async def test_bad_files_are_rejected_with_a_reason(meeting: Meeting) -> None:
    m = meeting
    resp = await upload(m.admin, m.csrf, m.id, b"\x89PNG\r\n\x1a\n not a pdf at all", "scan.pdf")
    assert resp.status == 202
    doc = await wait_done(m.admin, (await resp.json())["id"])
    assert doc["status"] == "rejected" and doc["reason_code"] == "not_pdf"
    assert doc["reason"] == "The file is not a PDF."
    resp = await m.admin.get(f"/api/documents/{doc['id']}/pages/1")
    assert (resp.status, (await resp.json())["error"]["code"]) == (409, "document_rejected")
    resp = await m.admin.get(f"/api/documents/{doc['id']}", headers={"Accept-Language": "vi"})
    assert (await resp.json())["reason"] != "The file is not a PDF."

    form = aiohttp.FormData()
    form.add_field("classification", "normal")  # no file: sent urlencoded, not multipart
    resp = await m.admin.post(f"/api/meetings/{m.id}/documents", data=form, headers=m.h())
    assert (resp.status, (await resp.json())["error"]["code"]) == (415, "multipart_required")
    resp = await upload(m.admin, m.csrf, m.id, b"%PDF-1.4", classification="secret")
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "bad_classification")


async def test_fonts_not_embedded_are_warned_about(meeting: Meeting, tmp_path: Path) -> None:
    """A PDF naming Times New Roman without embedding it is drawn with Liberation Serif,
    and says so wherever it is listed: the API, the meeting pages, the document page."""
    m = meeting
    ids = {}
    for embedded in (False, True):
        data = vietnamese_pdf(tmp_path / f"{embedded}.pdf", embedded=embedded).read_bytes()
        resp = await upload(m.admin, m.csrf, m.id, data, name=f"decision-{embedded}.pdf")
        assert resp.status == 202, await resp.text()
        ids[embedded] = (await resp.json())["id"]
    named, embedded = [await wait_done(m.admin, ids[e]) for e in (False, True)]
    assert named["status"] == embedded["status"] == "ready"
    assert named["fonts"] == [
        {"font": "Times New Roman", "replacement": "Liberation Serif", "missing": ""}
    ]
    warning = (
        "Some fonts in this document were not embedded and were replaced: Times New Roman"
        " → Liberation Serif. Check the text against the original."
    )
    assert named["font_warning"] == warning
    assert embedded["fonts"] == [] and "font_warning" not in embedded
    resp = await m.admin.get(f"/api/documents/{ids[False]}", headers={"Accept-Language": "vi"})
    assert (await resp.json())["font_warning"] == (
        "Một số phông chữ trong tài liệu này không được nhúng và đã được thay thế: Times New"
        " Roman → Liberation Serif. Hãy đối chiếu nội dung với bản gốc."
    )

    # The meeting page's list, the document's page; the other document has no warning.
    for path in (f"/meetings/{m.id}", f"/documents/{ids[False]}"):
        page = await (await m.admin.get(path)).text()
        assert page.count('class="font-warning"') == 1 and warning in page, path
    page = await (await m.admin.get(f"/documents/{ids[True]}")).text()
    assert "font-warning" not in page
    # A delegate's list of the meeting's documents, in short.
    _, delegate, _ = await m.join("Delegate", "delegate")
    page = await (await delegate.get(f"/m/{m.id}")).text()
    assert page.count('class="font-warning"') == 1
    assert "Fonts replaced: check the text against the original." in page


async def test_upload_size_limit(make_site: Any) -> None:
    site = await make_site(upload_max_mb=1)
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await create_meeting(site, csrf)
    resp = await upload(site.client, csrf, mid, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "file_too_large"
    tmp = site.settings.data_path / "documents" / "tmp"
    assert not any(tmp.iterdir())  # nothing half-written is left behind
    assert await (await site.client.get(f"/api/meetings/{mid}/documents")).json() == []


async def test_delegates_cannot_upload(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    _, delegate, csrf = await m.join("Delegate", "delegate")
    data = make_pdf(tmp_path / "x.pdf", pages=1).read_bytes()
    resp = await upload(delegate, csrf, m.id, data)
    assert resp.status == 403


async def test_worker_killed_while_processing(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    pool = m.site.services.documents.renderer.pool
    data = make_pdf(tmp_path / "long.pdf", pages=30, kinds=("text", "scan")).read_bytes()
    resp = await upload(m.admin, m.csrf, m.id, data)
    doc_id = (await resp.json())["id"]
    await until(pool.pids, 4, "no worker started")
    await asyncio.sleep(0.2)
    os.kill(pool.pids()[0], signal.SIGKILL)
    doc = await wait_done(m.admin, doc_id)
    assert doc["status"] == "ready" and doc["pages_done"] == 30
    assert len(pool.pids()) == pool.size


async def test_access_matrix(meeting: Meeting, tmp_path: Path) -> None:
    """Who gets what, for an open, a restricted and a confidential document."""
    m = meeting
    chair_id, chair, _ = await m.join("Chair", "chair")
    sec_id, secretary, _ = await m.join("Secretary", "secretary")
    in_id, insider, _ = await m.join("Insider", "delegate")
    _, outsider, _ = await m.join("Outsider", "delegate")
    _, guest, _ = await m.join("Guest", "guest")
    _, observer, _ = await m.join("Observer", "observer")
    await m.site.services.accounts.create_user("other", "Other", AccountRole.DELEGATE, "otherpass1")
    stranger = await m.site.new_client()
    await login(stranger, "other", "otherpass1")
    anonymous = await m.site.new_client()

    open_doc = await uploaded(m, tmp_path, pages=1)
    restricted = await uploaded(m, tmp_path, pages=2)
    await m.admin.patch(
        f"/api/documents/{restricted['id']}", json={"access": [in_id]}, headers=m.h()
    )
    secret = await uploaded(m, tmp_path, pages=3, classification="confidential")

    who = {
        "admin": m.admin, "chair": chair, "secretary": secretary, "insider": insider,
        "outsider": outsider, "guest": guest, "observer": observer, "stranger": stranger,
        "anonymous": anonymous,
    }  # fmt: skip
    # (document, what) -> status for: admin chair secretary insider outsider guest observer
    # stranger anonymous
    expected = {
        (open_doc["id"], "view"): (200, 200, 200, 200, 200, 200, 200, 403, 401),
        (open_doc["id"], "page"): (200, 200, 200, 200, 200, 200, 200, 403, 401),
        (open_doc["id"], "pdf"): (200, 200, 200, 403, 403, 403, 403, 403, 401),
        (open_doc["id"], "audit"): (200, 200, 200, 403, 403, 403, 403, 403, 401),
        (restricted["id"], "view"): (200, 200, 200, 200, 403, 403, 403, 403, 401),
        (restricted["id"], "page"): (200, 200, 200, 200, 403, 403, 403, 403, 401),
        (restricted["id"], "pdf"): (200, 200, 200, 403, 403, 403, 403, 403, 401),
        (secret["id"], "view"): (200, 200, 200, 200, 200, 200, 200, 403, 401),
        (secret["id"], "page"): (200, 200, 200, 200, 200, 200, 200, 403, 401),
        (secret["id"], "pdf"): (200, 200, 200, 403, 403, 403, 403, 403, 401),
    }
    paths = {"view": "", "page": "/pages/1", "pdf": "/pdf", "audit": "/audit"}
    problems = []
    for (doc_id, what), statuses in expected.items():
        for (name, client), status in zip(who.items(), statuses, strict=True):
            resp = await client.get(f"/api/documents/{doc_id}{paths[what]}", headers=WEBP)
            if resp.status != status:
                problems.append(f"{name} {what} {doc_id[-4:]}: {resp.status} != {status}")
    assert not problems, "\n".join(problems)

    # What each one finds in the agenda.
    for name, visible in (
        ("insider", {open_doc["id"], restricted["id"], secret["id"]}),
        ("outsider", {open_doc["id"], secret["id"]}),
        ("chair", {open_doc["id"], restricted["id"], secret["id"]}),
    ):
        agenda = await (await who[name].get(f"/api/meetings/{m.id}/agenda")).json()
        assert {d["id"] for d in agenda["unattached"]} == visible, name
    # The chair and secretary prepare: they may change documents; delegates may not.
    assert chair_id and sec_id
    for name, status in (("chair", 200), ("secretary", 200), ("insider", 403)):
        csrf = next(c for pid, b, c in m.people.values() if b is who[name])
        resp = await who[name].patch(
            f"/api/documents/{open_doc['id']}", json={"title": f"By {name}"},
            headers={"X-CSRF-Token": csrf},
        )  # fmt: skip
        assert resp.status == status, name


async def test_processing_resumes_after_a_restart(make_site: Any, tmp_path: Path) -> None:
    """A server stopped while a document is being processed finishes it when started
    again on the same data: nothing is lost, nothing is redone."""
    site = await make_site()
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    mid = await create_meeting(site, csrf)
    data = make_pdf(tmp_path / "long.pdf", pages=40, kinds=("text", "scan")).read_bytes()
    resp = await upload(site.client, csrf, mid, data)
    doc_id = (await resp.json())["id"]

    async def two_pages_done() -> dict[str, Any] | None:
        body = await (await site.client.get(f"/api/documents/{doc_id}")).json()
        return dict(body) if body["pages_done"] >= 2 else None

    body = await until(two_pages_done, 15, "two pages done", interval=0.05)
    await site.client.close()  # stops the server, its pipeline and workers
    assert body["status"] == "processing", "finished before the restart: make the file longer"
    first_page = site.services.documents.renderer.blobs.page(body["sha256"], 1, 1600, "jpeg")
    rendered_before = first_page.stat().st_mtime_ns

    again = await make_site(data_dir=site.settings.data_dir)
    csrf = await login(again.client, "admin", ADMIN_PASSWORD)
    doc = await wait_done(again.client, doc_id)
    assert doc["status"] == "ready" and doc["pages_done"] == 40
    assert first_page.stat().st_mtime_ns == rendered_before


async def test_documents_in_order_under_items(meeting: Meeting, tmp_path: Path) -> None:
    m = meeting
    resp = await m.admin.post(f"/api/meetings/{m.id}/agenda", json={"title": "A"}, headers=m.h())
    item = (await resp.json())["id"]
    docs = [await uploaded(m, tmp_path / str(n), pages=n) for n in (1, 2, 3)]
    ids = [d["id"] for d in docs]
    resp = await m.admin.post(
        f"/api/agenda/{item}/documents/order", json={"document_ids": [ids[2], ids[0]]},
        headers=m.h(),
    )  # fmt: skip
    assert [d["id"] for d in await resp.json()] == [ids[2], ids[0]]
    agenda = await (await m.admin.get(f"/api/meetings/{m.id}/agenda")).json()
    assert [d["id"] for d in agenda["items"][0]["documents"]] == [ids[2], ids[0]]
    assert [d["id"] for d in agenda["unattached"]] == [ids[1]]

    # Moving one back out, and one in by PATCH.
    resp = await m.admin.post(
        f"/api/meetings/{m.id}/documents/order", json={"document_ids": [ids[0], ids[1]]},
        headers=m.h(),
    )  # fmt: skip
    assert resp.status == 200
    resp = await m.admin.patch(
        f"/api/documents/{ids[1]}", json={"agenda_item_id": item}, headers=m.h()
    )
    assert (await resp.json())["agenda_item_id"] == item
    agenda = await (await m.admin.get(f"/api/meetings/{m.id}/agenda")).json()
    assert {d["id"] for d in agenda["items"][0]["documents"]} == {ids[2], ids[1]}
    assert [d["id"] for d in agenda["unattached"]] == [ids[0]]
    resp = await m.admin.post(
        f"/api/agenda/{item}/documents/order", json={"document_ids": ["nope"]}, headers=m.h()
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "bad_order")


async def test_rejected_uploads_only_for_those_who_manage_documents(
    meeting: Meeting, tmp_path: Path
) -> None:
    m = meeting
    good = await uploaded(m, tmp_path)
    resp = await upload(m.admin, m.csrf, m.id, b"\x89PNG\r\n\x1a\n not a pdf", "scan.pdf")
    bad = await wait_done(m.admin, (await resp.json())["id"])
    assert bad["status"] == "rejected"
    _, chair, _ = await m.join("Chair", "chair")
    _, delegate, _ = await m.join("Delegate", "delegate")
    _, guest, _ = await m.join("Guest", "guest")

    async def listed(client: TestClient) -> set[str]:
        docs = await (await client.get(f"/api/meetings/{m.id}/documents")).json()
        agenda = await (await client.get(f"/api/meetings/{m.id}/agenda")).json()
        in_agenda = [d["id"] for d in agenda["unattached"]]
        in_agenda += [d["id"] for item in agenda["items"] for d in item["documents"]]
        assert sorted(in_agenda) == sorted(d["id"] for d in docs)
        return {d["id"] for d in docs}

    # The administrator and the chair see it, with why it was refused.
    for client in (m.admin, chair):
        assert await listed(client) == {good["id"], bad["id"]}
        doc = await (await client.get(f"/api/documents/{bad['id']}")).json()
        assert doc["reason"] == "The file is not a PDF."
        assert bad["id"] in await (await client.get(f"/m/{m.id}")).text()
    # Delegates and guests: it does not exist, on any address nor on the meeting page.
    for client in (delegate, guest):
        assert await listed(client) == {good["id"]}
        for path in ("", "/pages/1", "/pdf"):
            resp = await client.get(f"/api/documents/{bad['id']}{path}")
            assert resp.status == 404, (path, await resp.text())
        page = await (await client.get(f"/m/{m.id}")).text()
        assert good["id"] in page and bad["id"] not in page and "Rejected" not in page
