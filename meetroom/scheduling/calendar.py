"""The calendar of rooms: what a week or a day looks like in one viewer's time zone.

Everything is laid out on the viewer's wall clock: a meeting at 09:00 local time sits
on the 09:00 line even on the day the clocks change, and the grid's half-hour slots are
wall-clock half hours (a slot that does not exist on that day, in the hour skipped in
spring, is a "gap"). Positions are quarter-hour grid lines counted from the first line
of the grid, so that a page can place blocks with classes and no inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from meetroom.ids import MeetingId, RoomId
from meetroom.records.rooms import Room

STEP = 15  # minutes between two grid lines
SLOT = 30  # minutes of one bookable slot
DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (7, 19)
MAX_LANES = 4  # side by side; more overlapping meetings share the last lane


@dataclass(frozen=True, slots=True)
class Entry:
    """One meeting (or, with recurring meetings, one occurrence) on the calendar."""

    meeting_id: MeetingId
    title: str
    starts_at: datetime
    ends_at: datetime
    room_id: RoomId | None
    recurrence_id: str | None = None
    cancelled: bool = False


class SlotState(StrEnum):
    FREE = "free"  # may be booked by this viewer
    VIEW = "view"  # open, but this viewer does not book here
    BUSY = "busy"  # the room is held by a meeting
    CLOSED = "closed"  # outside the room's days or hours
    PAST = "past"
    GAP = "gap"  # a wall-clock time that does not exist that day (clocks go forward)


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime
    local_start: datetime  # naive, the viewer's wall clock
    local_end: datetime
    line: int  # first grid line (1-based)
    end_line: int
    state: SlotState


@dataclass(frozen=True, slots=True)
class Block:
    entry: Entry
    local_start: datetime  # naive wall clock, clipped to the day
    local_end: datetime
    line: int
    end_line: int
    lane: int  # 1-based
    continues_before: bool
    continues_after: bool


@dataclass(slots=True)
class Cell:
    """One room (None: meetings without a room) on one day."""

    room: Room | None
    day: date
    slots: list[Slot] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    lanes: int = 1


@dataclass(slots=True)
class Grid:
    days: list[date]
    rooms: list[Room | None]
    first_minute: int  # wall-clock minutes after midnight of the first line
    last_minute: int
    cells: dict[tuple[RoomId | None, date], Cell]

    @property
    def lines(self) -> int:
        """Grid tracks between the first and the last line."""
        return (self.last_minute - self.first_minute) // STEP

    def cell(self, room: Room | None, day: date) -> Cell:
        return self.cells[(room.id if room else None, day)]

    def hour_marks(self) -> list[tuple[int, time]]:
        """(grid line, wall-clock hour) of every full hour of the grid."""
        return [
            (self.line_of(minute), time(minute // 60))
            for minute in range(self.first_minute, self.last_minute, 60)
        ]

    def line_of(self, minute: int) -> int:
        return (minute - self.first_minute) // STEP + 1


def week_of(day: date) -> list[date]:
    """The Monday-to-Sunday week that contains `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone`, in UTC."""
    return to_utc(datetime.combine(day, time()), zone)


def to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times skipped when the clocks go forward."""
    return to_utc(wall, zone).astimezone(zone).replace(tzinfo=None) == wall


def overlapping(entries: Iterable[Entry], start: datetime, end: datetime) -> list[Entry]:
    """The entries that overlap [start, end), by start time."""
    found = [e for e in entries if e.starts_at < end and e.ends_at > start]
    return sorted(found, key=lambda e: (e.starts_at, e.ends_at, e.title))


def by_local_day(entries: Iterable[Entry], zone: ZoneInfo) -> list[tuple[date, list[Entry]]]:
    """Entries grouped by the viewer's day they start on (for the list view)."""
    groups: dict[date, list[Entry]] = {}
    for e in sorted(entries, key=lambda e: (e.starts_at, e.ends_at, e.title)):
        groups.setdefault(e.starts_at.astimezone(zone).date(), []).append(e)
    return sorted(groups.items())


@dataclass(frozen=True, slots=True)
class _Part:
    entry: Entry
    day: date
    start_minute: int
    end_minute: int
    local_start: datetime
    local_end: datetime
    continues_before: bool
    continues_after: bool


def _parts(entry: Entry, days: Sequence[date], zone: ZoneInfo) -> list[_Part]:
    """The piece of the entry on each of the days, in wall-clock minutes."""
    parts = []
    for day in days:
        day_start = local_midnight(day, zone)
        day_end = local_midnight(day + timedelta(days=1), zone)
        start = max(entry.starts_at, day_start)
        end = min(entry.ends_at, day_end)
        if start >= end:
            continue
        wall_start = start.astimezone(zone).replace(tzinfo=None)
        wall_end = end.astimezone(zone).replace(tzinfo=None)
        start_minute = wall_start.hour * 60 + wall_start.minute
        end_minute = DAY_MINUTES if end == day_end else wall_end.hour * 60 + wall_end.minute
        # An hour repeated in autumn can make the end read earlier than the start.
        end_minute = max(end_minute, start_minute + 1)
        parts.append(
            _Part(
                entry, day, start_minute, end_minute, wall_start, wall_end,
                entry.starts_at < day_start, entry.ends_at > day_end,
            )
        )  # fmt: skip
    return parts


def _lanes(parts: list[_Part]) -> tuple[list[int], int]:
    """Side-by-side lanes for overlapping pieces: each piece takes the first free lane."""
    ends: list[int] = []
    lanes = []
    for p in parts:
        for i, end in enumerate(ends):
            if end <= p.start_minute:
                ends[i] = p.end_minute
                lanes.append(i + 1)
                break
        else:
            if len(ends) < MAX_LANES:
                ends.append(p.end_minute)
                lanes.append(len(ends))
            else:
                ends[-1] = max(ends[-1], p.end_minute)
                lanes.append(MAX_LANES)
    return lanes, max(1, len(ends))


def build_grid(
    days: Sequence[date],
    rooms: Sequence[Room],
    entries: Sequence[Entry],
    zone: ZoneInfo,
    now: datetime,
    may_book: Callable[[Room | None], bool],
    is_open: Callable[[Room, datetime, datetime], bool],
    hours: tuple[int, int] = DEFAULT_HOURS,
) -> Grid:
    """The rooms (then one lane for meetings without a room or in a room not shown)
    over `days`, from `hours` extended to every meeting shown."""
    known = {r.id for r in rooms}
    lanes: list[Room | None] = [*rooms, None]
    parts = [p for e in entries for p in _parts(e, days, zone)]
    first = min([hours[0] * 60, *(p.start_minute // 60 * 60 for p in parts)])
    last = max([hours[1] * 60, *(math.ceil(p.end_minute / 60) * 60 for p in parts)])
    grid = Grid(list(days), lanes, first, last, {})
    for room in lanes:
        rid = room.id if room else None
        for day in days:
            mine = [p for p in parts if p.day == day and _lane_of(p.entry, known) == rid]
            mine.sort(key=lambda p: (p.start_minute, -p.end_minute, p.entry.title))
            cell = Cell(room, day)
            numbers, cell.lanes = _lanes(mine)
            cell.blocks = [
                Block(
                    p.entry, p.local_start, p.local_end,
                    grid.line_of(p.start_minute // STEP * STEP),
                    grid.line_of(math.ceil(p.end_minute / STEP) * STEP),
                    lane, p.continues_before, p.continues_after,
                )
                for p, lane in zip(mine, numbers, strict=True)
            ]  # fmt: skip
            taken = [
                p.entry
                for p in mine
                if room is not None and not room.virtual_only and not p.entry.cancelled
            ]
            cell.slots = _slots(grid, room, day, zone, now, taken, may_book(room), is_open)
            grid.cells[(rid, day)] = cell
    return grid


def _lane_of(entry: Entry, known: set[RoomId]) -> RoomId | None:
    return entry.room_id if entry.room_id in known else None


def _slots(
    grid: Grid,
    room: Room | None,
    day: date,
    zone: ZoneInfo,
    now: datetime,
    taken: list[Entry],
    bookable: bool,
    is_open: Callable[[Room, datetime, datetime], bool],
) -> list[Slot]:
    slots = []
    midnight = datetime.combine(day, time())
    for minute in range(grid.first_minute, grid.last_minute, SLOT):
        wall_start = midnight + timedelta(minutes=minute)
        wall_end = wall_start + timedelta(minutes=SLOT)
        start, end = to_utc(wall_start, zone), to_utc(wall_end, zone)
        if not exists(wall_start, zone) or end <= start:
            state = SlotState.GAP
        elif room is not None and not is_open(room, start, end):
            state = SlotState.CLOSED
        elif start < now:
            state = SlotState.PAST
        elif any(e.starts_at < end and e.ends_at > start for e in taken):
            state = SlotState.BUSY
        else:
            state = SlotState.FREE if bookable else SlotState.VIEW
        slots.append(
            Slot(
                start, end, wall_start, wall_end,
                grid.line_of(minute), grid.line_of(minute + SLOT), state,
            )
        )  # fmt: skip
    return slots
