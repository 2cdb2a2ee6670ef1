"""A meeting's lifecycle: draft → scheduled → in progress → ended → archived.

    draft ──publish──▶ scheduled ──open──▶ in_progress ──close──▶ ended ──archive──▶ archived
          ◀─unpublish─                                 ◀─reopen──

Each transition is one compare-and-set in the store (two chairs pressing "Open" at
once make one transition, the other gets `bad_transition`), is written to the audit
trail, then told to the listeners (the live session broadcasts it and counts
attendance, the video room is closed with the meeting)."""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden
from meetroom.ids import MeetingId
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.ports import MeetingStore
from meetroom.meetings.service import MeetingService
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Meeting, MeetingRole, MeetingStatus

logger = logging.getLogger(__name__)

S = MeetingStatus


class Transition(enum.StrEnum):
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    OPEN = "open"
    CLOSE = "close"
    REOPEN = "reopen"
    ARCHIVE = "archive"


# transition -> (from, to)
MOVES: dict[Transition, tuple[MeetingStatus, MeetingStatus]] = {
    Transition.PUBLISH: (S.DRAFT, S.SCHEDULED),
    Transition.UNPUBLISH: (S.SCHEDULED, S.DRAFT),
    Transition.OPEN: (S.SCHEDULED, S.IN_PROGRESS),
    Transition.CLOSE: (S.IN_PROGRESS, S.ENDED),
    # Always allowed while ended: archiving is the point of no return.
    Transition.REOPEN: (S.ENDED, S.IN_PROGRESS),
    Transition.ARCHIVE: (S.ENDED, S.ARCHIVED),
}


class StatusListener(Protocol):
    """Told after a meeting changed status (`before` is the one it left)."""

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None: ...


def may(access: MeetingAccess, transition: Transition) -> bool:
    """Who may: administrators and secretaries (accounts) always; the meeting's own
    chair and secretary all but archiving, which is its secretary's."""
    if access.can_manage:
        return True
    me = access.me
    if me is None:
        return False
    if transition is Transition.ARCHIVE:
        return me.role is MeetingRole.SECRETARY
    return me.role in (MeetingRole.CHAIR, MeetingRole.SECRETARY)


def allowed(access: MeetingAccess) -> list[Transition]:
    """The transitions this viewer may make now, in the order buttons show them."""
    status = access.meeting.status
    return [t for t, (src, _) in MOVES.items() if src is status and may(access, t)]


def starts_early(meeting: Meeting, transition: Transition, now: datetime) -> bool:
    """Starting (opening) a meeting before its scheduled start: the pages ask first,
    since attendance starts counting and the meeting cannot go back to scheduled."""
    return transition is Transition.OPEN and now < meeting.starts_at


def bad_transition(meeting: Meeting, transition: Transition, current: MeetingStatus) -> Conflict:
    return Conflict(
        "bad_transition",
        N_("A meeting that is “{status}” cannot be changed this way ({transition})."),
        details={
            "status": current.value,
            "asked": MOVES[transition][1].value,
            "transition": transition.value,
        },
        status=current.value,
        transition=transition.value,
    )


class LifecycleService:
    def __init__(
        self,
        meetings: MeetingService,
        store: MeetingStore,
        clock: Clock,
        audit: AuditTrail,
        listeners: Sequence[StatusListener] = (),
    ) -> None:
        self.meetings = meetings
        self.store = store
        self.clock = clock
        self.audit = audit
        self.listeners = list(listeners)

    def add_listener(self, listener: StatusListener) -> None:
        self.listeners.append(listener)

    async def change(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        transition: Transition,
        *,
        allow_early: bool = True,
    ) -> Meeting:
        """Make the transition; with `allow_early=False`, starting a meeting before its
        scheduled start is refused with `early_start` (the caller asks, then allows)."""
        access = await self.meetings.open(actor, meeting_id)
        if not may(access, transition):
            raise Forbidden(
                "not_allowed",
                N_("Only the meeting's chair or secretary, or an administrator, can do this."),
            )
        meeting = access.meeting
        source, target = MOVES[transition]
        if meeting.status is not source:
            raise bad_transition(meeting, transition, meeting.status)
        now = self.clock.now()
        if not allow_early and starts_early(meeting, transition, now):
            raise Conflict(
                "early_start",
                N_("The meeting is scheduled to start later; confirm to start it now."),
                details={"starts_at": meeting.starts_at.isoformat()},
            )
        changed = dataclasses.replace(meeting, status=target, updated_at=now)
        if transition is Transition.OPEN:
            changed = dataclasses.replace(changed, opened_at=now, closed_at=None)
        elif transition is Transition.REOPEN:
            changed = dataclasses.replace(changed, closed_at=None)
        elif transition is Transition.CLOSE:
            changed = dataclasses.replace(changed, closed_at=now)
        elif transition is Transition.ARCHIVE:
            changed = dataclasses.replace(changed, archived_at=now)
        if not await self.store.set_status(changed, source):
            fresh = await self.store.get_meeting(meeting_id)
            raise bad_transition(meeting, transition, fresh.status if fresh else meeting.status)
        logger.info("meeting %s: %s -> %s", meeting_id, source.value, target.value)
        await self.audit.record(
            actor,
            AuditAction.MEETING_STATUS_CHANGED,
            target_type="meeting",
            target_id=meeting_id,
            details={"from": source.value, "to": target.value, "title": meeting.title},
        )
        for listener in self.listeners:
            try:
                await listener.status_changed(changed, source)
            except Exception:
                logger.exception("telling %r about meeting %s failed", listener, meeting_id)
        return changed
