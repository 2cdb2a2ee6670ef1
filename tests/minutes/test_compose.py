"""The minutes composed from a meeting's record, on SQLite and PostgreSQL: who was in
the room, by video, late, gone early, excused or absent; the quorum at the opening and
at each vote; per agenda item its presenter, documents, speeches, votes (the named
list of an open vote, nobody's name for a secret one, a cancelled one without counts),
notes, conclusion and action items; the general part; every time in the meeting's
zone; and the document encoded and decoded as the frozen minutes keep it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from meetroom.clock import SettableClock
from meetroom.minutes.compose import compose
from meetroom.minutes.record import gather
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.records.minutes import (
    MinutesDocument,
    MinutesStatus,
    MinutesTemplate,
    MinutesVersion,
    Presence,
)
from meetroom.store.database import Database
from tests.minutes.held import CONCLUSION, MINUTE, SETTINGS, hold

SEVEN_HOURS = timedelta(hours=7)


def draft(at: object) -> MinutesVersion:
    return MinutesVersion(
        meeting_id="m", version=1, status=MinutesStatus.DRAFT,  # type: ignore[arg-type]
        template=MinutesTemplate.VIETNAMESE, opening="Mở đầu", closing="Kết thúc",
        change_note="", revision=1, created_at=at, updated_at=at,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_the_document_says_what_the_record_says(db: Database, clock: SettableClock) -> None:
    held = await hold(db, clock)
    t0 = held.t0
    doc = compose(await gather(held.source, held.meeting.id), SETTINGS, draft(t0))

    assert doc.zone == "Asia/Ho_Chi_Minh" and doc.draft and doc.header.number == ""
    assert doc.header.organisation == "UBND TỈNH BẮC NINH" and doc.header.issuer == "SỞ NỘI VỤ"
    assert doc.header.locality == "Bắc Ninh" and doc.header.title == held.meeting.title
    assert doc.header.date == (t0 + SEVEN_HOURS).date()  # the day in Hanoi
    assert doc.opened_at == t0 and doc.closed_at == t0 + 90 * MINUTE
    assert doc.opened_at is not None and doc.opened_at.utcoffset() == SEVEN_HOURS
    assert (doc.place, doc.online) == ("Phòng họp số 1", True)  # Dung and the guest by video
    assert (doc.chair, doc.secretary) == ("Nguyễn Văn An", "Trần Thị Bình")
    assert (doc.opening, doc.closing) == ("Mở đầu", "Kết thúc")

    lines = {a.name: a for a in doc.attendees}
    assert [a.name for a in doc.attendees][:2] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert doc.attendees[-1].name == "Ngô Văn Khách"  # the guest after the delegates
    presence = {name: a.presence for name, a in lines.items()}
    assert presence == {
        "Nguyễn Văn An": Presence.ROOM, "Trần Thị Bình": Presence.ROOM,
        "Lê Văn Cường": Presence.ROOM, "Phạm Thị Dung": Presence.VIDEO,
        "Hoàng Văn Em": Presence.ROOM, "Vũ Thị Phương": Presence.EXCUSED,
        "Đặng Văn Giang": Presence.ABSENT, "Bùi Thị Hà": Presence.ROOM,
        "Ngô Văn Khách": Presence.VIDEO,
    }  # fmt: skip
    assert lines["Vũ Thị Phương"].reason == "Đi công tác"
    late = lines["Phạm Thị Dung"].arrived_at
    assert late == t0 + 12 * MINUTE and late is not None and late.utcoffset() == SEVEN_HOURS
    assert lines["Hoàng Văn Em"].left_at == t0 + 40 * MINUTE
    on_time = [a for a in doc.attendees if a.name not in ("Phạm Thị Dung", "Hoàng Văn Em")]
    assert all(a.arrived_at is None and a.left_at is None for a in on_time)

    opening, at_open_vote, at_secret_vote, at_cancelled = doc.quorum
    # Four of the seven voting members present at the opening: the chair, Cường and Em
    # by tablet, Hà by hand (Dung came later, Phương and Giang never).
    assert (opening.label, opening.at, opening.present, opening.members) == ("", t0, 4, 7)
    assert opening.reached and opening.required == 4
    assert (at_open_vote.label, at_open_vote.at) == ("Thông qua báo cáo tài chính",
                                                     t0 + 20 * MINUTE)  # fmt: skip
    # Dung at the first vote; Em gone before the second.
    assert (at_open_vote.present, at_secret_vote.present, at_cancelled.present) == (5, 4, 4)

    general, first_item, second_item = doc.items
    assert (general.position, general.agenda_item_id, general.documents) == (
        0, None, ("Danh sách đại biểu",))  # fmt: skip
    assert not (general.speeches or general.votes or general.actions or general.conclusion)

    assert (first_item.position, first_item.title, first_item.presenter) == (
        1, "Báo cáo tài chính quý IV", "Trần Thị Bình")  # fmt: skip
    assert first_item.documents == ("Báo cáo tài chính", "Phụ lục số liệu")
    assert [(s.name, s.started_at, s.seconds) for s in first_item.speeches] == [
        ("Lê Văn Cường", t0 + 10 * MINUTE, 120),
        ("Phạm Thị Dung", t0 + 15 * MINUTE, 95),
    ]
    assert first_item.conclusion == CONCLUSION and "khoản chi đầu tư" in first_item.notes
    [vote] = first_item.votes
    assert (vote.status, vote.secret, vote.passed, vote.cast, vote.members) == (
        "closed", False, True, 4, 7)  # fmt: skip
    assert [(c.choice, c.count) for c in vote.counts] == [("yes", 2), ("no", 1), ("abstain", 1)]
    assert {(b.name, b.choices) for b in vote.named} == {
        ("Nguyễn Văn An", ("yes",)), ("Lê Văn Cường", ("yes",)), ("Hoàng Văn Em", ("no",)),
        ("Phạm Thị Dung", ("abstain",)),
    }  # fmt: skip
    assert vote.quorum == at_open_vote
    [action] = first_item.actions
    assert (action.title, action.owner, action.due, action.done) == (
        "Hoàn thiện báo cáo tài chính",
        "Lê Văn Cường",
        (t0 + timedelta(days=14)).date(),
        False,
    )

    assert (second_item.position, second_item.presenter) == (2, "Nguyễn Văn An")
    assert [(s.name, s.seconds) for s in second_item.speeches] == [("Nguyễn Văn An", 61)]
    secret, cancelled = second_item.votes
    assert (secret.secret, secret.named, secret.passed, secret.cast) == (True, (), None, 3)
    assert [(c.label, c.count) for c in secret.counts] == [
        ("Lê Văn Cường", 2), ("Phạm Thị Dung", 1)]  # fmt: skip
    assert secret.elected == ("Lê Văn Cường",)
    assert (cancelled.status, cancelled.counts, cancelled.passed, cancelled.named) == (
        "cancelled", (), None, ())  # fmt: skip
    assert [(a.title, a.owner) for a in second_item.actions] == [
        ("Lập kế hoạch chi tiết", "Phòng Kế hoạch")]  # fmt: skip
    assert second_item.notes == second_item.conclusion == ""

    # The frozen minutes keep the document as JSON: it comes back the same.
    again = decode_json(encode_json(doc), MinutesDocument)
    assert again == doc


async def test_the_meeting_zone_and_the_general_part(db: Database, clock: SettableClock) -> None:
    """A series' own zone wins over the server's; without anything outside the items
    there is no general part; a vote never opened, then cancelled, is left out."""
    held = await hold(db, clock)
    record = await gather(held.source, held.meeting.id)
    bare = replace(
        record, meeting=replace(record.meeting, series_zone="Europe/Paris", room_id=None),
        room="", documents=tuple(d for d in record.documents if d.agenda_item_id),
    )  # fmt: skip
    doc = compose(bare, SETTINGS, draft(held.t0))
    assert doc.zone == "Europe/Paris"
    assert doc.opened_at is not None and doc.opened_at.utcoffset() in (
        timedelta(hours=1), timedelta(hours=2))  # fmt: skip
    assert [i.position for i in doc.items] == [1, 2]
    assert (doc.place, doc.online) == ("", True)
