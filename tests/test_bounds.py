"""The ranges accepted from outside (meetroom/bounds.py) and the OpenAPI document's
patterns made from them agree; whole numbers are read strictly."""

from __future__ import annotations

import re
from datetime import date

import pytest

from meetroom.bounds import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_INT,
    YEAR_PATTERN,
    in_range,
    whole_number,
)
from meetroom.errors import Invalid
from meetroom.protocol.api import AgendaItemCreate
from meetroom.protocol.codec import decode_api_json
from meetroom.protocol.formats import DATE_TIME_PATTERN, DAY_OR_ZONED_TIME_PATTERN


def test_the_year_pattern_is_the_range() -> None:
    matching = {y for y in range(10000) if re.fullmatch(YEAR_PATTERN, f"{y:04d}")}
    assert matching == set(range(FIRST_YEAR, LAST_YEAR + 1))
    for year in (FIRST_YEAR - 1, FIRST_YEAR, LAST_YEAR, LAST_YEAR + 1):
        ok = FIRST_YEAR <= year <= LAST_YEAR
        assert bool(re.search(DATE_TIME_PATTERN, f"{year}-06-01T09:00:00+07:00")) is ok
        assert bool(re.search(DAY_OR_ZONED_TIME_PATTERN, f"{year}-06-01")) is ok
        if ok:
            assert in_range(date(year, 6, 1), "day") == date(year, 6, 1)
        else:
            with pytest.raises(Invalid) as info:
                in_range(date(year, 6, 1), "day")
            assert info.value.code == "date_out_of_range"


@pytest.mark.parametrize(
    ("text", "value", "code"),
    [
        ("", 7, None), ("42", 42, None), (" 0 ", 0, None), (str(MAX_INT), MAX_INT, None),
        (str(MAX_INT + 1), None, "number_out_of_range"), ("9" * 5000, None, "number_out_of_range"),
        ("-1", None, "number_out_of_range"), ("²", None, "bad_number"), ("٣", None, "bad_number"),
        ("1e3", None, "bad_number"), ("--1", None, "bad_number"),
    ],
)  # fmt: skip
def test_whole_numbers(text: str, value: int | None, code: str | None) -> None:
    if code is None:
        assert whole_number(text, "n", 7) == value
    else:
        with pytest.raises(Invalid) as info:
            whole_number(text, "n", 7)
        assert info.value.code == code


def test_a_whole_float_is_an_integer_as_json_schema_has_it() -> None:
    item = decode_api_json(b'{"title": "Budget", "duration_minutes": 30.0}', AgendaItemCreate)
    assert item.duration_minutes == 30 and isinstance(item.duration_minutes, int)
    for body in (b'{"title": "Budget", "duration_minutes": 30.5}',
                 b'{"title": "Budget", "duration_minutes": 3000.0}'):  # fmt: skip
        with pytest.raises(Invalid) as info:
            decode_api_json(body, AgendaItemCreate)
        assert info.value.code == "invalid_field"
