"""The ranges the server accepts from outside, defined once: dates and times (meetings,
recurrence ends, calendar and audit queries) and whole numbers that reach the database.

Python's dates end in year 9999 and the database's integers at 2**63 - 1: a value near
either edge made arithmetic (a day later, a week's Monday, a time zone's offset) or the
database driver fail after it had been accepted. A value outside these ranges is refused
with 400 where it comes in, on the API, the pages and query strings alike.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TypeVar, overload

from meetroom.errors import N_, Invalid

D = TypeVar("D", bound=date)

FIRST_YEAR = 1970
LAST_YEAR = 2200
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)

# The same years as a regular expression, for the OpenAPI document's patterns
# (tests/test_bounds.py checks that the two agree).
YEAR_PATTERN = "(19[7-9][0-9]|20[0-9][0-9]|21[0-9][0-9]|2200)"
DATE_PATTERN = YEAR_PATTERN + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# Passwords chosen by people.
MIN_PASSWORD_LENGTH = 8

# A room's seats and tablets.
MAX_SEATS = 100_000

# Sequence numbers, cursors and counts are stored in 64-bit signed integers.
MAX_INT = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]+")


def out_of_range(field: str) -> Invalid:
    return Invalid(
        "date_out_of_range",
        N_("{field}: give a date between the years {first} and {last}."),
        details={"field": field},
        field=field,
        first=FIRST_YEAR,
        last=LAST_YEAR,
    )


def in_range(value: D, field: str) -> D:
    """`value` (a date, or a datetime: its year as written, in its own zone) if its year
    is in the range, else Invalid naming `field`."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise out_of_range(field)
    return value


@overload
def whole_number(
    text: str | None, field: str, default: int, low: int = ..., high: int = ...
) -> int: ...


@overload
def whole_number(
    text: str | None, field: str, default: None, low: int = ..., high: int = ...
) -> int | None: ...


def whole_number(
    text: str | None, field: str, default: int | None, low: int = 0, high: int = MAX_INT
) -> int | None:
    """A whole number from a query string or a form (ASCII digits only: "²" and "٣" are
    digits to str.isdigit but not to a person), between `low` and `high`."""
    text = (text or "").strip()
    if not text:
        return default
    if not _WHOLE.fullmatch(text):
        raise Invalid(
            "bad_number",
            N_("{field} must be a whole number."),
            details={"field": field},
            field=field,
        )
    # Longer than any 64-bit integer is out of range: a huge text is never parsed.
    value = int(text) if len(text) <= 20 else None
    if value is None or not low <= value <= high:
        raise Invalid(
            "number_out_of_range",
            N_("{field} must be between {low} and {high}."),
            details={"field": field},
            field=field,
            low=low,
            high=high,
        )
    return value
