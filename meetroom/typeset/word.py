"""A `Layout` written as a DOCX with python-docx: the editable copy of the minutes.

The font is named, not embedded: "Times New Roman" (Vietnamese template) or "Arial"
(English), what Decree 30 asks for and what every office's Word has; LibreOffice draws
them with Liberation Serif and Sans, which have the same widths (the fonts the PDF
embeds), so lines break where they do in the PDF. Embedding Liberation under the name
Times New Roman would misname it, and python-docx cannot embed fonts anyway.

The file is the same for the same document: the core properties carry the meeting's
date, python-docx's thumbnail is left out, and the ZIP is written again with every
entry dated the same (python-docx dates them with the clock)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from meetroom.typeset import fonts, wordml
from meetroom.typeset.blocks import (
    Align,
    Block,
    Layout,
    Line,
    Masthead,
    PageNumbers,
    PageStyle,
    Para,
    Rule,
    Signatures,
    Table,
)

ALIGN = {
    Align.LEFT: WD_ALIGN_PARAGRAPH.LEFT,
    Align.CENTER: WD_ALIGN_PARAGRAPH.CENTER,
    Align.RIGHT: WD_ALIGN_PARAGRAPH.RIGHT,
    Align.JUSTIFY: WD_ALIGN_PARAGRAPH.JUSTIFY,
}
POINTS_PER_MM = 72 / 25.4


def render(layout: Layout, created: datetime) -> bytes:
    doc = Document()
    style = layout.style
    _page(doc, style)
    _defaults(doc, style, layout.lang)
    _headers(doc, layout)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    xml = "".join(_block(block, style) for block in layout.blocks)
    section = body.find(qn("w:sectPr"))
    assert section is not None
    for element in parse_xml(f'<w:body xmlns:w="{wordml.W_NS}">{xml}</w:body>'):
        section.addprevious(element)
    _properties(doc, layout, created)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _same_zip(buffer.getvalue(), created)


def _page(doc: DocxDocument, style: PageStyle) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(style.top), Mm(style.bottom)
    section.left_margin, section.right_margin = Mm(style.left), Mm(style.right)
    section.header_distance = Mm(style.top / 2 - 2)
    section.footer_distance = Mm(style.bottom / 2 - 2)
    section.different_first_page_header_footer = True


def _defaults(doc: DocxDocument, style: PageStyle, lang: str) -> None:
    name = fonts.FAMILIES[style.family].office_name
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    run_props = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert run_props is not None
    for element in list(run_props):
        if element.tag in (qn("w:rFonts"), qn("w:lang")):
            run_props.remove(element)
    faces = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        faces.set(qn(attribute), name)
    run_props.insert(0, faces)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), lang)
    run_props.append(language)
    normal = doc.styles["Normal"]
    normal.font.name = name
    normal.font.size = Pt(style.size)
    paragraph = normal.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(style.para_after)
    paragraph.line_spacing = style.line_height - 0.1  # Word's single is ~1.15 em
    paragraph.widow_control = True


def _field(paragraph: Paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)  # noqa: SLF001


def _page_number(paragraph: Paragraph, style: PageStyle, size: float) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    head, _, rest = style.page_label.partition("{page}")
    middle, _, tail = rest.partition("{pages}")
    for text, field in (
        (head, "PAGE"),
        (middle, "NUMPAGES" if "{pages}" in rest else ""),
        (tail, ""),
    ):
        if text:
            paragraph.add_run(text).font.size = Pt(size)
        if field:
            _field(paragraph, field)


def _headers(doc: DocxDocument, layout: Layout) -> None:
    section, style = doc.sections[0], layout.style
    if style.page_numbers == PageNumbers.TOP_FROM_SECOND:
        _page_number(section.header.paragraphs[0], style, style.size)
    else:
        _page_number(section.footer.paragraphs[0], style, style.table_size)
        _page_number(section.first_page_footer.paragraphs[0], style, style.table_size)
    stamp = section.first_page_header.paragraphs[0]
    if layout.stamp:
        size = style.size + 1
        text_width = 210 - style.left - style.right
        box = fonts.width(layout.stamp, style.family, size, bold=True) + 8
        stamp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        stamp.paragraph_format.left_indent = Mm(text_width - box)
        stamp.paragraph_format.space_after = Pt(0)
        run = stamp.add_run(layout.stamp)
        run.bold, run.font.size = True, Pt(size)
        _border(stamp, ("top", "left", "bottom", "right"), space=2)


def _border(paragraph: Paragraph, sides: tuple[str, ...], space: int = 1) -> None:
    borders = OxmlElement("w:pBdr")
    for side in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "6")  # eighths of a point
        edge.set(qn("w:space"), str(space))
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)  # noqa: SLF001


def _block(block: Block, style: PageStyle) -> str:
    text_width = 210 - style.left - style.right
    if isinstance(block, Para):
        return _para(block, style)
    if isinstance(block, Rule):
        return _rule(block.length, text_width, after=block.after)
    if isinstance(block, Masthead):
        widths = [block.left_width, text_width - block.left_width]
        cells = [
            _lines(block.left, widths[0], block.left_align),
            _lines(block.right, widths[1], block.right_align),
        ]
        table = wordml.table(widths, [cells], borders=False, middle=False)
        return table + wordml.paragraph("", after=max(block.after - style.size, 0), line=1)
    if isinstance(block, Table):
        return _table(block, style, text_width)
    return _signatures(block, style, text_width)


def _para(para: Para, style: PageStyle) -> str:
    runs = "".join(
        wordml.run(r.text, bold=r.bold, italic=r.italic, size=para.size) for r in para.runs
    )
    return wordml.paragraph(
        runs,
        align=para.align,
        first_indent=style.first_indent if para.first_indent else 0,
        left=para.indent,
        before=para.before,
        after=style.para_after if para.after is None else para.after,
        line=style.line_height - 0.1,  # Word's single spacing is about 1.15 em already
        keep_next=para.keep_with_next,
    )


def _rule(length: float, width: float, after: float = 4) -> str:
    """A centred rule `length` mm long in `width` mm: the bottom border of an empty,
    two-point-high paragraph indented from both sides."""
    side = max((width - length) / 2, 0)
    return wordml.paragraph(
        "", left=side, right=side, after=after, exact_line=2, border="b", keep_next=True
    )


def _lines(lines: tuple[Line, ...], width: float, align: Align = Align.CENTER) -> str:
    """A masthead's or signature's column: its lines, each its own paragraph."""
    inner = width - 2 * wordml.CELL_MARGIN_MM
    parts = []
    for line in lines:
        text = wordml.run(line.text, bold=line.bold, italic=line.italic, size=line.size)
        parts.append(wordml.paragraph(text, align=align, before=line.before, line=1))
        if line.rule:
            parts.append(_rule(line.rule, inner, after=2))
    return "".join(parts)


def _table(table: Table, style: PageStyle, text_width: float) -> str:
    widths = [fraction * (text_width - table.indent) for fraction in table.widths]
    size = style.table_size

    def cell(text: str, align: Align, bold: bool) -> str:
        return wordml.paragraph(wordml.run(text, bold=bold, size=size), align=align, line=1)

    rows = [[cell(text, Align.CENTER, True) for text in table.headers]]
    rows += [
        [cell(text, align, False) for text, align in zip(cells, table.aligns, strict=True)]
        for cells in table.rows
    ]
    return wordml.table(widths, rows, borders=True, header_rows=1) + wordml.paragraph(
        "", after=0, exact_line=style.para_after
    )


def _signatures(block: Signatures, style: PageStyle, text_width: float) -> str:
    width = text_width / len(block.columns)
    size, space = style.size, block.space * POINTS_PER_MM
    cells = [
        _lines(
            (
                Line(sign.title, size, bold=True),
                Line(sign.hint, size, italic=True),
                Line(sign.name, size, bold=True, before=space),
            ),
            width,
        )
        for sign in block.columns
    ]
    spacer = wordml.paragraph("", before=6, after=0, keep_next=True)
    table = wordml.table([width] * len(cells), [cells], borders=False, middle=False)
    return spacer + table + wordml.paragraph("", after=0)


def _properties(doc: DocxDocument, layout: Layout, created: datetime) -> None:
    core = doc.core_properties
    core.title, core.subject, core.author = layout.title, layout.subject, layout.author
    core.language, core.last_modified_by = layout.lang, layout.author
    core.created = core.modified = core.last_printed = created
    core.revision, core.keywords, core.comments, core.category = 1, "", "", ""
    package = doc.part.package
    for key, relation in list(package.rels.items()):
        if relation.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            del package.rels[key]


def _same_zip(data: bytes, created: datetime) -> bytes:
    """The ZIP written again with every entry dated `created`."""
    stamp = (max(created.year, 1980), created.month, created.day, created.hour, created.minute, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
