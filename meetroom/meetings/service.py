"""The meeting service: meetings themselves (single or a series) are made, changed
and deleted here; the rest by the parts it is composed of, each given what it needs:

- `access`: who may see and change a meeting (`open`, `open_for_change`, `list_for`);
- `participants`: who takes part, with which role and grants;
- `links`: each participant's join link, made, followed and replaced;
- `bookings`: the room and people a meeting books, its series' exceptions, and the
  write under a lock on its room;
- `occurrence_edits`: exceptions to one occurrence of a series, or a split;
- `events`: the watchers and rights listeners told of changes once stored;
- `audit`: the audit trail's entries about meetings.

The lifecycle (`lifecycle.py`), invitations and calendar feeds are services of their
own that use this one."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from meetroom.accounts.service import require_user
from meetroom.clock import Clock
from meetroom.errors import N_, Invalid
from meetroom.ids import MeetingId, RoomId, new_id
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.access import (
    AccessCheck,
    MeetingAccess,
    can_manage_meetings,
    require_meeting_manager,
)
from meetroom.meetings.audit import MeetingAudit, field_changes
from meetroom.meetings.bookings import Bookings
from meetroom.meetings.events import MeetingEvents
from meetroom.meetings.join_links import JoinLinks
from meetroom.meetings.limits import MAX_DESCRIPTION, MAX_LOCATION, check_times, check_title
from meetroom.meetings.occurrence_edits import OccurrenceChange, OccurrenceEdits, Scope
from meetroom.meetings.participants import Participants
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
from meetroom.meetings.recurrence import (
    Occurrence,
    Recurrence,
    recurrence_of,
    series_until,
    to_rrule,
    validated,
)
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Meeting, MeetingOverride, MeetingStatus

logger = logging.getLogger(__name__)


class MeetingService:
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
        # The ports other services reach through this one (the sessions read
        # participants from the store, the pages ask the clock).
        self.store = store
        self.users = users
        self.clock = clock
        self.audit = MeetingAudit(audit)
        self.events = MeetingEvents()
        self.access = AccessCheck(store)
        self.bookings = Bookings(store, rooms, series)
        self.participants = Participants(
            store, users, groups, clock,
            access=self.access, bookings=self.bookings, audit=self.audit, events=self.events,
        )  # fmt: skip
        self.links = JoinLinks(
            store, join_links, join_tokens, signer, clock, join_link_grace,
            access=self.access, audit=self.audit, events=self.events,
        )  # fmt: skip
        self.occurrence_edits = OccurrenceEdits(
            store, clock, access=self.access, series=self.bookings.series, update=self.update
        )

    # -- the parts most callers need, by their usual names -----------------------

    async def open(self, actor: Principal, meeting_id: MeetingId) -> MeetingAccess:
        """The meeting if `actor` may see it; NotFound or Forbidden otherwise."""
        return await self.access.open(actor, meeting_id)

    async def open_for_change(self, actor: Principal, meeting_id: MeetingId) -> Meeting:
        """The meeting if `actor` may change it; Forbidden otherwise."""
        return await self.access.open_for_change(actor, meeting_id)

    async def list_for(
        self, actor: Principal, status: MeetingStatus | None = None
    ) -> list[MeetingAccess]:
        """The meetings `actor` may see (in this status)."""
        return await self.access.list_for(actor, status)

    def watch(self, watcher: MeetingWatcher) -> None:
        """Told of every change after it is stored."""
        self.events.watch(watcher)

    def listen(self, listener: RightsListener) -> None:
        """Told when a participant's rights, or anyone's access to a meeting, change."""
        self.events.listen(listener)

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
        recurrence: Recurrence | None = None,
        status: MeetingStatus = MeetingStatus.SCHEDULED,
    ) -> Meeting:
        require_meeting_manager(actor)
        if status not in (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED):
            raise Invalid(
                "bad_status", N_("A new meeting is a draft or scheduled."), status=status.value
            )
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
                status=status,
            )
        )
        meeting = self._with_recurrence(meeting, recurrence)
        await self.bookings.check_room(actor, meeting)
        await self.bookings.save(meeting, create=True)
        logger.info("meeting %s created by %s", meeting.id, actor.user and actor.user.username)
        await self.audit.record(actor, AuditAction.MEETING_CREATED, meeting.id, {
            "title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
            "room_id": meeting.room_id,
        })  # fmt: skip
        return meeting

    async def update(self, actor: Principal, meeting_id: MeetingId, **changes: Any) -> Meeting:
        allowed = {"title", "description", "location", "starts_at", "ends_at", "room_id"}
        allowed.add("recurrence")  # a Recurrence, or None: no longer repeats
        unknown = set(changes) - allowed
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        meeting = await self.open_for_change(actor, meeting_id)
        rule = changes.pop("recurrence") if "recurrence" in changes else recurrence_of(meeting)
        updated = _validated(dataclasses.replace(meeting, updated_at=self.clock.now(), **changes))
        lifecycle_rules.check_change(meeting, updated)
        updated = self._with_recurrence(updated, rule)
        retimed = (updated.starts_at, updated.ends_at, updated.rrule, updated.series_zone) != (
            meeting.starts_at, meeting.ends_at, meeting.rrule, meeting.series_zone
        )  # fmt: skip
        if updated.room_id != meeting.room_id or (updated.room_id is not None and retimed):
            await self.bookings.check_room(actor, updated)
        if retimed:
            people = await self.store.list_participants(meeting_id)
            await self.bookings.check_free(updated, [p.user_id for p in people if p.user_id])
        updated = await self.bookings.save(updated)
        changes = field_changes(meeting, updated)
        await self.audit.record(actor, AuditAction.MEETING_CHANGED, meeting_id, changes)
        await self.events.meeting_changed(actor, meeting, updated)
        return updated

    async def delete(self, actor: Principal, meeting_id: MeetingId) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        lifecycle_rules.check_delete(meeting)
        people = await self.store.list_participants(meeting_id) if self.events.watchers else []
        await self.store.delete_meeting(meeting_id)
        logger.info("meeting %s deleted", meeting_id)
        await self.audit.record(actor, AuditAction.MEETING_DELETED, meeting_id, {
            "title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
        })  # fmt: skip
        await self.events.meeting_access_changed(meeting_id)  # its open sockets close
        await self.events.meeting_deleted(actor, meeting, people)

    # -- series ------------------------------------------------------------------

    def _with_recurrence(self, meeting: Meeting, rule: Recurrence | None) -> Meeting:
        if rule is None:
            return dataclasses.replace(meeting, rrule=None, series_zone=None, series_until=None)
        if self.bookings.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        rule = validated(rule, meeting.starts_at)
        series = dataclasses.replace(meeting, rrule=to_rrule(rule), series_zone=rule.zone)
        return dataclasses.replace(series, series_until=series_until(series))

    async def occurrences(
        self, actor: Principal, start: datetime, end: datetime, include_cancelled: bool = False
    ) -> list[Occurrence]:
        """The occurrences in [start, end) of every meeting `actor` may see (a single
        meeting is one occurrence), in time order."""
        series = self.bookings.series
        if series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        if actor.meeting_scope is not None:
            meetings = [(await self.open(actor, actor.meeting_scope)).meeting]
        else:
            user = require_user(actor)
            mine = None if can_manage_meetings(actor) else user.id
            meetings = await series.store.meetings_between(start, end, mine)
        return await series.expand(meetings, start, end, include_cancelled)

    async def meeting_occurrences(
        self, actor: Principal, meeting_id: MeetingId, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """One meeting's occurrences in [start, end), cancelled ones included."""
        series = self.bookings.series
        if series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        meeting = (await self.open(actor, meeting_id)).meeting
        return await series.expand([meeting], start, end, include_cancelled=True)

    async def edit_occurrence(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        recurrence_id: datetime,
        scope: Scope,
        change: OccurrenceChange,
    ) -> MeetingId:
        """Change one occurrence, or it and the following (a split: the id returned
        is the new series')."""
        changed = await self.occurrence_edits.edit(actor, meeting_id, recurrence_id, scope, change)
        await self.audit.record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "new_series": changed,
            "changes": {k: v for k, v in dataclasses.asdict(change).items() if v is not None},
        })  # fmt: skip
        return changed

    async def cancel_occurrence(
        self, actor: Principal, meeting_id: MeetingId, recurrence_id: datetime, scope: Scope
    ) -> None:
        await self.occurrence_edits.cancel(actor, meeting_id, recurrence_id, scope)
        await self.audit.record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "cancelled": True,
        })  # fmt: skip

    async def overrides_of(self, actor: Principal, meeting_id: MeetingId) -> list[MeetingOverride]:
        """The exceptions to a series' occurrences (none for a single meeting)."""
        meeting = (await self.open(actor, meeting_id)).meeting
        return await self.bookings.overrides(meeting)


def _validated(meeting: Meeting) -> Meeting:
    title = meeting.title.strip()
    check_title(title)
    if len(meeting.description) > MAX_DESCRIPTION:
        raise Invalid("description_too_long", N_("The description is too long."))
    if len(meeting.location) > MAX_LOCATION:
        raise Invalid("location_too_long", N_("The location is too long (300 characters at most)."))
    check_times(meeting.starts_at, meeting.ends_at)
    return dataclasses.replace(meeting, title=title, location=meeting.location.strip())
