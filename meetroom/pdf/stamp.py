"""A watermarked, inert copy of a PDF, for download: every page carries the viewer's
watermark as an image with an alpha mask (so Vietnamese comes out right whatever fonts
the reader has), and scripts, embedded files and file attachments are removed.

Only documents PDFium has already accepted reach this (see `worker.inspect_pdf`); the
page contents are never parsed here: the watermark is added as extra content
streams around the original ones."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence

from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
)

from meetroom.pdf import watermark
from meetroom.pdf.imaging import write_atomic_with
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected

# Actions that run code, start programs, send data or open embedded content.
DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/Rendition",
    "/RichMediaExecute",
}
# Annotations that carry files or media (which may carry scripts of their own).
REMOVED_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"}
# The overlay image: 2 px per point, at most this many pixels.
OVERLAY_SCALE = 2.0
OVERLAY_MAX_PIXELS = 6_000_000
# Walks of outlines and form fields stop here (cyclic or absurd trees).
MAX_NODES = 20_000
XOBJECT_NAME = "/MeetRoomWatermark"


def stamp(
    src_path: str, out_path: str, lines: Sequence[str], trace_code: str, limits: Limits
) -> int:
    if os.path.getsize(src_path) > limits.max_file_bytes:
        raise PdfRejected("too_large", max_mb=limits.max_file_bytes // 1024**2)
    try:
        reader = PdfReader(src_path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfRejected("encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise PdfRejected("no_pages")
        if pages > limits.max_pages:
            raise PdfRejected("too_many_pages", pages=pages, max=limits.max_pages)
        # Removed from the reader's objects, before cloning, so that what they point to
        # (scripts, files) is not reachable any more and is not copied at all.
        strip_active_content(reader)
        writer = PdfWriter(clone_from=reader)
        overlays: dict[tuple[int, int], IndirectObject] = {}
        for page in writer.pages:
            stamp_page(writer, page, lines, trace_code, overlays)
        write_atomic_with(out_path, writer.write)
    except DependencyError as exc:
        # AES needs a crypto library this install does not have.
        raise PdfRejected("encrypted") from exc
    except (PyPdfError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PdfRejected("malformed") from exc
    return os.path.getsize(out_path)


# -- removing active content -----------------------------------------------------------


def strip_active_content(reader: PdfReader) -> None:
    root = reader.root_object
    for key in ("/OpenAction", "/AA"):
        root.pop(key, None)
    names = _dict(root.get("/Names"))
    if names is not None:
        names.pop("/JavaScript", None)
        names.pop("/EmbeddedFiles", None)
    form = _dict(root.get("/AcroForm"))
    if form is not None:
        form.pop("/XFA", None)
        for field in _tree(form.get("/Fields"), "/Kids"):
            field.pop("/AA", None)
            _drop_dangerous_action(field)
    outlines = _dict(root.get("/Outlines"))
    if outlines is not None:
        for item in _outline_items(outlines):
            _drop_dangerous_action(item)
    for page in reader.pages:
        # reader.pages are copies; the clone copies the original dictionaries.
        original = _dict(page.indirect_reference)
        if original is None:
            original = page
        original.pop("/AA", None)
        annotations = array(original.get("/Annots"))
        if annotations is None:
            continue
        kept = ArrayObject()
        for reference in annotations:
            annotation = _dict(reference)
            if annotation is None or annotation.get("/Subtype") in REMOVED_ANNOTATIONS:
                continue
            annotation.pop("/AA", None)
            _drop_dangerous_action(annotation)
            kept.append(reference)
        original[NameObject("/Annots")] = kept


def _drop_dangerous_action(holder: DictionaryObject) -> None:
    action = _dict(holder.get("/A"))
    if action is None:
        return
    if action.get("/S") in DANGEROUS_ACTIONS:
        del holder["/A"]
    else:
        # A harmless action may chain to a script.
        action.pop("/Next", None)


def _tree(kids: object, key: str) -> Iterator[DictionaryObject]:
    """The dictionaries of a tree of arrays of kids, each once, at most MAX_NODES."""
    seen: set[int] = set()
    stack = list(array(kids) or [])
    while stack and len(seen) < MAX_NODES:
        node = _dict(stack.pop())
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(array(node.get(key)) or [])


def _outline_items(outlines: DictionaryObject) -> Iterator[DictionaryObject]:
    seen: set[int] = set()
    stack = [outlines.get("/First")]
    while stack and len(seen) < MAX_NODES:
        item = _dict(stack.pop())
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend((item.get("/Next"), item.get("/First")))


# -- the watermark overlay -------------------------------------------------------------


def stamp_page(
    writer: PdfWriter,
    page: PageObject,
    lines: Sequence[str],
    trace_code: str,
    overlays: dict[tuple[int, int], IndirectObject],
) -> None:
    left, bottom, right, top = visible_box(page)
    width, height = right - left, top - bottom
    if width <= 0 or height <= 0:
        return  # nothing of it is visible
    rotation = int(page.rotation) % 360
    if rotation % 90:
        rotation = 0
    shown = (height, width) if rotation in (90, 270) else (width, height)
    scale = min(OVERLAY_SCALE, math.sqrt(OVERLAY_MAX_PIXELS / (shown[0] * shown[1])))
    pixels = (max(1, round(shown[0] * scale)), max(1, round(shown[1] * scale)))
    if pixels not in overlays:
        overlays[pixels] = _image(writer, watermark.overlay(pixels, lines, trace_code))
    name = _add_xobject(page, overlays[pixels])
    matrix = overlay_matrix(rotation, left, bottom, width, height)
    draw = b"\nQ\nq %s cm %s Do Q\n" % (" ".join(number(n) for n in matrix).encode(), name)
    before, after = DecodedStreamObject(), DecodedStreamObject()
    # The original content in q/Q, so a graphics state it leaves set cannot move us.
    before.set_data(b"q\n")
    after.set_data(draw)
    contents = [writer._add_object(before), *_content_streams(writer, page)]
    contents.append(writer._add_object(after))
    page[NameObject("/Contents")] = ArrayObject(contents)


def overlay_matrix(
    rotation: int, left: float, bottom: float, width: float, height: float
) -> tuple[float, ...]:
    """Maps the image's unit square onto the page box so that, once the viewer applies
    /Rotate (clockwise), the image stands upright and fills the page as shown."""
    if rotation == 90:
        return (0, height, -width, 0, left + width, bottom)
    if rotation == 180:
        return (-width, 0, 0, -height, left + width, bottom + height)
    if rotation == 270:
        return (0, -height, width, 0, left, bottom + height)
    return (width, 0, 0, height, left, bottom)


def _image(writer: PdfWriter, overlay: Image.Image) -> IndirectObject:
    size = {
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(overlay.width),
        NameObject("/Height"): NumberObject(overlay.height),
        NameObject("/BitsPerComponent"): NumberObject(8),
    }
    alpha = DecodedStreamObject()
    alpha.update(size)
    alpha[NameObject("/ColorSpace")] = NameObject("/DeviceGray")
    alpha.set_data(overlay.getchannel("A").tobytes())
    color = DecodedStreamObject()
    color.update(size)
    color[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
    color.set_data(overlay.convert("RGB").tobytes())
    encoded = color.flate_encode(level=6)
    encoded[NameObject("/SMask")] = writer._add_object(alpha.flate_encode(level=6))
    return writer._add_object(encoded)


def _add_xobject(page: PageObject, image: IndirectObject) -> bytes:
    """Adds `image` to a copy of the page's resources (they may be shared with pages
    of another size), under a name the page does not use yet."""
    resources = DictionaryObject()
    inherited = _dict(_inherited(page, "/Resources"))
    if inherited is not None:
        resources.update(inherited)
    xobjects = DictionaryObject()
    existing = _dict(resources.get("/XObject"))
    if existing is not None:
        xobjects.update(existing)
    name, suffix = XOBJECT_NAME, 0
    while name in xobjects:
        suffix += 1
        name = f"{XOBJECT_NAME}{suffix}"
    xobjects[NameObject(name)] = image
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    return name.encode()


def _content_streams(writer: PdfWriter, page: PageObject) -> list[PdfObject]:
    if "/Contents" not in page:
        return []
    raw = page.raw_get("/Contents")
    resolved = raw.get_object() if isinstance(raw, PdfObject) else raw
    if isinstance(resolved, ArrayObject):
        return list(resolved)
    if isinstance(raw, IndirectObject):
        return [raw]
    if isinstance(resolved, PdfObject):
        return [writer._add_object(resolved)]
    return []


def visible_box(page: PageObject) -> tuple[float, float, float, float]:
    media = _normalized([float(n) for n in page.mediabox])
    crop = _normalized([float(n) for n in page.cropbox])
    return (
        max(media[0], crop[0]),
        max(media[1], crop[1]),
        min(media[2], crop[2]),
        min(media[3], crop[3]),
    )


def _normalized(box: list[float]) -> tuple[float, float, float, float]:
    return (min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3]))


def _inherited(page: DictionaryObject, key: str) -> object:
    node: DictionaryObject | None = page
    for _ in range(64):
        if node is None:
            return None
        if key in node:
            return node.get(key)
        node = _dict(node.get("/Parent"))
    return None


def _dict(value: object) -> DictionaryObject | None:
    value = value.get_object() if isinstance(value, PdfObject) else value
    return value if isinstance(value, DictionaryObject) else None


def array(value: object) -> ArrayObject | None:
    value = value.get_object() if isinstance(value, PdfObject) else value
    return value if isinstance(value, ArrayObject) else None


def number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
