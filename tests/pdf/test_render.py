"""render_page in this process: one render per page, every output from it, the text
layer, and the open-document cache."""

from __future__ import annotations

from pathlib import Path

import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from meetroom.pdf import worker
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.worker import PageOutput, render_page
from tests.pdf.pdfs import make_pdf, page_text


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Records the size of each PDFium render (and still renders)."""
    calls: list[tuple[int, int]] = []
    real = pdfium_c.FPDF_RenderPageBitmap

    def counting(bitmap: object, page: object, x: int, y: int, w: int, h: int, *rest: int) -> None:
        calls.append((w, h))
        real(bitmap, page, x, y, w, h, *rest)

    monkeypatch.setattr(pdfium_c, "FPDF_RenderPageBitmap", counting)
    return calls


def test_one_render_per_width_gives_every_output(
    sample_pdf: Path, tmp_path: Path, render_calls: list[tuple[int, int]]
) -> None:
    outputs = [
        PageOutput(200, "webp", str(tmp_path / "thumb" / "p2-200.webp")),
        PageOutput(1600, "webp", str(tmp_path / "p2-1600.webp")),
        PageOutput(800, "webp", str(tmp_path / "p2-800.webp")),
        PageOutput(1600, "jpeg", str(tmp_path / "p2-1600.jpg")),
        PageOutput(800, "jpeg", str(tmp_path / "p2-800.jpg")),
    ]
    result = render_page(str(sample_pdf), 2, outputs, Limits())
    # One render per width, largest first, however many formats ask for it.
    assert render_calls == [(1600, 2264), (800, 1132), (200, 283)]
    assert (result.page, result.width_px, result.height_px) == (2, 1600, 2264)
    assert set(result.bytes_by_path) == {o.path for o in outputs}
    for output in outputs:
        path = Path(output.path)
        assert path.stat().st_size == result.bytes_by_path[output.path]
        with Image.open(path) as image:
            assert image.format == output.fmt.upper()
            assert image.size == (output.width, round(output.width * 842 / 595))
    sizes = [result.bytes_by_path[str(tmp_path / f"p2-{w}.webp")] for w in (1600, 800)]
    assert sizes[0] > sizes[1] > result.bytes_by_path[outputs[0].path]
    jpeg = [result.bytes_by_path[str(tmp_path / f"p2-{w}.jpg")] for w in (1600, 800)]
    assert jpeg[0] > jpeg[1]
    # No temporary files are left next to the outputs.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_page_is_really_drawn(sample_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "p1.webp"
    render_page(str(sample_pdf), 1, [PageOutput(595, "webp", str(out))], Limits())
    with Image.open(out) as image:
        rgb = image.convert("RGB")
    # The orange rectangle of the vector drawing (320..500 x 522..642 from the top).
    r, g, b = rgb.getpixel((410, 580))  # type: ignore[misc]
    assert r > 200 and 120 < g < 180 and b < 60
    # Black title text near the top left, white margins.
    assert rgb.crop((60, 70, 400, 95)).convert("L").getextrema()[0] < 60
    assert rgb.getpixel((5, 5)) == (255, 255, 255)


def test_text_is_extracted(sample_pdf: Path, tmp_path: Path) -> None:
    result = render_page(
        str(sample_pdf), 3, [PageOutput(400, "jpeg", str(tmp_path / "p.jpg"))], Limits()
    )
    lines = result.text.splitlines()
    assert lines[0] == page_text(3)
    assert lines[1] == "The committee approved the proposal after a short discussion."
    assert "\r" not in result.text


def test_a_scanned_page_has_no_text(tmp_path: Path) -> None:
    scan = make_pdf(tmp_path / "scan.pdf", pages=1, kinds=("scan",))
    result = render_page(
        str(scan), 1, [PageOutput(800, "webp", str(tmp_path / "p.webp"))], Limits()
    )
    assert result.text == ""
    assert result.bytes_by_path[str(tmp_path / "p.webp")] > 10_000


def test_rotated_page_is_rendered_as_shown(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "rot.pdf", pages=1, rotate=90)
    result = render_page(str(path), 1, [PageOutput(842, "jpeg", str(tmp_path / "p.jpg"))], Limits())
    assert (result.width_px, result.height_px) == (842, 595)


def test_the_open_document_is_reused(sample_pdf: Path, tmp_path: Path) -> None:
    other = make_pdf(tmp_path / "other.pdf", pages=1)
    out = [PageOutput(100, "jpeg", str(tmp_path / "p.jpg"))]
    render_page(str(sample_pdf), 1, out, Limits())
    first = worker._open
    render_page(str(sample_pdf), 2, out, Limits())
    assert worker._open is first
    assert first is not None
    render_page(str(other), 1, out, Limits())
    assert worker._open is not None and worker._open[1] is not first[1]
    # The previous document was closed when another was asked for.
    assert first[1].raw is None


def test_bitmaps_beyond_the_pixel_limit_are_refused(sample_pdf: Path, tmp_path: Path) -> None:
    out = [PageOutput(10_000, "jpeg", str(tmp_path / "p.jpg"))]
    with pytest.raises(PdfRejected) as caught:
        render_page(str(sample_pdf), 1, out, Limits(max_image_pixels=10_000_000))
    assert (caught.value.code, caught.value.params) == ("page_too_large", {"page": 1})


def test_bad_arguments(sample_pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_page(str(sample_pdf), 1, [], Limits())
    with pytest.raises(ValueError):
        render_page(str(sample_pdf), 0, [PageOutput(10, "jpeg", str(tmp_path / "p"))], Limits())
