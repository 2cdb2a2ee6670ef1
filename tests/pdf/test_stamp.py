"""stamp_pdf: a watermarked copy that PDFium reads, with no scripts or files left."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageChops

from meetroom.pdf import active_content
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.worker import inspect_pdf, stamp_pdf
from tests.pdf import corpus
from tests.pdf.pdfs import make_pdf

LINES = ["Nguyễn Thị Hương Giang", "Họp Hội đồng quản trị quý IV", "2026-11-27 14:03"]
TRACE = "MR-7Q4K-2C9X"


def _render(path: Path, index: int = 0, width: int = 600) -> Image.Image:
    document = pdfium.PdfDocument(str(path))
    try:
        page = document[index]
        image: Image.Image = page.render(scale=width / page.get_width()).to_pil()
        page.close()
        return image.convert("RGB")
    finally:
        document.close()


def test_stamped_copy_has_the_pages_and_the_watermark(tmp_path: Path) -> None:
    source = make_pdf(tmp_path / "doc.pdf", pages=3)
    out = tmp_path / "out" / "stamped.pdf"
    size = stamp_pdf(str(source), str(out), LINES, TRACE, Limits())
    assert out.stat().st_size == size
    info = inspect_pdf(str(out), Limits())
    assert info.pages == 3 and info.title == "Budget review" and len(info.outline) == 4
    for index in range(3):
        before, after = _render(source, index), _render(out, index)
        changed = ImageChops.difference(before, after).convert("L").point(lambda v: v > 24 and 255)
        assert sum(changed.histogram()[255:]) > 0.02 * before.width * before.height
    # One overlay image (with its mask) serves every page of the same size.
    assert out.read_bytes().count(b"/SMask") == 1


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_the_overlay_covers_rotated_and_shifted_pages(tmp_path: Path, rotate: int) -> None:
    source = make_pdf(tmp_path / "doc.pdf", pages=1, rotate=rotate, media_origin=(300, -120))
    out = tmp_path / "stamped.pdf"
    stamp_pdf(str(source), str(out), LINES, TRACE, Limits())
    before, after = _render(source), _render(out)
    changed = ImageChops.difference(before, after).convert("L").point(lambda v: v > 24 and 255)
    width, height = changed.size
    # Watermark in every quarter of the page as shown...
    for box in (
        (0, 0, width // 2, height // 2),
        (width // 2, 0, width, height // 2),
        (0, height // 2, width // 2, height),
        (width // 2, height // 2, width, height),
    ):
        assert changed.crop(box).getbbox() is not None, box
    # ...and the solid trace code upright in its bottom right corner.
    corner = after.convert("L").crop((width - width // 5, height - 25, width, height))
    assert corner.getextrema()[0] < 100
    assert after.convert("L").crop((0, height - 25, width // 5, height)).getextrema()[0] > 150


def test_scripts_and_embedded_files_are_removed(tmp_path: Path) -> None:
    source = tmp_path / "active.pdf"
    corpus.javascript_and_files(source)
    assert inspect_pdf(str(source), Limits()).warnings == ["embedded_files", "javascript"]
    out = tmp_path / "stamped.pdf"
    stamp_pdf(str(source), str(out), LINES, TRACE, Limits())
    data = out.read_bytes()
    assert corpus.EMBEDDED_PAYLOAD not in data and corpus.SCRIPT not in data
    assert active_content.scan(data) == set()
    document = pdfium.PdfDocument(str(out))
    try:
        assert len(document) == 1
        assert pdfium_c.FPDFDoc_GetJavaScriptActionCount(document) == 0
        assert pdfium_c.FPDFDoc_GetAttachmentCount(document) == 0
        page = document[0]
        assert pdfium_c.FPDFPage_GetAnnotCount(page) == 0
        page.close()
    finally:
        document.close()
    assert inspect_pdf(str(out), Limits()).warnings == []


def test_encrypted_and_oversized_documents_are_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    corpus.encrypted(locked)
    with pytest.raises(PdfRejected) as caught:
        stamp_pdf(str(locked), str(tmp_path / "out.pdf"), LINES, TRACE, Limits())
    assert caught.value.code == "encrypted"
    many = make_pdf(tmp_path / "many.pdf", pages=4, kinds=("text",))
    with pytest.raises(PdfRejected) as caught:
        stamp_pdf(str(many), str(tmp_path / "out.pdf"), LINES, TRACE, Limits(max_pages=3))
    assert caught.value.code == "too_many_pages"
    assert not (tmp_path / "out.pdf").exists()
