"""Annotated copies: strokes as Ink annotations at the right place on the page (also
on rotated pages), notes as Text annotations with their text, the watermark on top."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from meetroom.pdf.annotate import annotate
from meetroom.pdf.limits import Limits
from tests.pdf.pdfs import A4, make_pdf

STROKE = {
    "kind": "stroke", "page": 1, "tool": "pen", "color": "#ff0000", "width": 0.01,
    "points": [[0.25, 0.25], [0.5, 0.5], [0.75, 0.25]], "op_id": "s1", "author_name": "Chủ tọa",
}  # fmt: skip
NOTE = {
    "kind": "note", "page": 2, "x": 0.5, "y": 0.1, "text": "Xem lại số liệu quý 3",
    "color": "#fff4a3", "op_id": "n1",
}  # fmt: skip


def render(path: Path, page: int = 0, width: int = 600) -> object:
    document = pdfium.PdfDocument(str(path))
    shown = document[page]
    height = round(width * shown.get_height() / shown.get_width())
    image = shown.render(scale=width / shown.get_width(), may_draw_forms=False,
                         draw_annots=True).to_pil()  # fmt: skip
    assert image.height == height or abs(image.height - height) <= 1
    return image


def test_strokes_and_notes(tmp_path: Path) -> None:
    source = make_pdf(tmp_path / "in.pdf", pages=2, kinds=("text",))
    out = tmp_path / "out.pdf"
    arrow = {**STROKE, "tool": "arrow", "op_id": "a1", "points": [[0.1, 0.9], [0.4, 0.8]]}
    marker = {**STROKE, "tool": "highlighter", "op_id": "h1", "color": "#ffff00",
              "points": [[0.1, 0.5], [0.9, 0.5]], "width": 0.03}  # fmt: skip
    size = annotate(str(source), str(out), [STROKE, arrow, marker, NOTE], Limits())
    assert size == out.stat().st_size

    reader = PdfReader(out)
    first = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [a["/Subtype"] for a in first] == ["/Ink", "/Ink", "/Ink"]
    ink = first[0]
    xs = ink["/InkList"][0][0::2]
    ys = ink["/InkList"][0][1::2]
    width, height = A4
    # (0.5, 0.5) of the page is its centre; (0.25, 0.25) a quarter from the top-left.
    assert abs(float(xs[1]) - width / 2) < 0.01 and abs(float(ys[1]) - height / 2) < 0.01
    assert abs(float(xs[0]) - width / 4) < 0.01 and abs(float(ys[0]) - height * 3 / 4) < 0.01
    assert [float(c) for c in ink["/C"]] == [1.0, 0.0, 0.0]
    assert ink["/T"] == "Chủ tọa" and "/AP" in ink
    assert len(first[1]["/InkList"]) == 3  # the shaft and the two strokes of its head
    note = reader.pages[1]["/Annots"][0].get_object()
    assert note["/Subtype"] == "/Text" and note["/Contents"] == "Xem lại số liệu quý 3"

    # Drawn where it belongs: red at the centre of page 1 now, not before.
    before, after = render(source), render(out)
    centre = (300, round(after.height / 2))  # type: ignore[attr-defined]
    red = after.getpixel(centre)  # type: ignore[attr-defined]
    assert red[0] > 200 and red[1] < 80 and red[2] < 80, red
    assert before.getpixel(centre) != red  # type: ignore[attr-defined]


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_pages(tmp_path: Path, rotate: int) -> None:
    source = make_pdf(tmp_path / "r.pdf", pages=1, kinds=("text",), rotate=rotate)
    out = tmp_path / "out.pdf"
    # A short stroke near the top-left corner of the page as shown.
    corner = {**STROKE, "points": [[0.05, 0.05], [0.12, 0.08]], "width": 0.02}
    annotate(str(source), str(out), [corner], Limits())
    image = render(out)
    region = image.crop((0, 0, image.width // 5, image.height // 5))  # type: ignore[attr-defined]
    reds = [p for p in region.get_flattened_data() if p[0] > 200 and p[1] < 80 and p[2] < 80]
    assert reds, f"no red in the top-left corner at /Rotate {rotate}"


def test_watermark_and_active_content(tmp_path: Path) -> None:
    source = make_pdf(tmp_path / "w.pdf", pages=1, kinds=("text",))
    out = tmp_path / "out.pdf"
    annotate(str(source), str(out), [STROKE], Limits(), ("Đỗ Thị Hoa", "ABCD2345"))
    document = pdfium.PdfDocument(str(out))
    assert pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw) == 0
    plain = tmp_path / "plain.pdf"
    annotate(str(source), str(plain), [STROKE], Limits())
    assert render(out).tobytes() != render(plain).tobytes()  # type: ignore[attr-defined]
