"""The agenda and documents on the pages, used with forms as without JavaScript."""

from __future__ import annotations

import re

import aiohttp
from aiohttp.test_utils import TestClient

from tests.clients import Site, page_csrf
from tests.pdf.pdfs import make_pdf
from tests.server.forms import meeting_form, post_form, signed_in
from tests.server.meetings import wait_done


async def new_meeting(site: Site) -> tuple[TestClient, str]:
    client = await signed_in(site)
    resp = await post_form(client, "/meetings/new", "/meetings/new", meeting_form(site))
    return client, resp.headers["Location"].split("?")[0]


async def test_agenda_forms(site: Site) -> None:
    client, detail = await new_meeting(site)
    mid = detail.rsplit("/", 1)[1]
    resp = await post_form(client, detail, f"{detail}/agenda", {"title": "", "presenter": "X"})
    assert resp.status == 400 and "The agenda item needs a title." in await resp.text()
    for title, minutes in (("Opening", "5"), ("Budget", "30")):
        resp = await post_form(
            client, detail, f"{detail}/agenda",
            {"title": title, "presenter": "Chair", "duration_minutes": minutes, "notes": "n"},
        )  # fmt: skip
        assert resp.headers["Location"] == f"{detail}?notice=item_added#agenda"
    text = await (await client.get(detail)).text()
    ids = re.findall(r'<li class="agenda-item" data-item="(\w+)">', text)
    assert len(ids) == 2 and "30 min" in text

    resp = await post_form(client, detail, f"/agenda/{ids[1]}/move", {"direction": "up"})
    assert resp.status == 303
    text = await (await client.get(detail)).text()
    assert re.findall(r'<li class="agenda-item" data-item="(\w+)">', text) == [ids[1], ids[0]]

    resp = await post_form(
        client, detail, f"/agenda/{ids[0]}/edit",
        {"title": "Opening words", "presenter": "", "duration_minutes": "", "notes": ""},
    )  # fmt: skip
    assert resp.status == 303
    items = await site.services.agenda.store.list_items(mid)
    assert [(i.title, i.duration_minutes) for i in items] == [
        ("Budget", 30),
        ("Opening words", None),
    ]

    resp = await post_form(client, detail, f"/agenda/{ids[1]}/delete", {})
    assert resp.status == 303
    assert [i.id for i in await site.services.agenda.store.list_items(mid)] == [ids[0]]


async def test_upload_form_document_page_and_audit(site: Site, tmp_path: object) -> None:
    client, detail = await new_meeting(site)
    mid = detail.rsplit("/", 1)[1]
    data = make_pdf(tmp_path / "plan.pdf", pages=3, title="Plan 2027").read_bytes()  # type: ignore[operator]
    token = await page_csrf(client, detail)

    form = aiohttp.FormData()
    form.add_field("agenda_item_id", "")
    form.add_field("classification", "confidential")
    form.add_field("file", data, filename="plan.pdf", content_type="application/pdf")
    # Without the token in the action URL the form is refused.
    resp = await client.post(f"{detail}/documents", data=form, allow_redirects=False)
    assert resp.status == 403

    form = aiohttp.FormData()
    form.add_field("classification", "confidential")
    form.add_field("file", data, filename="plan.pdf", content_type="application/pdf")
    form.add_field("file", data[:100], filename="broken.pdf", content_type="application/pdf")
    resp = await client.post(f"{detail}/documents?_csrf={token}", data=form, allow_redirects=False)
    assert resp.status == 303
    views = await site.services.documents.docs.list_documents(mid)
    assert sorted(v.filename for v in views) == ["broken.pdf", "plan.pdf"]
    plan = next(v for v in views if v.filename == "plan.pdf")
    broken = next(v for v in views if v.filename == "broken.pdf")
    await wait_done(client, plan.id)
    await wait_done(client, broken.id)

    text = await (await client.get(f"/documents/{plan.id}")).text()
    assert "Plan 2027" in text and "Confidential" in text
    assert len(re.findall(rf'src="/api/documents/{plan.id}/pages/\d\?w=1600"', text)) == 3
    assert 'href="#page-1"' in text  # the bookmarks
    text = await (await client.get(f"/documents/{broken.id}")).text()
    assert "This file was rejected:" in text and "The PDF is damaged" in text

    text = await (await client.get(detail)).text()
    assert "3 pages" in text and "Rejected:" in text

    # Settings: title, classification, access.
    resp = await post_form(
        client, f"/documents/{plan.id}", f"/documents/{plan.id}/edit",
        {"title": "Plan", "classification": "normal", "agenda_item_id": "", "restricted": "0"},
    )  # fmt: skip
    assert resp.headers["Location"] == f"/documents/{plan.id}?notice=saved"
    doc = await site.services.documents.docs.get_document(plan.id)
    assert doc is not None and doc.title == "Plan" and doc.classification.value == "normal"

    await client.get(f"/api/documents/{broken.id}/pdf")  # rejected: nothing to download
    resp = await client.get(f"/api/documents/{plan.id}/pdf")
    assert resp.status == 200
    text = await (await client.get(f"/documents/{plan.id}/audit")).text()
    assert "downloaded the original" in text and "Administrator" in text

    resp = await post_form(client, f"/documents/{plan.id}", f"/documents/{plan.id}/delete", {})
    assert resp.headers["Location"] == f"{detail}?notice=document_deleted#agenda"
    assert (await client.get(f"/documents/{plan.id}")).status == 404


async def test_chair_with_a_join_link_prepares_the_agenda(site: Site) -> None:
    client, detail = await new_meeting(site)
    mid = detail.rsplit("/", 1)[1]
    for name, role in (("Chủ tọa", "chair"), ("Đại biểu", "delegate")):
        await post_form(
            client, detail, f"{detail}/participants", {"name": name, "role": role, "user_id": ""}
        )
    people = await (await client.get(f"/api/meetings/{mid}/participants")).json()
    links = {p["name"]: p["join_url"] for p in people}
    chair, delegate = await site.new_client(), await site.new_client()
    await chair.get("/" + links["Chủ tọa"].split("/", 3)[3])
    await delegate.get("/" + links["Đại biểu"].split("/", 3)[3])

    room = await (await chair.get(f"/m/{mid}")).text()
    assert "Prepare the agenda and documents" in room
    resp = await chair.get(detail)
    assert resp.status == 200 and 'action="/meetings/' + mid + '/agenda"' in await resp.text()
    resp = await post_form(chair, detail, f"{detail}/agenda", {"title": "Khai mạc"})
    assert resp.status == 303
    assert [i.title for i in await site.services.agenda.store.list_items(mid)] == ["Khai mạc"]
    # Join links are not shown to the chair: managing people stays with the secretary.
    assert "/j/" not in await (await chair.get(detail)).text()

    resp = await delegate.get(detail, allow_redirects=False)
    assert resp.headers["Location"] == f"/m/{mid}"
    assert "Prepare the agenda" not in await (await delegate.get(f"/m/{mid}")).text()


async def test_documents_are_deleted_from_the_meeting_page(site: Site, tmp_path: object) -> None:
    client, detail = await new_meeting(site)
    mid = detail.rsplit("/", 1)[1]
    token = await page_csrf(client, detail)
    data = make_pdf(tmp_path / "plan.pdf", pages=2).read_bytes()  # type: ignore[operator]
    form = aiohttp.FormData()
    form.add_field("file", data, filename="plan.pdf", content_type="application/pdf")
    form.add_field("file", b"not a pdf", filename="scan.pdf", content_type="application/pdf")
    resp = await client.post(f"{detail}/documents?_csrf={token}", data=form, allow_redirects=False)
    assert resp.status == 303
    docs = {d.filename: d.id for d in await site.services.documents.docs.list_documents(mid)}
    for doc_id in docs.values():
        await wait_done(client, doc_id)

    def delete_forms(page: str) -> list[str]:
        return re.findall(r'<form method="post" action="/documents/(\w+)/delete"[^>]*>', page)

    # Each document, the rejected one too, with a Delete button that asks first.
    page = await (await client.get(detail)).text()
    assert sorted(delete_forms(page)) == sorted(docs.values())
    assert 'data-confirm="Delete the document “scan”? This cannot be undone."' in page
    resp = await post_form(client, detail, f"/documents/{docs['scan.pdf']}/delete", {})
    assert resp.headers["Location"] == f"{detail}?notice=document_deleted#agenda"
    page = await (await client.get(resp.headers["Location"])).text()
    assert "The document was deleted." in page and delete_forms(page) == [docs["plan.pdf"]]
    assert [d.id for d in await site.services.documents.docs.list_documents(mid)] == [
        docs["plan.pdf"]
    ]
    # The chair who joined by link may too; once the meeting ended nobody may.
    await post_form(client, detail, f"{detail}/participants", {"name": "Chủ tọa", "role": "chair"})
    people = await (await client.get(f"/api/meetings/{mid}/participants")).json()
    chair = await site.new_client()
    await chair.get("/" + people[0]["join_url"].split("/", 3)[3])
    assert delete_forms(await (await chair.get(detail)).text()) == [docs["plan.pdf"]]
    for transition in ("open", "close"):
        resp = await post_form(
            client, detail, f"{detail}/status/{transition}", {"start_early": "1"}
        )
        assert resp.status == 303
    assert delete_forms(await (await client.get(detail)).text()) == []
    resp = await post_form(client, detail, f"/documents/{docs['plan.pdf']}/delete", {})
    assert resp.status == 409
