"""The words of the two templates: every fixed phrase, and how a date, a time of day, a
duration and a count are written. The record's values (vote kinds and rules, tie
breaks, speech kinds, roles, presence) are mapped here, one table per language;
`compose` only asks for them.

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


VI = Vietnamese(
    lang="vi-VN",
    minutes="BIÊN BẢN",
    draft="DỰ THẢO",
    number_label="Số:",
    started="Thời gian bắt đầu:",
    place="Địa điểm:",
    online_only="Họp trực tuyến",
    online_too="kết hợp trực tuyến",
    chair="Chủ trì:",
    secretary="Thư ký:",
    attendance="Thành phần tham dự:",
    proceedings="Nội dung cuộc họp:",
    general="Nội dung chung",
    presenter="Người trình bày:",
    documents="Tài liệu:",
    speeches="Phát biểu:",
    notes="Nội dung thảo luận:",
    conclusion="Kết luận:",
    actions="Nhiệm vụ:",
    vote="Biểu quyết:",
    form="Hình thức:",
    open_vote="biểu quyết công khai",
    secret_vote="bỏ phiếu kín",
    choices="lựa chọn:",
    rule_label="Nguyên tắc thông qua:",
    vote_time="Thời gian:",
    quorum_at_opening="Túc số khi khai mạc:",
    quorum_at_vote="Túc số khi mở biểu quyết:",
    quorum_at="Túc số ({label}, lúc {time}):",
    override="Mở biểu quyết khi chưa đủ túc số; lý do:",
    counts="Kết quả kiểm phiếu:",
    result="Kết quả:",
    passed="Thông qua",
    not_passed="Không thông qua",
    cancelled="Biểu quyết đã bị hủy.",
    named="Danh sách biểu quyết:",
    sign_secretary="THƯ KÝ",
    sign_chair="CHỦ TỌA",
    sign_hint="(Ký, ghi rõ họ tên)",
    closing_same_day="Cuộc họp kết thúc vào lúc {time} cùng ngày.",
    closing_other_day="Cuộc họp kết thúc vào lúc {time}, {date}.",
    closing_unknown="Cuộc họp kết thúc vào lúc ..... giờ ..... phút.",
    head_no="TT",
    head_name="Họ và tên",
    head_role="Vai trò",
    head_presence="Tham dự",
    head_speaker="Người phát biểu",
    head_note="Ghi chú",
    head_started="Thời điểm",
    head_duration="Thời lượng",
    head_choice="Lựa chọn",
    head_task="Nội dung nhiệm vụ",
    head_owner="Người thực hiện",
    head_due="Thời hạn",
    done="đã hoàn thành",
    late="Đến muộn ({time})",
    left_early="Về sớm ({time})",
    late_label="Đến muộn:",
    early_label="Về sớm:",
    head_option="Phương án",
    head_votes="Số phiếu",
    proxy="thay mặt {name}",
    version="(Phiên bản {version}: {note})",
    version_bare="(Phiên bản {version})",
    list_mark="- ",
    list_end=";",
    list_last=".",
    roles={
        "chair": "Chủ trì",
        "secretary": "Thư ký",
        "delegate": "Đại biểu",
        "guest": "Khách mời",
        "observer": "Quan sát viên",
    },
    presence={
        "room": "Có mặt tại phòng họp",
        "video": "Tham dự trực tuyến",
        "excused": "Vắng có lý do",
        "absent": "Vắng không lý do",
    },
    presence_short={
        "room": "Tại phòng họp",
        "video": "Trực tuyến",
        "excused": "Vắng có lý do",
        "absent": "Vắng không lý do",
    },
    kinds={
        "yes_no_abstain": "tán thành, không tán thành, không biểu quyết",
        "yes_no": "tán thành, không tán thành",
        "choice": "chọn trong các phương án",
    },
    rules={
        "cast_majority": "số phiếu tán thành nhiều hơn số phiếu không tán thành",
        "choice/cast_majority": "phương án có nhiều phiếu nhất",
        "members_majority": "quá nửa tổng số thành viên có quyền biểu quyết",
        "members_two_thirds": "ít nhất hai phần ba tổng số thành viên có quyền biểu quyết",
        "present_two_thirds": "ít nhất hai phần ba số thành viên có mặt",
    },
    ties={
        "failed": "số phiếu ngang nhau nên không được thông qua",
        "chair": "số phiếu ngang nhau; kết quả theo phía có phiếu của chủ tọa",
    },
    choice_ties={
        "failed": "số phiếu ngang nhau: các phương án bằng phiếu không được lựa chọn",
        "chair": "số phiếu ngang nhau; kết quả theo phiếu của chủ tọa",
    },
    speech_kinds={
        "point_of_order": "ý kiến về thủ tục",
        "for": "phát biểu ủng hộ",
        "against": "phát biểu phản đối",
    },
    choice_words={"yes": "Tán thành", "no": "Không tán thành", "abstain": "Không biểu quyết"},
)

EN = English(
    lang="en",
    minutes="Minutes",
    draft="DRAFT",
    number_label="No.",
    started="Started:",
    place="Place:",
    online_only="Online (by video)",
    online_too="and by video",
    chair="Chair:",
    secretary="Secretary:",
    attendance="Attendance:",
    proceedings="Proceedings",
    general="General business",
    presenter="Presenter:",
    documents="Documents:",
    speeches="Speakers:",
    notes="Notes:",
    conclusion="Conclusion:",
    actions="Action items:",
    vote="Vote:",
    form="Voting:",
    open_vote="open (by name)",
    secret_vote="secret ballot",
    choices="choices:",
    rule_label="Passes with:",
    vote_time="Time:",
    quorum_at_opening="Quorum at the opening:",
    quorum_at_vote="Quorum when the vote opened:",
    quorum_at="Quorum ({label}, {time}):",
    override="Opened without quorum; reason:",
    counts="Count:",
    result="Result:",
    passed="Passed",
    not_passed="Not passed",
    cancelled="The vote was cancelled.",
    named="How each member voted:",
    sign_secretary="Secretary",
    sign_chair="Chair",
    sign_hint="(signature)",
    closing_same_day="The meeting closed at {time}.",
    closing_other_day="The meeting closed at {time} on {date}.",
    closing_unknown="The meeting closed at ........",
    head_no="#",
    head_name="Name",
    head_role="Role",
    head_presence="Attendance",
    head_speaker="Speaker",
    head_note="Note",
    head_started="Started",
    head_duration="Duration",
    head_choice="Choice",
    head_task="Task",
    head_owner="Owner",
    head_due="Due",
    done="done",
    late="Arrived late ({time})",
    left_early="Left early ({time})",
    late_label="Arrived late:",
    early_label="Left early:",
    head_option="Option",
    head_votes="Votes",
    proxy="proxy for {name}",
    version="(Version {version}: {note})",
    version_bare="(Version {version})",
    list_mark="\u2022 ",
    list_end="",
    list_last="",
    roles={
        "chair": "Chair",
        "secretary": "Secretary",
        "delegate": "Delegate",
        "guest": "Guest",
        "observer": "Observer",
    },
    presence={
        "room": "Present in the room",
        "video": "By video",
        "excused": "Excused",
        "absent": "Absent",
    },
    presence_short={
        "room": "In the room",
        "video": "By video",
        "excused": "Excused",
        "absent": "Absent",
    },
    kinds={
        "yes_no_abstain": "yes, no, abstain",
        "yes_no": "yes, no",
        "choice": "among the options",
    },
    rules={
        "cast_majority": "more yes than no votes",
        "choice/cast_majority": "the most votes",
        "members_majority": "more than half of all voting members",
        "members_two_thirds": "at least two thirds of all voting members",
        "present_two_thirds": "at least two thirds of the members present",
    },
    ties={
        "failed": "a tie: the motion fails",
        "chair": "a tie, decided by the chair's ballot",
    },
    choice_ties={
        "failed": "a tie: the tied options are not chosen",
        "chair": "a tie, decided by the chair's ballot",
    },
    speech_kinds={
        "point_of_order": "point of order",
        "for": "for",
        "against": "against",
    },
    choice_words={"yes": "Yes", "no": "No", "abstain": "Abstain"},
)
