"""A deterministic "meeting agenda" PDF for the benchmarks: mostly text pages, some
vector charts and tables, and about one page in five a full-page scan (a distinct
1240 x 1754 JPEG per page, as a 150 dpi A4 scanner makes them).

Written byte by byte (no PDF library): base-14 fonts (Helvetica, Times), Flate-compressed
content streams, one DCT image XObject per scanned page. The same arguments always
give the same bytes.

    .venv/bin/python bench/mixed_pdf.py out.pdf [--pages 200]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The tests' small PDF writer (objects, streams, xref): one copy for both.
from tests.pdf.pdfs import PdfBuilder, pdf_string  # noqa: E402

A4 = (595.0, 842.0)
SCAN_SIZE = (1240, 1754)  # A4 at 150 dpi
FONT = ROOT / "meetroom" / "pdf" / "fonts" / "DejaVuSans.ttf"

WORDS = (
    "the committee council budget report proposal member members session meeting agenda "
    "item items approved reviewed discussed motion vote quarterly annual finance planning "
    "department director chair secretary minutes previous following draft final amended "
    "resolution project projects schedule deadline contract contracts tender procurement "
    "district province public works health education transport water energy staff "
    "training policy review audit accounts revenue expenditure allocation capital "
    "operating reserve fund funds grant grants investment maintenance infrastructure "
    "a an and of to in for on with by from at as is are was were be been will shall "
    "should may must not that this these those which who its their our all each any "
    "period year month week report figures table chart annex appendix section page"
).split()

KINDS = ("text", "vector", "scan")


def page_kinds(pages: int, seed: int = 2024) -> list[str]:
    """Per page: "text" (~60 %), "vector" (~20 %) or "scan" (~20 %); page 1 is a text
    cover page. Scans come partly alone, partly in runs (annexes), as in real agendas."""
    rng = random.Random(seed)
    kinds = ["text"] * pages
    n_scan = round(pages * 0.20)
    n_vector = round(pages * 0.20)
    free = list(range(1, pages))  # page 1 stays text
    rng.shuffle(free)
    # Half of the scans in runs of 3-6 pages (annexes), the rest scattered.
    placed = 0
    while placed < n_scan // 2 and free:
        start = rng.choice(free)
        run = min(rng.randint(3, 6), n_scan // 2 - placed)
        for index in range(start, min(start + run, pages)):
            if kinds[index] == "text" and index != 0:
                kinds[index] = "scan"
                placed += 1
    for index in free:
        if placed >= n_scan:
            break
        if kinds[index] == "text":
            kinds[index] = "scan"
            placed += 1
    vectors = 0
    for index in free:
        if vectors >= n_vector:
            break
        if kinds[index] == "text":
            kinds[index] = "vector"
            vectors += 1
    return kinds


# -- PDF objects ---------------------------------------------------------------------------


# -- page contents -----------------------------------------------------------------------


def _sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _wrap(rng: random.Random, chars: int, sentences: int) -> list[str]:
    text = " ".join(_sentence(rng) for _ in range(sentences))
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > chars:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def _header_footer(number: int, pages: int) -> bytes:
    width, height = A4
    return (
        b"BT /F1 8 Tf 0.4 g 56 %.1f Td (City Council - Regular session, agenda package) Tj ET\n"
        b"0.6 G 0.5 w 56 %.1f m %.1f %.1f l S\n"
        b"BT /F1 8 Tf 0.4 g %.1f 36 Td %s Tj ET\n0 g 0 G\n"
        % (
            height - 40,
            height - 46,
            width - 56,
            height - 46,
            width - 110,
            pdf_string(f"Page {number} of {pages}"),
        )
    )


def text_page(rng: random.Random, number: int, pages: int) -> bytes:
    """A typical agenda/minutes page: a heading, numbered items, paragraphs of 10 pt
    Times and a few bold Helvetica sub-headings, ~3 000 characters."""
    width, height = A4
    parts = [_header_footer(number, pages)]
    y = height - 90
    title = f"Item {number}: " + " ".join(rng.choice(WORDS) for _ in range(5)).title()
    parts.append(b"BT /F2 15 Tf 56 %.1f Td %s Tj ET" % (y, pdf_string(title)))
    y -= 28
    while y > 110:
        heading = (
            f"{number}.{rng.randint(1, 9)} "
            + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
        )
        parts.append(b"BT /F2 11 Tf 56 %.1f Td %s Tj ET" % (y, pdf_string(heading)))
        y -= 17
        lines = _wrap(rng, 98, rng.randint(3, 7))
        fitting = max(0, min(len(lines), int((y - 100) // 12.5)))
        if fitting:
            body = b" T* ".join(pdf_string(line) + b" Tj" for line in lines[:fitting])
            parts.append(b"BT /F3 10 Tf 12.5 TL 56 %.1f Td %s ET" % (y, body))
        y -= 12.5 * fitting + 12
    return b"\n".join(parts)


def vector_page(rng: random.Random, number: int, pages: int) -> bytes:
    """A chart page (bars, gridlines, a 120-point line series, a pie) or a table page
    (a ruled 24 x 6 table of figures), with their labels as text."""
    width, height = A4
    parts = [_header_footer(number, pages)]
    parts.append(
        b"BT /F2 14 Tf 56 %.1f Td %s Tj ET"
        % (height - 90, pdf_string(f"Annex {number}: figures for the period"))
    )
    if number % 2 == 0:
        # Bar chart with gridlines and axis labels.
        x0, y0, w, h = 80.0, 470.0, 440.0, 240.0
        for i in range(6):
            y = y0 + i * h / 5
            parts.append(b"0.85 G 0.5 w %.1f %.1f m %.1f %.1f l S" % (x0, y, x0 + w, y))
            parts.append(b"BT /F1 7 Tf 0 g %.1f %.1f Td (%d) Tj ET" % (x0 - 24, y - 2, i * 200))
        bars = 12
        for i in range(bars):
            for series, colour in enumerate((b"0.20 0.40 0.75", b"0.90 0.55 0.15")):
                value = rng.uniform(0.15, 0.95) * h
                x = x0 + 8 + i * (w / bars) + series * 14
                parts.append(b"%s rg %.1f %.1f 13 %.1f re f" % (colour, x, y0, value))
            parts.append(
                b"BT /F1 7 Tf 0 g %.1f %.1f Td (M%02d) Tj ET"
                % (x0 + 10 + i * w / bars, y0 - 12, i + 1)
            )
        parts.append(
            b"0 G 1 w %.1f %.1f m %.1f %.1f l %.1f %.1f l S" % (x0, y0 + h, x0, y0, x0 + w, y0)
        )
        # Line series.
        points = []
        value = h * 0.5
        for i in range(120):
            value = min(h * 0.98, max(h * 0.02, value + rng.uniform(-14, 14)))
            points.append((x0 + i * w / 119, 190 + value))
        path = b"%.1f %.1f m " % points[0] + b" ".join(b"%.1f %.1f l" % p for p in points[1:])
        parts.append(b"0.1 0.6 0.3 RG 1.5 w 1 j " + path + b" S")
        parts.append(b"0 G 1 w %.1f 190 m %.1f 190 l S" % (x0, x0 + w))
    else:
        # A ruled table of figures.
        cols = (56.0, 210.0, 290.0, 370.0, 450.0, 539.0)
        rows = 22
        top = height - 120
        step = 24.0
        parts.append(b"0.92 0.94 0.98 rg 56 %.1f 483 %.1f re f" % (top - step, step))
        for r in range(rows + 1):
            y = top - r * step
            parts.append(b"0.5 G 0.4 w 56 %.1f m 539 %.1f l S" % (y, y))
        for x in cols:
            parts.append(b"0.5 G 0.4 w %.1f %.1f m %.1f %.1f l S" % (x, top, x, top - rows * step))
        heads = ("Line item", "Budget", "Actual", "Variance", "Share")
        for c, head in enumerate(heads):
            parts.append(
                b"BT /F2 9 Tf 0 g %.1f %.1f Td %s Tj ET" % (cols[c] + 5, top - 16, pdf_string(head))
            )
        for r in range(1, rows):
            y = top - r * step - 16
            label = " ".join(rng.choice(WORDS) for _ in range(2)).capitalize()
            budget = rng.randint(1000, 900000)
            actual = int(budget * rng.uniform(0.7, 1.2))
            cells = (
                label,
                f"{budget:,}",
                f"{actual:,}",
                f"{actual - budget:+,}",
                f"{rng.uniform(0, 30):.1f} %",
            )
            for c, cell in enumerate(cells):
                parts.append(
                    b"BT /F3 9 Tf 0 g %.1f %.1f Td %s Tj ET" % (cols[c] + 5, y, pdf_string(cell))
                )
    # Every vector page also carries a pie chart (arcs as Bezier curves) and its legend.
    cx, cy, radius = 470.0, 100.0, 50.0
    angle = 0.0
    shares = [rng.uniform(1, 5) for _ in range(5)]
    total = sum(shares)
    colours = (
        b"0.20 0.40 0.75",
        b"0.90 0.55 0.15",
        b"0.10 0.60 0.30",
        b"0.75 0.20 0.25",
        b"0.55 0.45 0.70",
    )
    for i, (share, colour) in enumerate(zip(shares, colours, strict=True)):
        sweep = 2 * math.pi * share / total
        parts.append(colour + b" rg " + _wedge(cx, cy, radius, angle, angle + sweep) + b" f")
        angle += sweep
        label = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}: {100 * share / total:.1f} %"
        parts.append(b"%s rg 80 %.1f 8 8 re f" % (colour, 140 - i * 16))
        parts.append(b"BT /F1 9 Tf 0 g 94 %.1f Td %s Tj ET" % (141 - i * 16, pdf_string(label)))
    return b"\n".join(parts)


def _wedge(cx: float, cy: float, r: float, a0: float, a1: float) -> bytes:
    out = [b"%.2f %.2f m %.2f %.2f l" % (cx, cy, cx + r * math.cos(a0), cy + r * math.sin(a0))]
    segments = max(1, math.ceil((a1 - a0) / (math.pi / 2)))
    step = (a1 - a0) / segments
    k = 4 / 3 * math.tan(step / 4)
    for s in range(segments):
        b0, b1 = a0 + s * step, a0 + (s + 1) * step
        p1 = (
            cx + r * (math.cos(b0) - k * math.sin(b0)),
            cy + r * (math.sin(b0) + k * math.cos(b0)),
        )
        p2 = (
            cx + r * (math.cos(b1) + k * math.sin(b1)),
            cy + r * (math.sin(b1) - k * math.cos(b1)),
        )
        p3 = (cx + r * math.cos(b1), cy + r * math.sin(b1))
        out.append(b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (*p1, *p2, *p3))
    return b" ".join(out) + b" h"


def scan_jpeg(seed: int, size: tuple[int, int] = SCAN_SIZE) -> bytes:
    """A scanned letter: dark text lines on slightly yellow paper, a faint skew, sensor
    noise and blur, as an RGB JPEG at quality 75 (200-400 KB)."""
    rng = random.Random(seed)
    width, height = size
    page = Image.new("L", size, 238)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 24)
    small = ImageFont.truetype(str(FONT), 19)
    y = 150
    draw.text((120, y), " ".join(rng.choice(WORDS) for _ in range(4)).upper(), fill=30, font=font)
    y += 80
    while y < height - 180:
        if rng.random() < 0.12:
            y += 30  # paragraph break
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 14)))
        draw.text((120, y), line, fill=rng.randint(25, 60), font=small)
        y += 31
    # A signature-like scribble and a stamp.
    points = [(760 + i * 6, height - 150 + 25 * math.sin(i / 3.0 + seed)) for i in range(60)]
    draw.line(points, fill=40, width=3)
    draw.ellipse((180, height - 230, 360, height - 50), outline=90, width=5)
    page = page.rotate(rng.uniform(-0.8, 0.8), resample=Image.Resampling.BILINEAR, fillcolor=238)
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    noise = Image.frombytes("L", (width // 2, height // 2), rng.randbytes(width * height // 4))
    noise = noise.resize(size, Image.Resampling.BILINEAR)
    page = Image.blend(page, noise, 0.10)
    paper = Image.merge("RGB", (page, page, page.point(lambda v: max(0, v - 14))))
    buffer = io.BytesIO()
    paper.save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


# -- the document ----------------------------------------------------------------------------


def make_pdf(path: Path, pages: int = 200, seed: int = 2024) -> dict[str, int]:
    """Writes the agenda PDF to `path`; returns how many pages of each kind it has."""
    kinds = page_kinds(pages, seed)
    rng = random.Random(seed)
    b = PdfBuilder()
    catalog, pages_id = b.reserve(), b.reserve()
    fonts = {
        name: b.add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base
        )
        for name, base in (
            (b"F1", b"Helvetica"),
            (b"F2", b"Helvetica-Bold"),
            (b"F3", b"Times-Roman"),
        )
    }
    font_dict = b"<< " + b" ".join(b"/%s %d 0 R" % (k, v) for k, v in fonts.items()) + b" >>"
    text_resources = b.add(b"<< /Font %s >>" % font_dict)
    page_ids = []
    width, height = A4
    for number, kind in enumerate(kinds, 1):
        resources = text_resources
        if kind == "text":
            content = text_page(rng, number, pages)
        elif kind == "vector":
            content = vector_page(rng, number, pages)
        else:
            jpeg = scan_jpeg(seed * 1000 + number)
            image = b.add_stream(
                jpeg,
                b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
                b" /BitsPerComponent 8 /Filter /DCTDecode" % SCAN_SIZE,
                compress=False,
            )
            resources = b.add(b"<< /XObject << /Scan %d 0 R >> >>" % image)
            content = b"q %.2f 0 0 %.2f 0 0 cm /Scan Do Q" % (width, height)
        stream = b.add_stream(content)
        page_ids.append(
            b.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.0f %.0f] /Resources %d 0 R"
                b" /Contents %d 0 R >>" % (pages_id, width, height, resources, stream)
            )
        )
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    b.add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages), pages_id)
    b.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id, catalog)
    info = b.add(b"<< /Title (Regular session - agenda package) /Producer (bench/mixed_pdf.py) >>")
    path.write_bytes(b.to_bytes(catalog, info))
    return {kind: kinds.count(kind) for kind in KINDS}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args(argv)
    counts = make_pdf(args.out, args.pages)
    print(f"{args.out}: {args.pages} pages {counts}, {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
