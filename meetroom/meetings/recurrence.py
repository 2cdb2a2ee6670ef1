"""Recurring meetings: the rule (a small subset of RFC 5545 RRULE), its validation,
and the expansion of a series into occurrences with its exceptions applied.

A series is one meeting row: starts_at/ends_at is the first occurrence, the rule is
expanded in the series' own IANA zone (so that 09:00 stays 09:00 local across a DST
change) and nothing is materialised: occurrences are computed for the time asked.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil import rrule as du

from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid
from meetroom.ids import MeetingId, RoomId
from meetroom.records.meetings import Meeting, MeetingOverride

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_OCCURRENCES = 500
MAX_YEARS = 5
MAX_INTERVAL = 99
_DU_WEEKDAYS = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)


class Freq(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


_DU_FREQ = {Freq.DAILY: du.DAILY, Freq.WEEKLY: du.WEEKLY, Freq.MONTHLY: du.MONTHLY}


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How a series repeats: every `interval` days/weeks/months, until a local date
    (inclusive) or `count` times."""

    freq: Freq
    zone: str
    interval: int = 1
    # WEEKLY: the weekdays ("MO" … "SU"); empty: the first meeting's weekday.
    weekdays: tuple[str, ...] = ()
    # MONTHLY on a day of the month (1–31; months without it are skipped) …
    month_day: int | None = None
    # … or on the n-th weekday: nth 1–5, or -1 (last) … -5, with `weekday`.
    nth: int | None = None
    weekday: str | None = None
    until: date | None = None
    count: int | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One meeting in time: a single meeting, or one occurrence of a series."""

    meeting_id: MeetingId
    # The occurrence's original start (UTC); None for a single meeting.
    recurrence_id: datetime | None
    starts_at: datetime
    ends_at: datetime
    title: str
    room_id: RoomId | None
    # Moved, retitled or in another room by an override.
    is_exception: bool = False
    cancelled: bool = False


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid("bad_time_zone", N_("Unknown time zone: {zone}."), zone=name) from None


# -- the rule as RRULE text ---------------------------------------------------------


def until_instant(rec: Recurrence) -> datetime | None:
    """The last second of the `until` day in the series' zone."""
    if rec.until is None:
        return None
    return datetime.combine(rec.until, time(23, 59, 59), tzinfo=zone_of(rec.zone))


def to_rrule(rec: Recurrence) -> str:
    parts = [f"FREQ={rec.freq.name}"]
    if rec.interval != 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.freq is Freq.WEEKLY and rec.weekdays:
        parts.append("BYDAY=" + ",".join(rec.weekdays))
    if rec.freq is Freq.MONTHLY and rec.month_day is not None:
        parts.append(f"BYMONTHDAY={rec.month_day}")
    if rec.freq is Freq.MONTHLY and rec.nth is not None:
        parts.append(f"BYDAY={rec.nth}{rec.weekday}")
    until = until_instant(rec)
    if until is not None:
        parts.append("UNTIL=" + until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    if rec.count is not None:
        parts.append(f"COUNT={rec.count}")
    return ";".join(parts)


def _unsupported(part: str) -> Invalid:
    return Invalid(
        "rrule_unsupported",
        N_("This repeat rule is not supported: {part}. Meetings repeat daily, weekly on "
           "chosen weekdays, or monthly on a day or on the n-th weekday."),
        part=part,
    )  # fmt: skip


def parse_rrule(text: str, zone: str) -> Recurrence:
    """The structured form of RRULE text written by `to_rrule` (or by hand, within
    the same subset); anything else is refused."""
    fields: dict[str, str] = {}
    for part in text.strip().removeprefix("RRULE:").split(";"):
        key, sep, value = part.partition("=")
        if not sep or key.upper() in fields:
            raise _unsupported(part)
        fields[key.upper()] = value.upper()
    try:
        freq = Freq(fields.pop("FREQ", "").lower())
    except ValueError:
        raise _unsupported("FREQ=" + text) from None
    values: dict[str, object] = {}
    try:
        if "INTERVAL" in fields:
            values["interval"] = int(fields.pop("INTERVAL"))
        if "COUNT" in fields:
            values["count"] = int(fields.pop("COUNT"))
        if "BYMONTHDAY" in fields and freq is Freq.MONTHLY:
            values["month_day"] = int(fields.pop("BYMONTHDAY"))
        if "UNTIL" in fields:
            raw = fields.pop("UNTIL")
            instant = datetime.strptime(raw.rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            values["until"] = instant.astimezone(zone_of(zone)).date()
    except ValueError:
        raise _unsupported(text) from None
    if "BYDAY" in fields:
        days = fields.pop("BYDAY").split(",")
        if freq is Freq.WEEKLY and all(d in WEEKDAYS for d in days):
            values["weekdays"] = tuple(days)
        elif freq is Freq.MONTHLY and len(days) == 1 and days[0][-2:] in WEEKDAYS:
            try:
                values["nth"], values["weekday"] = int(days[0][:-2]), days[0][-2:]
            except ValueError:
                raise _unsupported("BYDAY=" + days[0]) from None
        else:
            raise _unsupported("BYDAY=" + ",".join(days))
    if fields:
        key = sorted(fields)[0]
        raise _unsupported(f"{key}={fields[key]}")
    return Recurrence(freq=freq, zone=zone, **values)  # type: ignore[arg-type]


# -- validation -----------------------------------------------------------------------


def validated(rec: Recurrence, starts_at: datetime) -> Recurrence:
    """The rule checked against its first meeting, with defaults filled in; Invalid
    with a clear message otherwise."""
    zone = zone_of(rec.zone)
    local = starts_at.astimezone(zone)
    if not 1 <= rec.interval <= MAX_INTERVAL:
        raise Invalid("bad_interval", N_("Repeat every 1 to 99 days, weeks or months."))
    if (rec.until is None) == (rec.count is None):
        raise Invalid(
            "series_unbounded",
            N_("A repeating meeting needs an end: a last date, or a number of times."),
        )
    weekdays: tuple[str, ...] = ()
    month_day, nth, weekday = rec.month_day, rec.nth, rec.weekday
    if rec.freq is Freq.WEEKLY:
        chosen = set(rec.weekdays) or {WEEKDAYS[local.weekday()]}
        if not chosen <= set(WEEKDAYS):
            raise Invalid("bad_weekday", N_("Weekdays are MO, TU, WE, TH, FR, SA and SU."))
        weekdays = tuple(d for d in WEEKDAYS if d in chosen)
        month_day = nth = weekday = None
    elif rec.freq is Freq.MONTHLY:
        if nth is not None or weekday is not None:
            if month_day is not None:
                raise Invalid(
                    "monthly_day_or_weekday",
                    N_("A monthly meeting repeats on a day of the month or on the n-th "
                       "weekday, not both."),
                )  # fmt: skip
            if nth not in (1, 2, 3, 4, 5, -1, -2, -3, -4, -5) or weekday not in WEEKDAYS:
                raise Invalid(
                    "bad_nth_weekday",
                    N_("Choose the weekday and which one of the month: 1st to 5th, or "
                       "the last."),
                )  # fmt: skip
        else:
            month_day = local.day if month_day is None else month_day
            if not 1 <= month_day <= 31:
                raise Invalid("bad_month_day", N_("The day of the month is 1 to 31."))
    else:
        month_day = nth = weekday = None
    if rec.count is not None and not 1 <= rec.count <= MAX_OCCURRENCES:
        raise _too_many()
    if rec.until is not None:
        in_range(rec.until, "until")
        if rec.until < local.date():
            raise Invalid("until_before_start", N_("The last date is before the first meeting."))
        if rec.until > _add_years(local.date(), MAX_YEARS):
            raise Invalid("series_too_long", N_("A meeting repeats for 5 years at most."))
    result = dataclasses.replace(
        rec, weekdays=weekdays, month_day=month_day, nth=nth, weekday=weekday
    )
    rule = _rule(result, local)
    first = next(iter(rule), None)
    if first != local:
        raise Invalid(
            "start_not_in_rule",
            N_("The first meeting is not on a day the meeting repeats on: move it to one "
               "of those days, or change the days."),
        )  # fmt: skip
    if sum(1 for _ in itertools.islice(rule, MAX_OCCURRENCES + 1)) > MAX_OCCURRENCES:
        raise _too_many()
    last = _last(rule)
    if last is not None and last.date() > _add_years(local.date(), MAX_YEARS):
        raise Invalid("series_too_long", N_("A meeting repeats for 5 years at most."))
    return result


def _too_many() -> Invalid:
    return Invalid(
        "too_many_occurrences", N_("A meeting repeats 500 times at most."), limit=MAX_OCCURRENCES
    )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- expansion -----------------------------------------------------------------------


def _rule(rec: Recurrence, dtstart: datetime) -> du.rrule:
    kwargs: dict[str, object] = {"dtstart": dtstart, "interval": rec.interval}
    if rec.freq is Freq.WEEKLY:
        kwargs["byweekday"] = [_DU_WEEKDAYS[WEEKDAYS.index(d)] for d in rec.weekdays]
    elif rec.freq is Freq.MONTHLY and rec.nth is not None and rec.weekday is not None:
        kwargs["byweekday"] = [_DU_WEEKDAYS[WEEKDAYS.index(rec.weekday)](rec.nth)]
    elif rec.freq is Freq.MONTHLY:
        kwargs["bymonthday"] = rec.month_day
    if rec.until is not None:
        kwargs["until"] = until_instant(rec)
    if rec.count is not None:
        kwargs["count"] = rec.count
    return du.rrule(_DU_FREQ[rec.freq], **kwargs)  # type: ignore[arg-type]


def _last(rule: du.rrule) -> datetime | None:
    last = None
    for at in itertools.islice(rule, MAX_OCCURRENCES + 1):
        last = at
    return last


def recurrence_of(meeting: Meeting) -> Recurrence | None:
    if not meeting.rrule:
        return None
    return parse_rrule(meeting.rrule, meeting.series_zone or "UTC")


def series_rule(meeting: Meeting) -> du.rrule | None:
    rec = recurrence_of(meeting)
    if rec is None:
        return None
    return _rule(rec, meeting.starts_at.astimezone(zone_of(rec.zone)))


def natural_starts(
    meeting: Meeting, start: datetime | None = None, end: datetime | None = None
) -> list[datetime]:
    """The series' own occurrence starts (UTC), those starting in [start, end) if given."""
    rule = series_rule(meeting)
    if rule is None:
        return [meeting.starts_at.astimezone(UTC)]
    result = []
    for local in itertools.islice(rule, MAX_OCCURRENCES):
        at = local.astimezone(UTC)
        if end is not None and at >= end:
            break
        if start is None or at >= start:
            result.append(at)
    return result


def is_occurrence(meeting: Meeting, recurrence_id: datetime) -> bool:
    return recurrence_id.astimezone(UTC) in natural_starts(
        meeting, recurrence_id, recurrence_id + timedelta(seconds=1)
    )


def series_until(meeting: Meeting, overrides: Iterable[MeetingOverride] = ()) -> datetime | None:
    """The end of the series' last occurrence, moved ones included; None for a single
    meeting."""
    if not meeting.rrule:
        return None
    starts = natural_starts(meeting)
    ends = [starts[-1] + (meeting.ends_at - meeting.starts_at)] if starts else []
    ends += [o.ends_at for o in overrides if o.ends_at is not None and not o.cancelled]
    return max(ends) if ends else meeting.ends_at


def occurrences(
    meeting: Meeting,
    overrides: Iterable[MeetingOverride],
    start: datetime,
    end: datetime,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """The occurrences sharing some time with [start, end), overrides applied."""
    if not meeting.rrule:
        if meeting.starts_at < end and meeting.ends_at > start:
            return [
                Occurrence(meeting.id, None, meeting.starts_at, meeting.ends_at, meeting.title,
                           meeting.room_id)
            ]  # fmt: skip
        return []
    length = meeting.ends_at - meeting.starts_at
    by_id = {o.recurrence_id.astimezone(UTC): o for o in overrides}
    result = []
    for rid in natural_starts(meeting, start - length, end):
        if rid in by_id:
            continue
        if rid + length > start:
            result.append(
                Occurrence(meeting.id, rid, rid, rid + length, meeting.title, meeting.room_id)
            )
    for rid, o in by_id.items():
        occ = apply_override(meeting, rid, o)
        if occ.starts_at < end and occ.ends_at > start and (include_cancelled or not o.cancelled):
            if is_occurrence(meeting, rid):
                result.append(occ)
    result.sort(key=lambda o: (o.starts_at, o.recurrence_id or o.starts_at))
    return result


def apply_override(meeting: Meeting, rid: datetime, o: MeetingOverride | None) -> Occurrence:
    length = meeting.ends_at - meeting.starts_at
    if o is None:
        return Occurrence(meeting.id, rid, rid, rid + length, meeting.title, meeting.room_id)
    return Occurrence(
        meeting_id=meeting.id,
        recurrence_id=rid,
        starts_at=o.starts_at or rid,
        ends_at=o.ends_at or (o.starts_at or rid) + length,
        title=o.title or meeting.title,
        room_id=o.room_id or meeting.room_id,
        is_exception=o.starts_at is not None or o.title is not None or o.room_id is not None,
        cancelled=o.cancelled,
    )


def truncated(rec: Recurrence, before: datetime) -> Recurrence:
    """The rule ending just before the occurrence starting at `before` (at most one
    occurrence a day, so the day before is the last one's)."""
    last_day = before.astimezone(zone_of(rec.zone)).date() - timedelta(days=1)
    return dataclasses.replace(rec, until=last_day, count=None)


def remaining(meeting: Meeting, rec: Recurrence, from_rid: datetime) -> Recurrence:
    """The rule of a series continuing from the occurrence `from_rid` on."""
    if rec.count is None:
        return rec
    done = len(natural_starts(meeting, None, from_rid))
    return dataclasses.replace(rec, count=rec.count - done)


def rid_text(value: datetime) -> str:
    """A recurrence id in URLs: 20261201T020000Z."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_rid(text: str) -> datetime:
    try:
        rid = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(
            "bad_recurrence_id",
            N_("An occurrence is named by its original start in UTC, like 20261201T020000Z."),
        ) from None
    return in_range(rid, "recurrence_id")
