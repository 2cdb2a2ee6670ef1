"""What every meeting operation starts from: who may see and change a meeting,
the audit trail, and the checks of rooms and people shared by meetings and
participants."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from meetroom.accounts.service import require_user
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.ids import MeetingId, UserId
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.ports import (
    GroupDirectory,
    JoinLinkStore,
    JoinSigner,
    JoinTokens,
    MeetingStore,
    MeetingWatcher,
    RightsListener,
    RoomBooking,
    SeriesStore,
    UserDirectory,
)
from meetroom.meetings.roles import MANAGER_ROLES, PREPARER_ROLES
from meetroom.meetings.series import SeriesBooking, all_occurrences, kept_overrides
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Meeting, MeetingOverride, MeetingStatus, Participant

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


class MeetingCore:
    def __init__(
        self,
        store: MeetingStore,
        users: UserDirectory,
        signer: JoinSigner,
        clock: Clock,
        join_link_grace: timedelta,
        rooms: RoomBooking | None = None,
        groups: GroupDirectory | None = None,
        series: SeriesStore | None = None,
        *,
        audit: AuditTrail,
        join_links: JoinLinkStore,
        join_tokens: JoinTokens,
    ) -> None:
        self.audit = audit
        self.store = store
        self.users = users
        self.signer = signer
        self.join_link_store = join_links
        self.join_tokens = join_tokens
        self.clock = clock
        self.join_link_grace = join_link_grace
        self.rooms = rooms
        self.groups = groups
        # Series and bookings under a lock on the room; None: single meetings only.
        self.series = SeriesBooking(series, rooms) if series is not None else None
        # Told of every change after it is stored (see `watch`).
        self.watchers: list[MeetingWatcher] = []
        # Told when a participant's rights change (see `listen`).
        self.rights_listeners: list[RightsListener] = []

    def watch(self, watcher: MeetingWatcher) -> None:
        self.watchers.append(watcher)

    def listen(self, listener: RightsListener) -> None:
        self.rights_listeners.append(listener)

    async def _rights_changed(
        self, meeting_id: MeetingId, before: Participant, after: Participant | None
    ) -> None:
        for listener in self.rights_listeners:
            await listener.participant_rights_changed(meeting_id, before, after)

    # -- access ----------------------------------------------------------------

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

    async def _record(
        self, actor: Principal, action: AuditAction, meeting_id: MeetingId, details: dict[str, Any]
    ) -> None:
        await self.audit.record(
            actor, action, target_type="meeting", target_id=meeting_id, details=details
        )

    async def _check_room(self, actor: Principal, meeting: Meeting) -> None:
        if meeting.room_id is None:
            return
        if self.rooms is None:
            raise Invalid("rooms_unavailable", N_("Rooms cannot be booked on this server."))
        if self.series is not None and meeting.rrule:
            occs = all_occurrences(meeting, await self._overrides(meeting))
            await self.series.check_room_rules(actor, meeting, occs)
            return
        await self.rooms.check_booking(actor, meeting)

    async def overrides_for(self, meeting: Meeting) -> list[MeetingOverride]:
        """A series' exceptions, for callers that checked access themselves (a user's
        calendar feed, reached by its secret address)."""
        return await self._overrides(meeting)

    async def _overrides(self, meeting: Meeting) -> list[MeetingOverride]:
        """The stored exceptions that still name an occurrence of `meeting`."""
        if self.series is None or not meeting.rrule:
            return []
        stored = (await self.series.store.overrides([meeting.id]))[meeting.id]
        return kept_overrides(meeting, stored)

    async def _check_free(self, meeting: Meeting, user_ids: list[UserId]) -> None:
        """Refuse when one of these users takes part in another meeting at that time
        (guests typed by name are not checked)."""
        if self.series is not None:
            occs = all_occurrences(meeting, await self._overrides(meeting))
            await self.series.check_free(occs, user_ids, {meeting.id})
            return
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


def field_changes(before: Any, after: Any) -> dict[str, Any]:
    """For the audit log: the fields that changed, with old and new values (a long
    description is only named)."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(before):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new or field.name in ("updated_at", "link_version"):
            continue
        changes[field.name] = None if field.name == "description" else [old, new]
    return {"fields": sorted(changes), "changes": changes}
