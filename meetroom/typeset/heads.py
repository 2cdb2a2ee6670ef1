"""The head of each template, and its page style.

Vietnamese, as Decree 30/2020/NĐ-CP lays out an administrative document (Appendix I):
A4, margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman metrics;
top left the governing body (upper case, regular) over the issuing body (upper case,
bold, a rule of about a third of its length under it) and the number ("Số: 15/BB-SNV";
a draft leaves the sequence blank); top right the national title (upper case, bold,
12 pt) over the motto (bold, 13 pt, a rule of its length under it) and the place and
date line (italic); centred the document's kind, "BIÊN BẢN", and its summary (bold),
a short rule under them. Body 13 pt, justified, first lines indented 10 mm, 6 pt
between paragraphs; page numbers centred in the top margin from the second page.
A draft carries "DỰ THẢO" in a frame at the top right of the first page (the place
the Decree gives the draft's mark).

English: the same content, plain: a sans serif, ragged right, no indents, page numbers
"Page 2 of 5" at the bottom of every page."""

from __future__ import annotations

from meetroom.records.minutes import MinutesDocument
from meetroom.typeset import fonts
from meetroom.typeset.blocks import (
    Align,
    Layout,
    Line,
    Masthead,
    PageNumbers,
    PageStyle,
    Para,
    Rule,
    Run,
)
from meetroom.typeset.words import Words

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
BLANK_NUMBER = "\u00a0" * 8  # where the sequence is written in by hand

VI_STYLE = PageStyle(
    family="serif",
    size=13,
    table_size=12,
    line_height=1.2,
    first_indent=10,
    para_after=6,
    top=20,
    bottom=20,
    left=30,
    right=15,
    page_numbers=PageNumbers.TOP_FROM_SECOND,
)

EN_STYLE = PageStyle(
    family="sans",
    size=11,
    table_size=10,
    line_height=1.3,
    first_indent=0,
    para_after=5,
    top=20,
    bottom=20,
    left=25,
    right=20,
    page_numbers=PageNumbers.BOTTOM_OF_TOTAL,
    page_label="Page {page} of {pages}",
)


def number(document: MinutesDocument) -> str:
    """The number as printed: a draft's (or one whose sequence is empty, "/BB-SNV")
    keeps a blank for the sequence, written in by hand when the minutes are issued."""
    given = document.header.number.strip()
    sequence, slash, symbol = given.partition("/")
    if sequence.strip():
        return given
    return BLANK_NUMBER + (f"/{symbol}" if slash else "")


def _summary(document: MinutesDocument) -> str:
    return document.header.summary or document.header.title


def vietnamese_head(document: MinutesDocument, w: Words) -> Layout:
    header, style = document.header, VI_STYLE
    text_width = 210 - style.left - style.right
    left_width = 66.0
    issuer = header.issuer.upper()
    issuer_width = min(fonts.width(issuer, "serif", 13, bold=True), left_width - 4)
    left = [Line(header.organisation.upper(), 13)] if header.organisation else []
    left += [
        Line(issuer, 13, bold=True, rule=max(issuer_width / 3, 12)),
        Line(f"{w.number_label} {number(document)}", 13, before=4),
    ]
    motto_width = fonts.width(MOTTO, "serif", 13, bold=True)
    right = (
        Line(NATIONAL_TITLE, 12, bold=True),
        Line(MOTTO, 13, bold=True, rule=motto_width),
        Line(w.place_and_date(header.locality, header.date), 13, italic=True, before=4),
    )
    summary = _summary(document)
    summary_width = min(fonts.width(summary, "serif", 14, bold=True), text_width)
    result = _layout(document, w, style, f"{w.minutes.capitalize()}: {summary}")
    result.blocks.extend(
        [
            Masthead(tuple(left), right, left_width, after=18),
            Para((Run(w.minutes, bold=True),), Align.CENTER, size=14, after=0),
            Para((Run(summary, bold=True),), Align.CENTER, size=14, after=2),
            Rule(max(summary_width / 3, 25)),
        ]
    )
    _version(result, document, w, style)
    return result


def english_head(document: MinutesDocument, w: Words) -> Layout:
    header, style = document.header, EN_STYLE
    left = [Line(header.organisation, 10)] if header.organisation else []
    left.append(Line(header.issuer, 11, bold=True))
    right = [Line(w.place_and_date(header.locality, header.date), 10)]
    if header.number.strip().partition("/")[0].strip():
        right.insert(0, Line(f"{w.number_label} {header.number.strip()}", 10))
    summary = _summary(document)
    result = _layout(document, w, style, f"{w.minutes}: {summary}")
    result.blocks.extend(
        [
            Masthead(tuple(left), tuple(right), 95, 14, Align.LEFT, Align.RIGHT),
            Para((Run(w.minutes, bold=True),), Align.LEFT, size=20, after=2),
            Para((Run(summary, bold=True),), Align.LEFT, size=13, after=10),
        ]
    )
    _version(result, document, w, style)
    return result


def _layout(document: MinutesDocument, w: Words, style: PageStyle, title: str) -> Layout:
    return Layout(
        style=style,
        lang=w.lang,
        title=title,
        subject=document.header.title,
        author=document.header.issuer,
        stamp=w.draft if document.draft else "",
    )


def _version(result: Layout, document: MinutesDocument, w: Words, style: PageStyle) -> None:
    if document.version >= 2:
        change = document.change_note.strip()
        pattern = w.version if change else w.version_bare
        note = pattern.format(version=document.version, note=change)
        align = Align.CENTER if style.first_indent else Align.LEFT
        result.blocks.append(Para((Run(note, italic=True),), align, after=10))
