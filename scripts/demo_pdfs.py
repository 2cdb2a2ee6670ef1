"""Writes the demo meeting's documents (media/demo/<language>/*.pdf), in English and
in Vietnamese: a budget report with a table and a chart, and a confidential plan.

DejaVu Sans (meetroom/pdf/fonts) is embedded as a subset, so the Vietnamese letters
show in any viewer and the files stay small. It needs fpdf2, which MeetRoom itself
does not use; run it from the repository root in a throwaway environment:

    python3 -m venv /tmp/pdfs && /tmp/pdfs/bin/pip install fpdf2
    /tmp/pdfs/bin/python scripts/demo_pdfs.py

The same fpdf2 version writes the same bytes (the dates are fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
FONT = ROOT / "meetroom" / "pdf" / "fonts" / "DejaVuSans.ttf"
OUT = ROOT / "media" / "demo"
MADE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

# (planned, spent) in millions of dong, per budget line.
BUDGET = ((3200, 812), (950, 231), (640, 96), (280, 35), (730, 190))


@dataclass(frozen=True)
class Texts:
    number_sep: str
    budget_file: str
    budget_title: str
    budget_by: str
    budget_summary: tuple[str, ...]
    budget_lines: tuple[str, ...]
    budget_columns: tuple[str, str, str, str]
    total: str
    table_title: str
    chart_title: str
    chart_note: str
    proposals_title: str
    proposals: tuple[str, ...]
    plan_file: str
    plan_title: str
    confidential: str
    plan_goals_title: str
    plan_goals: tuple[str, ...]
    phases_title: str
    phases_columns: tuple[str, str]
    phases: tuple[tuple[str, str], ...]
    risks_title: str
    risks: tuple[str, ...]
    page: str


EN = Texts(
    number_sep=",",
    budget_file="budget-report.pdf",
    budget_title="Report on the first-quarter budget",
    budget_by="Quarterly review meeting · prepared by the Finance Division",
    budget_summary=(
        "In the first quarter the unit spent 1,364 million dong, 24 % of the year's "
        "budget of 5,800 million dong, in line with the plan for the period.",
        "Salaries and office operations followed the plan. Information technology and "
        "training spent less than planned because the digital meeting rooms project "
        "starts in the second quarter (see the plan under item 3 of the agenda).",
        "No line is expected to exceed its allocation this year.",
    ),
    budget_lines=(
        "Salaries and allowances",
        "Office operations",
        "Information technology",
        "Training",
        "Maintenance of buildings",
    ),
    budget_columns=("Budget line", "Planned", "Spent in Q1", "Share"),
    total="Total",
    table_title="1. Spending by budget line (millions of dong)",
    chart_title="2. Share of each line's budget spent in the first quarter",
    chart_note="A quarter of the year is 25 %; lines below it spend later in the year.",
    proposals_title="3. Proposals to the meeting",
    proposals=(
        "Approve the first-quarter budget report.",
        "Move 60 million dong from building maintenance to training, for the courses "
        "on paperless meetings in the third quarter.",
        "Ask the Finance Division for the detailed figures of each department before "
        "the next quarterly meeting.",
    ),
    plan_file="digital-rooms-plan.pdf",
    plan_title="Plan for digital meeting rooms",
    confidential="CONFIDENTIAL · for the members of the meeting only",
    plan_goals_title="1. Goals",
    plan_goals=(
        "Hold the unit's meetings without paper: agendas and documents on tablets, "
        "the chair turning the pages for everyone, notes kept by each delegate.",
        "Keep every document on the unit's own server, on the internal network, with "
        "nothing loaded from the internet.",
        "Let delegates at other sites take part by video in the same session.",
    ),
    phases_title="2. Phases",
    phases_columns=("Phase", "When"),
    phases=(
        ("Survey of the meeting rooms and the network", "Q2"),
        ("Server and 12 tablets in meeting room 1", "Q2"),
        ("Training for secretaries and delegates", "Q3"),
        ("Paperless meetings in every room", "Q4"),
    ),
    risks_title="3. Budget and risks",
    risks=(
        "Budget: 640 million dong from the information technology line.",
        "Network outages: the server runs on the internal network and keeps working "
        "without an internet connection.",
        "Habits: secretaries keep printed copies for the first month, and each "
        "delegate gets an hour of hands-on training.",
    ),
    page="Page {n} of {total}",
)

VI = Texts(
    number_sep=".",
    budget_file="bao-cao-ngan-sach-quy-1.pdf",
    budget_title="Báo cáo ngân sách quý I",
    budget_by="Họp sơ kết quý · Phòng Tài chính chuẩn bị",
    budget_summary=(
        "Trong quý I, đơn vị đã chi 1.364 triệu đồng, bằng 24 % dự toán cả năm là "
        "5.800 triệu đồng, phù hợp với kế hoạch của kỳ.",
        "Chi lương và chi hoạt động bộ máy đúng kế hoạch. Chi công nghệ thông tin và "
        "đào tạo thấp hơn kế hoạch vì dự án phòng họp số bắt đầu từ quý II (xem kế "
        "hoạch tại mục 3 của chương trình họp).",
        "Dự kiến không có khoản chi nào vượt dự toán được giao trong năm.",
    ),
    budget_lines=(
        "Lương và phụ cấp",
        "Chi hoạt động bộ máy",
        "Công nghệ thông tin",
        "Đào tạo, bồi dưỡng",
        "Sửa chữa, bảo trì trụ sở",
    ),
    budget_columns=("Khoản chi", "Dự toán", "Đã chi quý I", "Tỷ lệ"),
    total="Tổng cộng",
    table_title="1. Tình hình chi theo khoản (triệu đồng)",
    chart_title="2. Tỷ lệ dự toán đã chi trong quý I theo khoản",
    chart_note="Một quý bằng 25 % của năm; các khoản thấp hơn sẽ chi vào các quý sau.",
    proposals_title="3. Đề xuất với cuộc họp",
    proposals=(
        "Thông qua báo cáo ngân sách quý I.",
        "Điều chuyển 60 triệu đồng từ khoản sửa chữa, bảo trì trụ sở sang đào tạo, "
        "bồi dưỡng để tổ chức các lớp tập huấn họp không giấy trong quý III.",
        "Đề nghị Phòng Tài chính cung cấp số liệu chi tiết của từng phòng trước cuộc "
        "họp sơ kết quý tiếp theo.",
    ),
    plan_file="ke-hoach-phong-hop-so.pdf",
    plan_title="Kế hoạch triển khai phòng họp số",
    confidential="MẬT · chỉ dành cho thành viên cuộc họp",
    plan_goals_title="1. Mục tiêu",
    plan_goals=(
        "Tổ chức các cuộc họp của đơn vị không dùng giấy: chương trình và tài liệu "
        "trên máy tính bảng, chủ trì lật trang cho mọi người, mỗi đại biểu tự ghi chú.",
        "Lưu toàn bộ tài liệu trên máy chủ của đơn vị, trong mạng nội bộ, không tải gì "
        "từ Internet.",
        "Cho phép đại biểu ở các điểm cầu khác tham dự cùng phiên họp bằng video.",
    ),
    phases_title="2. Các giai đoạn",
    phases_columns=("Giai đoạn", "Thời gian"),
    phases=(
        ("Khảo sát phòng họp và hạ tầng mạng", "Quý II"),
        ("Lắp đặt máy chủ và 12 máy tính bảng tại Phòng họp số 1", "Quý II"),
        ("Tập huấn cho thư ký và đại biểu", "Quý III"),
        ("Họp không giấy tại tất cả các phòng họp", "Quý IV"),
    ),
    risks_title="3. Kinh phí và rủi ro",
    risks=(
        "Kinh phí: 640 triệu đồng từ khoản công nghệ thông tin.",
        "Sự cố mạng: máy chủ chạy trong mạng nội bộ, vẫn hoạt động khi mất kết nối Internet.",
        "Thói quen: thư ký giữ bản in trong tháng đầu, mỗi đại biểu được hướng dẫn "
        "thực hành một giờ.",
    ),
    page="Trang {n}/{total}",
)


class Document(FPDF):
    def __init__(self, texts: Texts, title: str, banner: str = "") -> None:
        super().__init__(format="A4")
        self.texts = texts
        self.banner = banner
        self.add_font("DejaVu", "", str(FONT))
        self.set_font("DejaVu", size=11)
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(True, margin=22)
        self.set_title(title)
        self.set_author("MeetRoom demo")
        self.set_creator("scripts/demo_pdfs.py")
        self.set_creation_date(MADE)
        self.alias_nb_pages("{total}")

    def header(self) -> None:
        if self.banner:
            self.set_font("DejaVu", size=9)
            self.set_text_color(170, 20, 20)
            self.cell(0, 6, self.banner, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
            self.set_text_color(0, 0, 0)
            self.set_font("DejaVu", size=11)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", size=8)
        self.set_text_color(90, 90, 90)
        page = self.texts.page.replace("{n}", str(self.page_no()))
        self.cell(0, 8, page, align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font("DejaVu", size=size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.set_font("DejaVu", size=11)

    def paragraphs(self, items: tuple[str, ...], bullets: bool = False) -> None:
        for text in items:
            self.multi_cell(
                0, 6.2, ("•  " if bullets else "") + text, new_x="LMARGIN", new_y="NEXT"
            )
            self.ln(2.5)


def _number(value: int, sep: str) -> str:
    return f"{value:,}".replace(",", sep)


def budget_report(t: Texts) -> Document:
    pdf = Document(t, t.budget_title)
    pdf.add_page()
    pdf.heading(t.budget_title, 20)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, t.budget_by, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(8)
    pdf.paragraphs(t.budget_summary)

    pdf.add_page()
    pdf.heading(t.table_title)
    widths = (76, 30, 34, 26)
    pdf.set_fill_color(230, 236, 244)
    for text, width in zip(t.budget_columns, widths, strict=True):
        pdf.cell(width, 9, text, border=1, fill=True, align="C")
    pdf.ln()
    rows = [(name, *figures) for name, figures in zip(t.budget_lines, BUDGET, strict=True)]
    planned = sum(p for p, _ in BUDGET)
    spent = sum(s for _, s in BUDGET)
    for name, plan, done in [*rows, (t.total, planned, spent)]:
        cells = (name, _number(plan, t.number_sep), _number(done, t.number_sep))
        cells += (f"{round(100 * done / plan)} %",)
        for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
            pdf.cell(width, 8, text, border=1, align="L" if i == 0 else "R")
        pdf.ln()

    pdf.add_page()
    pdf.heading(t.chart_title)
    left, top, scale = pdf.l_margin + 62, pdf.get_y() + 4, 3.2  # mm per percent
    for i, (name, (plan, done)) in enumerate(zip(t.budget_lines, BUDGET, strict=True)):
        y = top + i * 16
        share = 100 * done / plan
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(60, 9, name, align="R")
        pdf.set_fill_color(52, 101, 164)
        pdf.rect(left, y + 1, share * scale, 7, style="F")
        pdf.set_xy(left + share * scale + 2, y)
        pdf.cell(20, 9, f"{round(share)} %")
    pdf.set_draw_color(200, 60, 60)
    pdf.set_line_width(0.5)
    quarter = left + 25 * scale
    pdf.line(quarter, top - 2, quarter, top + len(BUDGET) * 16)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, top + len(BUDGET) * 16 + 6)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 6, t.chart_note, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    pdf.add_page()
    pdf.heading(t.proposals_title)
    pdf.paragraphs(t.proposals, bullets=True)
    return pdf


def rooms_plan(t: Texts) -> Document:
    pdf = Document(t, t.plan_title, banner=t.confidential)
    pdf.add_page()
    pdf.heading(t.plan_title, 20)
    pdf.ln(4)
    pdf.heading(t.plan_goals_title)
    pdf.paragraphs(t.plan_goals, bullets=True)

    pdf.add_page()
    pdf.heading(t.phases_title)
    pdf.set_fill_color(230, 236, 244)
    pdf.cell(130, 9, t.phases_columns[0], border=1, fill=True)
    pdf.cell(36, 9, t.phases_columns[1], border=1, fill=True, align="C")
    pdf.ln()
    for number, (phase, when) in enumerate(t.phases, start=1):
        pdf.cell(130, 9, f"{number}. {phase}", border=1)
        pdf.cell(36, 9, when, border=1, align="C")
        pdf.ln()

    pdf.add_page()
    pdf.heading(t.risks_title)
    pdf.paragraphs(t.risks, bullets=True)
    return pdf


def main() -> None:
    for language, texts in (("en", EN), ("vi", VI)):
        folder = OUT / language
        folder.mkdir(parents=True, exist_ok=True)
        budget_report(texts).output(str(folder / texts.budget_file))
        rooms_plan(texts).output(str(folder / texts.plan_file))
        print(f"wrote {folder}/{texts.budget_file} and {texts.plan_file}")


if __name__ == "__main__":
    main()
