"""PDFs of Vietnamese text whose font is embedded or only named, as the fonts tests
need them.

Unicode text reaches a PDF in one of two ways, and both are written here:

- a Type0 font with Identity-H encoding (what Word, LibreOffice and most "print to
  PDF" drivers write): the codes are the glyph numbers of the author's font, and a
  ToUnicode map says which letter each one is. Without the font file those numbers
  mean nothing, so a reader must go through ToUnicode to find the letter in another
  font: the codes written for the named-only font are not Liberation's glyph numbers;
- a simple TrueType font whose /Differences name each letter's glyph (uni1ED8, ...),
  as older drivers write for the letters beyond WinAnsi.

The embedded font is Liberation Serif, metric-compatible with Times New Roman: the
page with the font embedded is the reference a page drawn with a replacement for
Times New Roman is compared with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from tests.pdf.pdfs import A4, PdfBuilder
from tests.pdf.truetype import TrueType

FONTS = Path(__file__).resolve().parents[2] / "meetroom" / "pdf" / "fonts"
EMBEDDED_FONT = FONTS / "LiberationSerif-Regular.ttf"
LINES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ơ ư ạ ả ờ ữ ậ ẩ ỹ đ Ơ Ư Ạ Ả Ỹ Đ",
)
SIZE = 24
LEFT = 60
# Baselines, from the top of the page: each line's box for checks on the image.
LINE_GAP = 60
FIRST_BASELINE = 100


def baselines() -> list[float]:
    return [FIRST_BASELINE + LINE_GAP * i for i in range(len(LINES))]


def vietnamese_pdf(
    path: Path,
    *,
    embedded: bool,
    base_font: str = "TimesNewRomanPSMT",
    simple: bool = False,
    lines: Sequence[str] = LINES,
) -> Path:
    """One A4 page with `lines` in 24 pt, in a font named `base_font` (embedded: the
    file of Liberation Serif is in the PDF; otherwise only its name)."""
    font = TrueType.open(EMBEDDED_FONT)
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    if simple:
        font_ref, encode = _simple_font(b, font, base_font, embedded, lines)
    else:
        font_ref, encode = _type0_font(b, font, base_font, embedded, lines)
    content = b"".join(
        b"BT /F1 %d Tf 1 0 0 1 %d %.2f Tm <%s> Tj ET\n"
        % (SIZE, LEFT, A4[1] - baseline, encode(line).hex().encode())
        for line, baseline in zip(lines, baselines(), strict=False)
    )
    stream = b.add_stream(content)
    page = b.add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R"
        b" >> >> /Contents %d 0 R >>" % (pages, A4[0], A4[1], font_ref, stream)
    )
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages, catalog)
    path.write_bytes(b.to_bytes(catalog))
    return path


def _descriptor(b: PdfBuilder, font: TrueType, base_font: str, embedded: bool) -> int:
    file_ref = b""
    if embedded:
        data = font.data
        file_ref = b" /FontFile2 %d 0 R" % b.add_stream(data, b" /Length1 %d" % len(data))
    # Flags 34: serif, non-symbolic.
    return b.add(
        b"<< /Type /FontDescriptor /FontName /%s /Flags 34 /FontBBox [-600 -300 2000 1000]"
        b" /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80%s >>"
        % (base_font.encode(), file_ref)
    )


def _type0_font(
    b: PdfBuilder, font: TrueType, base_font: str, embedded: bool, lines: Sequence[str]
) -> tuple[int, Callable[[str], bytes]]:
    glyphs = font.cmap()
    letters = sorted({c for line in lines for c in line})
    if embedded:
        codes = {c: glyphs[ord(c)] for c in letters}
    else:
        # As the author's font numbers its glyphs: nothing like Liberation's numbers.
        codes = {c: 3 + i for i, c in enumerate(letters)}
    widths = b" ".join(b"%d [%d]" % (codes[c], font.width(glyphs.get(ord(c), 0))) for c in letters)
    descriptor = _descriptor(b, font, base_font, embedded)
    cid_font = b.add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry"
        b" (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /W [%s]"
        b" /CIDToGIDMap /Identity >>" % (base_font.encode(), descriptor, widths)
    )
    to_unicode = b.add_stream(_to_unicode({codes[c]: c for c in letters}))
    font_ref = b.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>"
        % (base_font.encode(), cid_font, to_unicode)
    )

    def encode(line: str) -> bytes:
        return b"".join(codes[c].to_bytes(2, "big") for c in line)

    return font_ref, encode


def _simple_font(
    b: PdfBuilder, font: TrueType, base_font: str, embedded: bool, lines: Sequence[str]
) -> tuple[int, Callable[[str], bytes]]:
    glyphs = font.cmap()
    beyond_ascii = sorted({c for line in lines for c in line if ord(c) > 126})
    codes = {chr(i): i for i in range(32, 127)}
    codes.update({c: 128 + i for i, c in enumerate(beyond_ascii)})
    assert max(codes.values()) <= 255, "too many letters for a simple font"
    last = max(codes.values())
    by_code = {code: c for c, code in codes.items()}
    widths = b" ".join(
        b"%d" % (font.width(glyphs.get(ord(by_code[code]), 0)) if code in by_code else 0)
        for code in range(32, last + 1)
    )
    names = b" ".join(b"/uni%04X" % ord(c) for c in beyond_ascii)
    descriptor = _descriptor(b, font, base_font, embedded)
    font_ref = b.add(
        b"<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 32 /LastChar %d"
        b" /Widths [%s] /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding"
        b" /Differences [128 %s] >> /FontDescriptor %d 0 R >>"
        % (base_font.encode(), last, widths, names, descriptor)
    )

    def encode(line: str) -> bytes:
        return bytes(codes[c] for c in line)

    return font_ref, encode


def _to_unicode(letters: dict[int, str]) -> bytes:
    entries = sorted(letters.items())
    blocks = []
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        pairs = "\n".join(f"<{code:04X}> <{ord(c):04X}>" for code, c in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{pairs}\nendbfchar")
    body = "\n".join(blocks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()
