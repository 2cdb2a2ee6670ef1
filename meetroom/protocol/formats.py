"""Values of the JSON API as the OpenAPI document describes them: the formats, ranges
and patterns the server accepts, from the bounds it enforces (meetroom/bounds.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from meetroom.bounds import DATE_PATTERN, MAX_INT
from meetroom.config import SUPPORTED_LOCALES

_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9]"
_SECONDS = ":[0-5][0-9](\\.[0-9]{1,6})?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"

# RFC 3339 as the document's date-time format (with its offset), in the years taken.
# The server also reads a time without an offset, in its time zone.
DATE_TIME_PATTERN = f"^{DATE_PATTERN}T{_CLOCK}{_SECONDS}{_OFFSET}$"
# A query's period bound: a whole day, or a date and time (the offset may be left out).
DAY_OR_TIME_PATTERN = f"^{DATE_PATTERN}(T{_CLOCK}({_SECONDS})?{_OFFSET}?)?$"
# The same, or empty where an empty field of a search form is no bound.
DAY_OR_TIME_OR_EMPTY_PATTERN = f"^({DATE_PATTERN}(T{_CLOCK}({_SECONDS})?{_OFFSET}?)?)?$"
# The audit log's: a whole day, or a date and time with its offset (or empty).
DAY_OR_ZONED_TIME_PATTERN = f"^({DATE_PATTERN}(T{_CLOCK}({_SECONDS})?{_OFFSET})?)?$"

# IANA time zone names (Area/Location, or a few of one part such as UTC): the document
# describes them once, as the component TimeZone, which every time_zone field refers
# to. A pattern rather than the list of some 600 names: a name that has its form but
# is not in the time zone database is refused with 400 bad_time_zone.
TIME_ZONE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$",
    "maxLength": 64,
    "description": "An IANA time zone name, e.g. Asia/Ho_Chi_Minh",
    "examples": ["Asia/Ho_Chi_Minh", "Europe/Paris", "America/Argentina/Buenos_Aires", "UTC"],
}
TIME_ZONE_REF = "#/components/schemas/TimeZone"

Moment = Annotated[
    datetime, msgspec.Meta(extra_json_schema={"format": "date-time", "pattern": DATE_TIME_PATTERN})
]
# What the server answers: always with its offset (UTC).
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
Day = Annotated[date, msgspec.Meta(extra_json_schema={"pattern": f"^{DATE_PATTERN}$"})]
TimeZoneName = Annotated[
    str, msgspec.Meta(max_length=64, extra_json_schema={"$ref": TIME_ZONE_REF})
]
Locale = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(SUPPORTED_LOCALES)})]
# What the server takes for an e-mail address ("" clears it where a change allows).
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254, extra_json_schema={"pattern": "^([^@\\s]+@[^@\\s]+\\.[^@\\s]+)?$"}
    ),
]
# Text that must not be blank (it is stripped, then refused if empty).
NOT_BLANK = "\\S"

INT64: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_INT}
