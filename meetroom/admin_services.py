"""What the administration commands (`meetroom user`, `token`, `audit`, `migrate`,
`vote`) work on: the data directory, the database brought up to date, the secret, the
audit log and the account service on their SQL stores, and the votes' service.

`app.py` composes the server's accounts with `compose_accounts` too, then the rest on
them, and its votes with `compose_votes`. This part stands apart so that such a command
loads neither the server (aiohttp), nor the SFU (aiortc), nor the PDF pipeline:
importing those took most of the second a command ran for."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from meetroom.accounts.audit import AuditLog
from meetroom.accounts.service import AccountService, LoginPolicy
from meetroom.auth.audit_files import AuditFiles
from meetroom.auth.passwords import Argon2Passwords
from meetroom.auth.tokens import load_or_create_secret
from meetroom.clock import Clock, SystemClock
from meetroom.config import Settings
from meetroom.ids import MeetingId, ParticipantId, RoomId, UserId, VoteId
from meetroom.minutes.compose import MinutesSettings
from meetroom.minutes.notes import NotesService
from meetroom.private_files import private_dir, tighten
from meetroom.records.floor import HandMark
from meetroom.records.minutes import ActionItem, ItemNotes, MinutesTemplate
from meetroom.records.votes import Choice
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.votes.ports import Roll
from meetroom.sessions.votes.service import VoteService
from meetroom.store.agenda import SqlAgendaStore
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.audit import SqlAuditStore
from meetroom.store.database import Database
from meetroom.store.documents import SqlDocumentStore
from meetroom.store.floor import SqlFloorStore
from meetroom.store.meetings import SqlMeetingStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from meetroom.store.rooms import SqlRoomStore
from meetroom.store.users import SqlSessionStore, SqlUserStore
from meetroom.store.vote_proxies import SqlProxyStore
from meetroom.store.votes import SqlVoteStore


@dataclass(frozen=True, slots=True)
class AdminServices:
    settings: Settings
    secret: bytes
    users: SqlUserStore
    sessions: SqlSessionStore
    meeting_store: SqlMeetingStore
    passwords: Argon2Passwords
    audit: AuditLog
    accounts: AccountService
    database: Database
    clock: Clock


def prepare_data_dir(settings: Settings) -> None:
    """The data directory, for the server's user only: made 0700, or made so if an
    earlier version created it open to others (what is inside is then out of reach)."""
    private_dir(settings.data_path)
    tighten(settings.data_path)


async def migrate(settings: Settings) -> tuple[list[str], str | None]:
    """Apply pending migrations; returns those applied and the revision now current."""
    prepare_data_dir(settings)
    db = Database.open(settings.effective_database_url, settings.database_schema)
    try:
        applied = await db.migrate()
        return applied, await db.current_revision()
    finally:
        await db.close()


def compose_accounts(settings: Settings, db: Database, clock: Clock) -> AdminServices:
    """The secret (created in the data directory the first time), the audit log and
    the account service."""
    secret = load_or_create_secret(settings.secret_key, settings.data_path)
    users = SqlUserStore(db)
    sessions = SqlSessionStore(db)
    meeting_store = SqlMeetingStore(db)
    audit = AuditLog(SqlAuditStore(db), clock, AuditFiles(settings.audit_path))
    policy = LoginPolicy(
        max_failures=settings.login_max_failures,
        failure_window=timedelta(seconds=settings.login_failure_window_seconds),
        lockout=timedelta(seconds=settings.login_lockout_seconds),
        session_lifetime=timedelta(hours=settings.session_hours),
    )
    passwords = Argon2Passwords(settings.password_time_cost, settings.password_memory_kib)
    accounts = AccountService(users, sessions, meeting_store, passwords, clock, policy, audit=audit)
    return AdminServices(
        settings, secret, users, sessions, meeting_store, passwords, audit, accounts, db, clock
    )


class VoteMeetingsView:
    """The meeting, agenda and document stores, as votes read them."""

    def __init__(
        self, meetings: SqlMeetingStore, agenda: SqlAgendaStore, documents: SqlDocumentStore
    ) -> None:
        self.get_meeting = meetings.get_meeting
        self.get_participant = meetings.get_participant
        self.list_participants = meetings.list_participants
        self.get_item = agenda.get_item
        self.get_document = documents.get_document


def compose_votes(admin: AdminServices, roll: Roll) -> VoteService:
    """The votes' service on its SQL stores: the server's (on its live roll), and the
    one `meetroom vote` verifies with (see `command_roll`)."""
    db = admin.database
    meetings = VoteMeetingsView(admin.meeting_store, SqlAgendaStore(db), SqlDocumentStore(db))
    return VoteService(
        SqlVoteStore(db), SqlProxyStore(db), meetings, roll, admin.audit, admin.clock,
        admin.secret,
    )  # fmt: skip


class MinutesRecordView:
    """The meeting's record as the minutes read it (their `RecordSource`): the stores,
    and the notes and action items from the notes' service."""

    def __init__(self, db: Database, notes: NotesService) -> None:
        meetings, quorum, votes = SqlMeetingStore(db), SqlQuorumStore(db), SqlVoteStore(db)
        self._rooms, self._users = SqlRoomStore(db), SqlUserStore(db)
        self.get_meeting = meetings.get_meeting
        self.list_participants = meetings.list_participants
        self.list_attendance = SqlAttendanceStore(db).list_attendance
        self.quorum_changes = quorum.changes
        self._marks = quorum.marks
        self.list_items = SqlAgendaStore(db).list_items
        self.list_documents = SqlDocumentStore(db).list_documents
        self.speeches = SqlFloorStore(db).speeches
        self.votes_of = votes.of_meeting
        self.vote_result = votes.result
        self._named = votes.named_ballots
        self._notes = notes

    async def room_name(self, room_id: RoomId) -> str | None:
        room = await self._rooms.get_room(room_id)
        return room.name if room is not None else None

    async def user_name(self, user_id: UserId) -> str | None:
        user = await self._users.get_user(user_id)
        return user.display_name if user is not None else None

    async def marks(self, meeting_id: MeetingId) -> dict[ParticipantId, HandMark]:
        return await self._marks(meeting_id)

    async def named_ballots(
        self, vote_id: VoteId
    ) -> list[tuple[ParticipantId, ParticipantId, Choice]]:
        return await self._named(vote_id)

    async def notes(self, meeting_id: MeetingId) -> list[ItemNotes]:
        return await self._notes.notes(meeting_id)

    async def actions(self, meeting_id: MeetingId) -> list[ActionItem]:
        return await self._notes.actions(meeting_id)


def minutes_settings(settings: Settings) -> MinutesSettings:
    return MinutesSettings(
        organisation=settings.organisation_name, issuer=settings.minutes_issuer,
        issuer_code=settings.minutes_issuer_code, number_format=settings.minutes_number_format,
        locality=settings.minutes_locality,
        template=MinutesTemplate(settings.effective_minutes_template), zone=settings.timezone,
        signer=settings.minutes_signer,
    )  # fmt: skip


def command_roll(admin: AdminServices) -> RollService:
    """The roll as a command reads it: the attendance as stored (a command holds no
    socket, and verifying a vote reads the quorum recorded at its close, not this)."""
    db = admin.database
    return RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), SqlAttendanceStore(db), admin.meeting_store,
        admin.clock,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def open_admin_services(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[AdminServices]:
    """The database (migrated) and the accounts on it, as `app.open_services` opens
    them for the server: the audit log's head is checked at the start and written at
    the end."""
    prepare_data_dir(settings)
    db = Database.open(settings.effective_database_url, settings.database_schema)
    opened: AdminServices | None = None
    try:
        await db.migrate()
        opened = compose_accounts(settings, db, clock or SystemClock())
        await opened.audit.open()
        yield opened
    finally:
        if opened is not None:
            await opened.audit.close()
        await db.close()
