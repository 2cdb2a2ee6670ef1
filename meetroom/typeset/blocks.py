"""The minutes laid out once, for both writers: a list of blocks (paragraphs of styled
runs, tables, the masthead, the signatures) with every word chosen and every size
set. `compose` makes it from a `MinutesDocument`; `pdf` and `word` only draw it, so
that the PDF and the DOCX say the same thing in the same order."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"
    JUSTIFY = "justify"


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Para:
    runs: tuple[Run, ...]
    align: Align = Align.JUSTIFY
    size: float = 0  # points; 0: the body's size
    first_indent: bool = False  # the page style's first-line indent
    indent: float = 0  # mm, every line
    before: float = 0  # points of space above
    after: float | None = None  # points of space below; None: the page style's
    keep_with_next: bool = False  # never the last thing on a page


@dataclass(frozen=True, slots=True)
class Rule:
    """A short horizontal line, centred on the text width."""

    length: float  # mm
    after: float = 6  # points


@dataclass(frozen=True, slots=True)
class Line:
    """One line (wrapped if it must) of a masthead or signature column."""

    text: str
    size: float
    bold: bool = False
    italic: bool = False
    before: float = 0  # points
    rule: float = 0  # mm: a centred rule under the line (0: none)


@dataclass(frozen=True, slots=True)
class Masthead:
    """Two columns side by side at the top of the first page."""

    left: tuple[Line, ...]
    right: tuple[Line, ...]
    left_width: float  # mm; the right column takes the rest of the text width
    after: float = 12  # points
    left_align: Align = Align.CENTER
    right_align: Align = Align.CENTER


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    widths: tuple[float, ...]  # fractions of the text width, adding up to 1
    rows: tuple[tuple[str, ...], ...]
    aligns: tuple[Align, ...]  # per column
    indent: float = 0  # mm from the left margin


@dataclass(frozen=True, slots=True)
class Signature:
    title: str  # "THƯ KÝ"
    hint: str  # "(Ký, ghi rõ họ tên)"
    name: str


@dataclass(frozen=True, slots=True)
class Signatures:
    columns: tuple[Signature, ...]  # left to right
    space: float = 28  # mm left for the signature


class PageNumbers(enum.StrEnum):
    TOP_FROM_SECOND = "top"  # Decree 30: centred in the top margin, none on page 1
    BOTTOM_OF_TOTAL = "bottom"  # "Page 2 of 5", centred at the bottom of every page


@dataclass(frozen=True, slots=True)
class PageStyle:
    family: str  # "serif" | "sans" (see `fonts`)
    size: float  # body text, points
    table_size: float
    line_height: float  # a multiple of the font size
    first_indent: float  # mm
    para_after: float  # points
    top: float  # margins, mm
    bottom: float
    left: float
    right: float
    page_numbers: PageNumbers
    page_label: str = "{page}"  # "{page}" and "{pages}"


Block = Para | Rule | Masthead | Table | Signatures


@dataclass(frozen=True, slots=True)
class Layout:
    style: PageStyle
    lang: str  # "vi-VN" | "en"
    title: str  # the file's metadata title
    subject: str
    author: str  # the issuing body
    stamp: str  # the draft mark, top right of page 1 ("" when final)
    blocks: list[Block] = field(default_factory=list)
