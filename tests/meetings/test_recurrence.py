"""Expansion of recurring meetings: each kind of rule, until vs count, DST in the
series' own zone, exceptions, and the refusals."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetroom.errors import Invalid
from meetroom.ids import MeetingId, RoomId
from meetroom.meetings.occurrence_edits import moved_rule
from meetroom.meetings.recurrence import (
    Freq,
    Recurrence,
    occurrences,
    parse_rrule,
    remaining,
    series_until,
    to_rrule,
    truncated,
    validated,
)
from meetroom.records.meetings import Meeting, MeetingOverride

BERLIN = "Europe/Berlin"
HANOI = "Asia/Ho_Chi_Minh"
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def series(start: datetime, rule: Recurrence, hours: float = 1) -> Meeting:
    rule = validated(rule, start)
    return Meeting(
        id=MeetingId("m1"), title="Weekly", description="", location="", starts_at=start,
        ends_at=start + timedelta(hours=hours), created_by=None, created_at=start,
        updated_at=start, room_id=RoomId("r1"), rrule=to_rrule(rule), series_zone=rule.zone,
    )  # fmt: skip


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def starts(meeting: Meeting, overrides: list[MeetingOverride] | None = None) -> list[datetime]:
    return [o.starts_at for o in occurrences(meeting, overrides or [], *EVER)]


def test_weekly_at_nine_in_berlin_across_both_dst_changes() -> None:
    """09:00 in Berlin stays 09:00 there: UTC 08:00 in winter, 07:00 in summer, and
    08:00 again after October's change (Hanoi, the server's zone, has no DST)."""
    first = local(BERLIN, 2027, 3, 22, 9, 0)  # Monday, CET
    m = series(first, Recurrence(Freq.WEEKLY, BERLIN, weekdays=("MO",), until=date(2027, 11, 8)))
    got = starts(m)
    assert got[0] == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert got[1] == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # after 28 March
    assert got[-2] == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)  # after 31 October
    assert got[-1] == datetime(2027, 11, 8, 8, 0, tzinfo=UTC)  # until is inclusive
    assert {g.astimezone(ZoneInfo(BERLIN)).time().hour for g in got} == {9}
    assert {g.astimezone(ZoneInfo(HANOI)).hour for g in got} == {14, 15}
    assert m.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20271108T225959Z"


def test_new_york_november_change_and_exceptions() -> None:
    """Moved, retitled and cancelled occurrences in a series crossing New York's
    November change."""
    ny = "America/New_York"
    first = local(ny, 2027, 10, 25, 9, 0)  # Monday, EDT
    m = series(first, Recurrence(Freq.WEEKLY, ny, weekdays=("MO", "WE"), count=6))
    natural = starts(m)
    assert [n.hour for n in natural] == [13, 13, 13, 13, 14, 14]  # 7 November 2027
    moved_to = natural[4] + timedelta(hours=3)
    overrides = [
        MeetingOverride(m.id, natural[1], cancelled=True),
        MeetingOverride(m.id, natural[2], title="Budget special"),
        MeetingOverride(m.id, natural[4], starts_at=moved_to,
                        ends_at=moved_to + timedelta(hours=2)),
    ]  # fmt: skip
    occs = occurrences(m, overrides, *EVER)
    assert [o.starts_at for o in occs] == [natural[0], natural[2], natural[3], moved_to, natural[5]]
    assert occs[1].title == "Budget special" and occs[1].is_exception
    assert occs[3].ends_at - occs[3].starts_at == timedelta(hours=2)
    assert occs[3].recurrence_id == natural[4] and not occs[0].is_exception
    with_cancelled = occurrences(m, overrides, *EVER, include_cancelled=True)
    assert [o.cancelled for o in with_cancelled].count(True) == 1
    # A window: only what shares time with it, moved ones by their new time.
    window = occurrences(m, overrides, moved_to, moved_to + timedelta(minutes=1))
    assert [o.recurrence_id for o in window] == [natural[4]]
    assert series_until(m, overrides) == natural[5] + timedelta(hours=1)


def test_daily_interval_and_count() -> None:
    first = local(HANOI, 2026, 12, 1, 8, 0)
    m = series(first, Recurrence(Freq.DAILY, HANOI, interval=3, count=4))
    assert [s.day for s in starts(m)] == [1, 4, 7, 10]
    assert m.rrule == "FREQ=DAILY;INTERVAL=3;COUNT=4"


def test_monthly_by_day_and_by_nth_weekday() -> None:
    first = local(HANOI, 2027, 1, 31, 9, 0)
    by_day = series(first, Recurrence(Freq.MONTHLY, HANOI, until=date(2027, 6, 30)))
    # Months without a 31st are skipped.
    assert [s.month for s in starts(by_day)] == [1, 3, 5]
    last_friday = local(HANOI, 2027, 1, 29, 9, 0)
    m = series(last_friday, Recurrence(Freq.MONTHLY, HANOI, nth=-1, weekday="FR", count=4))
    assert [s.astimezone(ZoneInfo(HANOI)).date() for s in starts(m)] == [
        date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30)
    ]  # fmt: skip
    assert m.rrule == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4"
    second_tuesday = local(HANOI, 2027, 1, 12, 9, 0)
    m2 = series(second_tuesday, Recurrence(Freq.MONTHLY, HANOI, nth=2, weekday="TU", count=3))
    assert [s.day for s in starts(m2)] == [12, 9, 9]
    # The rule reads back as it was written.
    assert parse_rrule(m2.rrule or "", HANOI) == validated(
        Recurrence(Freq.MONTHLY, HANOI, nth=2, weekday="TU", count=3), second_tuesday
    )


def test_until_and_count_after_a_split() -> None:
    first = local(BERLIN, 2027, 3, 1, 9, 0)
    rule = validated(Recurrence(Freq.WEEKLY, BERLIN, weekdays=("MO",), count=10), first)
    m = series(first, rule)
    split_at = starts(m)[4]
    before = dataclasses.replace(m, rrule=to_rrule(truncated(rule, split_at)))
    assert starts(before) == starts(m)[:4]
    rest = remaining(m, rule, split_at)
    assert rest.count == 6
    after = series(split_at, rest)
    assert starts(after) == starts(m)[4:]
    # Moving the series one day later moves its weekdays with it.
    moved = moved_rule(rule, first, first + timedelta(days=1))
    assert moved.weekdays == ("TU",)


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (Recurrence(Freq.WEEKLY, HANOI), "series_unbounded"),
        (Recurrence(Freq.WEEKLY, HANOI, count=3, until=date(2027, 1, 1)), "series_unbounded"),
        (Recurrence(Freq.DAILY, HANOI, count=501), "too_many_occurrences"),
        (Recurrence(Freq.DAILY, HANOI, until=date(2028, 12, 31)), "too_many_occurrences"),
        (Recurrence(Freq.MONTHLY, HANOI, until=date(2032, 12, 31)), "series_too_long"),
        (Recurrence(Freq.WEEKLY, HANOI, weekdays=("WE",), count=3), "start_not_in_rule"),
        (Recurrence(Freq.WEEKLY, HANOI, weekdays=("XX",), count=3), "bad_weekday"),
        (Recurrence(Freq.DAILY, HANOI, interval=0, count=3), "bad_interval"),
        (Recurrence(Freq.DAILY, HANOI, until=date(2026, 11, 1)), "until_before_start"),
        (Recurrence(Freq.MONTHLY, HANOI, nth=6, weekday="TU", count=2), "bad_nth_weekday"),
        (Recurrence(Freq.MONTHLY, HANOI, month_day=1, nth=1, weekday="TU", count=2),
         "monthly_day_or_weekday"),
        (Recurrence(Freq.DAILY, "Mars/Olympus", count=2), "bad_time_zone"),
    ],
)  # fmt: skip
def test_refused_rules(rule: Recurrence, code: str) -> None:
    with pytest.raises(Invalid) as err:
        validated(rule, local(HANOI, 2026, 12, 1, 9, 0))  # a Tuesday
    assert err.value.code == code


@pytest.mark.parametrize(
    "text", ["FREQ=YEARLY;COUNT=2", "FREQ=DAILY;COUNT=2;BYHOUR=9", "FREQ=WEEKLY;BYDAY=1MO"]
)
def test_other_rrule_features_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_rrule(text, HANOI)
    assert err.value.code == "rrule_unsupported"
