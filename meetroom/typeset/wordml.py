"""WordprocessingML for the body of the DOCX, written as text: paragraphs, runs and
tables, parsed once and put into the document python-docx made. Setting each cell's
paragraph through python-docx's objects took a second for a long meeting; this takes
a few milliseconds. Elements are written in the order the schema requires.

Units: twentieths of a point ("twips") for lengths, half-points for font sizes."""

from __future__ import annotations

from xml.sax.saxutils import escape

from meetroom.typeset.blocks import Align

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
JC = {Align.LEFT: "left", Align.CENTER: "center", Align.RIGHT: "right", Align.JUSTIFY: "both"}
CELL_MARGIN_MM = 1.5  # left and right in every table
CELL_PADDING_MM = 0.6  # top and bottom in tables with borders


def twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def run(text: str, *, bold: bool = False, italic: bool = False, size: float = 0) -> str:
    props = ("<w:b/><w:bCs/>" if bold else "") + ("<w:i/><w:iCs/>" if italic else "")
    if size:
        half = round(size * 2)
        props += f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
    head = f"<w:r><w:rPr>{props}</w:rPr>" if props else "<w:r>"
    return f'{head}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(
    runs: str,
    *,
    align: Align = Align.LEFT,
    first_indent: float = 0,
    left: float = 0,
    right: float = 0,
    before: float = 0,
    after: float = 0,
    line: float = 0,
    exact_line: float = 0,
    keep_next: bool = False,
    keep_lines: bool = False,
    border: str = "",
) -> str:
    """A paragraph. Lengths in mm, spacing in points; `line` a multiple of single line
    spacing, `exact_line` a fixed height in points; `border` the sides framed."""
    props = ("<w:keepNext/>" if keep_next else "") + ("<w:keepLines/>" if keep_lines else "")
    if border:
        edges = "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="{2 if len(border) > 1 else 1}" '
            f'w:color="000000"/>'
            for side in ("top", "left", "bottom", "right")
            if side[0] in border
        )
        props += f"<w:pBdr>{edges}</w:pBdr>"
    spacing = f'w:before="{round(before * 20)}" w:after="{round(after * 20)}"'
    if exact_line:
        spacing += f' w:line="{round(exact_line * 20)}" w:lineRule="exact"'
    elif line:
        spacing += f' w:line="{round(line * 240)}" w:lineRule="auto"'
    props += f"<w:spacing {spacing}/>"
    indents = f'w:left="{twips(left)}" w:right="{twips(right)}"'
    props += f'<w:ind {indents} w:firstLine="{twips(first_indent)}"/>'
    props += f'<w:jc w:val="{JC[align]}"/>'
    return f"<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"


def table(
    widths: list[float],
    rows: list[list[str]],
    *,
    borders: bool,
    header_rows: int = 0,
    middle: bool = True,
) -> str:
    """A table of fixed column widths (mm); each cell is its paragraphs' XML."""
    value = "single" if borders else "nil"
    size = ' w:sz="4" w:space="0" w:color="000000"' if borders else ""
    edges = "".join(
        f'<w:{side} w:val="{value}"{size}/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    margin, pad = twips(CELL_MARGIN_MM), twips(CELL_PADDING_MM) if borders else 0
    props = (
        f'<w:tblW w:w="{sum(twips(w) for w in widths)}" w:type="dxa"/>'
        f'<w:tblInd w:w="0" w:type="dxa"/><w:tblBorders>{edges}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="{pad}" w:type="dxa"/><w:left w:w="{margin}" w:type="dxa"/>'
        f'<w:bottom w:w="{pad}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
    )
    grid = "".join(f'<w:gridCol w:w="{twips(w)}"/>' for w in widths)
    body = []
    align = '<w:vAlign w:val="center"/>' if middle else ""
    for index, cells in enumerate(rows):
        heading = "<w:tblHeader/>" if index < header_rows else ""
        tds = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{twips(w)}" w:type="dxa"/>{align}</w:tcPr>{cell}</w:tc>'
            for w, cell in zip(widths, cells, strict=True)
        )
        body.append(f"<w:tr><w:trPr><w:cantSplit/>{heading}</w:trPr>{tds}</w:tr>")
    return f"<w:tbl><w:tblPr>{props}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(body)}</w:tbl>"
