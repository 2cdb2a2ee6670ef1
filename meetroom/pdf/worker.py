"""The functions that run inside the worker processes of `pool.WorkerPool`, one call at
a time: plain functions of picklable arguments and results, called by name.

PDFium reads and renders (it copes with hostile files better than a Python parser);
it never runs JavaScript here, as no form environment is ever created, and it never
fetches anything. Pillow encodes; pypdf only writes the watermarked download copy."""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from meetroom.pdf import active_content, annotate, font_mapping, stamp, watermark
from meetroom.pdf.font_report import FontCheck
from meetroom.pdf.imaging import ImageFormat, encode, write_atomic
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected
from meetroom.records.documents import FontSubstitution

logger = logging.getLogger(__name__)

# The only functions `WorkerPool.call` runs.
TASKS = frozenset(
    {"inspect_pdf", "render_page", "render_pages", "watermark_image", "stamp_pdf", "annotated_pdf"}
)
# A cyclic or absurd outline must not loop or flood the agenda.
MAX_OUTLINE_ENTRIES = 2000
MAX_OUTLINE_DEPTH = 16
MAX_TITLE_CHARS = 500
# Text kept per page (for search); a page can hold megabytes of invisible text.
MAX_TEXT_CHARS = 200_000
HEADER_WINDOW = 1024

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    title: str
    page: int | None  # 1-based; None if the bookmark points nowhere in this document
    level: int


@dataclass(frozen=True, slots=True)
class PdfInfo:
    pages: int
    title: str | None
    outline: list[OutlineEntry] = field(default_factory=list)
    page_sizes: list[tuple[float, float]] = field(default_factory=list)  # points, as shown
    warnings: list[str] = field(default_factory=list)  # "javascript", "embedded_files"


@dataclass(frozen=True, slots=True)
class PageOutput:
    width: int
    fmt: ImageFormat
    path: str


@dataclass(frozen=True, slots=True)
class RenderedPage:
    page: int
    width_px: int
    height_px: int
    text: str
    bytes_by_path: dict[str, int]
    # Fonts of the page that are not embedded, and what they were drawn with.
    fonts: list[FontSubstitution] = field(default_factory=list)


def worker_init(limits: Limits) -> None:
    """Called once at the start of each worker process."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ValueError, OSError) as exc:  # not supported here, or above a hard limit
        logger.warning("Cannot limit the worker's memory: %s", exc)
    font_mapping.install()
    # Also bounds what a worker may open of its own outputs (watermarking).
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    # No core dumps of a crashed renderer: they are large and hold document content.
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass


def _task(fn: Callable[P, R]) -> Callable[P, R]:
    """Out-of-memory, wherever it happens in a task, is the document's fault."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (MemoryError, Image.DecompressionBombError) as exc:
            _forget_document()
            raise PdfRejected("too_much_memory") from exc

    return run


# -- inspecting ------------------------------------------------------------------------


@_task
def inspect_pdf(path: str, limits: Limits) -> PdfInfo:
    if os.path.getsize(path) > limits.max_file_bytes:
        raise PdfRejected("too_large", max_mb=limits.max_file_bytes // 1024**2)
    with open(path, "rb") as file:
        if b"%PDF-" not in file.read(HEADER_WINDOW):
            raise PdfRejected("not_pdf")
    document = _document(path)
    pages = len(document)
    if pages > limits.max_pages:
        raise PdfRejected("too_many_pages", pages=pages, max=limits.max_pages)
    sizes = [_page_size(document, index) for index in range(pages)]
    for number, size in enumerate(sizes, 1):
        _check_page_size(size, number, limits)
    title = _clean(document.get_metadata_value("Title"))
    return PdfInfo(
        pages=pages,
        title=title or None,
        outline=_outline(document, pages),
        page_sizes=sizes,
        warnings=_warnings(document, path),
    )


def _page_size(document: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    try:
        width, height = document.get_page_size(index)
    except pdfium.PdfiumError as exc:
        raise PdfRejected("malformed") from exc
    return (round(float(width), 2), round(float(height), 2))


def _check_page_size(size: tuple[float, float], number: int, limits: Limits) -> None:
    short, long = min(size), max(size)
    # `not short > 0` also catches NaN.
    if not short > 0 or long > limits.max_page_side_pt or long > short * limits.max_page_aspect:
        raise PdfRejected("page_too_large", page=number)


def _outline(document: pdfium.PdfDocument, pages: int) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []
    seen: set[int] = set()

    def walk(parent: object, level: int) -> None:
        bookmark = pdfium_c.FPDFBookmark_GetFirstChild(document, parent)
        while bookmark and len(entries) < MAX_OUTLINE_ENTRIES:
            address = ctypes.addressof(bookmark.contents)
            if address in seen:
                return  # a cycle
            seen.add(address)
            entries.append(OutlineEntry(_bookmark_title(bookmark), _target(bookmark), level))
            if level + 1 < MAX_OUTLINE_DEPTH:
                walk(bookmark, level + 1)
            bookmark = pdfium_c.FPDFBookmark_GetNextSibling(document, bookmark)

    def _target(bookmark: object) -> int | None:
        dest = pdfium_c.FPDFBookmark_GetDest(document, bookmark)
        if not dest:
            action = pdfium_c.FPDFBookmark_GetAction(bookmark)
            if action and pdfium_c.FPDFAction_GetType(action) == pdfium_c.PDFACTION_GOTO:
                dest = pdfium_c.FPDFAction_GetDest(document, action)
        if not dest:
            return None
        index = int(pdfium_c.FPDFDest_GetDestPageIndex(document, dest))
        return index + 1 if 0 <= index < pages else None

    walk(None, 0)
    return entries


def _bookmark_title(bookmark: object) -> str:
    size = pdfium_c.FPDFBookmark_GetTitle(bookmark, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFBookmark_GetTitle(bookmark, buffer, size)
    return _clean(buffer.raw[: size - 2].decode("utf-16-le", errors="replace"))


def _clean(text: str) -> str:
    text = "".join(c if c.isprintable() else " " for c in text[: MAX_TITLE_CHARS * 2])
    return " ".join(text.split())[:MAX_TITLE_CHARS]


def _warnings(document: pdfium.PdfDocument, path: str) -> list[str]:
    found = set()
    if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document) > 0:
        found.add(active_content.JAVASCRIPT)
    if pdfium_c.FPDFDoc_GetAttachmentCount(document) > 0:
        found.add(active_content.EMBEDDED_FILES)
    if len(found) < 2:
        with open(path, "rb") as file:
            found |= active_content.scan(file.read())
    return sorted(found)


# -- rendering -------------------------------------------------------------------------


@_task
def render_page(
    pdf_path: str, page: int, outputs: list[PageOutput], limits: Limits
) -> RenderedPage:
    """Renders page `page` (1-based) at each width asked for and writes every output
    (one bitmap per width, however many formats)."""
    if not outputs or any(output.width < 1 for output in outputs):
        raise ValueError("outputs must be a non-empty list of positive widths")
    document = _document(pdf_path)
    if not 1 <= page <= len(document):
        raise ValueError(f"page {page} is not in a document of {len(document)} pages")
    try:
        pdf_page = document[page - 1]
    except pdfium.PdfiumError as exc:
        raise PdfRejected("malformed") from exc
    widths = sorted({output.width for output in outputs}, reverse=True)
    try:
        size = (float(pdf_page.get_width()), float(pdf_page.get_height()))
        _check_page_size(size, page, limits)
        images: dict[int, Image.Image] = {}
        for width in widths:
            height = max(1, round(width * size[1] / size[0]))
            if width * height > limits.max_image_pixels:
                raise PdfRejected("page_too_large", page=page)
            # Each width is rendered by PDFium itself: at thumbnail size that costs about
            # 1 ms, less than scaling the large bitmap down (measured: 1.3 vs 3.7-7 ms).
            images[width] = _render(pdf_page, width, height)
        text, fonts = _text_and_fonts(page, pdf_page, _font_check())
    finally:
        pdf_page.close()
    written: dict[str, int] = {}
    for output in outputs:
        data = encode(images[output.width], output.fmt)
        write_atomic(output.path, data)
        written[output.path] = len(data)
    width = widths[0]
    return RenderedPage(page, width, images[width].height, text, written, fonts)


@_task
def render_pages(
    pdf_path: str, pages: list[tuple[int, list[PageOutput]]], limits: Limits
) -> list[RenderedPage]:
    """Several pages of one file in one call: what a call costs besides the work
    (messages, waking up) is paid once for all of them."""
    return [render_page(pdf_path, page, outputs, limits) for page, outputs in pages]


# Bitmaps are reused between pages of the same size: allocating and handing over a
# fresh one cost ~6 ms a page, as much as rendering it.
_bitmaps: dict[tuple[int, int], pdfium.PdfBitmap] = {}
MAX_CACHED_BITMAPS = 4


def _render(page: pdfium.PdfPage, width: int, height: int) -> Image.Image:
    """The page as an RGBX image that shares the bitmap's memory: valid until the next
    render at this size, so encode it before rendering another page."""
    bitmap = _bitmaps.get((width, height))
    if bitmap is None:
        if len(_bitmaps) >= MAX_CACHED_BITMAPS:
            _bitmaps.clear()
        # The buffer is allocated by Python, so running out of memory is a MemoryError
        # rather than a crash inside PDFium.
        bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGRx, True)
        _bitmaps[(width, height)] = bitmap
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
    # Annotations' appearance streams, no form fields (no form environment exists);
    # reversed byte order gives RGBX, which Pillow encodes without converting.
    flags = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_REVERSE_BYTE_ORDER
    pdfium_c.FPDF_RenderPageBitmap(bitmap, page, 0, 0, width, height, 0, flags)
    return Image.frombuffer("RGBX", (width, height), bitmap.buffer, "raw", "RGBX", bitmap.stride, 1)


def _text_and_fonts(
    number: int, page: pdfium.PdfPage, check: FontCheck
) -> tuple[str, list[FontSubstitution]]:
    textpage = page.get_textpage()
    try:
        text = str(textpage.get_text_bounded())
        fonts = check.page(number, page, textpage)
    finally:
        textpage.close()
    return text.replace("\r\n", "\n")[:MAX_TEXT_CHARS], fonts


# -- watermarking ----------------------------------------------------------------------


@_task
def watermark_image(
    src_path: str, out_path: str, fmt: ImageFormat, lines: list[str], trace_code: str
) -> int:
    with Image.open(src_path) as source:
        source.load()
        image = watermark.apply(source, lines, trace_code)
    data = encode(image, fmt)
    write_atomic(out_path, data)
    return len(data)


@_task
def stamp_pdf(
    src_path: str, out_path: str, lines: list[str], trace_code: str, limits: Limits
) -> int:
    return stamp.stamp(src_path, out_path, lines, trace_code, limits)


@_task
def annotated_pdf(
    src_path: str,
    out_path: str,
    annotations: list[dict[str, Any]],
    limits: Limits,
    watermark_lines: list[str] | None = None,
    trace_code: str = "",
) -> int:
    """A copy with the annotations as PDF annotation objects (and the watermark)."""
    stamp_with = (watermark_lines, trace_code) if watermark_lines is not None else None
    return annotate.annotate(src_path, out_path, annotations, limits, stamp_with)


# -- the open document -----------------------------------------------------------------

# One document stays open between calls, so rendering all pages of a file opens it
# once; its key includes size and mtime in case a path is reused for another file.
# Its fonts are checked as its pages are rendered.
_open: tuple[tuple[str, int, int], pdfium.PdfDocument, FontCheck] | None = None


def _document(path: str) -> pdfium.PdfDocument:
    global _open
    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    if _open is not None and _open[0] == key:
        return _open[1]
    _forget_document()
    document = _load(path)
    _open = (key, document, FontCheck())
    return document


def _font_check() -> FontCheck:
    """The font check of the document `_document` last returned."""
    assert _open is not None
    return _open[2]


def _forget_document() -> None:
    global _open
    if _open is not None:
        _open[1].close()
        _open = None


def _load(path: str) -> pdfium.PdfDocument:
    font_mapping.install()  # before PDFium looks for any font
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        code = exc.err_code
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise PdfRejected("encrypted") from exc
        if code == pdfium_c.FPDF_ERR_SUCCESS:
            raise PdfRejected("no_pages") from exc  # it loaded, but has no pages
        raise PdfRejected("malformed") from exc
