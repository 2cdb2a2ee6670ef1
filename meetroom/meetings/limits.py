"""What a meeting's title and times may be: checked when a meeting is written
(`service`) and when one occurrence of a series is edited (`occurrence_edits`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_LOCATION = 300
MAX_DURATION = timedelta(days=31)


def check_title(title: str) -> None:
    """`title` already stripped."""
    if not title:
        raise Invalid("title_required", N_("The meeting needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid("title_too_long", N_("The title is too long (300 characters at most)."))


def check_times(starts: datetime, ends: datetime) -> None:
    if starts.tzinfo is None or ends.tzinfo is None:
        raise Invalid("time_zone_required", N_("Times must say their time zone."))
    in_range(starts, "starts_at")
    in_range(ends, "ends_at")
    if ends <= starts:
        raise Invalid("ends_before_start", N_("The meeting must end after it starts."))
    if ends - starts > MAX_DURATION:
        raise Invalid("too_long", N_("A meeting lasts 31 days at most."))
