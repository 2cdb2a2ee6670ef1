"""Meetings, participants and join links, with who may do what to them."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from meetroom.accounts.service import require_user
from meetroom.auth.tokens import JoinClaims
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.ids import MeetingId, ParticipantId, RoomId, UserId, new_id
from meetroom.meetings.ports import (
    JoinSigner,
    MeetingStore,
    MeetingWatcher,
    RoomBooking,
    UserDirectory,
)
from meetroom.meetings.roles import MANAGER_ROLES, PREPARER_ROLES, default_grants
from meetroom.records import Grant, Meeting, MeetingRole, Participant, Principal

logger = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_LOCATION = 300
MAX_NAME = 200
MAX_DURATION = timedelta(days=31)


@dataclass(frozen=True, slots=True)
class MeetingAccess:
    """A meeting as one principal may see it."""

    meeting: Meeting
    me: Participant | None
    can_manage: bool

    @property
    def can_prepare(self) -> bool:
        """May change the agenda and documents: those who manage meetings, and the
        meeting's own chair and secretary."""
        return self.can_manage or (self.me is not None and self.me.role in PREPARER_ROLES)


@dataclass(frozen=True, slots=True)
class JoinedParticipant:
    meeting: Meeting
    participant: Participant
    expires_at: datetime


def can_manage_meetings(actor: Principal) -> bool:
    return actor.user is not None and actor.user.role in MANAGER_ROLES and not actor.user.disabled


def require_meeting_manager(actor: Principal) -> None:
    require_user(actor)
    if not can_manage_meetings(actor):
        raise Forbidden(
            "not_allowed", N_("Only an administrator or secretary can create meetings.")
        )


class MeetingService:
    def __init__(
        self,
        store: MeetingStore,
        users: UserDirectory,
        signer: JoinSigner,
        clock: Clock,
        join_link_grace: timedelta,
        rooms: RoomBooking | None = None,
    ) -> None:
        self.store = store
        self.users = users
        self.signer = signer
        self.clock = clock
        self.join_link_grace = join_link_grace
        self.rooms = rooms
        # Told of every change after it is stored (see `watch`).
        self.watchers: list[MeetingWatcher] = []

    def watch(self, watcher: MeetingWatcher) -> None:
        self.watchers.append(watcher)

    # -- access ----------------------------------------------------------------

    async def list_for(self, actor: Principal) -> list[MeetingAccess]:
        """The meetings `actor` may see, each with the actor's own place in it."""
        if actor.meeting_scope is not None:
            return [await self.open(actor, actor.meeting_scope)]
        user = require_user(actor)
        manage = can_manage_meetings(actor)
        mine = {p.meeting_id: p for p in await self.store.participations(user.id)}
        meetings = await self.store.list_meetings(None if manage else user.id)
        return [MeetingAccess(m, mine.get(m.id), manage) for m in meetings]

    async def open(self, actor: Principal, meeting_id: MeetingId) -> MeetingAccess:
        """The meeting if `actor` may see it; NotFound or Forbidden otherwise."""
        if not actor.is_authenticated:
            raise Unauthenticated("sign_in_required", N_("Please sign in."))
        scope = actor.meeting_scope
        if scope is not None and scope != meeting_id:
            raise Forbidden(
                "wrong_meeting",
                N_("Your join link is for another meeting; it does not open this one."),
            )
        meeting = await self.store.get_meeting(meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        if actor.participant is not None and actor.user is None:
            return MeetingAccess(meeting, actor.participant, can_manage=False)
        user = require_user(actor)
        me = await self.store.find_participant(meeting_id, user.id)
        manage = can_manage_meetings(actor)
        if me is None and not manage:
            raise Forbidden("not_a_participant", N_("You are not a participant of this meeting."))
        return MeetingAccess(meeting, me, manage)

    async def open_for_change(self, actor: Principal, meeting_id: MeetingId) -> Meeting:
        """The meeting if `actor` may change it; Forbidden otherwise."""
        access = await self.open(actor, meeting_id)
        if not access.can_manage:
            raise Forbidden(
                "not_allowed", N_("Only an administrator or secretary can change meetings.")
            )
        return access.meeting

    # -- meetings --------------------------------------------------------------

    async def create(
        self,
        actor: Principal,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        description: str = "",
        location: str = "",
        room_id: RoomId | None = None,
    ) -> Meeting:
        require_meeting_manager(actor)
        now = self.clock.now()
        meeting = _validated(
            Meeting(
                id=MeetingId(new_id()),
                title=title,
                description=description,
                location=location,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=actor.user.id if actor.user else None,
                created_at=now,
                updated_at=now,
                room_id=room_id,
            )
        )
        await self._check_room(actor, meeting)
        await self.store.create_meeting(meeting)
        logger.info("meeting %s created by %s", meeting.id, actor.user and actor.user.username)
        return meeting

    async def update(self, actor: Principal, meeting_id: MeetingId, **changes: Any) -> Meeting:
        allowed = {"title", "description", "location", "starts_at", "ends_at", "room_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        meeting = await self.open_for_change(actor, meeting_id)
        updated = _validated(dataclasses.replace(meeting, updated_at=self.clock.now(), **changes))
        if updated.room_id != meeting.room_id or (
            updated.room_id is not None
            and (updated.starts_at, updated.ends_at) != (meeting.starts_at, meeting.ends_at)
        ):
            await self._check_room(actor, updated)
        if (updated.starts_at, updated.ends_at) != (meeting.starts_at, meeting.ends_at):
            people = await self.store.list_participants(meeting_id)
            await self._check_free(updated, [p.user_id for p in people if p.user_id])
        # The store refuses an overlapping booking of the room (room_taken), atomically.
        if not await self.store.save_meeting(updated):
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        for watcher in self.watchers:
            await watcher.meeting_changed(actor, meeting, updated)
        return updated

    async def delete(self, actor: Principal, meeting_id: MeetingId) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        people = await self.store.list_participants(meeting_id) if self.watchers else []
        await self.store.delete_meeting(meeting_id)
        logger.info("meeting %s deleted", meeting_id)
        for watcher in self.watchers:
            await watcher.meeting_deleted(actor, meeting, people)

    # -- participants ----------------------------------------------------------

    async def participants(self, actor: Principal, meeting_id: MeetingId) -> list[Participant]:
        await self.open(actor, meeting_id)
        return await self.store.list_participants(meeting_id)

    async def add_participant(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        *,
        role: MeetingRole,
        user_id: UserId | None = None,
        name: str | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        meeting = await self.open_for_change(actor, meeting_id)
        if user_id is None and not (name and name.strip()):
            raise Invalid(
                "participant_needs_user_or_name",
                N_("Choose an existing user or type a guest's name."),
            )
        if user_id is not None:
            user = await self.users.get_user(user_id)
            if user is None:
                raise Invalid("user_not_found", N_("No such user."))
            name = (name or "").strip() or user.display_name
            await self._check_free(meeting, [user_id])
        participant = _validated_participant(
            Participant(
                id=ParticipantId(new_id()),
                meeting_id=meeting_id,
                user_id=user_id,
                name=(name or "").strip(),
                role=role,
                grants=default_grants(role) if grants is None else frozenset(grants),
                link_version=1,
                created_at=self.clock.now(),
            )
        )
        await self.store.add_participant(participant)
        for watcher in self.watchers:
            await watcher.participant_added(actor, meeting, participant)
        return participant

    async def get_participant(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        await self.open_for_change(actor, meeting_id)
        return await self._participant_of(meeting_id, participant_id)

    async def update_participant(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        participant_id: ParticipantId,
        *,
        name: str | None = None,
        role: MeetingRole | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        await self.open_for_change(actor, meeting_id)
        current = await self._participant_of(meeting_id, participant_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name.strip()
        if role is not None:
            changes["role"] = role
            if grants is None:
                changes["grants"] = default_grants(role)
        if grants is not None:
            changes["grants"] = frozenset(grants)
        updated = _validated_participant(dataclasses.replace(current, **changes))
        await self.store.save_participant(updated)
        return updated

    async def remove_participant(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        participant = await self._participant_of(meeting_id, participant_id)
        await self.store.delete_participant(participant_id)
        for watcher in self.watchers:
            await watcher.participant_removed(actor, meeting, participant)

    async def reissue_join_link(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        """Revoke every join link given to this participant so far."""
        await self.open_for_change(actor, meeting_id)
        current = await self._participant_of(meeting_id, participant_id)
        updated = dataclasses.replace(current, link_version=current.link_version + 1)
        await self.store.save_participant(updated)
        return updated

    async def _check_room(self, actor: Principal, meeting: Meeting) -> None:
        if meeting.room_id is None:
            return
        if self.rooms is None:
            raise Invalid("rooms_unavailable", N_("Rooms cannot be booked on this server."))
        await self.rooms.check_booking(actor, meeting)

    async def _check_free(self, meeting: Meeting, user_ids: list[UserId]) -> None:
        """Refuse when one of these users takes part in another meeting at that time
        (guests typed by name are not checked)."""
        busy = await self.store.busy_participant(
            user_ids, meeting.starts_at, meeting.ends_at, exclude=meeting.id
        )
        if busy is None:
            return
        other, participant = busy
        raise Conflict(
            "participant_busy",
            N_("{name} takes part in the meeting “{title}” at that time."),
            details={
                "meeting_id": other.id,
                "title": other.title,
                "user_id": participant.user_id,
            },
            name=participant.name,
            title=other.title,
        )

    async def _participant_of(
        self, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        participant = await self.store.get_participant(participant_id)
        if participant is None or participant.meeting_id != meeting_id:
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        return participant

    # -- join links ------------------------------------------------------------

    def join_link_expiry(self, meeting: Meeting) -> datetime:
        return max(meeting.ends_at, self.clock.now()) + self.join_link_grace

    def join_token(self, meeting: Meeting, participant: Participant) -> str:
        claims = JoinClaims(
            meeting_id=meeting.id,
            participant_id=participant.id,
            grants=tuple(sorted(g.value for g in participant.grants)),
            link_version=participant.link_version,
            expires_at=int(self.join_link_expiry(meeting).timestamp()),
        )
        return self.signer.sign(claims, self.clock.now())

    async def redeem_join_token(self, token: str) -> JoinedParticipant:
        claims = self.signer.verify(token, self.clock.now())
        participant = await self.store.get_participant(claims.participant_id)
        if participant is None:
            raise Forbidden(
                "join_link_revoked",
                N_("This join link no longer works: its participant was removed from the meeting."),
            )
        if participant.meeting_id != claims.meeting_id:
            raise Forbidden(
                "join_link_wrong_meeting", N_("This join link does not belong to this meeting.")
            )
        if participant.link_version != claims.link_version:
            raise Forbidden(
                "join_link_revoked",
                N_("This join link was replaced by a newer one. Ask the secretary for it."),
            )
        meeting = await self.store.get_meeting(claims.meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        expires = datetime.fromtimestamp(claims.expires_at, tz=self.clock.now().tzinfo)
        return JoinedParticipant(meeting, participant, expires)


def _validated(meeting: Meeting) -> Meeting:
    title = meeting.title.strip()
    if not title:
        raise Invalid("title_required", N_("The meeting needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid("title_too_long", N_("The title is too long (300 characters at most)."))
    if len(meeting.description) > MAX_DESCRIPTION:
        raise Invalid("description_too_long", N_("The description is too long."))
    if len(meeting.location) > MAX_LOCATION:
        raise Invalid("location_too_long", N_("The location is too long (300 characters at most)."))
    if meeting.starts_at.tzinfo is None or meeting.ends_at.tzinfo is None:
        raise Invalid("time_zone_required", N_("Times must say their time zone."))
    if meeting.ends_at <= meeting.starts_at:
        raise Invalid("ends_before_start", N_("The meeting must end after it starts."))
    if meeting.ends_at - meeting.starts_at > MAX_DURATION:
        raise Invalid("too_long", N_("A meeting lasts 31 days at most."))
    return dataclasses.replace(meeting, title=title, location=meeting.location.strip())


def _validated_participant(p: Participant) -> Participant:
    if not p.name:
        raise Invalid("name_required", N_("The participant needs a name."))
    if len(p.name) > MAX_NAME:
        raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
    return p
