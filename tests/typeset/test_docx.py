"""The minutes as DOCX, read back with python-docx: the same words as the PDF, the font
offices expect, the page numbers and the draft's mark in the headers, and the same
bytes every time."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import docx
import pytest
from docx.oxml.ns import qn

from meetroom.records.minutes import MinutesTemplate
from meetroom.typeset import MinutesTypesetter
from tests.typeset.documents import HUONG, LONG_PARAGRAPH, TUYET, draft_of, monthly_meeting
from tests.typeset.extract import docx_text

TYPESETTER = MinutesTypesetter()


@pytest.fixture(scope="module")
def vi_docx() -> bytes:
    return TYPESETTER.docx(monthly_meeting())


def test_the_vietnamese_minutes_say_it_exactly(vi_docx: bytes) -> None:
    lines = docx_text(vi_docx).splitlines()
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ HÀ NỘI",
        "SỞ NỘI VỤ",
        "Số: 15/BB-SNV",
        "Hà Nội, ngày 07 tháng 12 năm 2026",
        "BIÊN BẢN",
        "Họp giao ban công tác tháng 12 năm 2026",
        "Thời gian bắt đầu: 08 giờ 00 phút, ngày 07 tháng 12 năm 2026.",
        "- Có mặt tại phòng họp: 10;",
        "- Vắng có lý do: 2;",
        "- Vắng không lý do: 1;",
        "Túc số khi khai mạc: có mặt 10/14 đại biểu; cần 8; đủ túc số.",
        TUYET,
        HUONG,
        "Trần Đức Lưu",
        "Đi công tác tại tỉnh Lào Cai",
        "3 phút 05 giây",
        f"{TUYET} (thay mặt {HUONG})",
        "Kết quả kiểm phiếu: Tán thành: 9; Không tán thành: 1; Không biểu quyết: 1 "
        "(11/14 đại biểu tham gia biểu quyết).",
        "Kết quả: Thông qua.",
        "Biểu quyết đã bị hủy.",
        "Kết luận: Cử đồng chí Lý Thị Hồng Nhung tham gia Hội đồng.",
        "Nội dung thảo luận: " + LONG_PARAGRAPH,
        "Cuộc họp kết thúc vào lúc 11 giờ 30 phút cùng ngày.",
        "THƯ KÝ",
        "CHỦ TỌA",
        "(Ký, ghi rõ họ tên)",
        "Nguyễn Văn Hùng",
    ):
        assert expected in lines, expected
    assert "DỰ THẢO" not in lines


def test_the_english_minutes_say_it_in_english() -> None:
    lines = docx_text(TYPESETTER.docx(monthly_meeting(MinutesTemplate.ENGLISH))).splitlines()
    for expected in (
        "Minutes",
        "Department of Home Affairs",
        "No. 15/BB-SNV",
        "• Present in the room: 10",
        "Count: Yes: 9; No: 1; Abstain: 1 (11 of 14 voting members voted).",
        "Result: Passed.",
        "The meeting closed at 11:30.",
        "Secretary",
        "Chair",
        "Page 1 of 1",  # the fields' placeholders: Word counts the pages
    ):
        assert expected in lines, expected


def test_the_font_is_the_one_offices_have_and_the_language_is_set(vi_docx: bytes) -> None:
    document = docx.Document(io.BytesIO(vi_docx))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    faces = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    language = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert faces is not None and language is not None
    assert {faces.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }
    assert language.get(qn("w:val")) == "vi-VN"
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 13
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    english = docx.Document(io.BytesIO(TYPESETTER.docx(monthly_meeting(MinutesTemplate.ENGLISH))))
    assert english.styles["Normal"].font.name == "Arial"
    properties = document.core_properties
    assert properties.title == "Biên bản: Họp giao ban công tác tháng 12 năm 2026"
    assert properties.language == "vi-VN" and properties.author == "Sở Nội vụ"


def test_page_numbers_from_the_second_page_and_the_draft_mark_on_the_first() -> None:
    data = TYPESETTER.docx(draft_of(monthly_meeting()))
    section = docx.Document(io.BytesIO(data)).sections[0]
    assert section.different_first_page_header_footer
    assert [p.text for p in section.first_page_header.paragraphs] == ["DỰ THẢO"]
    fields = section.header._element.iter(qn("w:fldSimple"))  # noqa: SLF001
    assert [f.get(qn("w:instr")) for f in fields] == ["PAGE"]
    assert "Số:" in docx_text(data).splitlines()[3].replace("\u00a0", "")
    assert "15/BB-SNV" not in docx_text(data)


def test_a_secret_vote_names_nobody() -> None:
    document = monthly_meeting()
    item = replace(document.items[2], votes=(document.items[2].votes[1],))
    lines = docx_text(TYPESETTER.docx(replace(document, items=(item,)))).splitlines()
    assert "Hình thức: bỏ phiếu kín; lựa chọn: tán thành, không tán thành, không biểu quyết." in (
        lines
    )
    assert "Danh sách biểu quyết:" not in lines


def test_the_same_document_gives_the_same_bytes(vi_docx: bytes) -> None:
    assert MinutesTypesetter().docx(monthly_meeting()) == vi_docx
    with zipfile.ZipFile(io.BytesIO(vi_docx)) as archive:
        names = archive.namelist()
        assert {info.date_time for info in archive.infolist()} == {(2026, 12, 7, 11, 30, 0)}
    assert "docProps/thumbnail.jpeg" not in names
    assert "word/document.xml" in names
