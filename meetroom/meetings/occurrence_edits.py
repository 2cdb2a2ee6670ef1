"""Exceptions to a series: edit or cancel one occurrence, or this and the following.

- this: an override of that occurrence (moved, retitled, another room, cancelled).
- following: a split. The series ends just before that occurrence (UNTIL the day
  before); a new series (a new meeting, with copies of the participants but not the
  agenda or documents) starts at it with the changes. Exceptions after the split point
  move to the new series when their occurrence is still one of it (its time of day
  and days were not changed), and are dropped otherwise. From the first occurrence,
  "following" is the whole series.
- cancel following: the series ends just before that occurrence; its later
  exceptions are dropped.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from meetroom.clock import Clock
from meetroom.errors import N_, Invalid, NotFound
from meetroom.ids import MeetingId, RoomId, new_id
from meetroom.meetings.access import AccessCheck
from meetroom.meetings.limits import check_times, check_title
from meetroom.meetings.ports import MeetingStore
from meetroom.meetings.recurrence import (
    WEEKDAYS,
    Recurrence,
    apply_override,
    is_occurrence,
    recurrence_of,
    remaining,
    series_until,
    to_rrule,
    truncated,
    validated,
    zone_of,
)
from meetroom.meetings.series import SeriesBooking, all_occurrences, kept_overrides
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, MeetingOverride

logger = logging.getLogger(__name__)


class Scope(enum.StrEnum):
    THIS = "this"
    FOLLOWING = "following"


@dataclasses.dataclass(frozen=True, slots=True)
class OccurrenceChange:
    """What changes; None: unchanged. `room_id` is set only when `set_room`."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    title: str | None = None
    room_id: RoomId | None = None
    set_room: bool = False


def _not_found() -> NotFound:
    return NotFound("occurrence_not_found", N_("The meeting has no occurrence at that time."))


def moved_rule(rec: Recurrence, old: datetime, new: datetime) -> Recurrence:
    """The rule following its first meeting to another day: weekdays shift with it,
    and so does the day of the month."""
    zone = zone_of(rec.zone)
    days = (new.astimezone(zone).date() - old.astimezone(zone).date()).days
    if days == 0:
        return rec

    def shift(day: str) -> str:
        return WEEKDAYS[(WEEKDAYS.index(day) + days) % 7]

    return dataclasses.replace(
        rec,
        weekdays=tuple(shift(d) for d in rec.weekdays),
        weekday=shift(rec.weekday) if rec.weekday else None,
        month_day=new.astimezone(zone).day if rec.month_day is not None else None,
    )


class UpdateMeeting(Protocol):
    """`MeetingService.update`: a change of the whole series (editing its first
    occurrence "and the following") is an ordinary change of the meeting."""

    async def __call__(
        self, actor: Principal, meeting_id: MeetingId, **changes: Any
    ) -> Meeting: ...


class OccurrenceEdits:
    def __init__(
        self,
        store: MeetingStore,
        clock: Clock,
        *,
        access: AccessCheck,
        series: SeriesBooking | None,
        update: UpdateMeeting,
    ) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        # None: this server keeps no series, so no meeting has occurrences to edit.
        self.series = series
        self.update = update

    async def _series(
        self, actor: Principal, meeting_id: MeetingId, rid: datetime
    ) -> tuple[Meeting, list[MeetingOverride]]:
        meeting = await self.access.open_for_change(actor, meeting_id)
        if not meeting.rrule or not is_occurrence(meeting, rid):
            raise _not_found()
        assert self.series is not None
        stored = (await self.series.store.overrides([meeting.id]))[meeting.id]
        return meeting, stored

    async def edit(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        rid: datetime,
        scope: Scope,
        change: OccurrenceChange,
    ) -> MeetingId:
        """Returns the id of the meeting the occurrence now belongs to."""
        rid = rid.astimezone(UTC)
        meeting, overrides = await self._series(actor, meeting_id, rid)
        current = apply_override(
            meeting, rid, next((o for o in overrides if o.recurrence_id == rid), None)
        )
        starts = change.starts_at or current.starts_at
        if change.ends_at is not None:
            ends = change.ends_at
        else:
            ends = starts + (current.ends_at - current.starts_at)
        title = current.title if change.title is None else change.title.strip()
        _check(starts, ends, title)
        room_id = change.room_id if change.set_room else current.room_id
        if scope is Scope.THIS:
            await self._edit_one(actor, meeting, overrides, rid, starts, ends, title, room_id)
            return meeting.id
        delta = starts - rid
        length = ends - starts
        if rid == meeting.starts_at.astimezone(UTC):
            fields: dict[str, Any] = {"starts_at": meeting.starts_at + delta,
                                      "ends_at": meeting.starts_at + delta + length}  # fmt: skip
            if change.title is not None:
                fields["title"] = title
            if change.set_room:
                fields["room_id"] = room_id
            rec = recurrence_of(meeting)
            assert rec is not None
            fields["recurrence"] = moved_rule(rec, meeting.starts_at, fields["starts_at"])
            await self.update(actor, meeting.id, **fields)
            return meeting.id
        return await self._split(
            actor, meeting, overrides, rid, starts, length, change, title, room_id
        )

    async def _edit_one(
        self,
        actor: Principal,
        meeting: Meeting,
        overrides: list[MeetingOverride],
        rid: datetime,
        starts: datetime,
        ends: datetime,
        title: str,
        room_id: RoomId | None,
    ) -> None:
        natural_end = rid + (meeting.ends_at - meeting.starts_at)
        override = MeetingOverride(
            meeting_id=meeting.id,
            recurrence_id=rid,
            starts_at=starts if (starts, ends) != (rid, natural_end) else None,
            ends_at=ends if (starts, ends) != (rid, natural_end) else None,
            title=title if title != meeting.title else None,
            room_id=room_id if room_id != meeting.room_id else None,
        )
        others = [o for o in overrides if o.recurrence_id != rid]
        kept = others + ([override] if _changes(override) else [])
        if room_id is None and meeting.room_id is not None:
            raise Invalid(
                "occurrence_room_required",
                N_("One occurrence cannot give up the series' room: choose another room, "
                   "or change the whole series."),
            )  # fmt: skip
        await self._write(actor, meeting, kept, rid)

    async def _write(
        self,
        actor: Principal,
        meeting: Meeting,
        overrides: list[MeetingOverride],
        rid: datetime,
        new: tuple[Meeting, list[MeetingOverride]] | None = None,
    ) -> None:
        """Saves the series (and a new one split from it), refusing a taken room or a
        busy participant for the occurrences that changed."""
        series = self.series
        assert series is not None
        now = self.clock.now()
        meeting = dataclasses.replace(
            meeting, updated_at=now, series_until=series_until(meeting, overrides)
        )
        target = new or (meeting, overrides)
        occs = [o for o in all_occurrences(*target) if new or o.recurrence_id == rid]
        await series.check_room_rules(actor, target[0], occs)
        people = await self.store.list_participants(meeting.id)
        exclude = {meeting.id} | ({new[0].id} if new else set())
        await series.check_free(occs, [p.user_id for p in people if p.user_id], exclude)

        async def writes(tx: Any) -> None:
            if not await tx.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            await tx.replace_overrides(meeting.id, overrides)
            if new is not None:
                await tx.create_meeting(new[0])
                await tx.replace_overrides(new[0].id, new[1])
                await tx.copy_participants(meeting.id, new[0].id, now)

        await series.write(occs, exclude, writes, meeting.series_zone)

    async def _split(
        self,
        actor: Principal,
        meeting: Meeting,
        overrides: list[MeetingOverride],
        rid: datetime,
        starts: datetime,
        length: timedelta,
        change: OccurrenceChange,
        title: str,
        room_id: RoomId | None,
    ) -> MeetingId:
        rec = recurrence_of(meeting)
        assert rec is not None
        before = dataclasses.replace(meeting, rrule=to_rrule(truncated(rec, rid)))
        later_rule = moved_rule(remaining(meeting, rec, rid), rid, starts)
        now = self.clock.now()
        after = Meeting(
            id=MeetingId(new_id()),
            title=title if change.title is not None else meeting.title,
            description=meeting.description,
            location=meeting.location,
            starts_at=starts,
            ends_at=starts + length,
            created_by=actor.user.id if actor.user else meeting.created_by,
            created_at=now,
            updated_at=now,
            room_id=room_id if change.set_room else meeting.room_id,
        )
        later_rule = validated(later_rule, starts)
        after = dataclasses.replace(after, rrule=to_rrule(later_rule), series_zone=rec.zone)
        later = [o for o in overrides if o.recurrence_id >= rid]
        moved = [dataclasses.replace(o, meeting_id=after.id) for o in later]
        moved = kept_overrides(after, moved) if (starts, length) == (
            rid, meeting.ends_at - meeting.starts_at
        ) else []  # fmt: skip
        after = dataclasses.replace(after, series_until=series_until(after, moved))
        earlier = [o for o in overrides if o.recurrence_id < rid]
        await self._write(actor, before, earlier, rid, new=(after, moved))
        logger.info("series %s split at %s into %s", meeting.id, rid, after.id)
        return after.id

    async def cancel(
        self, actor: Principal, meeting_id: MeetingId, rid: datetime, scope: Scope
    ) -> None:
        rid = rid.astimezone(UTC)
        meeting, overrides = await self._series(actor, meeting_id, rid)
        if scope is Scope.THIS:
            old = next((o for o in overrides if o.recurrence_id == rid), None)
            cancelled = dataclasses.replace(
                old or MeetingOverride(meeting_id=meeting.id, recurrence_id=rid), cancelled=True
            )
            kept = [o for o in overrides if o.recurrence_id != rid] + [cancelled]
            await self._write(actor, meeting, kept, rid)
            return
        if rid == meeting.starts_at.astimezone(UTC):
            raise Invalid(
                "cancel_whole_series",
                N_("This is the first meeting of the series: delete the meeting to cancel "
                   "all of it."),
            )  # fmt: skip
        rec = recurrence_of(meeting)
        assert rec is not None
        before = dataclasses.replace(meeting, rrule=to_rrule(truncated(rec, rid)))
        await self._write(actor, before, [o for o in overrides if o.recurrence_id < rid], rid)


def _changes(o: MeetingOverride) -> bool:
    return o.cancelled or any(v is not None for v in (o.starts_at, o.title, o.room_id))


def _check(starts: datetime, ends: datetime, title: str) -> None:
    check_times(starts, ends)
    check_title(title)
