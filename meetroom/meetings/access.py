"""Who may see and change a meeting: the meetings a principal may list, and the
meeting (or one of its participants) opened for them, or a clear refusal."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from meetroom.accounts.service import require_user
from meetroom.errors import N_, Forbidden, NotFound, Unauthenticated
from meetroom.ids import MeetingId, ParticipantId
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.ports import MeetingStore
from meetroom.meetings.roles import MANAGER_ROLES, PREPARER_ROLES
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, MeetingStatus, Participant

logger = logging.getLogger(__name__)


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


def can_manage_meetings(actor: Principal) -> bool:
    return actor.user is not None and actor.user.role in MANAGER_ROLES and not actor.user.disabled


def require_meeting_manager(actor: Principal) -> None:
    require_user(actor)
    if not can_manage_meetings(actor):
        raise Forbidden(
            "not_allowed", N_("Only an administrator or secretary can create meetings.")
        )


class AccessCheck:
    """Opens meetings for a principal; every other part of the meeting service starts
    here (and so do the sessions, through `MeetingService.open`)."""

    def __init__(self, store: MeetingStore) -> None:
        self.store = store

    async def list_for(
        self, actor: Principal, status: MeetingStatus | None = None
    ) -> list[MeetingAccess]:
        """The meetings `actor` may see (in this status), each with the actor's own
        place in it."""
        if actor.meeting_scope is not None:
            access = await self.open(actor, actor.meeting_scope)
            return [access] if status in (None, access.meeting.status) else []
        user = require_user(actor)
        manage = can_manage_meetings(actor)
        mine = {p.meeting_id: p for p in await self.store.participations(user.id)}
        meetings = await self.store.list_meetings(None if manage else user.id, status)
        return [
            MeetingAccess(m, mine.get(m.id), manage)
            for m in meetings
            if lifecycle_rules.may_see(m, mine.get(m.id), manage)
        ]

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
            access = MeetingAccess(meeting, actor.participant, can_manage=False)
        else:
            user = require_user(actor)
            me = await self.store.find_participant(meeting_id, user.id)
            manage = can_manage_meetings(actor)
            if me is None and not manage:
                raise Forbidden(
                    "not_a_participant", N_("You are not a participant of this meeting.")
                )
            access = MeetingAccess(meeting, me, manage)
        if not lifecycle_rules.may_see(meeting, access.me, access.can_manage):
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        return access

    async def open_for_change(self, actor: Principal, meeting_id: MeetingId) -> Meeting:
        """The meeting if `actor` may change it; Forbidden otherwise."""
        access = await self.open(actor, meeting_id)
        if not access.can_manage:
            raise Forbidden(
                "not_allowed", N_("Only an administrator or secretary can change meetings.")
            )
        return access.meeting

    async def open_participant(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> tuple[Meeting, Participant]:
        """The meeting if `actor` may change it, and this participant of it; NotFound
        if the meeting has no such participant."""
        meeting = await self.open_for_change(actor, meeting_id)
        participant = await self.store.get_participant(participant_id)
        if participant is None or participant.meeting_id != meeting_id:
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        return meeting, participant
