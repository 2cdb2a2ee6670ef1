"""How each template writes dates, times, durations, counts and the record's values."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from meetroom.records.floor import SpeechKind
from meetroom.records.meetings import MeetingRole
from meetroom.records.minutes import Presence
from meetroom.records.votes import TieBreak, VoteKind, VoteRule
from meetroom.typeset.en import EN
from meetroom.typeset.vi import VI

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_vietnamese_dates_follow_decree_30() -> None:
    # A day below 10 and the months 1 and 2 take a leading zero; the other months do not.
    assert VI.date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert VI.date(date(2026, 1, 31)) == "ngày 31 tháng 01 năm 2026"
    assert VI.date(date(2026, 3, 15)) == "ngày 15 tháng 3 năm 2026"
    assert VI.date(date(2026, 12, 7)) == "ngày 07 tháng 12 năm 2026"
    assert VI.place_and_date("Hà Nội", date(2026, 12, 7)) == "Hà Nội, ngày 07 tháng 12 năm 2026"
    assert VI.place_and_date("", date(2026, 9, 2)) == "Ngày 02 tháng 9 năm 2026"
    assert EN.place_and_date("Hà Nội", date(2026, 12, 7)) == "Hà Nội, 7 December 2026"
    assert VI.due(date(2026, 3, 5)) == "05/03/2026" and EN.due(date(2026, 3, 5)) == "5 Mar 2026"


def test_times_and_durations() -> None:
    at = datetime(2026, 12, 7, 8, 5, tzinfo=HANOI)
    assert VI.time(at) == "08 giờ 05 phút" and EN.time(at) == "08:05"
    assert VI.started_at(at) == "08 giờ 05 phút, ngày 07 tháng 12 năm 2026"
    assert EN.started_at(at) == "08:05 on 7 December 2026"
    assert [VI.duration(s) for s in (185, 45, 60, 3725)] == [
        "3 phút 05 giây", "45 giây", "1 phút 00 giây", "1 giờ 02 phút 05 giây"
    ]  # fmt: skip
    assert [EN.duration(s) for s in (185, 45, 60, 3725)] == [
        "3 min 5 s", "45 s", "1 min 0 s", "1 h 2 min 5 s"
    ]  # fmt: skip


def test_counts_are_worded_and_english_plurals_agree() -> None:
    assert VI.quorum(12, 15, 8, True) == "có mặt 12/15 đại biểu; cần 8; đủ túc số"
    assert VI.quorum(6, 15, 8, False) == "có mặt 6/15 đại biểu; cần 8; không đủ túc số"
    assert VI.quorum(6, 15, 0, True) == "có mặt 6/15 đại biểu (không áp dụng túc số)"
    assert EN.quorum(12, 15, 8, True) == "12 of 15 members present; 8 required; quorum reached"
    assert EN.quorum(1, 1, 1, True) == "1 of 1 member present; 1 required; quorum reached"
    assert EN.ballots(1, 1) == "1 of 1 voting member voted"
    assert EN.attendance_total(1) == "1 person." and EN.attendance_total(2) == "2 people."
    assert VI.chosen(()) == "không có phương án nào được lựa chọn"
    assert VI.chosen(("A", "B")) == "các phương án được lựa chọn là A; B"
    assert EN.chosen(("A",)) == "A chosen"


def test_every_value_of_the_record_has_its_words() -> None:
    for words in (VI, EN):
        assert set(words.kinds) == {kind.value for kind in VoteKind}
        assert {rule.value for rule in VoteRule} <= set(words.rules)
        assert (
            set(words.ties)
            == set(words.choice_ties)
            == {tie.value for tie in TieBreak if tie != TieBreak.NONE}
        )
        assert set(words.speech_kinds) == {k.value for k in SpeechKind} - {"ordinary"}
        assert set(words.roles) == {role.value for role in MeetingRole}
        assert set(words.presence) == set(words.presence_short) == {p.value for p in Presence}
    # A value this version does not know is shown as it is, not dropped.
    assert VI.word(VI.rules, "unanimous") == "unanimous"
