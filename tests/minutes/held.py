"""A meeting held from its opening to its close in a real database, with everything
the minutes are made of: a room, people who came on time, late, by video, left early,
were excused, absent or marked present by hand; the quorum's log; two agenda items
with a presenter and documents; speeches; an open vote, a secret one and a cancelled
one; notes, conclusions and action items (a helper module, not a test module).

Times, from the opening `T0` (the clock's time when it is held): the delegates come
on time but Dung (by video, 12 minutes late); Em leaves after 40 minutes; the votes
are at 20, 60 and 70 minutes; the meeting closes after 90."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetroom.admin_services import MinutesRecordView
from meetroom.clock import SettableClock
from meetroom.ids import AgendaItemId, DocumentId, MeetingId, RoomId, UserId, new_id
from meetroom.minutes.compose import MinutesSettings
from meetroom.minutes.notes import ActionDraft, NotesService
from meetroom.records.accounts import AccountRole, User
from meetroom.records.documents import AgendaItem, Classification, Document
from meetroom.records.floor import AttendanceMark, HandMark, SpeechKind
from meetroom.records.meetings import Attendance, Meeting, MeetingRole, MeetingStatus, Participant
from meetroom.records.minutes import MinutesTemplate
from meetroom.records.rooms import Room
from meetroom.records.votes import Vote, VoteKind
from meetroom.sessions.floor import queue
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteActor, VoteService
from meetroom.store.agenda import SqlAgendaStore
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.documents import SqlDocumentStore
from meetroom.store.files import SqlFileStore
from meetroom.store.floor import SqlFloorStore
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore
from meetroom.store.rooms import SqlRoomStore
from meetroom.store.users import SqlUserStore
from tests.minutes.world import actor, add_person, notes_service, vote_service

MINUTE = timedelta(minutes=1)
SETTINGS = MinutesSettings(
    organisation="UBND TỈNH BẮC NINH", issuer="SỞ NỘI VỤ", issuer_code="SNV",
    number_format="{seq}/BB-{code}", locality="Bắc Ninh",
    template=MinutesTemplate.VIETNAMESE, zone="Asia/Ho_Chi_Minh",
)  # fmt: skip

# Who comes how: (name, role, how they connect or None, hand mark, reason)
PEOPLE = [
    ("Nguyễn Văn An", MeetingRole.CHAIR, "tablet", None, ""),
    ("Trần Thị Bình", MeetingRole.SECRETARY, "tablet", None, ""),
    ("Lê Văn Cường", MeetingRole.DELEGATE, "tablet", None, ""),
    ("Phạm Thị Dung", MeetingRole.DELEGATE, "video", None, ""),
    ("Hoàng Văn Em", MeetingRole.DELEGATE, "tablet", None, ""),
    ("Vũ Thị Phương", MeetingRole.DELEGATE, None, AttendanceMark.EXCUSED, "Đi công tác"),
    ("Đặng Văn Giang", MeetingRole.DELEGATE, None, None, ""),
    ("Bùi Thị Hà", MeetingRole.DELEGATE, None, AttendanceMark.PRESENT, ""),
    ("Ngô Văn Khách", MeetingRole.GUEST, "browser", None, ""),
]
CONCLUSION = "Thông qua báo cáo tài chính quý IV; giao Sở Tài chính hoàn thiện trước ngày 15."


@dataclass
class Held:
    meeting: Meeting
    people: dict[str, Participant]  # by first word of the given name: "An", "Bình"...
    items: list[AgendaItem]
    votes: dict[str, Vote]  # "open", "secret", "cancelled"
    t0: datetime
    organiser: User
    notes: NotesService
    source: MinutesRecordView


def first(name: str) -> str:
    return name.split()[-1]


async def _user(db: Database, clock: SettableClock, name: str, role: AccountRole) -> User:
    user = User(
        id=UserId(new_id()), username=f"u{new_id()[-10:].lower()}", display_name=name, role=role,
        locale=None, disabled=False, must_change_password=False, created_at=clock.now(),
    )  # fmt: skip
    await SqlUserStore(db).create_user(user, "hash")
    return user


async def _room(db: Database, clock: SettableClock) -> Room:
    """The room (made by the first meeting held on this database)."""
    rooms = SqlRoomStore(db)
    found = [r for r in await rooms.list_rooms() if r.name == "Phòng họp số 1"]
    if found:
        return found[0]
    room = Room(
        id=RoomId(new_id()), name="Phòng họp số 1", location="Tầng 2", seats=30, tablets=20,
        has_video_endpoint=True, virtual_only=False, available_from=None, available_until=None,
        available_days=frozenset(range(1, 8)), bookers=None, created_at=clock.now(),
        updated_at=clock.now(),
    )  # fmt: skip
    await rooms.create_room(room)
    return room


async def _item(db: Database, meeting: Meeting, title: str, presenter: str) -> AgendaItem:
    item = AgendaItem(
        id=AgendaItemId(new_id()), meeting_id=meeting.id, position=0, title=title,
        presenter=presenter, duration_minutes=None, notes="", created_at=meeting.created_at,
        updated_at=meeting.created_at,
    )  # fmt: skip
    return await SqlAgendaStore(db).add_item(item)


async def _document(db: Database, meeting: Meeting, item: AgendaItem | None, title: str) -> None:
    sha = uuid.uuid4().hex * 2
    await SqlFileStore(db).claim_file(sha, 1000, meeting.created_at)
    await SqlDocumentStore(db).add_document(
        Document(
            id=DocumentId(new_id()), meeting_id=meeting.id,
            agenda_item_id=item.id if item else None, position=0, sha256=sha,
            filename=f"{title}.pdf", title=title, classification=Classification.NORMAL,
            allow_download=True, access=None, uploaded_by=None, created_at=meeting.created_at,
            updated_at=meeting.created_at,
        )
    )  # fmt: skip


async def _speech(
    db: Database, meeting: Meeting, p: Participant, item: AgendaItem, at: datetime, seconds: int
) -> None:
    floor = SqlFloorStore(db)
    await floor.change(meeting.id, lambda s: queue.ask(
        s, request_id=new_id(), client_id=new_id(), participant_id=p.id, name=p.name,
        kind=SpeechKind.ORDINARY, agenda_item_id=item.id, now=at,
    ))  # fmt: skip
    await floor.change(meeting.id, lambda s: queue.give(s, None, at))
    await floor.change(meeting.id, lambda s: queue.end(s, at + timedelta(seconds=seconds)))


async def _arrive(attendance: SqlAttendanceStore, p: Participant, how: str, at: datetime) -> None:
    await attendance.arrive(
        Attendance(
            meeting_id=p.meeting_id, person=f"p:{p.id}", participant_id=p.id, user_id=None,
            name=p.name, role=p.role.value, first_joined_at=at, last_left_at=None, seconds=0,
            joins=1, how=frozenset({how}), present_since=at,
        ),
        at,
    )  # fmt: skip


def _voter(p: Participant) -> VoteActor:
    chair = p.role is MeetingRole.CHAIR
    return VoteActor(f"p:{p.id}", p.name, p.id, moderator=chair, can_vote=True)


async def _vote(
    votes: VoteService, clock: SettableClock, chair: Participant, meeting: Meeting,
    draft: VoteDraft, ballots: list[tuple[Participant, str]], cancel: bool = False,
) -> Vote:  # fmt: skip
    vote = await votes.create(_voter(chair), meeting.id, draft)
    await votes.open(_voter(chair), vote.id)
    for p, choice in ballots:
        await votes.cast(_voter(p), vote.id, str(uuid.uuid4()), choice)
    clock.advance(MINUTE)
    if cancel:
        return await votes.cancel(_voter(chair), vote.id, "Sai nội dung")
    return await votes.close(_voter(chair), vote.id)


async def hold(db: Database, clock: SettableClock) -> Held:
    """The meeting, held and closed; the clock is left at the close."""
    t0 = clock.now()
    organiser = await _user(db, clock, "Lê Văn Tổ Chức", AccountRole.SECRETARY)
    room = await _room(db, clock)
    meeting = Meeting(
        id=MeetingId(new_id()), title="Họp giao ban tháng Mười hai", description="",
        location="", starts_at=t0, ends_at=t0 + 90 * MINUTE, created_by=organiser.id,
        created_at=t0, updated_at=t0, room_id=room.id, status=MeetingStatus.IN_PROGRESS,
        opened_at=t0,
    )  # fmt: skip
    meetings = SqlMeetingStore(db)
    await meetings.create_meeting(meeting)
    people: dict[str, Participant] = {}
    attendance, quorum = SqlAttendanceStore(db), SqlQuorumStore(db)
    for name, role, how, mark, reason in PEOPLE:
        p = await add_person(db, meeting, name, role)
        people[first(name)] = p
        if mark is not None:
            await quorum.set_mark(HandMark(meeting.id, p.id, mark, reason, "u:x", "X", t0))
        if how is not None and first(name) != "Dung":
            await _arrive(attendance, p, how, t0)
    votes = vote_service(db, clock)
    await quorum.log(meeting.id, await votes.roll.quorum(meeting.id), t0)
    clock.advance(12 * MINUTE)
    await _arrive(attendance, people["Dung"], "video", clock.now())
    await quorum.log(meeting.id, await votes.roll.quorum(meeting.id), clock.now())
    notes = notes_service(db, clock)
    items = [
        await _item(db, meeting, "Báo cáo tài chính quý IV", "Trần Thị Bình"),
        await _item(db, meeting, "Kế hoạch công tác năm sau", "Nguyễn Văn An"),
    ]
    await _document(db, meeting, items[0], "Báo cáo tài chính")
    await _document(db, meeting, items[0], "Phụ lục số liệu")
    await _document(db, meeting, None, "Danh sách đại biểu")
    await _speech(db, meeting, people["Cường"], items[0], t0 + 10 * MINUTE, 120)
    await _speech(db, meeting, people["Dung"], items[0], t0 + 15 * MINUTE, 95)
    await _speech(db, meeting, people["An"], items[1], t0 + 50 * MINUTE, 61)
    held_votes: dict[str, Vote] = {}
    clock.advance(8 * MINUTE)  # 20
    held_votes["open"] = await _vote(
        votes, clock, people["An"], meeting,
        VoteDraft("Thông qua báo cáo tài chính", agenda_item_id=items[0].id),
        [(people["An"], "yes"), (people["Cường"], "yes"), (people["Em"], "no"),
         (people["Dung"], "abstain")],
    )  # fmt: skip
    clock.advance(19 * MINUTE)  # 40 minutes: Em leaves
    await attendance.depart(meeting.id, f"p:{people['Em'].id}", clock.now())
    clock.advance(20 * MINUTE)  # 60
    held_votes["secret"] = await _vote(
        votes, clock, people["An"], meeting,
        VoteDraft("Bầu tổ trưởng tổ công tác", agenda_item_id=items[1].id,
                  kind=VoteKind.CHOICE, options=("Lê Văn Cường", "Phạm Thị Dung"), secret=True),
        [(people["An"], "o1"), (people["Cường"], "o1"), (people["Dung"], "o2")],
    )  # fmt: skip
    clock.advance(9 * MINUTE)  # 70
    held_votes["cancelled"] = await _vote(
        votes, clock, people["An"], meeting,
        VoteDraft("Điều chỉnh dự toán", agenda_item_id=items[1].id), [(people["Cường"], "yes")],
        cancel=True,
    )  # fmt: skip
    secretary = actor(people["Bình"])
    await notes.save_notes(
        meeting.id, items[0].id, secretary, notes="Bà Bình trình bày báo cáo; ông Cường hỏi "
        "về khoản chi đầu tư.", conclusion=CONCLUSION, revision=0,
    )  # fmt: skip
    await notes.add_action(meeting.id, secretary, ActionDraft(
        "Hoàn thiện báo cáo tài chính", items[0].id, people["Cường"].id,
        due=(t0 + timedelta(days=14)).date(),
    ))  # fmt: skip
    await notes.add_action(meeting.id, secretary, ActionDraft(
        "Lập kế hoạch chi tiết", items[1].id, owner_name="Phòng Kế hoạch",
    ))  # fmt: skip
    clock.advance(19 * MINUTE)  # 90: the close
    closed_at = clock.now()
    await attendance.depart(meeting.id, None, closed_at)
    ended = dataclasses.replace(meeting, status=MeetingStatus.ENDED, closed_at=closed_at)
    assert await meetings.set_status(ended, MeetingStatus.IN_PROGRESS)
    return Held(
        meeting=ended, people=people, items=items, votes=held_votes, t0=t0, organiser=organiser,
        notes=notes, source=MinutesRecordView(db, notes),
    )  # fmt: skip
