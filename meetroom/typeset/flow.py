"""The blocks set on PDF pages: paragraphs broken into lines by `lines` and drawn a
run at a time (a justified line a word at a time, each word but the last with its
space, so that text extraction finds the spaces), tables drawn cell by cell with their
heading row again on every page, and the page breaks decided here: a paragraph marked
`keep_with_next` moves to the next page with the start of what follows, a paragraph
never leaves one line alone at the foot of a page, a table row moves whole (or, taller
than a page, is split), the signatures stay together."""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from meetroom.typeset import fonts
from meetroom.typeset.blocks import (
    Align,
    Block,
    Line,
    Masthead,
    PageStyle,
    Para,
    Rule,
    Signatures,
    Table,
)
from meetroom.typeset.lines import FALLBACK, Metrics, SetLine

MM = 25.4 / 72  # mm per point
FACE = "body"
FALLBACK_FACE = "fallback"
PAD_X, PAD_Y = 1.2, 0.9  # table cells, mm
TABLE_LEADING = 1.2
HEAD_LEADING = 1.15


@dataclass(slots=True)
class _SetPara:
    lines: list[SetLine]
    size: float
    leading: float  # mm per line
    before: float  # mm
    after: float
    x_first: float
    x_rest: float
    room_first: float
    room_rest: float
    align: Align

    def lines_height(self, count: int | None = None) -> float:
        return self.leading * (len(self.lines) if count is None else min(count, len(self.lines)))


class Flow:
    def __init__(self, pdf: FPDF, style: PageStyle, fallback: bool) -> None:
        self.pdf = pdf
        self.style = style
        self.tables = {variant: fonts.advances(style.family, variant) for variant in fonts.STYLES}
        self.fallback = fonts.fallback_advances() if fallback else None
        self.metrics_by_size: dict[float, Metrics] = {}
        self.current: tuple[str, float] | None = None  # the font last set, to set it once
        self.top, self.bottom = style.top, 297 - style.bottom
        self.left, self.width = style.left, 210 - style.left - style.right

    # --- Measuring ----------------------------------------------------------------------

    def metrics(self, size: float) -> Metrics:
        metrics = self.metrics_by_size.get(size)
        if metrics is None:
            metrics = self.metrics_by_size[size] = Metrics(self.tables, self.fallback, size)
        return metrics

    def set_para(self, para: Para) -> _SetPara:
        style = self.style
        size = para.size or style.size
        metrics = self.metrics(size)
        words = metrics.words((run.text, _style(run.bold, run.italic)) for run in para.runs)
        first = style.first_indent if para.first_indent else 0
        x_rest = self.left + para.indent
        room_rest = self.width - para.indent
        after = style.para_after if para.after is None else para.after
        return _SetPara(
            metrics.lines(words, room_rest - first, room_rest),
            size,
            size * MM * style.line_height,
            para.before * MM,
            after * MM,
            x_rest + first,
            x_rest,
            room_rest - first,
            room_rest,
            para.align,
        )

    def set_cells(
        self, texts: tuple[str, ...], widths: list[float], bold: bool
    ) -> list[list[SetLine]]:
        metrics = self.metrics(self.style.table_size)
        variant = "B" if bold else ""
        return [
            metrics.lines(metrics.words(((text, variant),)), width - 2 * PAD_X, width - 2 * PAD_X)
            for text, width in zip(texts, widths, strict=True)
        ]

    def row_height(self, cells: list[list[SetLine]]) -> float:
        leading = self.style.table_size * MM * TABLE_LEADING
        return max(len(lines) for lines in cells) * leading + 2 * PAD_Y

    def first_height(self, block: Block | None) -> float:
        """How much of `block` must follow a paragraph kept with it."""
        if isinstance(block, Para):
            set_para = self.set_para(block)
            return set_para.before + set_para.lines_height(2)
        if isinstance(block, Table):
            widths = [fraction * (self.width - block.indent) for fraction in block.widths]
            height = self.row_height(self.set_cells(block.headers, widths, True))
            if block.rows:
                height += self.row_height(self.set_cells(block.rows[0], widths, False))
            return height
        if isinstance(block, Signatures):
            return self.signatures_height(block)
        return 0

    # --- Drawing --------------------------------------------------------------------------

    def new_page(self) -> None:
        self.pdf.add_page()
        self.pdf.set_y(self.top)
        self.current = None  # the page number may have set another

    def at_top(self) -> bool:
        return self.pdf.get_y() <= self.top + 0.01

    def face(self, variant: str, size: float) -> None:
        if self.current == (variant, size):
            return
        self.current = (variant, size)
        if variant == FALLBACK:
            self.pdf.set_font(FALLBACK_FACE, "", size)
        else:
            self.pdf.set_font(FACE, variant, size)

    def draw_line(
        self,
        line: SetLine,
        x: float,
        room: float,
        top: float,
        leading: float,
        size: float,
        align: Align,
    ) -> None:
        metrics = self.metrics(size)
        baseline = top + leading / 2 + 0.3 * size * MM
        extra = 0.0
        if align == Align.JUSTIFY and not line.last and line.gaps > 0:
            extra = (room - line.width) / line.gaps
        elif align == Align.CENTER:
            x += (room - line.width) / 2
        elif align == Align.RIGHT:
            x += room - line.width
        pdf = self.pdf
        if extra <= 0:
            runs: list[tuple[str, str]] = []
            for i, word in enumerate(line.words):
                for j, (text, variant) in enumerate(word.segments):
                    if j == len(word.segments) - 1 and i < line.gaps:
                        text += " "
                    if runs and runs[-1][1] == variant:
                        runs[-1] = (runs[-1][0] + text, variant)
                    else:
                        runs.append((text, variant))
            for text, variant in runs:
                self.face(variant, size)
                pdf.text(x, baseline, text)
                x += metrics.advance(text, variant)
            return
        for i, word in enumerate(line.words):
            start = x
            for j, (text, variant) in enumerate(word.segments):
                self.face(variant, size)
                space = " " if j == len(word.segments) - 1 and i < line.gaps else ""
                pdf.text(x, baseline, text + space)
                x += metrics.advance(text, variant)
            x = start + word.width + word.space + extra

    def para(self, para: Para, following: Block | None) -> None:
        pdf, set_para = self.pdf, self.set_para(para)
        leading = set_para.leading
        if not self.at_top():
            pdf.set_y(pdf.get_y() + set_para.before)
        usable = self.bottom - self.top
        if para.keep_with_next:
            needed = set_para.lines_height() + self.first_height(following)
            if pdf.get_y() + needed > self.bottom and needed < usable and not self.at_top():
                self.new_page()
        elif len(set_para.lines) >= 2 and pdf.get_y() + 2 * leading > self.bottom:
            self.new_page()
        for i, line in enumerate(set_para.lines):
            if pdf.get_y() + leading > self.bottom + 0.01:
                self.new_page()
            x, room = (
                (set_para.x_first, set_para.room_first)
                if i == 0
                else (set_para.x_rest, set_para.room_rest)
            )
            self.draw_line(line, x, room, pdf.get_y(), leading, set_para.size, set_para.align)
            pdf.set_y(pdf.get_y() + leading)
        pdf.set_y(pdf.get_y() + set_para.after)

    def rule(self, rule: Rule) -> None:
        pdf = self.pdf
        y = pdf.get_y() + 0.6
        x = self.left + (self.width - rule.length) / 2
        pdf.set_line_width(0.3)
        pdf.line(x, y, x + rule.length, y)
        pdf.set_y(y + rule.after * MM)

    def column(
        self,
        lines: tuple[Line, ...],
        x: float,
        width: float,
        top: float,
        align: Align = Align.CENTER,
    ) -> float:
        """A masthead's or a signature's column of lines; returns where it ends."""
        y = top
        for line in lines:
            y += line.before * MM
            metrics = self.metrics(line.size)
            leading = line.size * MM * HEAD_LEADING
            words = metrics.words(((line.text, _style(line.bold, line.italic)),))
            for set_line in metrics.lines(words, width, width):
                self.draw_line(set_line, x, width, y, leading, line.size, align)
                y += leading
            if line.rule:
                middle = x + width / 2
                y += 1.0
                self.pdf.set_line_width(0.3)
                self.pdf.line(middle - line.rule / 2, y, middle + line.rule / 2, y)
                y += 1.5
        return y

    def masthead(self, head: Masthead) -> None:
        top = self.pdf.get_y()
        left = self.column(head.left, self.left, head.left_width, top, head.left_align)
        x, width = self.left + head.left_width, self.width - head.left_width
        right = self.column(head.right, x, width, top, head.right_align)
        self.pdf.set_y(max(left, right) + head.after * MM)

    def table(self, table: Table) -> None:
        pdf, size = self.pdf, self.style.table_size
        leading = size * MM * TABLE_LEADING
        widths = [fraction * (self.width - table.indent) for fraction in table.widths]
        x0 = self.left + table.indent
        header = self.set_cells(table.headers, widths, True)
        header_height = self.row_height(header)
        usable = self.bottom - self.top

        def draw(cells: list[list[SetLine]], aligns: tuple[Align, ...]) -> None:
            y, height, x = pdf.get_y(), self.row_height(cells), x0
            pdf.set_line_width(0.2)
            for lines, width, align in zip(cells, widths, aligns, strict=True):
                pdf.rect(x, y, width, height)
                offset = (height - 2 * PAD_Y - len(lines) * leading) / 2
                for i, line in enumerate(lines):
                    top = y + PAD_Y + offset + i * leading
                    self.draw_line(line, x + PAD_X, width - 2 * PAD_X, top, leading, size, align)
                x += width
            pdf.set_y(y + height)

        def heading() -> None:
            draw(header, tuple(Align.CENTER for _ in widths))

        first = self.first_height(table)
        if pdf.get_y() + first > self.bottom and not self.at_top():
            self.new_page()
        heading()
        for row in table.rows:
            cells = self.set_cells(row, widths, False)
            while True:
                height = self.row_height(cells)
                if pdf.get_y() + height <= self.bottom + 0.01:
                    draw(cells, table.aligns)
                    break
                fits = int((self.bottom - pdf.get_y() - 2 * PAD_Y) / leading)
                if height <= usable - header_height or fits < 1:
                    self.new_page()
                    heading()
                    continue
                draw([lines[:fits] for lines in cells], table.aligns)  # taller than a page
                cells = [lines[fits:] or [SetLine(last=True)] for lines in cells]
                self.new_page()
                heading()
        pdf.set_y(pdf.get_y() + self.style.para_after * MM)

    def signature_lines(self, block: Signatures, index: int) -> tuple[Line, ...]:
        sign, size = block.columns[index], self.style.size
        return (
            Line(sign.title, size, bold=True),
            Line(sign.hint, size, italic=True),
            Line(sign.name, size, bold=True, before=block.space / MM),
        )

    def signatures_height(self, block: Signatures) -> float:
        return 4 + 3 * self.style.size * MM * HEAD_LEADING + block.space

    def signatures(self, block: Signatures) -> None:
        pdf = self.pdf
        if pdf.get_y() + self.signatures_height(block) > self.bottom and not self.at_top():
            self.new_page()
        top = pdf.get_y() + 4
        width = self.width / len(block.columns)
        ends = [
            self.column(self.signature_lines(block, i), self.left + i * width, width, top)
            for i in range(len(block.columns))
        ]
        pdf.set_y(max(ends))

    def stamp(self, text: str) -> None:
        """The draft's mark: bold, in a frame, at the top right of the first page."""
        pdf, size = self.pdf, self.style.size + 1
        width = fonts.width(text, self.style.family, size, bold=True) + 8
        height = size * MM + 3
        x = 210 - self.style.right - width
        y = max(self.top - height - 3, 4)
        pdf.set_line_width(0.4)
        pdf.rect(x, y, width, height)
        self.face("B", size)
        pdf.text(x + 4, y + height / 2 + 0.3 * size * MM, text)

    def draw(self, blocks: list[Block]) -> None:
        for i, block in enumerate(blocks):
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if isinstance(block, Para):
                self.para(block, following)
            elif isinstance(block, Rule):
                self.rule(block)
            elif isinstance(block, Masthead):
                self.masthead(block)
            elif isinstance(block, Table):
                self.table(block)
            else:
                self.signatures(block)


def _style(bold: bool, italic: bool) -> str:
    return ("B" if bold else "") + ("I" if italic else "")
