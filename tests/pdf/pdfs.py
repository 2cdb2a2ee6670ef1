"""Real PDFs for the documents tests, written byte by byte so that the tests also
control the broken ones (see `tests/pdf/corpus`).

`PdfBuilder` numbers objects and writes a correct xref table; `make_pdf` builds a
valid document with text in Helvetica, vector paths and an embedded JPEG."""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parents[2] / "meetroom" / "pdf" / "fonts" / "DejaVuSans.ttf"
A4 = (595.0, 842.0)


def pdf_string(text: str) -> bytes:
    """A literal string in PDFDocEncoding (Latin-1 is enough for the tests)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


class PdfBuilder:
    """Objects by number; `write` lays them out with an xref table and a trailer."""

    def __init__(self) -> None:
        self.objects: dict[int, bytes] = {}
        self._next = 1

    def reserve(self) -> int:
        number = self._next
        self._next += 1
        return number

    def add(self, body: bytes, number: int | None = None) -> int:
        if number is None:
            number = self.reserve()
        self.objects[number] = body
        return number

    def add_stream(
        self, data: bytes, extra: bytes = b"", compress: bool = True, number: int | None = None
    ) -> int:
        if compress:
            data = zlib.compress(data)
            extra += b" /Filter /FlateDecode"
        head = b"<< /Length %d%s >>\nstream\n" % (len(data), extra)
        return self.add(head + data + b"\nendstream", number)

    def to_bytes(self, root: int, info: int | None = None, trailer_extra: bytes = b"") -> bytes:
        out = io.BytesIO()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets: dict[int, int] = {}
        for number in sorted(self.objects):
            offsets[number] = out.tell()
            out.write(b"%d 0 obj\n%s\nendobj\n" % (number, self.objects[number]))
        xref = out.tell()
        size = max(self.objects) + 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            if number in offsets:
                out.write(b"%010d 00000 n \n" % offsets[number])
            else:
                out.write(b"0000000000 65535 f \n")
        trailer = b"/Size %d /Root %d 0 R" % (size, root)
        if info is not None:
            trailer += b" /Info %d 0 R" % info
        out.write(b"trailer\n<< %s%s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, trailer_extra, xref))
        return out.getvalue()


def page_text(number: int) -> str:
    return f"Page {number}: Quarterly budget review"


def scan_jpeg(width: int = 1240, height: int = 1754, seed: int = 1) -> bytes:
    """A photographed/scanned-looking page: text lines on off-white paper with noise."""
    rng = random.Random(seed)
    image = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), max(12, width // 50))
    y = height // 12
    while y < height - height // 12:
        words = " ".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
            for _ in range(rng.randint(6, 11))
        )
        draw.text((width // 12, y), words, fill=rng.randint(20, 60), font=font)
        y += width // 32
    noise = Image.effect_noise((width, height), 18).point(lambda v: (v - 128) // 4 + 128)
    image = Image.blend(image, noise, 0.25).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def small_jpeg() -> bytes:
    image = Image.linear_gradient("L").resize((160, 120)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 20, 120, 100), fill=(200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _content(number: int, kinds: Sequence[str], size: tuple[float, float]) -> bytes:
    width, height = size
    parts: list[bytes] = []
    if "scan" in kinds:
        parts.append(b"q %.2f 0 0 %.2f 0 0 cm /Scan Do Q" % (width, height))
    if "vector" in kinds:
        parts.append(
            b"q 0.1 0.3 0.8 RG 3 w 60 120 m 300 400 l 540 160 l S "
            b"0.9 0.6 0.1 rg 320 200 180 120 re f "
            b"0 0.5 0.2 rg 100 500 m 160 620 220 440 280 560 c f Q"
        )
    if "image" in kinds:
        parts.append(b"q 160 0 0 120 380 600 cm /Photo Do Q")
    if "text" in kinds:
        parts.append(
            b"BT /F1 20 Tf 60 %.2f Td %s Tj ET" % (height - 90, pdf_string(page_text(number)))
        )
        lines = [
            "The committee approved the proposal after a short discussion.",
            "Members asked for the detailed figures before the next session.",
        ] * 10
        body = b" T* ".join(pdf_string(line) + b" Tj" for line in lines)
        parts.append(b"BT /F1 11 Tf 14 TL 60 %.2f Td %s ET" % (height - 130, body))
    return b"\n".join(parts)


def make_pdf(
    path: Path,
    pages: int = 3,
    title: str | None = "Budget review",
    outline: bool = True,
    kinds: Sequence[str] = ("text", "vector", "image"),
    size: tuple[float, float] = A4,
    rotate: int = 0,
    media_origin: tuple[float, float] = (0.0, 0.0),
) -> Path:
    """Write a valid PDF: `kinds` among "text", "vector", "image" (a small JPEG) and
    "scan" (a full-page JPEG, as from a scanner)."""
    b = PdfBuilder()
    catalog, pages_id = b.reserve(), b.reserve()
    font = b.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    xobjects = b""
    if "image" in kinds:
        photo = b.add_stream(
            small_jpeg(),
            b" /Type /XObject /Subtype /Image /Width 160 /Height 120 /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode",
            compress=False,
        )
        xobjects += b" /Photo %d 0 R" % photo
    if "scan" in kinds:
        jpeg = scan_jpeg()
        with Image.open(io.BytesIO(jpeg)) as im:
            w, h = im.size
        scan = b.add_stream(
            jpeg,
            b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode" % (w, h),
            compress=False,
        )
        xobjects += b" /Scan %d 0 R" % scan
    resources = b.add(b"<< /Font << /F1 %d 0 R >> /XObject << %s >> >>" % (font, xobjects))
    x0, y0 = media_origin
    box = b"[%.2f %.2f %.2f %.2f]" % (x0, y0, x0 + size[0], y0 + size[1])
    page_ids = []
    for number in range(1, pages + 1):
        # Content drawn at the box's origin, so non-zero origins still show it all.
        content = b"q 1 0 0 1 %.2f %.2f cm\n%s\nQ" % (x0, y0, _content(number, kinds, size))
        stream = b.add_stream(content)
        page_ids.append(
            b.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Rotate %d /Resources %d 0 R"
                b" /Contents %d 0 R >>" % (pages_id, box, rotate, resources, stream)
            )
        )
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    b.add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages), pages_id)
    outline_ref = b""
    if outline and pages:
        outline_ref = b" /Outlines %d 0 R" % _outline(b, page_ids)
    b.add(b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_id, outline_ref), catalog)
    info = b.add(b"<< /Title %s >>" % pdf_string(title)) if title is not None else None
    path.write_bytes(b.to_bytes(catalog, info))
    return path


def outline_titles(pages: int) -> list[tuple[str, int, int]]:
    """(title, 1-based page, level) of the outline `make_pdf` writes."""
    entries = [("Agenda", 1, 0)]
    for number in range(1, pages + 1):
        entries.append((f"Item {number}", number, 1))
    return entries


def _outline(b: PdfBuilder, page_ids: list[int]) -> int:
    root, top = b.reserve(), b.reserve()
    children = [b.reserve() for _ in page_ids]
    for i, (child, page) in enumerate(zip(children, page_ids, strict=True)):
        links = b""
        if i > 0:
            links += b" /Prev %d 0 R" % children[i - 1]
        if i < len(children) - 1:
            links += b" /Next %d 0 R" % children[i + 1]
        b.add(
            b"<< /Title %s /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>"
            % (pdf_string(f"Item {i + 1}"), top, page, links),
            child,
        )
    b.add(
        b"<< /Title (Agenda) /Parent %d 0 R /Dest [%d 0 R /Fit] /First %d 0 R /Last %d 0 R"
        b" /Count %d >>" % (root, page_ids[0], children[0], children[-1], len(children)),
        top,
    )
    b.add(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count 1 >>" % (top, top), root)
    return root


def slow_pdf(path: Path, fills: int = 2000) -> Path:
    """A page that takes seconds to render from a few hundred bytes: `fills` full-page
    fills (about 1.3 s per 1000 at 1600 px wide on the test machine)."""
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    stream = b.add_stream(b"0.5 g\n" + b"0 0 595 842 re f\n" * fills)
    page = b.add(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % stream
    )
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R >>", catalog)
    path.write_bytes(b.to_bytes(catalog))
    return path
