"""inspect_pdf on valid documents, in this process (the pool is tested elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.worker import OutlineEntry, inspect_pdf
from tests.pdf.pdfs import PdfBuilder, make_pdf, outline_titles, pdf_string


def test_pages_title_outline_and_sizes(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "doc.pdf", pages=4, title="  Budget review 2026 \n")
    info = inspect_pdf(str(path), Limits())
    assert info.pages == 4
    assert info.title == "Budget review 2026"
    assert info.outline == [OutlineEntry(t, p, level) for t, p, level in outline_titles(4)]
    assert info.page_sizes == [(595.0, 842.0)] * 4
    assert info.warnings == []


def test_no_title_and_no_outline(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "doc.pdf", pages=1, title=None, outline=False)
    info = inspect_pdf(str(path), Limits())
    assert (info.title, info.outline) == (None, [])
    blank = make_pdf(tmp_path / "blank.pdf", pages=1, title="   ")
    assert inspect_pdf(str(blank), Limits()).title is None


def test_sizes_are_as_shown_for_rotated_pages(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "doc.pdf", pages=1, rotate=90, media_origin=(30, -40))
    assert inspect_pdf(str(path), Limits()).page_sizes == [(842.0, 595.0)]


def test_header_may_follow_some_junk(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "doc.pdf", pages=1)
    path.write_bytes(b"\x00" * 500 + path.read_bytes())
    assert inspect_pdf(str(path), Limits()).pages == 1
    path.write_bytes(b"\x00" * 1100 + path.read_bytes())
    with pytest.raises(PdfRejected, match="not a PDF"):
        inspect_pdf(str(path), Limits())


def test_limits_on_file_size_and_pages(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "doc.pdf", pages=3)
    with pytest.raises(PdfRejected) as caught:
        inspect_pdf(str(path), Limits(max_file_bytes=100))
    assert caught.value.code == "too_large" and caught.value.params == {"max_mb": 0}
    with pytest.raises(PdfRejected) as caught:
        inspect_pdf(str(path), Limits(max_pages=2))
    assert (caught.value.code, caught.value.params) == ("too_many_pages", {"pages": 3, "max": 2})
    assert str(caught.value) == "The PDF has 3 pages; at most 2 are accepted."


def test_the_first_page_too_large_is_named(tmp_path: Path) -> None:
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    kids = []
    for box in (b"[0 0 595 842]", b"[0 0 595 842]", b"[0 0 14401 842]"):
        kids.append(b.add(b"<< /Type /Page /Parent 2 0 R /MediaBox %s >>" % box))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    b.add(b"<< /Type /Pages /Kids [%s] /Count 3 >>" % refs, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R >>", catalog)
    path = tmp_path / "doc.pdf"
    path.write_bytes(b.to_bytes(catalog))
    with pytest.raises(PdfRejected) as caught:
        inspect_pdf(str(path), Limits())
    assert caught.value.params == {"page": 3}
    assert str(caught.value) == "Page 3 is too large to display."


def test_outline_is_capped_in_depth(tmp_path: Path) -> None:
    b = PdfBuilder()
    catalog, pages = b.reserve(), b.reserve()
    page = b.add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    outlines = b.reserve()
    items = [b.reserve() for _ in range(30)]
    for depth, item in enumerate(items):
        parent = outlines if depth == 0 else items[depth - 1]
        child = (
            b" /First %d 0 R /Last %d 0 R /Count 1" % ((items[depth + 1],) * 2)
            if (depth + 1 < len(items))
            else b""
        )
        b.add(
            b"<< /Title %s /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>"
            % (pdf_string(f"Level {depth}"), parent, page, child),
            item,
        )
    b.add(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R >>" % (items[0], items[0]), outlines)
    b.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page, pages)
    b.add(b"<< /Type /Catalog /Pages 2 0 R /Outlines %d 0 R >>" % outlines, catalog)
    path = tmp_path / "deep.pdf"
    path.write_bytes(b.to_bytes(catalog))
    outline = inspect_pdf(str(path), Limits()).outline
    assert [e.level for e in outline] == list(range(16))
    assert outline[3] == OutlineEntry("Level 3", 1, 3)
