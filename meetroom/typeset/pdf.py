"""A `Layout` drawn as a PDF with fpdf2, as close to PDF/A-2b as fpdf2 goes.

fpdf2's `enforce_compliance="PDF/A-2B"` refuses what PDF/A forbids (unembedded base
fonts, encryption) and leaves out the Info dictionary (so that it cannot disagree with
the XMP); the XMP packet is written here (`xmp`), deterministic, with the part and
conformance, the title, the language and the dates; fpdf2 adds the output intent, sRGB
(the ICC's sRGB2014 profile, which fpdf2 ships: freely distributable). Every font is a TrueType
subset, embedded. The creation date is the meeting's (`created`), not the clock's, and
fpdf2's file identifier is a hash of the bytes, so that the same document gives the same
file, byte for byte."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from fpdf import FPDF
from fpdf import __version__ as fpdf_version
from fpdf.prefs import ViewerPreferences

from meetroom.typeset import fonts
from meetroom.typeset.blocks import Layout, Masthead, PageNumbers, Para, Signatures, Table
from meetroom.typeset.flow import FACE, FALLBACK_FACE, MM, Flow

PRODUCER = f"MeetRoom (fpdf2 {fpdf_version})"


class _Pdf(FPDF):
    def __init__(self, layout: Layout) -> None:
        super().__init__(unit="mm", format="A4", enforce_compliance="PDF/A-2B")
        self.layout = layout

    def header(self) -> None:
        style = self.layout.style
        if style.page_numbers == PageNumbers.TOP_FROM_SECOND and self.page_no() >= 2:
            self.set_font(FACE, "", style.size)
            self.set_y(style.top / 2 - 2)
            self.cell(0, style.size * MM, str(self.page_no()), align="C")
            self.set_y(style.top)

    def footer(self) -> None:
        style = self.layout.style
        if style.page_numbers == PageNumbers.BOTTOM_OF_TOTAL:
            self.set_font(FACE, "", style.table_size)
            self.set_y(-style.bottom / 2 - 2)
            label = style.page_label.format(page=self.page_no(), pages=self.str_alias_nb_pages)
            self.cell(0, style.table_size * MM, label, align="C")


def render(layout: Layout, created: datetime) -> bytes:
    style = layout.style
    pdf = _Pdf(layout)
    pdf.set_margins(style.left, style.top, style.right)
    pdf.set_auto_page_break(False)
    for variant in _variants(layout):
        pdf.add_font(FACE, variant, str(fonts.font_file(style.family, variant)))
    fallback = fonts.lacks(_all_text(layout), style.family)
    if fallback:
        pdf.add_font(FALLBACK_FACE, "", str(fonts.FALLBACK_FILE))
    pdf.set_lang(layout.lang)
    pdf.set_title(layout.title)
    pdf.set_subject(layout.subject)
    pdf.set_author(layout.author)
    pdf.set_creator("MeetRoom")
    pdf.set_producer(PRODUCER)
    pdf.set_creation_date(created)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_xmp_metadata(xmp(layout, created))
    flow = Flow(pdf, style, fallback)
    flow.new_page()
    if layout.stamp:
        flow.stamp(layout.stamp)
    flow.draw(layout.blocks)
    return bytes(pdf.output())


def xmp(layout: Layout, created: datetime) -> str:
    """The XMP packet's body (fpdf2 wraps it in <?xpacket?>), the same for the same
    document: no clock, no random identifier."""
    stamp = created.isoformat(timespec="seconds")

    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>'

    return "\n".join(
        [
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            '<rdf:Description rdf:about=""',
            ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
            ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
            ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
            "<pdfaid:part>2</pdfaid:part>",
            "<pdfaid:conformance>B</pdfaid:conformance>",
            "<dc:format>application/pdf</dc:format>",
            f"<dc:title>{alt(layout.title)}</dc:title>",
            f"<dc:description>{alt(layout.subject)}</dc:description>",
            f"<dc:creator><rdf:Seq><rdf:li>{escape(layout.author)}</rdf:li></rdf:Seq></dc:creator>",
            f"<dc:language><rdf:Bag><rdf:li>{escape(layout.lang)}</rdf:li></rdf:Bag></dc:language>",
            f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
            f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>",
            f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>",
            "<xmp:CreatorTool>MeetRoom</xmp:CreatorTool>",
            f"<pdf:Producer>{escape(PRODUCER)}</pdf:Producer>",
            "</rdf:Description>",
            "</rdf:RDF>",
            "</x:xmpmeta>",
        ]
    )


def _variants(layout: Layout) -> list[str]:
    """The styles the layout uses (each is a font to parse, then subset and embed)."""
    used = {"", "B", "I"}  # the page numbers; the stamp and the signatures
    for block in layout.blocks:
        if isinstance(block, Para):
            used.update(("B" if r.bold else "") + ("I" if r.italic else "") for r in block.runs)
        elif isinstance(block, Masthead):
            used.update(("B" if x.bold else "") + ("I" if x.italic else "") for x in block.left)
            used.update(("B" if x.bold else "") + ("I" if x.italic else "") for x in block.right)
    return [variant for variant in fonts.STYLES if variant in used]


def _all_text(layout: Layout) -> str:
    parts = [layout.stamp]
    for block in layout.blocks:
        if isinstance(block, Para):
            parts.extend(run.text for run in block.runs)
        elif isinstance(block, Masthead):
            parts.extend(line.text for line in (*block.left, *block.right))
        elif isinstance(block, Table):
            parts.extend(block.headers)
            parts.extend(cell for row in block.rows for cell in row)
        elif isinstance(block, Signatures):
            parts.extend(f"{s.title}{s.hint}{s.name}" for s in block.columns)
    return "".join(parts)
