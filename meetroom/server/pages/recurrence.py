"""The "Repeats" part of the meeting form and how a series reads on its page (the
occurrence forms are in occurrences.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web
from babel import Locale
from babel.dates import format_date

from meetroom.errors import N_, Invalid
from meetroom.meetings.recurrence import (
    WEEKDAYS,
    Freq,
    Recurrence,
    recurrence_of,
    rid_text,
    zone_of,
)
from meetroom.records.meetings import Meeting
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import local_input_value
from meetroom.server.render import gettext_for, locale_of
from meetroom.server.zones import display_zone

DAY_NAMES = {
    "MO": N_("Monday"), "TU": N_("Tuesday"), "WE": N_("Wednesday"), "TH": N_("Thursday"),
    "FR": N_("Friday"), "SA": N_("Saturday"), "SU": N_("Sunday"),
}  # fmt: skip
NTH_NAMES = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"),
             5: N_("fifth"), -1: N_("last")}  # fmt: skip
UPCOMING = 10


def form_values(meeting: Meeting | None) -> dict[str, str]:
    """The form's "Repeats" fields for a meeting (or a new one)."""
    values = {"repeat": "", "repeat_interval": "1", "repeat_monthly": "day",
              "repeat_end": "until", "repeat_until": "", "repeat_count": "10"}  # fmt: skip
    rec = recurrence_of(meeting) if meeting else None
    if rec is None:
        return values
    values.update(repeat=rec.freq.value, repeat_interval=str(rec.interval), repeat_zone=rec.zone)
    for day in rec.weekdays:
        values[f"repeat_day_{day}"] = "on"
    if rec.nth is not None:
        values["repeat_monthly"] = "last" if rec.nth == -1 else "nth"
    if rec.until is not None:
        values["repeat_until"] = rec.until.isoformat()
    else:
        values.update(repeat_end="count", repeat_count=str(rec.count))
    return values


def parse_form(
    request: web.Request, form: dict[str, str], starts_at: datetime
) -> Recurrence | None:
    """The rule typed in the form, in the server's zone (a series kept in another zone
    keeps it); None: does not repeat."""
    freq = form.get("repeat", "")
    if not freq:
        return None
    try:
        kind = Freq(freq)
        interval = int(form.get("repeat_interval") or 1)
    except ValueError:
        raise Invalid("bad_interval", N_("Repeat every 1 to 99 days, weeks or months.")) from None
    # The form's times are read in the viewer's zone; the series keeps to it.
    zone = form.get("repeat_zone") or display_zone(request)
    local = starts_at.astimezone(zone_of(zone))
    fields: dict[str, Any] = {}
    if kind is Freq.WEEKLY:
        fields["weekdays"] = tuple(d for d in WEEKDAYS if form.get(f"repeat_day_{d}"))
    elif kind is Freq.MONTHLY and form.get("repeat_monthly") in ("nth", "last"):
        weekday = WEEKDAYS[local.weekday()]
        nth = -1 if form["repeat_monthly"] == "last" else (local.day - 1) // 7 + 1
        fields.update(nth=nth, weekday=weekday)
    try:
        if form.get("repeat_end") == "count":
            fields["count"] = int(form.get("repeat_count") or 0)
        elif form.get("repeat_until"):
            fields["until"] = date.fromisoformat(form["repeat_until"])
    except ValueError:
        raise Invalid(
            "bad_repeat_end", N_("Enter the last date (e.g. 2027-03-01) or a number of times.")
        ) from None
    return Recurrence(freq=kind, zone=zone, interval=interval, **fields)


def describe(request: web.Request, meeting: Meeting) -> str:
    """ "Repeats every week on Monday and Wednesday until 1 March 2027", translated."""
    rec = recurrence_of(meeting)
    if rec is None:
        return ""

    def t(message: str, **params: object) -> str:
        return gettext_for(request, message, **params)

    if rec.interval == 1:
        unit = {Freq.DAILY: N_("Repeats every day"), Freq.WEEKLY: N_("Repeats every week"),
                Freq.MONTHLY: N_("Repeats every month")}[rec.freq]  # fmt: skip
        text = t(unit)
    else:
        unit = {Freq.DAILY: N_("Repeats every {n} days"),
                Freq.WEEKLY: N_("Repeats every {n} weeks"),
                Freq.MONTHLY: N_("Repeats every {n} months")}[rec.freq]  # fmt: skip
        text = t(unit, n=rec.interval)
    if rec.weekdays:
        names = [t(DAY_NAMES[d]) for d in rec.weekdays]
        days = names[0] if len(names) == 1 else t(
            N_("{some} and {last}"), some=", ".join(names[:-1]), last=names[-1]
        )  # fmt: skip
        text += " " + t(N_("on {days}"), days=days)
    elif rec.month_day is not None:
        text += " " + t(N_("on day {day}"), day=rec.month_day)
    elif rec.nth is not None and rec.weekday is not None:
        text += " " + t(
            N_("on the {nth} {weekday}"),
            nth=t(NTH_NAMES.get(rec.nth, NTH_NAMES[-1])), weekday=t(DAY_NAMES[rec.weekday]),
        )  # fmt: skip
    if rec.until is not None:
        when = format_date(rec.until, "d MMMM y", locale=Locale.parse(locale_of(request)))
        text += " " + t(N_("until {date}"), date=when)
    else:
        text += " " + t(N_("{count} times"), count=rec.count)
    if rec.zone != display_zone(request):
        text += f" ({rec.zone})"
    return text


async def series_context(request: web.Request, meeting: Meeting) -> dict[str, Any]:
    """For the meeting page: how it repeats and its next occurrences."""
    if not meeting.rrule:
        return {"repeats": "", "upcoming": []}
    first = rid_text(meeting.starts_at)
    svc = services(request).meetings
    now = svc.clock.now()
    occs = await svc.meeting_occurrences(
        principal(request), meeting.id, now, now + timedelta(days=400)
    )
    return {
        "repeats": describe(request, meeting),
        "upcoming": [(rid_text(o.recurrence_id), o) for o in occs[:UPCOMING] if o.recurrence_id],
        "first_rid": first,
        "when_input": lambda value: local_input_value(request, value),
    }
