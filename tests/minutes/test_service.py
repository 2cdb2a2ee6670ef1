"""`MinutesService` on real stores (SQLite and PostgreSQL), the real typesetter, signer
and audit log: the draft made when the meeting ends; approvals by the chair and the
secretary freeze it (numbered, PDF and DOCX, their SHA-256 in the audit chain); an
edit anywhere undoes the approvals; frozen minutes refuse edits (here and through the
notes' service); new versions; the yearly numbers; signing (with a test CA, checked
with pyHanko's own validator), and the certificates kept on the server; comments."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from pyhanko.sign.validation.status import SignatureCoverageLevel

from meetroom.clock import SettableClock
from meetroom.errors import Conflict, Forbidden, Invalid, MeetRoomError, NotFound
from meetroom.minutes.edits import ItemEdit, MinutesEdit
from meetroom.records.audit import AuditAction, AuditFilter
from meetroom.records.meetings import MeetingStatus
from meetroom.records.minutes import FileKind, MinutesStatus
from meetroom.store.database import Database
from tests.minutes.held import CONCLUSION, MINUTE, hold
from tests.minutes.minutes_world import acting, audit_log, minutes_service, pyhanko_statuses
from tests.minutes.world import actor as notes_actor
from tests.signing.ca import TestCA


def code(exc: pytest.ExceptionInfo[MeetRoomError]) -> str:
    return exc.value.code


async def entries(log: object, action: AuditAction) -> list[dict[str, object]]:
    found = [e async for e in log.export_all(AuditFilter(actions=frozenset({action})))]  # type: ignore[attr-defined]
    return [e.details for e in reversed(found)]


async def test_approved_by_chair_and_secretary_the_minutes_freeze(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    log = await audit_log(db, clock, tmp_path)
    minutes = minutes_service(db, clock, held.notes, log)
    chair, secretary = acting(held.people["An"]), acting(held.people["Bình"])
    delegate = acting(held.people["Cường"])
    await minutes.status_changed(held.meeting, MeetingStatus.IN_PROGRESS)  # the close

    draft = await minutes.view(secretary, held.meeting)
    assert draft.version.status is MinutesStatus.DRAFT and draft.version.version == 1
    assert draft.document.draft and draft.may_edit and draft.approve_as == ("secretary",)
    with pytest.raises(NotFound):  # a delegate reads no draft
        await minutes.view(delegate, held.meeting)
    with pytest.raises(Forbidden):
        await minutes.approve(delegate, held.meeting)

    clock.advance(MINUTE)
    first = await minutes.approve(chair, held.meeting)
    assert [a.role for a in first.approvals] == ["chair"]
    assert first.version.status is MinutesStatus.DRAFT
    frozen = await minutes.approve(secretary, held.meeting, first.version.revision)
    v = frozen.version
    assert v.status is MinutesStatus.FROZEN and v.number == "1/BB-SNV"
    assert {a.role for a in frozen.approvals} == {"chair", "secretary"}
    assert frozen.document.draft is False and frozen.document.header.number == "1/BB-SNV"
    assert frozen.document.items[1].conclusion == CONCLUSION
    files = {f.kind: f for f in v.files}
    pdf = await minutes.store.file(held.meeting.id, 1, FileKind.PDF)
    docx = await minutes.store.file(held.meeting.id, 1, FileKind.DOCX)
    assert pdf is not None and pdf.startswith(b"%PDF") and docx is not None
    assert files[FileKind.PDF].sha256 == hashlib.sha256(pdf).hexdigest()
    assert files[FileKind.DOCX].sha256 == hashlib.sha256(docx).hexdigest()

    # The audit chain holds both approvals and the files' hashes, and verifies.
    approved = await entries(log, AuditAction.MINUTES_APPROVED)
    assert [(e["role"], e["version"]) for e in approved] == [("chair", 1), ("secretary", 1)]
    [freeze] = await entries(log, AuditAction.MINUTES_FROZEN)
    assert freeze["pdf_sha256"] == files[FileKind.PDF].sha256
    assert freeze["docx_sha256"] == files[FileKind.DOCX].sha256
    assert (freeze["version"], freeze["number"]) == (1, "1/BB-SNV")
    assert (await log.verify()).ok

    # Frozen: the minutes refuse edits, and so do the notes through their own service.
    with pytest.raises(Conflict) as edit:
        await minutes.edit(secretary, held.meeting, MinutesEdit(v.revision, opening="Sửa"))
    assert code(edit) == "minutes_frozen"
    with pytest.raises(Conflict) as note:
        await held.notes.save_notes(held.meeting.id, held.items[0].id, notes_actor(
            held.people["Bình"]), notes="Sửa", conclusion=None, revision=1)  # fmt: skip
    assert code(note) == "minutes_frozen"
    with pytest.raises(Conflict) as again:
        await minutes.approve(chair, held.meeting)
    assert code(again) == "minutes_frozen"
    # Everyone in the meeting reads them now.
    assert (await minutes.view(delegate, held.meeting)).version.number == "1/BB-SNV"


async def test_any_edit_undoes_the_approvals(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    minutes = minutes_service(db, clock, held.notes, await audit_log(db, clock, tmp_path))
    chair, secretary = acting(held.people["An"]), acting(held.people["Bình"])
    await minutes.status_changed(held.meeting, MeetingStatus.IN_PROGRESS)
    view = await minutes.approve(chair, held.meeting)
    assert len(view.approvals) == 1
    # The secretary edits the first item's conclusion here: the approval is undone.
    notes = {n.agenda_item_id: n for n in view.notes}
    item = held.items[0].id
    edited = await minutes.edit(secretary, held.meeting, MinutesEdit(
        view.version.revision, closing="Cuộc họp kết thúc lúc 10 giờ 30.",
        items=(ItemEdit(item, notes[item].revision, conclusion="Kết luận đã sửa"),),
    ))  # fmt: skip
    assert edited.approvals == () and edited.document.closing.startswith("Cuộc họp kết thúc")
    assert edited.document.items[1].conclusion == "Kết luận đã sửa"
    # Saving nothing new changes nothing (a form saved as it was shown).
    same = await minutes.edit(secretary, held.meeting, MinutesEdit(
        edited.version.revision, closing=edited.version.closing))  # fmt: skip
    assert same.version.revision == edited.version.revision
    # A stale revision is refused.
    with pytest.raises(Conflict) as stale:
        await minutes.edit(secretary, held.meeting, MinutesEdit(view.version.revision))
    assert code(stale) == "minutes_conflict"
    # Approved again, then a note saved on the notes' page: the approval no longer holds.
    await minutes.approve(chair, held.meeting)
    await held.notes.save_notes(held.meeting.id, item, notes_actor(held.people["Bình"]),
                                notes="Ghi chú thêm", conclusion=None, revision=2)  # fmt: skip
    view = await minutes.approve(secretary, held.meeting)
    assert view.version.status is MinutesStatus.DRAFT
    assert [a.role for a in view.approvals] == ["secretary"]
    frozen = await minutes.approve(chair, held.meeting)
    assert frozen.version.status is MinutesStatus.FROZEN
    assert frozen.document.items[1].notes == "Ghi chú thêm"


async def test_new_versions_and_the_yearly_numbers(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    log = await audit_log(db, clock, tmp_path)
    minutes = minutes_service(db, clock, held.notes, log)
    chair, secretary = acting(held.people["An"]), acting(held.people["Bình"])
    meeting = held.meeting
    with pytest.raises(Conflict) as early:
        await minutes.new_version(secretary, meeting, "Sửa lỗi chính tả")
    assert code(early) == "minutes_not_frozen"  # the draft is the latest version
    await minutes.approve(chair, meeting)
    await minutes.approve(secretary, meeting)
    with pytest.raises(Invalid) as blank:
        await minutes.new_version(secretary, meeting, "  ")
    assert code(blank) == "change_note_required"
    second = await minutes.new_version(secretary, meeting, "Sửa tên người phát biểu")
    v2 = second.version
    assert (v2.version, v2.status, v2.number, v2.change_note) == (
        2, MinutesStatus.DRAFT, "1/BB-SNV", "Sửa tên người phát biểu")  # fmt: skip
    assert [x.version for x in second.versions] == [1, 2]
    assert not await minutes.frozen(meeting.id)  # the notes are editable again
    await held.notes.save_notes(meeting.id, held.items[1].id, notes_actor(held.people["Bình"]),
                                notes=None, conclusion="Bổ sung kết luận", revision=0)  # fmt: skip
    await minutes.approve(chair, meeting)
    v2 = (await minutes.approve(secretary, meeting)).version
    assert (v2.status, v2.number) == (MinutesStatus.FROZEN, "1/BB-SNV")  # the number kept
    first = await minutes.view(secretary, meeting, 1)  # the first version as it was
    assert first.document.items[2].conclusion == "" and first.document.version == 1
    assert (await minutes.view(secretary, meeting)).document.items[2].conclusion == (
        "Bổ sung kết luận")  # fmt: skip
    [started] = await entries(log, AuditAction.MINUTES_VERSION_STARTED)
    assert started["change_note"] == "Sửa tên người phát biểu"

    # Another meeting's minutes, the next day, take the year's next number.
    clock.advance(timedelta(days=1))
    other = await hold(db, clock)
    more = minutes_service(db, clock, other.notes, log)
    await more.approve(acting(other.people["An"]), other.meeting)
    frozen = await more.approve(acting(other.people["Bình"]), other.meeting)
    assert frozen.version.number == "2/BB-SNV"


async def test_the_chair_signs_the_frozen_pdf(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    ca = TestCA.make(clock.now())
    kept = tmp_path / "signing"
    kept.mkdir()
    log = await audit_log(db, clock, tmp_path)
    minutes = minutes_service(db, clock, held.notes, log, trust=ca.pem, kept=kept)
    chair, secretary = acting(held.people["An"], "an"), acting(held.people["Bình"], "binh")
    p12 = ca.pkcs12("Nguyễn Văn An", "mật-khẩu", clock.now())

    await minutes.approve(chair, held.meeting)
    with pytest.raises(Conflict) as draft:
        await minutes.sign(chair, held.meeting, pkcs12=p12, password="mật-khẩu")
    assert code(draft) == "minutes_not_frozen"
    await minutes.approve(secretary, held.meeting)
    with pytest.raises(Forbidden) as not_signer:
        await minutes.sign(secretary, held.meeting, pkcs12=p12, password="mật-khẩu")
    assert code(not_signer) == "not_signer"
    with pytest.raises(Invalid) as wrong:
        await minutes.sign(chair, held.meeting, pkcs12=p12, password="sai")
    assert code(wrong) == "certificate_password"
    with pytest.raises(Invalid) as none_kept:
        await minutes.sign(chair, held.meeting, pkcs12=None, password="", use_kept=True)
    assert code(none_kept) == "no_kept_certificate"

    # The certificate kept for the chair's account, with its password beside it.
    (kept / "an.p12").write_bytes(p12)
    (kept / "an.password").write_text("mật-khẩu\n", "utf-8")
    clock.advance(MINUTE)
    signed = await minutes.sign(chair, held.meeting, pkcs12=None, password="", use_kept=True)
    v = signed.version
    assert v.signed_by_name == "Nguyễn Văn An" and v.signed_at == clock.now()
    status = signed.signature
    assert status is not None and (status.state, status.signer) == ("valid", "Nguyễn Văn An")
    content = await minutes.store.file(held.meeting.id, 1, FileKind.SIGNED_PDF)
    assert content is not None
    [checked] = await pyhanko_statuses(content, ca, clock.now())
    assert checked.intact and checked.valid and checked.trusted
    assert checked.coverage is SignatureCoverageLevel.ENTIRE_FILE
    [entry] = await entries(log, AuditAction.MINUTES_SIGNED)
    assert entry["signed_pdf_sha256"] == hashlib.sha256(content).hexdigest()
    assert (await log.verify()).ok
    with pytest.raises(Conflict) as twice:
        await minutes.sign(chair, held.meeting, pkcs12=p12, password="mật-khẩu")
    assert code(twice) == "minutes_signed"
    # The file handed out is the signed one, unless the plain one is asked for.
    got, _ = await minutes.file(chair, held.meeting, FileKind.SIGNED_PDF)
    plain, _ = await minutes.file(chair, held.meeting, FileKind.PDF)
    assert got == content and plain != content and plain.startswith(b"%PDF")

    # Without the CA among the trust roots: intact, but untrusted.
    other = minutes_service(db, clock, held.notes, log)
    status = (await other.view(chair, held.meeting)).signature
    assert status is not None and status.state == "untrusted" and status.intact


async def test_the_draft_sent_for_comments(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    minutes = minutes_service(db, clock, held.notes, await audit_log(db, clock, tmp_path))
    secretary, delegate = acting(held.people["Bình"]), acting(held.people["Cường"])
    await minutes.status_changed(held.meeting, MeetingStatus.IN_PROGRESS)
    with pytest.raises(NotFound):  # not sent: the draft is not theirs to read
        await minutes.comment(delegate, held.meeting, "Ý kiến")
    with pytest.raises(Invalid):
        await minutes.send(secretary, held.meeting, clock.now() - MINUTE)
    await minutes.send(secretary, held.meeting, clock.now() + timedelta(days=2))
    view = await minutes.view(delegate, held.meeting)  # the delegate reads the draft now
    assert view.may_comment and not view.may_edit and view.notes == ()
    await minutes.comment(delegate, held.meeting, "Đề nghị bổ sung ý kiến của tôi.")
    [comment] = await minutes.comments(secretary, held.meeting)
    assert (comment.author_name, comment.text) == (
        "Lê Văn Cường",
        "Đề nghị bổ sung ý kiến của tôi.",
    )
    with pytest.raises(Forbidden):
        await minutes.comments(delegate, held.meeting)
    clock.advance(timedelta(days=3))
    with pytest.raises(Conflict) as late:
        await minutes.comment(delegate, held.meeting, "Muộn")
    assert code(late) == "comments_closed"


async def test_no_draft_before_the_meeting_ends(
    db: Database, clock: SettableClock, tmp_path: Path
) -> None:
    held = await hold(db, clock)
    minutes = minutes_service(db, clock, held.notes, await audit_log(db, clock, tmp_path))
    running = dataclasses.replace(held.meeting, status=MeetingStatus.IN_PROGRESS)
    with pytest.raises(Conflict) as early:
        await minutes.view(acting(held.people["Bình"]), running)
    assert code(early) == "minutes_not_drafted"
    with pytest.raises(NotFound):
        await minutes.view(acting(held.people["Cường"]), running)
