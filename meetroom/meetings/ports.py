"""What the meetings domain needs from the layers below it."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from meetroom.auth.tokens import JoinClaims
from meetroom.ids import GroupId, MeetingId, ParticipantId, RoomId, UserId
from meetroom.records.accounts import Principal, User
from meetroom.records.meetings import JoinLink, Meeting, MeetingOverride, MeetingStatus, Participant


class MeetingStore(Protocol):
    async def create_meeting(self, meeting: Meeting) -> None: ...
    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None: ...
    async def list_meetings(
        self, user_id: UserId | None = None, status: MeetingStatus | None = None
    ) -> list[Meeting]: ...
    async def set_status(self, meeting: Meeting, expected: MeetingStatus) -> bool: ...
    async def save_meeting(self, meeting: Meeting) -> bool: ...
    async def delete_meeting(self, meeting_id: MeetingId) -> bool: ...
    async def add_participant(self, p: Participant) -> None: ...
    async def get_participant(self, participant_id: ParticipantId) -> Participant | None: ...
    async def find_participant(
        self, meeting_id: MeetingId, user_id: UserId
    ) -> Participant | None: ...
    async def list_participants(self, meeting_id: MeetingId) -> list[Participant]: ...
    async def participations(self, user_id: UserId) -> list[Participant]: ...
    async def save_participant(self, p: Participant) -> bool: ...
    async def delete_participant(self, participant_id: ParticipantId) -> bool: ...
    async def busy_participant(
        self,
        user_ids: Collection[UserId],
        starts_at: datetime,
        ends_at: datetime,
        exclude: MeetingId,
    ) -> tuple[Meeting, Participant] | None: ...
    async def add_participants(self, people: list[Participant]) -> None:
        """All in one transaction, or none."""
        ...


class RoomBooking(Protocol):
    """Rooms' rules for a meeting that books one (the scheduling package). An
    overlapping booking of the same room is refused by the store itself, atomically."""

    async def check_booking(self, actor: Principal, meeting: Meeting) -> None: ...


class UserDirectory(Protocol):
    async def get_user(self, user_id: UserId) -> User | None: ...


class JoinSigner(Protocol):
    """The signed (JWT) join links of earlier versions, accepted until they expire."""

    def verify(self, token: str, now: datetime) -> JoinClaims: ...


class JoinTokens(Protocol):
    """Short join-link tokens made from a participant id and a nonce (auth/tokens.py)."""

    def token(self, participant_id: str, nonce: str) -> str: ...
    def digest(self, token: str) -> str: ...
    def new_nonce(self) -> str: ...
    def canonical(self, text: str) -> str | None: ...


class JoinLinkStore(Protocol):
    """Join links by their token's digest (the store package)."""

    async def live_links(self, meeting_id: MeetingId) -> list[JoinLink]: ...
    async def add_link(self, link: JoinLink) -> bool:
        """False if the participant has a live link already."""
        ...

    async def replace_link(self, link: JoinLink, now: datetime) -> None:
        """Revoke the participant's live link and store `link`, atomically."""
        ...

    async def find_link(self, token_hash: str) -> JoinLink | None: ...


class GroupDirectory(Protocol):
    """Groups of users, to invite as a whole (the accounts' groups)."""

    async def members(self, group_id: GroupId) -> list[User] | None:
        """The group's members, disabled ones too; None: no such group."""
        ...


class SeriesWriter(Protocol):
    """One write transaction of the series store. Bookings of the rooms it was opened
    with are serialised: the rooms' rows are locked before anything is read."""

    async def room_is_exclusive(self, room_id: RoomId) -> bool: ...
    async def room_bookings(
        self, room_id: RoomId, start: datetime, end: datetime, exclude: Collection[MeetingId]
    ) -> list[Meeting]: ...
    async def overrides(
        self, meeting_ids: Collection[MeetingId]
    ) -> dict[MeetingId, list[MeetingOverride]]: ...
    async def create_meeting(self, meeting: Meeting) -> None: ...
    async def save_meeting(self, meeting: Meeting) -> bool: ...
    async def replace_overrides(
        self, meeting_id: MeetingId, overrides: Collection[MeetingOverride]
    ) -> None: ...
    async def copy_participants(
        self, source: MeetingId, target: MeetingId, now: datetime
    ) -> None: ...


class SeriesStore(Protocol):
    """Series and their exceptions (the store package)."""

    def transaction(
        self, lock_rooms: Collection[RoomId]
    ) -> AbstractAsyncContextManager[SeriesWriter]: ...
    async def overrides(
        self, meeting_ids: Collection[MeetingId]
    ) -> dict[MeetingId, list[MeetingOverride]]: ...
    async def meetings_between(
        self, start: datetime, end: datetime, user_id: UserId | None
    ) -> list[Meeting]: ...
    async def participant_bookings(
        self,
        user_ids: Collection[UserId],
        start: datetime,
        end: datetime,
        exclude: Collection[MeetingId],
    ) -> list[tuple[Meeting, Participant]]: ...


class MeetingWatcher(Protocol):
    """Told of changes after they are stored, in the same request (invitations by
    e-mail, calendar feeds). `actor.origin` is where the actor reached the server."""

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None: ...
    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None: ...
    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None: ...
    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None: ...


class RightsListener(Protocol):
    """Told, once it is stored, that what a participant may do changed: removed
    (`after` None), a new join link, a new role or grants. Their open connections
    (meeting sockets, video) follow at once, on every node."""

    async def participant_rights_changed(
        self, meeting_id: MeetingId, before: Participant, after: Participant | None
    ) -> None: ...

    async def meeting_access_changed(self, meeting_id: MeetingId) -> None:
        """Anyone's access to the meeting may have changed: it was deleted, or is a
        draft again (seen only by those who prepare it)."""
        ...
