"""watermark_image: visible all over the page, readable page, trace code in the corner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from meetroom.pdf.limits import Limits
from meetroom.pdf.worker import PageOutput, render_page, watermark_image

LINES = ["Nguyễn Thị Hương Giang", "Họp Hội đồng quản trị quý IV", "2026-11-27 14:03"]
TRACE = "MR-7Q4K-2C9X"


@pytest.fixture
def page_png(sample_pdf: Path, tmp_path: Path) -> Path:
    # Rendered as WebP like real pages, then decoded once so comparisons are exact.
    webp = tmp_path / "page.webp"
    render_page(str(sample_pdf), 1, [PageOutput(1200, "webp", str(webp))], Limits())
    png = tmp_path / "page.png"
    with Image.open(webp) as image:
        image.save(png)
    return png


@pytest.mark.parametrize("fmt", ["webp", "jpeg"])
def test_the_watermark_covers_the_whole_page(page_png: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"marked.{fmt}"
    size = watermark_image(str(page_png), str(out), fmt, LINES, TRACE)  # type: ignore[arg-type]
    assert out.stat().st_size == size
    with Image.open(page_png) as source, Image.open(out) as marked:
        assert marked.format == fmt.upper() and marked.size == source.size
        difference = ImageChops.difference(source.convert("RGB"), marked.convert("RGB"))
    gray = difference.convert("L").point(lambda v: 255 if v > 24 else 0)
    width, height = gray.size
    # Every cell of a 4 x 4 grid has watermark in it.
    for row in range(4):
        for column in range(4):
            cell = gray.crop(
                (column * width // 4, row * height // 4,
                 (column + 1) * width // 4, (row + 1) * height // 4)
            )  # fmt: skip
            changed = sum(cell.histogram()[255:])
            assert changed > cell.width * cell.height * 0.01, (row, column)


def test_the_page_stays_readable(page_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "marked.webp"
    watermark_image(str(page_png), str(out), "webp", LINES, TRACE)
    with Image.open(page_png) as source, Image.open(out) as marked:
        before, after = source.convert("L"), marked.convert("L")
    ink = [xy for xy in _pixels(before) if before.getpixel(xy) < 60]  # type: ignore[operator]
    assert len(ink) > 1000
    # Dark text stays dark...
    assert sum(after.getpixel(xy) < 110 for xy in ink) > 0.95 * len(ink)  # type: ignore[operator]
    # ...and white paper stays light: the pattern is translucent.
    assert after.crop((0, 0, 60, 60)).getextrema()[0] > 150


def test_the_trace_code_is_in_the_corner(page_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "marked.webp"
    watermark_image(str(page_png), str(out), "webp", LINES, TRACE)
    with Image.open(out) as marked:
        corner = marked.convert("L").crop(
            (marked.width - marked.width // 6, marked.height - 40, marked.width, marked.height)
        )
    # Solid dark glyphs on a white box.
    low, high = corner.getextrema()
    assert low < 80 and high > 240


def test_another_trace_code_gives_another_image(page_png: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.webp", tmp_path / "b.webp"
    watermark_image(str(page_png), str(first), "webp", LINES, TRACE)
    watermark_image(str(page_png), str(second), "webp", LINES, "MR-0000-0000")
    with Image.open(first) as a, Image.open(second) as b:
        assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None


def _pixels(image: Image.Image, step: int = 3) -> list[tuple[int, int]]:
    return [(x, y) for y in range(0, image.height, step) for x in range(0, image.width, step)]
