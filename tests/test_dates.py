"""The suite does not depend on today's date, and the product reads the time only from
its clock.

A test that dates a meeting computes the date from the clock (tests/dates.py) or sets
the in-process server's SettableClock, and is marked `dates`: `make test-later` runs
those again with the system clock 400 days ahead. A file that holds a literal date
must be so marked, or be listed here with the reason its dates are only text.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"

LITERAL_DATE = re.compile(r"\b20\d\d-\d\d-\d\d|\b(?:datetime|date)\(20\d\d,")
MARKED = re.compile(r"\bpytest\.mark\.dates\b")

# Files whose literal dates no clock reads: text to format or compare, or times handed
# to code that takes the time as an argument.
NO_CLOCK = {
    "tests/dates.py": "examples in docstrings",
    "tests/pdf/test_stamp.py": "a stamp's text",
    "tests/pdf/test_watermark.py": "a watermark's text",
    "tests/auth/test_tokens.py": "sign and verify take the time as an argument",
    "tests/mail/test_smtp.py": "the time a message is sent is an argument",
    "tests/meetings/test_invitation_mail.py": "the words of a mail, from given times",
    "tests/meetings/test_recurrence.py": "series expanded between given bounds",
    "tests/store/test_database.py": "the stores take the time as an argument",
    "tests/store/test_mail.py": "the outbox takes the time as an argument",
    "tests/sessions/papers/test_font_notice.py": "a file record's creation time, never compared",
    "tests/sessions/votes/sample.py": "a vote record's times: the votes' pure code reads no clock",
    "tests/signing/conftest.py": "the time of signing and validating is an argument; the "
    "test CA's certificates are valid around it",
    "tests/typeset/documents.py": "minutes made by hand: the typesetter reads no clock",
    "tests/typeset/test_pdf.py": "the minutes' dates as written in the PDF",
    "tests/typeset/test_words.py": "dates and times as the templates write them",
    "tests/sessions/live/nodes.py": "START: tests/sessions/live/test_nodes.py (marked) "
    "sets its clock a day before it",
}

# How the product might read the time other than from its clock (meetroom/clock.py):
# the process's clock, or the database server's, whose clock no test can move.
OTHER_TIME_SOURCES = re.compile(
    r"\b(?:date|datetime)\.(?:today|now|utcnow)\(|\btime\.(?:time|localtime|gmtime|ctime)\("
    r"|\bfunc\.(?:now|current_timestamp|current_date|localtimestamp)\b"
    r"|\b(?:CURRENT_TIMESTAMP|CURRENT_DATE|LOCALTIMESTAMP)\b|\bnow\(\)\s*[\"']",
    re.IGNORECASE,
)


def test_files_with_literal_dates_are_marked_or_only_text() -> None:
    unmarked = []
    for path in sorted(TESTS.rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        text = path.read_text(encoding="utf-8")
        if LITERAL_DATE.search(text) and name not in NO_CLOCK and not MARKED.search(text):
            unmarked.append(f"{name}: {LITERAL_DATE.search(text).group(0)}")  # type: ignore[union-attr]
    assert not unmarked, (
        "Literal dates in files not marked `dates` (pytestmark = pytest.mark.dates): date "
        "meetings from the clock (tests/dates.py) and mark the tests, or, if the dates are "
        f"only text, list the file in NO_CLOCK: {unmarked}"
    )
    for name in NO_CLOCK:  # the list stays true
        assert LITERAL_DATE.search((REPO / name).read_text(encoding="utf-8")), name


def test_the_product_reads_the_time_from_its_clock() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "meetroom").rglob("*.py"))
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OTHER_TIME_SOURCES.search(line)
    ]
    assert not found, f"read the time from the services' clock instead: {found}"
