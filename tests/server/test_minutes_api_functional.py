"""The minutes over the JSON API, against a real server on SQLite and on PostgreSQL: a
meeting held through the API (tablets in the room, a late arrival by video, an
excused delegate, an open and a secret vote, a conclusion and an action item) and
closed; its draft read, edited and approved by the chair and the secretary, frozen
into a PDF and a DOCX whose text says the record in Vietnamese exactly (read back),
their hashes in the audit log; signed by the chair with a certificate of a test CA the
server trusts; a new version; and who may do what, with the errors' codes."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import validation
from pyhanko_certvalidator import ValidationContext

from meetroom.clock import SettableClock
from tests.clients import Api, Site, login
from tests.server.minutes import CONCLUSION, Held, docx_text, hold_meeting, pdf_text
from tests.signing.ca import TestCA

SETTINGS = {
    "minutes_template": "vi", "organisation_name": "UBND TỈNH BẮC NINH",
    "minutes_issuer": "SỞ NỘI VỤ", "minutes_issuer_code": "SNV", "minutes_locality": "Bắc Ninh",
}  # fmt: skip


def code(body: dict[str, Any]) -> str:
    return str(body["error"]["code"])


async def download(api: Api, path: str, status: int = 200) -> tuple[bytes, str]:
    resp = await api.http.get(path)
    body = await resp.read()
    assert resp.status == status, f"{path}: {resp.status} {body[:300]!r}"
    return body, resp.content_type


def sign_form(p12: bytes, password: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("pkcs12", p12, filename="an.p12", content_type="application/x-pkcs12")
    form.add_field("password", password)
    return form


async def test_minutes_from_the_close_to_the_signature(
    make_site: Callable[..., Awaitable[Site]], backend: str, clock: SettableClock, tmp_path: Path
) -> None:
    ca = TestCA.make(clock.now())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.pem)
    site = await make_site(backend, signing_trust_roots=str(roots), **SETTINGS)
    held = await hold_meeting(site)
    m = held.minutes
    chair, secretary = held.people["An"].api, held.people["Bình"].api
    delegate = held.people["Cường"].api

    # Who reads the draft: the chair and secretary, the organiser; not a delegate, not
    # someone outside the meeting, not someone signed out.
    draft = await secretary.get(m)
    assert (draft["version"], draft["status"], draft["number"]) == (1, "draft", "")
    assert draft["may"]["edit"] and draft["may"]["approve_as"] == ["secretary"]
    assert (await held.admin.get(m))["may"]["approve_as"] == []  # the meeting has both roles
    assert code(await delegate.get(m, status=404)) == "minutes_not_found"
    await held.admin.post("/api/users", {"username": "outsider", "role": "delegate",
                                         "password": "outsider-pass-1"}, status=201)  # fmt: skip
    stranger = await site.new_client()
    outsider = Api(stranger, await login(stranger, "outsider", "outsider-pass-1"))
    assert code(await outsider.get(m, status=404)) == "minutes_not_found"
    anonymous = Api(await site.new_client())
    assert code(await anonymous.get(m, status=401)) == "sign_in_required"

    doc = draft["document"]
    presence = {a["name"]: (a["presence"], a["reason"]) for a in doc["attendees"]}
    assert presence["Phạm Thị Dung"] == ("video", "")
    assert presence["Lê Văn Cường"] == ("room", "")
    assert presence["Vũ Thị Phương"] == ("excused", "Đi công tác")
    [late] = [a for a in doc["attendees"] if a["arrived_at"]]
    assert late["name"] == "Phạm Thị Dung" and late["arrived_at"].endswith("+07:00")
    [item] = doc["items"]
    assert item["conclusion"] == CONCLUSION and item["presenter"] == "Trần Thị Bình"
    open_vote, secret_vote = item["votes"]
    assert [(c["choice"], c["count"]) for c in open_vote["counts"]] == [
        ("yes", 2), ("no", 1), ("abstain", 0)]  # fmt: skip
    assert {b["name"] for b in open_vote["named"]} == {"Nguyễn Văn An", "Lê Văn Cường",
                                                      "Phạm Thị Dung"}  # fmt: skip
    assert secret_vote["secret"] and secret_vote["named"] == []

    # Editing: the chair's powers only, over the current revision.
    revision = draft["revision"]
    assert code(await delegate.put(m, {"revision": revision, "opening": "x"}, status=403)) == (
        "not_moderator")  # fmt: skip
    edited = await secretary.put(m, {
        "revision": revision, "opening": "Cuộc họp được triệu tập theo Giấy mời số 12.",
        "closing": "Biên bản được lập thành 02 bản.",
    })  # fmt: skip
    assert edited["revision"] == revision + 1
    assert code(await secretary.put(m, {"revision": revision}, status=409)) == "minutes_conflict"
    assert code(await chair.post(f"{m}/sign", {"use_kept": True}, status=409)) == (
        "minutes_not_frozen")  # fmt: skip
    assert code(await secretary.post(f"{m}/versions", {"change_note": "x"}, status=409)) == (
        "minutes_not_frozen")  # fmt: skip
    preview, kind = await download(secretary, f"{m.removesuffix('/minutes')}/minutes.pdf")
    assert kind == "application/pdf" and "DỰ THẢO" in pdf_text(preview)
    await download(delegate, f"{m.removesuffix('/minutes')}/minutes.pdf", 404)
    await download(secretary, f"{m.removesuffix('/minutes')}/minutes.docx", 409)

    # The chair and the secretary approve: frozen.
    first = await chair.post(f"{m}/approve", {"revision": edited["revision"]})
    assert [a["role"] for a in first["approvals"]] == ["chair"] and first["status"] == "draft"
    frozen = await secretary.post(f"{m}/approve")
    assert (frozen["status"], frozen["number"]) == ("frozen", "1/BB-SNV")
    assert code(await secretary.put(m, {"revision": frozen["revision"], "opening": "y"},
                                    status=409)) == "minutes_frozen"  # fmt: skip
    notes_put = await secretary.put(f"/api/meetings/{held.id}/notes/{held.item_id}",
                                    {"revision": 1, "conclusion": "z"}, status=409)  # fmt: skip
    assert code(notes_put) == "minutes_frozen"
    assert (await delegate.get(m))["number"] == "1/BB-SNV"  # every participant reads them

    files = "/api/meetings/" + held.id + "/minutes"
    pdf, _ = await download(delegate, f"{files}.pdf")
    docx, kind = await download(delegate, f"{files}.docx")
    assert kind.endswith("wordprocessingml.document")
    for text in (pdf_text(pdf), docx_text(docx)):
        for expected in (
            "UBND TỈNH BẮC NINH",
            "SỞ NỘI VỤ",
            "Số: 1/BB-SNV",
            "BIÊN BẢN",
            "Họp giao ban tháng Mười hai",
            "Phạm Thị Dung",
            "Đến muộn",
            "Trực tuyến",
            "Vũ Thị Phương",
            "Vắng có lý do",
            "Đi công tác",
            "Tán thành: 2",
            "Không tán thành: 1",
            "Kết quả: Thông qua",
            "bỏ phiếu kín",
            CONCLUSION,
            "Cuộc họp được triệu tập theo Giấy mời số 12.",
            "Hoàn thiện báo cáo",
        ):
            assert expected in text, (expected, text)
    # The audit log holds the files' SHA-256.
    audit = await held.admin.get("/api/audit?action=minutes_frozen")
    [entry] = audit["entries"]
    assert entry["details"]["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert entry["details"]["docx_sha256"] == hashlib.sha256(docx).hexdigest()

    # Signing: the chair (the server's minutes_signer), with a file of a CA it trusts.
    p12 = ca.pkcs12("Nguyễn Văn An", "mật-khẩu", site.clock.now())
    refused = await secretary.post(f"{m}/sign", data=sign_form(p12, "mật-khẩu"), status=403)
    assert code(refused) == "not_signer"
    wrong = await chair.post(f"{m}/sign", data=sign_form(p12, "sai"), status=400)
    assert code(wrong) == "certificate_password"
    assert code(await chair.post(f"{m}/sign", {"use_kept": True}, status=400)) == (
        "no_kept_certificate")  # fmt: skip
    signed = await chair.post(f"{m}/sign", data=sign_form(p12, "mật-khẩu"))
    assert signed["signature"]["state"] == "valid"
    assert signed["signature"]["signer"] == "Nguyễn Văn An"
    assert signed["signature"]["signed_by_name"] == "Nguyễn Văn An"
    signed_pdf, _ = await download(delegate, f"{files}.pdf")
    plain, _ = await download(delegate, f"{files}.pdf?signed=0")
    assert plain == pdf and signed_pdf != pdf
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(Encoding.DER))
    [embedded] = PdfFileReader(BytesIO(signed_pdf)).embedded_signatures
    status = await validation.async_validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[root], allow_fetching=False,
                                    moment=site.clock.now()),
    )  # fmt: skip
    assert status.intact and status.valid and status.trusted
    [entry] = (await held.admin.get("/api/audit?action=minutes_signed"))["entries"]
    assert entry["details"]["signed_pdf_sha256"] == hashlib.sha256(signed_pdf).hexdigest()

    # A new version, saying what changes; the first stays as it was.
    assert code(await secretary.post(f"{m}/versions", {}, status=400)) == "missing_field"
    assert code(await delegate.post(f"{m}/versions", {"change_note": "x"}, status=403)) == (
        "not_moderator")  # fmt: skip
    second = await secretary.post(f"{m}/versions", {"change_note": "Bổ sung ý kiến"}, status=201)
    assert (second["version"], second["status"], second["number"]) == (2, "draft", "1/BB-SNV")
    assert [v["version"] for v in second["versions"]] == [1, 2]
    assert (await delegate.get(m))["version"] == 1  # the delegate reads the frozen one
    again, _ = await download(delegate, f"{files}.pdf?version=1")
    assert again == signed_pdf


@pytest.fixture
async def vi_site(make_site: Callable[..., Awaitable[Site]]) -> Site:
    return await make_site("sqlite", **SETTINGS)


async def test_comments_and_bad_requests(vi_site: Site) -> None:
    held: Held = await hold_meeting(vi_site)
    m = held.minutes
    secretary, delegate = held.people["Bình"].api, held.people["Cường"].api
    assert code(await delegate.post(f"{m}/comments", {"text": "Ý kiến"}, status=404)) == (
        "minutes_not_found")  # fmt: skip
    assert code(await secretary.post(f"{m}/send", {"until": "1960-01-01T00:00:00Z"},
                                     status=400)) == "date_out_of_range"  # fmt: skip
    until = (vi_site.clock.now().replace(microsecond=0)).isoformat()
    assert code(await secretary.post(f"{m}/send", {"until": until}, status=400)) == (
        "deadline_past")  # fmt: skip
    later = (vi_site.clock.now() + timedelta(days=2)).replace(microsecond=0).isoformat()
    sent = await secretary.post(f"{m}/send", {"until": later})
    assert sent["comments_until"] is not None
    seen = await delegate.get(m)  # the draft, read-only
    assert seen["status"] == "draft" and seen["may"]["comment"] and not seen["may"]["edit"]
    assert seen["notes"] == [] and seen["actions"] == []
    comment = await delegate.post(f"{m}/comments", {"text": "Đề nghị ghi rõ thời hạn."},
                                  status=201)  # fmt: skip
    assert comment["author_name"] == "Lê Văn Cường"
    listed = await secretary.get(f"{m}/comments")
    assert [c["text"] for c in listed["comments"]] == ["Đề nghị ghi rõ thời hạn."]
    assert code(await delegate.get(f"{m}/comments", status=403)) == "not_moderator"
    # Bad input: the codes the API documents.
    assert code(await secretary.put(m, {"revision": -1}, status=400)) == "invalid_field"
    assert code(await secretary.put(m, {"revision": 1, "template": "fr"}, status=400)) == (
        "invalid_field")  # fmt: skip
    assert code(await secretary.get(f"{m}?version=abc", status=400)) == "bad_version"
    assert code(await secretary.get(f"{m}?version=9", status=404)) == "minutes_not_found"
    bad = await secretary.request("POST", f"{m}/sign", data=b"x", content_type="text/plain",
                                  status=400)  # fmt: skip
    assert code(bad) == "bad_content_type"


async def test_english_minutes_from_the_same_record(vi_site: Site) -> None:
    """The draft switched to the plain English template, then frozen: the same record
    in English words in both files."""
    held: Held = await hold_meeting(vi_site)
    m = held.minutes
    chair, secretary = held.people["An"].api, held.people["Bình"].api
    draft = await secretary.get(m)
    edited = await secretary.put(m, {"revision": draft["revision"], "template": "en"})
    assert edited["template"] == "en"
    await chair.post(f"{m}/approve")
    frozen = await secretary.post(f"{m}/approve")
    assert frozen["status"] == "frozen"
    files = "/api/meetings/" + held.id + "/minutes"
    pdf, _ = await download(secretary, f"{files}.pdf")
    docx, _ = await download(secretary, f"{files}.docx")
    for text in (pdf_text(pdf), docx_text(docx)):
        for expected in (
            "Minutes",
            "No. 1/BB-SNV",
            "Phạm Thị Dung",
            "By video",
            "Vũ Thị Phương",
            "Excused",
            "Đi công tác",
            "Yes: 2",
            "No: 1",
            "Result: Passed",
            "secret ballot",
            CONCLUSION,
            "Hoàn thiện báo cáo",
        ):
            assert expected in text, (expected, text)
        assert "BIÊN BẢN" not in text and "Tán thành" not in text
