"""Minutes documents made by hand, as the typesetter's tests and
`scripts/minutes_sample.py` need them: a realistic monthly meeting of a Sở Nội vụ
(`monthly_meeting`, in either template, its texts in that template's language), and
`large_meeting` (many items and attendees, long texts) for page breaks and speed.

Every time is in the meeting's zone, as the composer gives them; the typesetter reads
no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from meetroom.ids import AgendaItemId
from meetroom.records.minutes import (
    ActionLine,
    AttendeeLine,
    CountLine,
    ItemSection,
    MinutesDocument,
    MinutesHeader,
    MinutesTemplate,
    NamedBallot,
    Presence,
    QuorumLine,
    SpeechLine,
    VoteLine,
)

ZONE = "Asia/Ho_Chi_Minh"
DAY = date(2026, 12, 7)

CHAIR = "Nguyễn Văn Hùng"
SECRETARY = "Trần Đức Lưu"
TUYET = "Nguyễn Thị Ánh Tuyết"
HUONG = "Phạm Quỳnh Hương"

# A paragraph long enough to wrap over several lines of the body.
LONG_PARAGRAPH = (
    "Các đại biểu thống nhất đánh giá công tác cải cách hành chính của Sở trong tháng 11 "
    "đã đạt được nhiều kết quả tích cực; tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,7%, không có "
    "hồ sơ quá hạn; việc tiếp nhận, xử lý phản ánh, kiến nghị của người dân, doanh nghiệp "
    "được thực hiện kịp thời, đúng quy định. Đồng chí Nguyễn Thị Ánh Tuyết đề nghị tiếp tục "
    "rà soát, đơn giản hóa thủ tục hành chính thuộc thẩm quyền giải quyết của Sở, đẩy mạnh "
    "cung cấp dịch vụ công trực tuyến toàn trình và số hóa hồ sơ, kết quả giải quyết thủ tục "
    "hành chính theo đúng lộ trình của Ủy ban nhân dân thành phố."
)


def at(hour: int, minute: int, second: int = 0, day: date = DAY) -> datetime:
    """A time of the meeting's day, in its zone."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ZoneInfo(ZONE))


def _attendees() -> tuple[AttendeeLine, ...]:
    room, video = Presence.ROOM, Presence.VIDEO
    excused, absent = Presence.EXCUSED, Presence.ABSENT
    return (
        AttendeeLine(CHAIR, "chair", room),
        AttendeeLine(SECRETARY, "secretary", room),
        AttendeeLine(TUYET, "delegate", room),
        AttendeeLine("Lê Minh Khoa", "delegate", room, arrived_at=at(8, 25)),
        AttendeeLine(HUONG, "delegate", excused, reason="Đi công tác tại tỉnh Lào Cai"),
        AttendeeLine("Hoàng Thị Thu Trang", "delegate", video),
        AttendeeLine("Đặng Quốc Bảo", "delegate", room, left_at=at(10, 40)),
        AttendeeLine("Vũ Thị Ngọc Lan", "delegate", room),
        AttendeeLine("Bùi Văn Thắng", "delegate", room),
        AttendeeLine("Đỗ Thị Mai Phương", "delegate", video),
        AttendeeLine("Ngô Đức Thịnh", "delegate", absent),
        AttendeeLine("Lý Thị Hồng Nhung", "delegate", room),
        AttendeeLine("Trịnh Văn Cường", "delegate", room),
        AttendeeLine("Mai Xuân Trường", "delegate", excused, reason="Nghỉ ốm"),
        AttendeeLine("Phan Thanh Tùng", "guest", room),
    )


def _quorum(label: str, when: datetime, present: int) -> QuorumLine:
    return QuorumLine(label, when, present, 14, 8, present >= 8)


def _yes_no(yes: int, no: int, abstain: int) -> tuple[CountLine, ...]:
    return (CountLine("yes", "", yes), CountLine("no", "", no), CountLine("abstain", "", abstain))


VOTERS = (CHAIR, SECRETARY, TUYET, "Lê Minh Khoa", "Hoàng Thị Thu Trang", "Đặng Quốc Bảo",
          "Vũ Thị Ngọc Lan", "Bùi Văn Thắng", "Đỗ Thị Mai Phương", "Lý Thị Hồng Nhung",
          "Trịnh Văn Cường")  # fmt: skip


def monthly_meeting(template: MinutesTemplate = MinutesTemplate.VIETNAMESE) -> MinutesDocument:
    """The December monthly meeting of a Sở Nội vụ: 15 people, 4 items and the general
    part, speeches, an open and a secret vote, a cancelled one, an election, actions."""
    t = VI if template == MinutesTemplate.VIETNAMESE else EN
    plan_vote = VoteLine(
        title=t["vote_plan"],
        kind="yes_no_abstain",
        secret=False,
        rule="members_majority",
        status="closed",
        opened_at=at(9, 20),
        closed_at=at(9, 23, 30),
        counts=_yes_no(9, 1, 1),
        cast=11,
        members=14,
        passed=True,
        elected=(),
        tie="none",
        quorum=_quorum(t["vote_plan"], at(9, 20), 11),
        named=tuple(
            NamedBallot(name, (choice,), ("",))
            for name, choice in zip(VOTERS, ["yes"] * 8 + ["no", "abstain", "yes"], strict=True)
        )
        + (NamedBallot(TUYET, ("yes",), ("",), proxy_for=HUONG),),
    )
    cancelled = replace(plan_vote, title=t["vote_cancelled"], secret=True, status="cancelled",
                        counts=(), cast=0, passed=None, named=(), quorum=None)  # fmt: skip
    secret_vote = replace(plan_vote, title=t["vote_secret"], secret=True, rule="members_majority",
                          opened_at=at(10, 5), closed_at=at(10, 9), counts=_yes_no(8, 2, 1),
                          quorum=_quorum(t["vote_secret"], at(10, 5), 11), named=())  # fmt: skip
    election = VoteLine(
        title=t["vote_election"],
        kind="choice",
        secret=False,
        rule="cast_majority",
        status="closed",
        opened_at=at(10, 50),
        closed_at=at(10, 54),
        counts=(CountLine("a", "Lý Thị Hồng Nhung", 7), CountLine("b", "Vũ Thị Ngọc Lan", 3)),
        cast=10,
        members=14,
        passed=None,
        elected=("Lý Thị Hồng Nhung",),
        tie="none",
        quorum=_quorum(t["vote_election"], at(10, 50), 10),
        named=tuple(
            NamedBallot(name, (choice,), (label,))
            for name, choice, label in zip(
                VOTERS[:10],
                "aaabbabaab",
                ["Lý Thị Hồng Nhung" if c == "a" else "Vũ Thị Ngọc Lan" for c in "aaabbabaab"],
                strict=True,
            )
        ),
    )
    items = (
        ItemSection(
            AgendaItemId("item-1"), 1, t["item1"], TUYET, t["item1_docs"],
            (
                SpeechLine("Lê Minh Khoa", "ordinary", at(8, 41), 185),
                SpeechLine("Vũ Thị Ngọc Lan", "ordinary", at(8, 45), 160),
                SpeechLine(CHAIR, "ordinary", at(8, 49), 252),
            ),
            t["item1_notes"], (), t["item1_conclusion"],
            (ActionLine(t["action1"], "Văn phòng Sở", date(2026, 12, 15), False),),
        ),
        ItemSection(
            AgendaItemId("item-2"), 2, t["item2"], "Đặng Quốc Bảo", t["item2_docs"],
            (
                SpeechLine("Trịnh Văn Cường", "point_of_order", at(9, 2), 45),
                SpeechLine("Bùi Văn Thắng", "against", at(9, 4), 198),
                SpeechLine(TUYET, "for", at(9, 8), 121),
            ),
            t["item2_notes"], (plan_vote,), t["item2_conclusion"],
            (ActionLine(t["action2"], "Đặng Quốc Bảo", date(2026, 12, 20), False),),
        ),
        ItemSection(
            AgendaItemId("item-3"), 3, t["item3"], "Bùi Văn Thắng", (),
            (SpeechLine("Lý Thị Hồng Nhung", "ordinary", at(9, 50), 230),),
            t["item3_notes"], (cancelled, secret_vote), t["item3_conclusion"],
            (
                ActionLine(t["action3"], "Bùi Văn Thắng", date(2027, 1, 10), False),
                ActionLine(t["action4"], SECRETARY, date(2026, 12, 9), True),
            ),
        ),
        ItemSection(
            AgendaItemId("item-4"), 4, t["item4"], CHAIR, (), (), "", (election,),
            t["item4_conclusion"], (),
        ),
        ItemSection(None, 0, "", "", (), (), t["general_notes"], (), "", ()),
    )  # fmt: skip
    return MinutesDocument(
        template=template,
        header=MinutesHeader(
            organisation=t["organisation"],
            issuer=t["issuer"],
            number="15/BB-SNV",
            locality="Hà Nội",
            date=DAY,
            title=t["title"],
            summary=t["summary"],
        ),
        zone=ZONE,
        opened_at=at(8, 0),
        closed_at=at(11, 30),
        place=t["place"],
        online=True,
        chair=CHAIR,
        secretary=SECRETARY,
        attendees=_attendees(),
        quorum=(
            _quorum("", at(8, 0), 10),
            plan_vote.quorum,  # type: ignore[arg-type]
            secret_vote.quorum,  # type: ignore[arg-type]
            election.quorum,  # type: ignore[arg-type]
        ),
        items=items,
        opening=t["opening"],
        closing=t["closing"],
        version=1,
        draft=False,
    )


def draft_of(document: MinutesDocument) -> MinutesDocument:
    """The same minutes while a draft: no number yet."""
    return replace(document, draft=True, header=replace(document.header, number=""))


def large_meeting(items: int = 20, attendees: int = 50) -> MinutesDocument:
    """`items` agenda items with speeches, notes, a vote and actions; `attendees` people."""
    base = monthly_meeting()
    people = tuple(
        AttendeeLine(
            f"Đại biểu Nguyễn Hoàng Phương Thảo số {i}",
            "delegate",
            (Presence.ROOM, Presence.VIDEO, Presence.EXCUSED)[i % 3],
            reason="Đi công tác" if i % 3 == 2 else "",
        )  # fmt: skip
        for i in range(1, attendees + 1)
    )
    template = base.items[1]
    sections = tuple(
        replace(
            template,
            agenda_item_id=AgendaItemId(f"item-{n}"),
            position=n,
            title=f"Nội dung số {n}: {template.title}",
            notes="\n".join([LONG_PARAGRAPH] * 3),
            speeches=template.speeches * 3,
        )
        for n in range(1, items + 1)
    )
    return replace(base, attendees=people, items=sections)


VI = {
    "organisation": "UBND Thành phố Hà Nội",
    "issuer": "Sở Nội vụ",
    "title": "Họp giao ban tháng 12 năm 2026",
    "summary": "Họp giao ban công tác tháng 12 năm 2026",
    "place": "Phòng họp số 1, tầng 3, trụ sở Sở Nội vụ",
    "opening": "Đồng chí Nguyễn Văn Hùng, Giám đốc Sở, khai mạc cuộc họp, nêu mục đích, "
    "yêu cầu và chương trình làm việc.",
    "closing": "Biên bản được thông qua trước các đại biểu dự họp và được lập thành 02 bản.",
    "item1": "Báo cáo kết quả công tác tháng 11 và nhiệm vụ trọng tâm tháng 12 năm 2026",
    "item1_docs": ("Báo cáo số 245/BC-SNV ngày 30/11/2026", "Phụ lục số liệu tổ chức bộ máy"),
    "item1_notes": LONG_PARAGRAPH + "\n\nĐồng chí Lê Minh Khoa đề nghị bổ sung số liệu về "
    "biên chế công chức, số lượng người làm việc trong các đơn vị sự nghiệp công lập.\n"
    "Đồng chí Vũ Thị Ngọc Lan đề nghị làm rõ tiến độ triển khai Đề án vị trí việc làm.",
    "item1_conclusion": "Thống nhất nội dung báo cáo; Văn phòng Sở tiếp thu ý kiến các đại "
    "biểu, hoàn thiện báo cáo, gửi Ủy ban nhân dân thành phố trước ngày 15/12/2026.",
    "action1": "Hoàn thiện báo cáo tháng 11, gửi Ủy ban nhân dân thành phố",
    "item2": "Dự thảo Kế hoạch tuyển dụng công chức năm 2027",
    "item2_docs": ("Tờ trình số 112/TTr-SNV", "Dự thảo Kế hoạch tuyển dụng công chức năm 2027"),
    "item2_notes": "Phòng Công chức, viên chức trình bày dự thảo Kế hoạch: tuyển dụng 126 chỉ "
    "tiêu công chức, trong đó 18 chỉ tiêu theo hình thức xét tuyển.\n"
    "Đồng chí Bùi Văn Thắng đề nghị cân nhắc cơ cấu chỉ tiêu giữa các đơn vị.",
    "item2_conclusion": "Thông qua dự thảo Kế hoạch; giao Phòng Công chức, viên chức hoàn "
    "thiện hồ sơ, trình Ủy ban nhân dân thành phố.",
    "vote_plan": "Thông qua dự thảo Kế hoạch tuyển dụng công chức năm 2027",
    "action2": "Hoàn thiện hồ sơ Kế hoạch tuyển dụng, trình Ủy ban nhân dân thành phố",
    "item3": "Phương án sắp xếp, kiện toàn các phòng chuyên môn thuộc Sở",
    "item3_notes": "Các đại biểu thảo luận về việc hợp nhất Phòng Tổ chức biên chế và Phòng "
    "Xây dựng chính quyền; lần biểu quyết thứ nhất bị hủy do sai sót trong phiếu.",
    "item3_conclusion": "Đồng ý phương án sắp xếp; giao Phòng Tổ chức biên chế xây dựng đề án "
    "chi tiết.",
    "vote_cancelled": "Phương án sắp xếp các phòng chuyên môn (lần 1)",
    "vote_secret": "Phương án sắp xếp các phòng chuyên môn (lần 2)",
    "action3": "Xây dựng đề án chi tiết sắp xếp các phòng chuyên môn",
    "action4": "Gửi phiếu lấy ý kiến các phòng chuyên môn",
    "item4": "Cử đại diện Sở tham gia Hội đồng Thi đua - Khen thưởng thành phố",
    "item4_conclusion": "Cử đồng chí Lý Thị Hồng Nhung tham gia Hội đồng.",
    "vote_election": "Cử đại diện tham gia Hội đồng Thi đua - Khen thưởng",
    "general_notes": "Đồng chí Giám đốc Sở đề nghị các phòng chuẩn bị tốt báo cáo tổng kết "
    "năm 2026, gửi Văn phòng Sở trước ngày 20/12/2026.",
}

EN = {
    "organisation": "Hanoi People's Committee",
    "issuer": "Department of Home Affairs",
    "title": "Monthly meeting, December 2026",
    "summary": "Monthly meeting, December 2026",
    "place": "Meeting room 1, 3rd floor, Department of Home Affairs",
    "opening": "Mr Nguyễn Văn Hùng, Director, opened the meeting and presented its agenda.",
    "closing": "The minutes were read to the members present and made in two copies.",
    "item1": "Report on November and the priorities for December 2026",
    "item1_docs": ("Report 245/BC-SNV of 30 November 2026", "Appendix: staffing figures"),
    "item1_notes": "The members found that administrative reform made good progress in "
    "November: 98.7% of applications were handled on time and none is overdue.\n\n"
    "Mr Lê Minh Khoa asked for the civil servant headcount to be added.\n"
    "Ms Vũ Thị Ngọc Lan asked when the job position scheme will be rolled out.",
    "item1_conclusion": "The report is agreed; the Office adds the members' remarks and "
    "sends it to the People's Committee by 15 December 2026.",
    "action1": "Finish the November report and send it to the People's Committee",
    "item2": "Draft recruitment plan for 2027",
    "item2_docs": ("Submission 112/TTr-SNV", "Draft recruitment plan for 2027"),
    "item2_notes": "The Civil Service Division presented the draft: 126 posts, 18 of them "
    "filled by selection.\nMr Bùi Văn Thắng asked to review how posts are shared out.",
    "item2_conclusion": "The draft plan is adopted; the Civil Service Division submits it.",
    "vote_plan": "Adopt the draft recruitment plan for 2027",
    "action2": "Submit the recruitment plan to the People's Committee",
    "item3": "Reorganising the Department's divisions",
    "item3_notes": "The members discussed merging two divisions; the first vote was "
    "cancelled because of an error on the ballot.",
    "item3_conclusion": "The reorganisation is agreed; a detailed scheme follows.",
    "vote_cancelled": "Reorganisation of the divisions (first vote)",
    "vote_secret": "Reorganisation of the divisions (second vote)",
    "action3": "Draft the detailed reorganisation scheme",
    "action4": "Send the consultation form to the divisions",
    "item4": "Representative on the city's Emulation and Commendation Council",
    "item4_conclusion": "Ms Lý Thị Hồng Nhung represents the Department on the Council.",
    "vote_election": "Representative on the Emulation and Commendation Council",
    "general_notes": "The Director asked the divisions for their 2026 annual reports by "
    "20 December 2026.",
}
