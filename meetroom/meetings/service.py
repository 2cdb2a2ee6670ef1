"""Meetings (single or a series) and what changes them; participants and join links
come from `ParticipantService`, access from `MeetingCore`."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from meetroom.accounts.service import require_user
from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid, NotFound
from meetroom.ids import MeetingId, RoomId, new_id
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.core import (
    MAX_DESCRIPTION as MAX_DESCRIPTION,
)
from meetroom.meetings.core import (
    MAX_DURATION as MAX_DURATION,
)
from meetroom.meetings.core import (
    MAX_LOCATION as MAX_LOCATION,
)
from meetroom.meetings.core import (
    MAX_NAME as MAX_NAME,
)
from meetroom.meetings.core import (
    MAX_TITLE as MAX_TITLE,
)
from meetroom.meetings.core import (
    JoinedParticipant as JoinedParticipant,
)
from meetroom.meetings.core import (
    MeetingAccess as MeetingAccess,
)
from meetroom.meetings.core import (
    can_manage_meetings as can_manage_meetings,
)
from meetroom.meetings.core import field_changes
from meetroom.meetings.core import (
    require_meeting_manager as require_meeting_manager,
)
from meetroom.meetings.occurrence_edits import OccurrenceChange, OccurrenceEdits, Scope
from meetroom.meetings.participants import ParticipantService
from meetroom.meetings.recurrence import (
    Occurrence,
    Recurrence,
    recurrence_of,
    series_until,
    to_rrule,
    validated,
)
from meetroom.meetings.series import all_occurrences
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.meetings import Meeting, MeetingOverride, MeetingStatus

logger = logging.getLogger(__name__)


class MeetingService(ParticipantService):
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
        await self._check_room(actor, meeting)
        await self._save(meeting, create=True)
        logger.info("meeting %s created by %s", meeting.id, actor.user and actor.user.username)
        await self._record(actor, AuditAction.MEETING_CREATED, meeting.id, {
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
            await self._check_room(actor, updated)
        if retimed:
            people = await self.store.list_participants(meeting_id)
            await self._check_free(updated, [p.user_id for p in people if p.user_id])
        updated = await self._save(updated)
        changes = field_changes(meeting, updated)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, changes)
        for watcher in self.watchers:
            await watcher.meeting_changed(actor, meeting, updated)
        return updated

    async def delete(self, actor: Principal, meeting_id: MeetingId) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        lifecycle_rules.check_delete(meeting)
        people = await self.store.list_participants(meeting_id) if self.watchers else []
        await self.store.delete_meeting(meeting_id)
        logger.info("meeting %s deleted", meeting_id)
        await self._record(actor, AuditAction.MEETING_DELETED, meeting_id, {
            "title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
        })  # fmt: skip
        for listener in self.rights_listeners:  # its open sockets close
            await listener.meeting_access_changed(meeting_id)
        for watcher in self.watchers:
            await watcher.meeting_deleted(actor, meeting, people)

    # -- series ------------------------------------------------------------------

    def _with_recurrence(self, meeting: Meeting, rule: Recurrence | None) -> Meeting:
        if rule is None:
            return dataclasses.replace(meeting, rrule=None, series_zone=None, series_until=None)
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        rule = validated(rule, meeting.starts_at)
        series = dataclasses.replace(meeting, rrule=to_rrule(rule), series_zone=rule.zone)
        return dataclasses.replace(series, series_until=series_until(series))

    async def _save(self, meeting: Meeting, create: bool = False) -> Meeting:
        """Writes the meeting under a lock on its room, after refusing (room_taken) a
        booking in the way of one of its occurrences."""
        if self.series is None:
            # The store refuses an overlapping booking of the room, atomically.
            if create:
                await self.store.create_meeting(meeting)
            elif not await self.store.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            return meeting
        overrides = [] if create else await self._overrides(meeting)
        meeting = dataclasses.replace(meeting, series_until=series_until(meeting, overrides))

        async def writes(tx: Any) -> None:
            if create:
                await tx.create_meeting(meeting)
                return
            if not await tx.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            await tx.replace_overrides(meeting.id, overrides)

        occs = all_occurrences(meeting, overrides)
        await self.series.write(occs, {meeting.id}, writes, meeting.series_zone)
        return meeting

    async def occurrences(
        self, actor: Principal, start: datetime, end: datetime, include_cancelled: bool = False
    ) -> list[Occurrence]:
        """The occurrences in [start, end) of every meeting `actor` may see (a single
        meeting is one occurrence), in time order."""
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        if actor.meeting_scope is not None:
            meetings = [(await self.open(actor, actor.meeting_scope)).meeting]
        else:
            user = require_user(actor)
            mine = None if can_manage_meetings(actor) else user.id
            meetings = await self.series.store.meetings_between(start, end, mine)
        return await self.series.expand(meetings, start, end, include_cancelled)

    async def meeting_occurrences(
        self, actor: Principal, meeting_id: MeetingId, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """One meeting's occurrences in [start, end), cancelled ones included."""
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        meeting = (await self.open(actor, meeting_id)).meeting
        return await self.series.expand([meeting], start, end, include_cancelled=True)

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
        changed = await OccurrenceEdits(self).edit(actor, meeting_id, recurrence_id, scope, change)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "new_series": changed,
            "changes": {k: v for k, v in dataclasses.asdict(change).items() if v is not None},
        })  # fmt: skip
        return changed

    async def cancel_occurrence(
        self, actor: Principal, meeting_id: MeetingId, recurrence_id: datetime, scope: Scope
    ) -> None:
        await OccurrenceEdits(self).cancel(actor, meeting_id, recurrence_id, scope)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "cancelled": True,
        })  # fmt: skip

    async def overrides_of(self, actor: Principal, meeting_id: MeetingId) -> list[MeetingOverride]:
        """The exceptions to a series' occurrences (none for a single meeting)."""
        meeting = (await self.open(actor, meeting_id)).meeting
        return await self._overrides(meeting)


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
    in_range(meeting.starts_at, "starts_at")
    in_range(meeting.ends_at, "ends_at")
    if meeting.ends_at <= meeting.starts_at:
        raise Invalid("ends_before_start", N_("The meeting must end after it starts."))
    if meeting.ends_at - meeting.starts_at > MAX_DURATION:
        raise Invalid("too_long", N_("A meeting lasts 31 days at most."))
    return dataclasses.replace(meeting, title=title, location=meeting.location.strip())
