"""Days and times for tests, computed from a clock, so that "a meeting next week" stays
next week whatever day the suite runs on.

`now` is the clock the server under test reads: `site.clock.now()` for the in-process
servers (a SettableClock), `datetime.now(UTC)` for servers run as processes. Tests
that date meetings are marked `dates`; `make test-later` runs them again with the
system clock 400 days ahead (tests/test_dates.py keeps literal dates out of unmarked
files). Under faketime the servers, browsers, SQLite, PostgreSQL (whose own clock
stays: the product never asks it the time) and the shared Redis work; a private
redis-server (tests/redis_server.py) does not start, so tests needing one are not
for this mark.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The server's default time zone (Settings.timezone), UTC+7 all year.
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


def system_now() -> datetime:
    """The clock of servers run as processes."""
    return datetime.now(UTC)


def week_ahead(now: datetime, weekday: int, weeks: int = 1, zone: ZoneInfo = HANOI) -> date:
    """The `weekday` (0 = Monday) of the week `weeks` weeks after the one `now` is in,
    in `zone`: with weeks=1, between 1 and 13 days ahead."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks, days=weekday)


def days_ahead(now: datetime, days: int, zone: ZoneInfo = HANOI) -> date:
    """The day `days` days after the one `now` is in, in `zone` (negative: before)."""
    return now.astimezone(zone).date() + timedelta(days=days)


def at(day: date, hour: float, zone: ZoneInfo = HANOI) -> datetime:
    """`day` at `hour` (9.5 is 09:30) on the wall clock of `zone`."""
    minutes = round(hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)


def stamp(day: date, hour: float, zone: ZoneInfo = HANOI) -> str:
    """ISO 8601 with the zone's offset, as the API takes it: 2026-12-01T09:00:00+07:00."""
    return at(day, hour, zone).isoformat()


def utc_stamp(day: date, hour: float, zone: ZoneInfo = HANOI) -> str:
    """The same moment as the API returns it: 2026-12-01T02:00:00Z."""
    return at(day, hour, zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_stamp(day: date, hour: float) -> str:
    """ISO 8601 without an offset, which the API reads in the server's (or the caller's)
    zone: 2026-12-01T09:00:00."""
    return at(day, hour).strftime("%Y-%m-%dT%H:%M:%S")


def wall(day: date, hour: float) -> str:
    """A form's datetime-local value, without a zone: 2026-12-01T09:00."""
    return at(day, hour).strftime("%Y-%m-%dT%H:%M")
