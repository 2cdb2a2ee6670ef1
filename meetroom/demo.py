"""The demo meeting that `make run` loads once, so there is something to click through:
a room, and a meeting booked in it today with an agenda, documents (one of them
confidential), three participants, and two votes prepared (an open one and a secret
one) for the chair to open.

Stored texts do not follow the interface's language, so the demo is written once, in
the server's `default_locale` (English or Vietnamese); its documents are in
media/demo/<language>/ (made by scripts/demo_pdfs.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from meetroom.errors import Conflict
from meetroom.ids import MeetingId
from meetroom.meetings.service import MeetingService
from meetroom.records.accounts import Principal
from meetroom.records.documents import Classification
from meetroom.records.meetings import Meeting, MeetingRole
from meetroom.records.rooms import Room
from meetroom.records.votes import Vote
from meetroom.server.context import KeyValue
from meetroom.sessions.papers.agenda import AgendaService
from meetroom.sessions.papers.documents import DocumentService
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteActor

DEMO_KEY = "demo_meeting_id"
LENGTH = timedelta(hours=2)
# Copies (demo --force) follow one another in the room; this many at most.
MAX_COPIES = 24

DEMO_PARTICIPANTS = (
    ("Nguyễn Văn An", MeetingRole.CHAIR),
    ("Trần Thị Bình", MeetingRole.DELEGATE),
    ("Lê Minh Châu", MeetingRole.GUEST),
)


@dataclass(frozen=True, slots=True)
class DemoDocument:
    filename: str  # in media/demo/<language>/
    title: str
    classification: Classification


@dataclass(frozen=True, slots=True)
class DemoVote:
    question: str
    secret: bool = False


@dataclass(frozen=True, slots=True)
class DemoItem:
    title: str
    presenter: str
    minutes: int
    documents: tuple[DemoDocument, ...] = ()
    vote: DemoVote | None = None


@dataclass(frozen=True, slots=True)
class DemoTexts:
    title: str
    description: str
    room: str
    room_location: str
    agenda: tuple[DemoItem, ...]


DEMO_TEXTS = {
    "en": DemoTexts(
        title="Demo: Quarterly review meeting",
        description="Quarterly review of the budget and of the plan for digital meeting rooms.",
        room="Meeting room 1",
        room_location="Building A, 2nd floor",
        agenda=(
            DemoItem("Opening and approval of the agenda", "Nguyễn Văn An", 10),
            DemoItem("Report on the first-quarter budget", "Trần Thị Bình", 30, (
                DemoDocument("budget-report.pdf", "Report on the first-quarter budget",
                             Classification.NORMAL),
            ), DemoVote("Approve the report on the first-quarter budget?")),
            DemoItem("Plan for digital meeting rooms", "Lê Minh Châu", 30, (
                DemoDocument("digital-rooms-plan.pdf", "Plan for digital meeting rooms",
                             Classification.CONFIDENTIAL),
            ), DemoVote("Adopt the plan for digital meeting rooms?", secret=True)),
            DemoItem("Any other business", "", 10),
        ),
    ),
    "vi": DemoTexts(
        title="Họp mẫu: Sơ kết công tác quý",
        description="Sơ kết tình hình ngân sách quý và kế hoạch triển khai phòng họp số.",
        room="Phòng họp số 1",
        room_location="Tầng 2, nhà A",
        agenda=(
            DemoItem("Khai mạc, thông qua chương trình họp", "Nguyễn Văn An", 10),
            DemoItem("Báo cáo ngân sách quý I", "Trần Thị Bình", 30, (
                DemoDocument("bao-cao-ngan-sach-quy-1.pdf", "Báo cáo ngân sách quý I",
                             Classification.NORMAL),
            ), DemoVote("Thông qua báo cáo ngân sách quý I?")),
            DemoItem("Kế hoạch triển khai phòng họp số", "Lê Minh Châu", 30, (
                DemoDocument("ke-hoach-phong-hop-so.pdf", "Kế hoạch triển khai phòng họp số",
                             Classification.CONFIDENTIAL),
            ), DemoVote("Thông qua kế hoạch triển khai phòng họp số?", secret=True)),
            DemoItem("Các vấn đề khác", "", 10),
        ),
    ),
}  # fmt: skip


class Votes(Protocol):
    """Where the demo's votes are prepared (the votes' `VoteService`)."""

    async def create(self, actor: VoteActor, meeting_id: MeetingId, draft: VoteDraft) -> Vote: ...


class Rooms(Protocol):
    """The rooms a demo books (scheduling's RoomService)."""

    async def list(self, actor: Principal) -> list[Room]: ...
    async def create(self, actor: Principal, name: str, **fields: object) -> Room: ...


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(256 * 1024):
            yield chunk


def demo_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Today, in the server's time zone, so that the calendar's week and day open on
    it: at 09:00, or at the next full hour if that is later (at 22:00 the latest)."""
    local = now.astimezone(zone)
    today = local.date()
    next_hour = (local + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    start = max(datetime.combine(today, time(9), zone), next_hour)
    return min(start, datetime.combine(today, time(22), zone))


async def _room(rooms: Rooms, admin: Principal, texts: DemoTexts) -> Room:
    for room in await rooms.list(admin):
        if room.name == texts.room:
            return room
    return await rooms.create(
        admin, texts.room, location=texts.room_location, seats=20, tablets=12,
        has_video_endpoint=True,
    )  # fmt: skip


async def _book(
    meetings: MeetingService, admin: Principal, texts: DemoTexts, room: Room, starts: datetime
) -> Meeting:
    for attempt in range(MAX_COPIES):
        try:
            return await meetings.create(
                admin, title=texts.title, starts_at=starts, ends_at=starts + LENGTH,
                description=texts.description, room_id=room.id,
            )  # fmt: skip
        except Conflict as exc:
            if exc.code != "room_taken" or attempt == MAX_COPIES - 1:
                raise
            starts += LENGTH  # another copy (demo --force) holds the room then
    raise AssertionError("unreachable")


def _chair(admin: Principal) -> VoteActor:
    assert admin.user is not None
    return VoteActor(
        person=f"u:{admin.user.id}", name=admin.user.display_name, participant_id=None,
        moderator=True, can_vote=False, principal=admin,
    )  # fmt: skip


async def load_demo(
    meetings: MeetingService,
    agenda: AgendaService,
    documents: DocumentService,
    state: KeyValue,
    rooms: Rooms,
    votes: Votes,
    admin: Principal,
    timezone: str,
    locale: str,
    media_dir: Path,
    force: bool = False,
) -> Meeting | None:
    """Create the demo meeting (in `locale`'s words) unless it was loaded before.
    Returns it, or None."""
    if not force and await state.get(DEMO_KEY):
        return None
    texts = DEMO_TEXTS.get(locale, DEMO_TEXTS["en"])
    folder = media_dir / "demo" / (locale if locale in DEMO_TEXTS else "en")
    room = await _room(rooms, admin, texts)
    starts = demo_start(meetings.clock.now(), ZoneInfo(timezone))
    meeting = await _book(meetings, admin, texts, room, starts)
    for name, role in DEMO_PARTICIPANTS:
        await meetings.participants.add(admin, meeting.id, name=name, role=role)
    for entry in texts.agenda:
        item = await agenda.add(
            admin, meeting.id, title=entry.title, presenter=entry.presenter,
            duration_minutes=entry.minutes,
        )  # fmt: skip
        for doc in entry.documents:
            path = folder / doc.filename
            stored = await documents.store_upload(admin, meeting.id, doc.filename, _chunks(path))
            await documents.add_uploaded(
                admin, meeting.id, stored, agenda_item_id=item.id,
                classification=doc.classification, title=doc.title,
            )  # fmt: skip
        if entry.vote is not None:
            draft = VoteDraft(entry.vote.question, secret=entry.vote.secret, agenda_item_id=item.id)
            await votes.create(_chair(admin), meeting.id, draft)
    await state.set(DEMO_KEY, meeting.id)
    return meeting
