"""The bad-file corpus: broken, hostile and borderline files, written at test time
(nothing binary is committed). Each entry says what ingest must make of it: a
`PdfRejected` code, or acceptance with some warnings.

The hostile structures follow pypdf's published advisories (cyclic outlines and page
trees, /Prev xref loops, self-referencing objects, the CVE-2023-36464 comment at the
end of a content stream) and the classic Flate decompression bomb."""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.pdf.pdfs import PdfBuilder, make_pdf

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>"
HELLO = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
# The max_pages the corpus is checked with (see too_many_pages).
MAX_PAGES = 5


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], None]
    # The PdfRejected code, or None if the file is accepted.
    code: str | None
    # Accepted files: the warnings inspect_pdf must give.
    warnings: list[str] = field(default_factory=list)
    # Where it is rejected: "inspect" or "render" (the bombs only show when rendered).
    stage: str = "inspect"


def _simple(
    page_dict: bytes = PAGE,
    content: bytes = HELLO,
    catalog_extra: bytes = b"",
    pages_dict: bytes | None = None,
) -> bytes:
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    stream = b.add_stream(content)
    page = b.add(page_dict % stream)
    if pages_dict is None:
        pages_dict = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    b.add(pages_dict, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R%s >>" % catalog_extra, catalog)
    return b.to_bytes(catalog)


def truncated(path: Path) -> None:
    make_pdf(path, pages=2)
    data = path.read_bytes()
    # Cut inside the first page's content: no page tree, no xref, no trailer survive.
    path.write_bytes(data[: data.index(b"stream") + 40])


def garbage(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(20_000))


def garbage_after_header(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(8).randbytes(20_000))


def png_named_pdf(path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


def encrypted(path: Path) -> None:
    plain = path.with_suffix(".plain.pdf")
    make_pdf(plain, pages=1)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret-user", owner_password="secret-owner", algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)


def _repeated_deflate(chunk: bytes, count: int) -> bytes:
    """`chunk` * `count`, deflated without compressing it all: after a full flush the
    compressor starts afresh, so every further chunk compresses to the same bytes."""
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + again * (count - 1) + compressor.flush()


def flate_bomb(path: Path) -> None:
    """14 KB that inflate to 4 GB of drawing operators (Flate inside Flate)."""
    inner = _repeated_deflate(b"0 0 1 1 re f\n" * 80_000, 4000)
    outer = zlib.compress(inner, 9)
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    stream = b.add(
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n%s\nendstream"
        % (len(outer), outer)
    )
    page = b.add(PAGE % stream)
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R >>", catalog)
    path.write_bytes(b.to_bytes(catalog))


def cyclic_outline(path: Path) -> None:
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    stream = b.add_stream(HELLO)
    page = b.add(PAGE % stream)
    outlines, first, second = b.reserve(), b.reserve(), b.reserve()
    # first -> second -> first ..., and second is also its own child.
    b.add(
        b"<< /Title (One) /Parent %d 0 R /Next %d 0 R /Dest [%d 0 R /Fit] >>"
        % (outlines, second, page),
        first,
    )
    b.add(
        b"<< /Title (Two) /Parent %d 0 R /Next %d 0 R /Prev %d 0 R /First %d 0 R /Last %d 0 R"
        b" /Count 1 /Dest [%d 0 R /Fit] >>" % (outlines, first, first, second, second, page),
        second,
    )
    b.add(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count 2 >>" % (first, second), outlines)
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R /Outlines %d 0 R >>" % outlines, catalog)
    path.write_bytes(b.to_bytes(catalog))


def cyclic_pages(path: Path) -> None:
    # The page tree's only kid is the page tree itself.
    path.write_bytes(_simple(pages_dict=b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"))


def self_reference(path: Path) -> None:
    """/Pages is an object whose value is a reference to itself."""
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    b.add(b"2 0 R", pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R >>", catalog)
    path.write_bytes(b.to_bytes(catalog))


def prev_xref_loop(path: Path) -> None:
    """An xref section whose /Prev points at itself, then a second pointing at the first."""
    data = _simple()
    xref = data.rindex(b"xref")
    trailer = data.rindex(b"trailer")
    body, table = data[:xref], data[xref:trailer]
    out = body + table + b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n" % xref
    second = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    out += b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        second,
        second,
    )
    path.write_bytes(out)


def comment_at_end_of_content(path: Path) -> None:
    """CVE-2023-36464: a content stream ending in a comment with no end of line."""
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
        b" >> >> >>"
    )
    path.write_bytes(_simple(page_dict=page, content=HELLO + b"\n%comment", catalog_extra=b""))


def huge_page(path: Path) -> None:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200000 200000] /Contents %d 0 R >>"
    path.write_bytes(_simple(page_dict=page))


def no_pages(path: Path) -> None:
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    b.add(b"<< /Type /Pages /Kids [] /Count 0 >>", pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R >>", catalog)
    path.write_bytes(b.to_bytes(catalog))


EMBEDDED_PAYLOAD = b"SECRET-ATTACHMENT-PAYLOAD " * 20
SCRIPT = b"app.alert('MEETROOM-SCRIPT');"


def javascript_and_files(path: Path) -> None:
    """A script run on open, a document-level script, an embedded file and a file
    attachment annotation."""
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    stream = b.add_stream(HELLO)
    embedded = b.add(
        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n%s\nendstream"
        % (len(EMBEDDED_PAYLOAD), EMBEDDED_PAYLOAD)
    )
    filespec = b.add(b"<< /Type /Filespec /F (notes.txt) /EF << /F %d 0 R >> >>" % embedded)
    attachment = b.add(
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [500 700 520 720] /FS %d 0 R >>" % filespec
    )
    page = b.add(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
        b" /Annots [%d 0 R] /AA << /O << /S /JavaScript /JS (%s) >> >> >>"
        % (stream, attachment, SCRIPT)
    )
    script = b.add(b"<< /S /JavaScript /JS (%s) >>" % SCRIPT)
    names = b.add(
        b"<< /JavaScript << /Names [(init) %d 0 R] >> /EmbeddedFiles << /Names [(notes.txt) %d 0 R]"
        b" >> >>" % (script, filespec)
    )
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(
        b"<< /Type /Catalog /Pages 2 0 R /Names %d 0 R /OpenAction << /S /JavaScript /JS (%s) >>"
        b" >>" % (names, SCRIPT),
        catalog,
    )
    path.write_bytes(b.to_bytes(catalog))


def open_action_script_only(path: Path) -> None:
    """Only an /OpenAction script, with its names spelt with #xx escapes: PDFium's API
    does not see it, the byte scan must."""
    path.write_bytes(
        _simple(catalog_extra=b" /OpenAction << /S /J#61vaScript /J#53 (%s) >>" % SCRIPT)
    )


def narrow_page(path: Path) -> None:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 50 5000] /Contents %d 0 R >>"
    path.write_bytes(_simple(page_dict=page))


def too_many_pages(path: Path) -> None:
    make_pdf(path, pages=MAX_PAGES + 1, kinds=("text",))


CASES = [
    Case("truncated", truncated, "malformed"),
    Case("garbage", garbage, "not_pdf"),
    Case("garbage_after_header", garbage_after_header, "malformed"),
    Case("png_named_pdf", png_named_pdf, "not_pdf"),
    Case("encrypted", encrypted, "encrypted"),
    Case("flate_bomb", flate_bomb, "too_much_memory", stage="render"),
    Case("cyclic_outline", cyclic_outline, None),
    Case("cyclic_pages", cyclic_pages, "malformed"),
    # PDFium opens it as a document whose page tree holds nothing.
    Case("self_reference", self_reference, "no_pages"),
    Case("prev_xref_loop", prev_xref_loop, None),
    Case("comment_at_end_of_content", comment_at_end_of_content, None),
    Case("huge_page", huge_page, "page_too_large"),
    Case("no_pages", no_pages, "no_pages"),
    Case("javascript_and_files", javascript_and_files, None, ["embedded_files", "javascript"]),
    Case("open_action_script_only", open_action_script_only, None, ["javascript"]),
    Case("narrow_page", narrow_page, "page_too_large"),
    Case("too_many_pages", too_many_pages, "too_many_pages"),
]
