"""The words of the two templates: every fixed phrase, and how a date, a time of day, a
duration and a count are written (`Vietnamese`, `English`). Each language's phrases,
and its words for the record's values (vote kinds and rules, tie breaks, speech kinds,
roles, presence), are in `vi` and `en`; `compose` only asks for them.

Vietnamese follows Decree 30/2020/NĐ-CP where it says something (a day below 10 and
the months 1 and 2 take a leading zero: "ngày 07 tháng 02 năm 2026", "ngày 15 tháng 3
năm 2026"); times of day are written "08 giờ 30 phút" in sentences, "08:30" in tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

VI_MONTH_ZERO = (1, 2)  # Decree 30: the months 1 and 2 are written 01, 02

EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def clock(at: dt.datetime) -> str:
    """The time of day as in a table: "08:05"."""
    return f"{at.hour:02d}:{at.minute:02d}"


@dataclass(frozen=True)
class Words:
    """One template's vocabulary. Plain strings are labels; methods write values."""

    lang: str  # the document's language tag (PDF /Lang, DOCX w:lang)
    minutes: str  # the document's kind, as its title
    draft: str
    number_label: str
    started: str
    place: str
    online_only: str
    online_too: str  # after the room's name
    chair: str
    secretary: str
    attendance: str
    proceedings: str
    general: str  # an untitled general-business section
    presenter: str
    documents: str
    speeches: str
    notes: str
    conclusion: str
    actions: str
    vote: str
    form: str
    open_vote: str
    secret_vote: str
    choices: str
    rule_label: str
    vote_time: str
    quorum_at_opening: str
    quorum_at_vote: str
    quorum_at: str  # a quorum line that names its own moment: label, then the time
    override: str
    counts: str
    result: str
    passed: str
    not_passed: str
    cancelled: str
    named: str
    sign_secretary: str
    sign_chair: str
    sign_hint: str
    closing_same_day: str  # "... {time} ..."
    closing_other_day: str  # "... {time} ... {date}"
    closing_unknown: str
    head_no: str
    head_name: str
    head_role: str
    head_presence: str
    head_speaker: str
    head_note: str
    head_started: str
    head_duration: str
    head_choice: str
    head_task: str
    head_owner: str
    head_due: str
    done: str
    late: str  # "{time}", in the attendance table
    left_early: str
    late_label: str  # in the attendance summary
    early_label: str
    head_option: str
    head_votes: str
    proxy: str  # "{name}"
    version: str  # "{version}", "{note}"
    version_bare: str  # "{version}", when no note was written
    list_mark: str  # before each line of a list
    list_end: str  # after each line of a list but the last
    list_last: str
    roles: dict[str, str] = field(default_factory=dict)
    presence: dict[str, str] = field(default_factory=dict)  # in the summary
    presence_short: dict[str, str] = field(default_factory=dict)  # in the table
    kinds: dict[str, str] = field(default_factory=dict)  # VoteKind -> the choices offered
    rules: dict[str, str] = field(default_factory=dict)  # VoteRule ("choice/<rule>" first)
    ties: dict[str, str] = field(default_factory=dict)  # TieBreak (yes/no kinds)
    choice_ties: dict[str, str] = field(default_factory=dict)  # TieBreak (choice kind)
    speech_kinds: dict[str, str] = field(default_factory=dict)  # SpeechKind
    choice_words: dict[str, str] = field(default_factory=dict)  # yes / no / abstain

    def word(self, table: dict[str, str], value: str) -> str:
        """A record value in words; a value this version does not know shows as is."""
        return table.get(value, value)

    # --- Values; each language overrides these -------------------------------------

    def date(self, day: dt.date) -> str:
        raise NotImplementedError

    def time(self, at: dt.datetime) -> str:
        raise NotImplementedError

    def duration(self, seconds: int) -> str:
        raise NotImplementedError

    def due(self, day: dt.date) -> str:
        raise NotImplementedError

    def place_and_date(self, locality: str, day: dt.date) -> str:
        raise NotImplementedError

    def started_at(self, at: dt.datetime) -> str:
        raise NotImplementedError

    def quorum(self, present: int, members: int, required: int, reached: bool) -> str:
        raise NotImplementedError

    def ballots(self, cast: int, members: int) -> str:
        raise NotImplementedError

    def chosen(self, labels: tuple[str, ...]) -> str:
        raise NotImplementedError

    def vote_span(self, opened: dt.datetime | None, closed: dt.datetime | None) -> str:
        raise NotImplementedError

    def attendance_total(self, total: int) -> str:
        raise NotImplementedError


class Vietnamese(Words):
    def date(self, day: dt.date) -> str:
        month = f"{day.month:02d}" if day.month in VI_MONTH_ZERO else str(day.month)
        return f"ngày {day.day:02d} tháng {month} năm {day.year}"

    def time(self, at: dt.datetime) -> str:
        return f"{at.hour:02d} giờ {at.minute:02d} phút"

    def duration(self, seconds: int) -> str:
        hours, rest = divmod(max(seconds, 0), 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            return f"{hours} giờ {minutes:02d} phút {secs:02d} giây"
        if minutes:
            return f"{minutes} phút {secs:02d} giây"
        return f"{secs} giây"

    def due(self, day: dt.date) -> str:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"

    def place_and_date(self, locality: str, day: dt.date) -> str:
        when = self.date(day)
        return f"{locality}, {when}" if locality else when[0].upper() + when[1:]

    def started_at(self, at: dt.datetime) -> str:
        return f"{self.time(at)}, {self.date(at.date())}"

    def quorum(self, present: int, members: int, required: int, reached: bool) -> str:
        head = f"có mặt {present}/{members} đại biểu"
        if required <= 0:
            return f"{head} (không áp dụng túc số)"
        return f"{head}; cần {required}; {'đủ túc số' if reached else 'không đủ túc số'}"

    def ballots(self, cast: int, members: int) -> str:
        return f"{cast}/{members} đại biểu tham gia biểu quyết"

    def chosen(self, labels: tuple[str, ...]) -> str:
        if not labels:
            return "không có phương án nào được lựa chọn"
        which = "phương án" if len(labels) == 1 else "các phương án"
        return f"{which} được lựa chọn là {'; '.join(labels)}"

    def vote_span(self, opened: dt.datetime | None, closed: dt.datetime | None) -> str:
        if opened and closed:
            return f"từ {self.time(opened)} đến {self.time(closed)}"
        return f"từ {self.time(opened)}" if opened else ""

    def attendance_total(self, total: int) -> str:
        return f"{total} người, trong đó:"


class English(Words):
    def date(self, day: dt.date) -> str:
        return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"

    def time(self, at: dt.datetime) -> str:
        return clock(at)

    def duration(self, seconds: int) -> str:
        hours, rest = divmod(max(seconds, 0), 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            return f"{hours} h {minutes} min {secs} s"
        if minutes:
            return f"{minutes} min {secs} s"
        return f"{secs} s"

    def due(self, day: dt.date) -> str:
        return f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}"

    def place_and_date(self, locality: str, day: dt.date) -> str:
        return f"{locality}, {self.date(day)}" if locality else self.date(day)

    def started_at(self, at: dt.datetime) -> str:
        return f"{self.time(at)} on {self.date(at.date())}"

    def quorum(self, present: int, members: int, required: int, reached: bool) -> str:
        head = f"{present} of {members} {_plural(members, 'member')} present"
        if required <= 0:
            return f"{head} (no quorum required)"
        return f"{head}; {required} required; {'quorum reached' if reached else 'no quorum'}"

    def ballots(self, cast: int, members: int) -> str:
        return f"{cast} of {members} voting {_plural(members, 'member')} voted"

    def chosen(self, labels: tuple[str, ...]) -> str:
        return f"{'; '.join(labels)} chosen" if labels else "no option chosen"

    def vote_span(self, opened: dt.datetime | None, closed: dt.datetime | None) -> str:
        if opened and closed:
            return f"{self.time(opened)} to {self.time(closed)}"
        return f"from {self.time(opened)}" if opened else ""

    def attendance_total(self, total: int) -> str:
        return f"{total} {_plural(total, 'person', 'people')}."


def _plural(count: int, one: str, many: str = "") -> str:
    return one if count == 1 else (many or one + "s")
