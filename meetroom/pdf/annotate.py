"""A copy of a PDF with the meeting's annotations added as PDF annotation objects:
strokes as Ink annotations (vector, with an appearance stream so every viewer draws
them the same), notes as Text (sticky note) annotations whose text stays selectable
and searchable. Optionally stamped with the viewer's watermark, and always without
scripts or embedded files (as `stamp` makes downloads).

Annotation coordinates are page-relative (0..1 from the top-left of the page as shown);
they are mapped onto the page's visible box, with its /Rotate, the same way as the
watermark overlay."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from meetroom.pdf.imaging import write_atomic_with
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.stamp import (
    array,
    number,
    overlay_matrix,
    stamp_page,
    strip_active_content,
    visible_box,
)

HIGHLIGHTER_OPACITY = 0.35
ARROW_HEAD = 0.025  # of the page's shown width


def annotate(
    src_path: str,
    out_path: str,
    annotations: Sequence[dict[str, Any]],
    limits: Limits,
    watermark: tuple[Sequence[str], str] | None = None,
) -> int:
    """Write `out_path`; returns its size. `annotations` are dicts as the live session
    keeps them (kind, page, tool, color, width, points, x, y, text, author)."""
    if os.path.getsize(src_path) > limits.max_file_bytes:
        raise PdfRejected("too_large", max_mb=limits.max_file_bytes // 1024**2)
    try:
        reader = PdfReader(src_path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfRejected("encrypted")
        if len(reader.pages) > limits.max_pages:
            raise PdfRejected("too_many_pages", pages=len(reader.pages), max=limits.max_pages)
        strip_active_content(reader)
        writer = PdfWriter(clone_from=reader)
        by_page: dict[int, list[dict[str, Any]]] = {}
        for annotation in annotations:
            by_page.setdefault(int(annotation["page"]), []).append(annotation)
        for number, items in by_page.items():
            if 1 <= number <= len(writer.pages):
                page = writer.pages[number - 1]
                for item in items:
                    _add(writer, page, item)
        if watermark is not None:
            lines, trace_code = watermark
            overlays: dict[tuple[int, int], IndirectObject] = {}
            for page in writer.pages:
                stamp_page(writer, page, lines, trace_code, overlays)
        write_atomic_with(out_path, writer.write)
    except DependencyError as exc:
        raise PdfRejected("encrypted") from exc
    except (PyPdfError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PdfRejected("malformed") from exc
    return os.path.getsize(out_path)


class _Mapper:
    """Page-relative (u, v from the top-left as shown) to the page's user space."""

    def __init__(self, page: PageObject) -> None:
        left, bottom, right, top = visible_box(page)
        rotation = int(page.rotation) % 360
        if rotation % 90:
            rotation = 0
        width, height = right - left, top - bottom
        self.matrix = overlay_matrix(rotation, left, bottom, width, height)
        self.shown_width = height if rotation in (90, 270) else width

    def __call__(self, u: float, v: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.matrix
        s, t = u, 1.0 - v
        return (a * s + c * t + e, b * s + d * t + f)


def _color(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _add(writer: PdfWriter, page: PageObject, item: dict[str, Any]) -> None:
    to_page = _Mapper(page)
    annotation = _note(to_page, item) if item.get("kind") == "note" else _ink(writer, to_page, item)
    if annotation is None:
        return
    annots = array(page.get("/Annots"))
    existing = list(annots) if annots is not None else []
    page[NameObject("/Annots")] = ArrayObject([*existing, writer._add_object(annotation)])


def _ink(writer: PdfWriter, to_page: _Mapper, item: dict[str, Any]) -> DictionaryObject | None:
    points = [to_page(float(u), float(v)) for u, v in item.get("points", [])]
    if not points:
        return None
    if item.get("tool") in ("line", "arrow"):
        points = [points[0], points[-1]]
    width = max(0.5, float(item.get("width", 0.003)) * to_page.shown_width)
    highlighter = item.get("tool") == "highlighter"
    paths = [points]
    if item.get("tool") == "arrow" and len(points) == 2:
        paths += _arrow_head(points[0], points[1], ARROW_HEAD * to_page.shown_width)
    xs = [x for path in paths for x, _ in path]
    ys = [y for path in paths for _, y in path]
    pad = width
    rect = [min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad]
    red, green, blue = _color(str(item.get("color", "#1c2430")))

    drawing = [b"%s w 1 J 1 j %s %s %s RG" % (
        number(width).encode(), number(red).encode(), number(green).encode(),
        number(blue).encode(),
    )]  # fmt: skip
    if highlighter:
        drawing.insert(0, b"/HL gs")
    for path in paths:
        x0, y0 = path[0]
        segment = [b"%s %s m" % (number(x0).encode(), number(y0).encode())]
        segment += [b"%s %s l" % (number(x).encode(), number(y).encode()) for x, y in path[1:]]
        if len(path) == 1:
            segment.append(b"%s %s l" % (number(x0).encode(), number(y0).encode()))
        drawing.append(b" ".join(segment) + b" S")
    appearance = DecodedStreamObject()
    appearance.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(n) for n in rect),
        }
    )
    if highlighter:
        state = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/ExtGState"),
                NameObject("/CA"): FloatObject(HIGHLIGHTER_OPACITY),
                NameObject("/BM"): NameObject("/Multiply"),
            }
        )
        appearance[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/ExtGState"): DictionaryObject({NameObject("/HL"): state})}
        )
    appearance.set_data(b"\n".join(drawing))

    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Ink"),
            NameObject("/Rect"): ArrayObject(FloatObject(n) for n in rect),
            NameObject("/InkList"): ArrayObject(
                ArrayObject(FloatObject(c) for x, y in path for c in (x, y)) for path in paths
            ),
            NameObject("/C"): ArrayObject(FloatObject(c) for c in (red, green, blue)),
            NameObject("/BS"): DictionaryObject({NameObject("/W"): FloatObject(width)}),
            NameObject("/F"): NumberObject(4),  # print it
            NameObject("/T"): TextStringObject(str(item.get("author_name", ""))),
            NameObject("/NM"): TextStringObject(str(item.get("op_id", ""))),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
        }
    )
    if highlighter:
        annotation[NameObject("/CA")] = FloatObject(HIGHLIGHTER_OPACITY)
    return annotation


def _arrow_head(
    start: tuple[float, float], end: tuple[float, float], size: float
) -> list[list[tuple[float, float]]]:
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    # Two strokes back from the tip, 30 degrees either side of the shaft.
    cos30, sin30 = 0.866, 0.5
    left = (end[0] - size * (ux * cos30 - uy * sin30), end[1] - size * (uy * cos30 + ux * sin30))
    right = (end[0] - size * (ux * cos30 + uy * sin30), end[1] - size * (uy * cos30 - ux * sin30))
    return [[left, end], [right, end]]


def _note(to_page: _Mapper, item: dict[str, Any]) -> DictionaryObject:
    x, y = to_page(float(item.get("x", 0.0)), float(item.get("y", 0.0)))
    red, green, blue = _color(str(item.get("color", "#fff4a3")))
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject(FloatObject(n) for n in (x, y - 20, x + 20, y)),
            NameObject("/Contents"): TextStringObject(str(item.get("text", ""))),
            NameObject("/T"): TextStringObject(str(item.get("author_name", ""))),
            NameObject("/NM"): TextStringObject(str(item.get("op_id", ""))),
            NameObject("/Name"): NameObject("/Comment"),
            NameObject("/C"): ArrayObject(FloatObject(c) for c in (red, green, blue)),
            NameObject("/F"): NumberObject(4),
        }
    )
