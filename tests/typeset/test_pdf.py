"""The minutes as PDF, read back with pypdf and with poppler's pdftotext: the exact
Vietnamese and English words, the layout's promises (page numbers, the draft's mark,
lines broken between words), PDF/A's parts, and the same bytes every time."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC

import pypdf
import pytest

from meetroom.ids import AgendaItemId
from meetroom.minutes.ports import MinutesRenderer
from meetroom.records.minutes import (
    ActionLine,
    ItemSection,
    MinutesDocument,
    MinutesHeader,
    MinutesTemplate,
    NamedBallot,
)
from meetroom.typeset import MinutesTypesetter
from tests.typeset.documents import (
    DAY,
    HUONG,
    LONG_PARAGRAPH,
    TUYET,
    ZONE,
    at,
    draft_of,
    large_meeting,
    monthly_meeting,
)
from tests.typeset.extract import (
    docx_text,
    layout_pages,
    layout_text,
    pdf_pages,
    pdf_text,
    words,
)

TYPESETTER: MinutesRenderer = MinutesTypesetter()

# What the Vietnamese sample says, each on one line of the page.
VI_LINES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "UBND THÀNH PHỐ HÀ NỘI",
    "SỞ NỘI VỤ",
    "Số: 15/BB-SNV",
    "Hà Nội, ngày 07 tháng 12 năm 2026",
    "BIÊN BẢN",
    "Họp giao ban công tác tháng 12 năm 2026",
    "Thời gian bắt đầu: 08 giờ 00 phút, ngày 07 tháng 12 năm 2026.",
    "Chủ trì: Nguyễn Văn Hùng.",
    "Thư ký: Trần Đức Lưu.",
    "Thành phần tham dự: 15 người, trong đó:",
    "- Có mặt tại phòng họp: 10;",
    "- Tham dự trực tuyến: 2;",
    "- Vắng có lý do: 2;",
    "- Vắng không lý do: 1;",
    "- Đến muộn: Lê Minh Khoa (08:25);",
    "- Về sớm: Đặng Quốc Bảo (10:40).",
    "Túc số khi khai mạc: có mặt 10/14 đại biểu; cần 8; đủ túc số.",
    "Nội dung cuộc họp:",
    "Người trình bày: Nguyễn Thị Ánh Tuyết.",
    "Biểu quyết: Thông qua dự thảo Kế hoạch tuyển dụng công chức năm 2027",
    "Nguyên tắc thông qua: quá nửa tổng số thành viên có quyền biểu quyết.",
    "Thời gian: từ 09 giờ 20 phút đến 09 giờ 23 phút.",
    "Túc số khi mở biểu quyết: có mặt 11/14 đại biểu; cần 8; đủ túc số.",
    "Kết quả: Thông qua.",
    "Danh sách biểu quyết:",
    "Biểu quyết đã bị hủy.",
    "Hình thức: bỏ phiếu kín; lựa chọn: tán thành, không tán thành, không biểu quyết.",
    "Kết quả: phương án được lựa chọn là Lý Thị Hồng Nhung.",
    "Kết luận: Cử đồng chí Lý Thị Hồng Nhung tham gia Hội đồng.",
    "Cuộc họp kết thúc vào lúc 11 giờ 30 phút cùng ngày.",
    "THƯ KÝ",
    "CHỦ TỌA",
    "(Ký, ghi rõ họ tên)",
)

# Table cells and words that may share a line with others.
VI_CELLS = (
    TUYET,
    "Trần Đức Lưu",
    HUONG,
    "Vắng không lý do",
    "Đến muộn (08:25)",
    "Về sớm (10:40)",
    "Trịnh Văn Cường (ý kiến về thủ tục)",
    "Bùi Văn Thắng (phát biểu phản đối)",
    "3 phút 05 giây",
    "4 phút 12 giây",
    "45 giây",
    "Không tán thành",
    "Không biểu quyết",
    "Hoàn thiện hồ sơ Kế hoạch tuyển dụng,",
    "20/12/2026",
    "Gửi phiếu lấy ý kiến các phòng chuyên môn",
    "(đã hoàn thành)",
)

# Cells wrapped inside their column: whole in pypdf's text, which reads a cell's lines
# one after the other (pdftotext's layout puts the other columns between them).
VI_WRAPPED_CELLS = ("Đi công tác tại tỉnh Lào Cai", f"{TUYET} (thay mặt {HUONG})")


def flat(text: str) -> str:
    """The text with every run of white space as one space (lines joined)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def vi_pdf() -> bytes:
    return TYPESETTER.pdf(monthly_meeting())


def test_the_vietnamese_minutes_say_it_exactly(vi_pdf: bytes) -> None:
    for text in (pdf_text(vi_pdf), layout_text(vi_pdf)):
        lines = [line.strip() for line in text.splitlines()]
        joined = "\n".join(lines)
        for expected in VI_LINES:
            assert expected in joined, expected
        for expected in VI_CELLS:
            assert expected in joined, expected
        flattened = flat(text)
        assert (
            "Kết quả kiểm phiếu: Tán thành: 9; Không tán thành: 1; Không biểu quyết: 1 "
            "(11/14 đại biểu tham gia biểu quyết)."
        ) in flattened
        assert (
            "Kết luận: Thông qua dự thảo Kế hoạch; giao Phòng Công chức, viên chức hoàn "
            "thiện hồ sơ, trình Ủy ban nhân dân thành phố."
        ) in flattened
        assert "Địa điểm: Phòng họp số 1, tầng 3, trụ sở Sở Nội vụ (kết hợp trực tuyến)." in (
            flattened
        )
    flattened = flat(pdf_text(vi_pdf))
    for expected in VI_WRAPPED_CELLS:
        assert expected in flattened, expected


def test_national_title_and_motto_sit_above_the_place_and_date(vi_pdf: bytes) -> None:
    first = layout_pages(vi_pdf)[0].splitlines()
    row = {key: next(i for i, line in enumerate(first) if key in line) for key in VI_LINES[:6]}
    assert row["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] == row["UBND THÀNH PHỐ HÀ NỘI"]
    assert row["Độc lập - Tự do - Hạnh phúc"] == row["SỞ NỘI VỤ"]
    assert row["Hà Nội, ngày 07 tháng 12 năm 2026"] > row["Độc lập - Tự do - Hạnh phúc"]
    # The issuer on the left, the national title on the right.
    national = first[row["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]]
    assert national.index("UBND") < national.index("CỘNG HÒA")


def test_a_long_paragraph_wraps_between_words_with_its_letters_intact(vi_pdf: bytes) -> None:
    for text in (pdf_text(vi_pdf), layout_text(vi_pdf)):
        found = words(text)
        expected = words(LONG_PARAGRAPH)
        start = next(
            i for i in range(len(found)) if found[i : i + len(expected)] == expected
        )  # the words in order, none cut, none glued
        assert start > 0
    lines = [line.strip() for line in layout_text(vi_pdf).splitlines()]
    first_words = " ".join(words(LONG_PARAGRAPH)[:6])
    last_words = " ".join(words(LONG_PARAGRAPH)[-4:])
    top = next(i for i, line in enumerate(lines) if first_words in line)
    bottom = next(i for i, line in enumerate(lines) if last_words in line)
    assert bottom - top >= 4, "the paragraph should take several lines"


def test_times_are_written_in_the_meetings_zone() -> None:
    document = monthly_meeting()
    assert document.opened_at is not None
    utc = document.opened_at.astimezone(UTC)
    text = flat(pdf_text(TYPESETTER.pdf(replace(document, opened_at=utc))))
    assert "Thời gian bắt đầu: 08 giờ 00 phút, ngày 07 tháng 12 năm 2026." in text


def test_a_long_meeting_runs_over_pages_numbered_from_the_second() -> None:
    data = TYPESETTER.pdf(large_meeting())
    pages = layout_pages(data)
    assert len(pages) >= 10
    assert pages[0].strip().splitlines()[0].strip() != "1"
    for number, page in enumerate(pages[1:], 2):
        assert page.strip().splitlines()[0].strip() == str(number)
    # Every attendee and every item is there, and each table's head is on each page
    # the table runs over.
    text = flat(pdf_text(data))
    assert "Đại biểu Nguyễn Hoàng Phương Thảo số 50" in text
    assert "20. Nội dung số 20: Dự thảo Kế hoạch tuyển dụng công chức năm 2027" in text
    heads = sum(1 for page in pages if re.search(r"TT\s+Họ và tên\s+Vai trò", page))
    assert heads >= 2


def test_the_english_minutes_say_it_in_english() -> None:
    data = TYPESETTER.pdf(monthly_meeting(MinutesTemplate.ENGLISH))
    for text in (pdf_text(data), layout_text(data)):
        flattened = flat(text)
        for expected in (
            "Department of Home Affairs",
            "No. 15/BB-SNV",
            "Hà Nội, 7 December 2026",
            "Minutes",
            "Started: 08:00 on 7 December 2026.",
            "Chair: Nguyễn Văn Hùng.",
            "• Present in the room: 10",
            "• By video: 2",
            "• Excused: 2",
            "• Absent: 1",
            "• Arrived late: Lê Minh Khoa (08:25)",
            "Quorum at the opening: 10 of 14 members present; 8 required; quorum reached.",
            "Count: Yes: 9; No: 1; Abstain: 1 (11 of 14 voting members voted).",
            "Result: Passed.",
            "Voting: secret ballot; choices: yes, no, abstain.",
            "The vote was cancelled.",
            "Result: Lý Thị Hồng Nhung chosen.",
            "Speakers:",
            "3 min 5 s",
            "Conclusion: The draft plan is adopted; the Civil Service Division submits it.",
            "Action items:",
            "The meeting closed at 11:30.",
            "Secretary",
            "Chair",
            f"{TUYET} (proxy for {HUONG})",
            "Page 2 of",
        ):
            assert expected in flattened, expected
        assert "DRAFT" not in flattened


def test_a_draft_is_marked_and_leaves_its_number_blank() -> None:
    final = TYPESETTER.pdf(monthly_meeting())
    draft = draft_of(monthly_meeting())
    numbered = replace(draft, header=replace(draft.header, number="/BB-SNV"))
    for data in (TYPESETTER.pdf(draft), TYPESETTER.pdf(numbered)):
        first = layout_pages(data)[0]
        assert "DỰ THẢO" in first and "DỰ THẢO" in pdf_pages(data)[0]
        assert "15/BB-SNV" not in first
    assert re.search(r"Số:\s{4,}/BB-SNV", layout_pages(TYPESETTER.pdf(numbered))[0])
    assert "DỰ THẢO" not in layout_text(final) and "DỰ THẢO" not in pdf_text(final)
    english = TYPESETTER.pdf(draft_of(monthly_meeting(MinutesTemplate.ENGLISH)))
    assert "DRAFT" in pdf_pages(english)[0]


def test_a_later_version_says_what_changed() -> None:
    document = replace(monthly_meeting(), version=2, change_note="Sửa kết luận mục 2")
    assert "(Phiên bản 2: Sửa kết luận mục 2)" in flat(pdf_text(TYPESETTER.pdf(document)))
    english = replace(monthly_meeting(MinutesTemplate.ENGLISH), version=3)
    assert "(Version 3)" in flat(pdf_text(TYPESETTER.pdf(english)))


def _only_item(document: MinutesDocument, item: ItemSection) -> MinutesDocument:
    return replace(document, items=(item,))


def test_a_secret_vote_names_nobody() -> None:
    document = monthly_meeting()
    secret = document.items[2].votes[1]
    assert secret.secret
    # Even if a list came with it, a secret ballot prints none.
    leaked = replace(secret, named=(NamedBallot("Tên Không Được In", ("yes",), ("",)),))
    item = replace(document.items[2], votes=(leaked,))
    text = flat(pdf_text(TYPESETTER.pdf(_only_item(document, item))))
    assert "bỏ phiếu kín" in text
    assert "Tên Không Được In" not in text and "Danh sách biểu quyết" not in text


def test_long_words_and_rows_taller_than_a_page_are_kept_whole() -> None:
    document = monthly_meeting()
    token = "https://example.gov.vn/" + "tai-lieu-hop-giao-ban-" * 20
    huge = "Kiểm tra, rà soát " * 700
    item = ItemSection(
        AgendaItemId("x"), 1, "Mục dài", TUYET, (), (), f"Đường dẫn: {token}", (), "",
        (ActionLine(huge.strip(), "Văn phòng Sở", None, False),),
    )  # fmt: skip
    data = TYPESETTER.pdf(_only_item(document, item))
    text = pdf_text(data)
    assert token in "".join(text.split())
    assert flat(text).count("Kiểm tra, rà soát") == 700
    assert len(pdf_pages(data)) >= 3


def test_a_letter_the_font_lacks_is_drawn_with_an_embedded_fallback() -> None:
    document = monthly_meeting()
    guest = replace(document.attendees[-1], name="Souksavanh ສຸກສະຫວັນ")
    data = TYPESETTER.pdf(replace(document, attendees=(*document.attendees[:-1], guest)))
    assert "ສຸກສະຫວັນ" in pdf_text(data)
    assert all(embedded for _name, embedded in _fonts(data))


def _fonts(data: bytes) -> list[tuple[str, bool]]:
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            found.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    return found


def test_what_pdf_a_asks_for_is_there(vi_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(vi_pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "vi-VN"
    metadata = root["/Metadata"].get_object().get_data().decode("utf-8")
    for expected in (
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        '<rdf:li xml:lang="x-default">Biên bản: Họp giao ban công tác tháng 12 năm 2026</rdf:li>',
        "<rdf:li>vi-VN</rdf:li>",
        "<xmp:CreateDate>2026-12-07T11:30:00+07:00</xmp:CreateDate>",
    ):
        assert expected in metadata, expected
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert "/Encrypt" not in reader.trailer and "/ID" in reader.trailer
    fonts = _fonts(vi_pdf)
    assert fonts and all(embedded for _name, embedded in fonts)
    assert all("LiberationSerif" in name for name, _embedded in fonts)


def test_the_same_document_gives_the_same_bytes() -> None:
    for template in MinutesTemplate:
        document = monthly_meeting(template)
        assert TYPESETTER.pdf(document) == MinutesTypesetter().pdf(monthly_meeting(template))
    draft = draft_of(monthly_meeting())
    assert TYPESETTER.pdf(draft) == TYPESETTER.pdf(draft)
    later = replace(monthly_meeting(), closed_at=at(11, 31))
    assert TYPESETTER.pdf(later) != TYPESETTER.pdf(monthly_meeting())


def test_a_bare_document_leaves_blanks_to_fill_in() -> None:
    header = MinutesHeader("", "Sở Nội vụ", "", "", DAY, "Họp đột xuất", "")
    bare = MinutesDocument(
        MinutesTemplate.VIETNAMESE, header, ZONE, None, None, "", False, "", "", (), (), ()
    )
    text = flat(pdf_text(TYPESETTER.pdf(bare)))
    for expected in (
        "Ngày 07 tháng 12 năm 2026",
        "BIÊN BẢN Họp đột xuất",
        "Thời gian bắt đầu: ......",
        "Địa điểm: Họp trực tuyến.",
        "Chủ trì: ......",
        "Thành phần tham dự: 0 người, trong đó:",
        "Cuộc họp kết thúc vào lúc ..... giờ ..... phút.",
    ):
        assert expected in text, expected
    english = replace(bare, template=MinutesTemplate.ENGLISH)
    assert "Place: Online (by video)." in flat(pdf_text(TYPESETTER.pdf(english)))
    assert "Chủ trì: ......" in docx_text(TYPESETTER.docx(bare)).splitlines()


def test_a_meeting_that_ends_the_next_day_says_which() -> None:
    document = replace(monthly_meeting(), closed_at=at(0, 30, day=DAY.replace(day=8)))
    assert "Cuộc họp kết thúc vào lúc 00 giờ 30 phút, ngày 08 tháng 12 năm 2026." in flat(
        pdf_text(TYPESETTER.pdf(document))
    )
