"""A meeting with its agenda, people and votes in a real database, and the notes'
service on it, for the notes' tests (a helper module, not a test module)."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from meetroom.clock import SettableClock
from meetroom.ids import AgendaItemId, ParticipantId, UserId, new_id
from meetroom.meetings.roles import default_grants
from meetroom.minutes.notes import NotesActor, NotesService
from meetroom.records.accounts import AccountRole, User
from meetroom.records.documents import AgendaItem
from meetroom.records.meetings import Grant, Meeting, MeetingRole, Participant
from meetroom.records.votes import Vote
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteActor, VoteService
from meetroom.store.agenda import SqlAgendaStore
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.database import Database
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.minutes_notes import SqlNotesStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from meetroom.store.users import SqlUserStore
from meetroom.store.vote_proxies import SqlProxyStore
from meetroom.store.votes import SqlVoteStore
from tests.sessions.floor.world import add_meeting


class FrozenLock:
    """The minutes' lock as a test sets it."""

    def __init__(self) -> None:
        self.frozen_meetings: set[str] = set()

    async def frozen(self, meeting_id: str) -> bool:
        return meeting_id in self.frozen_meetings


class _VoteMeetings:
    def __init__(self, db: Database) -> None:
        store, agenda = SqlMeetingStore(db), SqlAgendaStore(db)
        self.get_meeting = store.get_meeting
        self.get_participant = store.get_participant
        self.list_participants = store.list_participants
        self.get_item = agenda.get_item
        self.get_document = _no_document


async def _no_document(document_id: str) -> None:
    return None


def vote_service(db: Database, clock: SettableClock) -> VoteService:
    meetings = SqlMeetingStore(db)
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), SqlAttendanceStore(db), meetings, clock
    )

    class Trail:
        async def record(self, *args: object, **kw: object) -> None:
            pass

    return VoteService(
        SqlVoteStore(db), SqlProxyStore(db), _VoteMeetings(db), roll, Trail(), clock, b"k" * 32
    )


def notes_service(
    db: Database, clock: SettableClock, lock: FrozenLock | None = None
) -> NotesService:
    return NotesService(
        SqlNotesStore(db), SqlMeetingStore(db), SqlAgendaStore(db), vote_service(db, clock),
        clock, lock,
    )  # fmt: skip


async def add_user(db: Database, clock: SettableClock, name: str) -> User:
    user = User(
        id=UserId(new_id()), username=f"u{new_id()[-10:].lower()}", display_name=name,
        role=AccountRole.DELEGATE, locale=None, disabled=False, must_change_password=False,
        created_at=clock.now(),
    )  # fmt: skip
    await SqlUserStore(db).create_user(user, "hash")
    return user


async def add_person(
    db: Database, meeting: Meeting, name: str, role: MeetingRole, user: User | None = None
) -> Participant:
    person = Participant(
        id=ParticipantId(new_id()), meeting_id=meeting.id, user_id=user.id if user else None,
        name=name, role=role, grants=default_grants(role), link_version=1,
        created_at=meeting.created_at,
    )  # fmt: skip
    await SqlMeetingStore(db).add_participant(person)
    return person


def actor(p: Participant) -> NotesActor:
    return NotesActor(f"p:{p.id}", p.name, p.id, p.user_id, moderator=Grant.MODERATOR in p.grants)


async def add_item(db: Database, meeting: Meeting, title: str) -> AgendaItem:
    item = AgendaItem(
        id=AgendaItemId(new_id()), meeting_id=meeting.id, position=0, title=title,
        presenter="", duration_minutes=None, notes="", created_at=meeting.created_at,
        updated_at=meeting.created_at,
    )  # fmt: skip
    return await SqlAgendaStore(db).add_item(item)


@dataclass
class World:
    meeting: Meeting
    chair: Participant
    secretary: Participant
    delegate: Participant  # with an account
    user: User  # the delegate's
    items: list[AgendaItem]


async def world(db: Database, clock: SettableClock) -> World:
    meeting = await add_meeting(db, clock.now())
    user = await add_user(db, clock, "Trần Thị Bích")
    return World(
        meeting=meeting,
        chair=await add_person(db, meeting, "Chủ tọa", MeetingRole.CHAIR),
        secretary=await add_person(db, meeting, "Thư ký", MeetingRole.SECRETARY),
        delegate=await add_person(db, meeting, "Trần Thị Bích", MeetingRole.DELEGATE, user),
        user=user,
        items=[
            await add_item(db, meeting, "Báo cáo tài chính"),
            await add_item(db, meeting, "Kế hoạch năm sau"),
        ],
    )


async def hold_vote(
    votes: VoteService, w: World, item: AgendaItem | None, title: str, choice: str
) -> Vote:
    """An open vote on `item`, the delegate's and the chair's ballots, closed."""
    chair = VoteActor(f"p:{w.chair.id}", w.chair.name, w.chair.id, True, can_vote=True)
    draft = VoteDraft(title=title, agenda_item_id=item.id if item else None)
    vote = await votes.create(chair, w.meeting.id, draft)
    await votes.open(chair, vote.id)
    voter = VoteActor(f"p:{w.delegate.id}", w.delegate.name, w.delegate.id, False, True)
    await votes.cast(voter, vote.id, str(uuid.uuid4()), choice)
    await votes.cast(chair, vote.id, str(uuid.uuid4()), choice)
    return await votes.close(chair, vote.id)


def without_rights(a: NotesActor) -> NotesActor:
    return dataclasses.replace(a, moderator=False)
