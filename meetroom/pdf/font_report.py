"""Which fonts of a page were not embedded, what PDFium drew them with, and which of
their letters it found no glyph for (letters drawn as nothing).

Asked of PDFium itself as each page is rendered: the family it reports is the face
it really used, one of `font_mapping`'s or another (a system font, or its built-in
fallback without Vietnamese letters beyond Latin-1). The letters of a font drawn with
a shipped face are not looked up: those faces have every Vietnamese letter (checked
by the tests), and a letter they lack is drawn as a visible box, not as nothing."""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from meetroom.pdf.font_mapping import FAMILIES
from meetroom.records.documents import FontSubstitution, merge_fonts

# The fonts every PDF reader has: naming them without embedding them is normal, so
# only letters they lack are worth a warning.
STANDARD_FONTS = frozenset(
    {
        "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique",
        "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
        "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic",
        "Symbol", "ZapfDingbats",
    }
)  # fmt: skip
MAX_NAME = 80  # characters of a font's name kept (a PDF name may be any length)
# Bounds the walk (~2.5 µs an object) on hostile or huge vector pages.
MAX_OBJECTS = 20_000
MAX_FORM_DEPTH = 8
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
# "Arial,Bold", "TimesNewRomanPS-BoldItalicMT", "ArialMT": the family is before them.
_STYLE_SUFFIX = re.compile(
    r"(,.*|-(Bold|Italic|Oblique|Regular|Roman|Book|Light|Medium|Semibold|SemiBold|Black)+"
    r"(MT|PS)?)$"
)
_VENDOR_SUFFIX = re.compile(r"(PSMT|PS|MT)$")
_WORD_START = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Drawn as nothing on purpose: spaces, controls, format characters.
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def display_name(base_font: str) -> str:
    """A PDF font name as people know it: "ABCDEF+TimesNewRomanPSMT,Bold" gives "Times
    New Roman"; the standard names and names with spaces are kept."""
    name = "".join(c for c in base_font[:MAX_NAME] if c.isprintable()).strip()
    name = _SUBSET_PREFIX.sub("", name)
    if name in STANDARD_FONTS or " " in name:
        return name
    name = _VENDOR_SUFFIX.sub("", _STYLE_SUFFIX.sub("", name)) or name
    # "TimesNewRoman" as "Times New Roman"; ".VnTime", "VNI-Times" as they are.
    return _WORD_START.sub(" ", name) if name[:1].isalpha() and "-" not in name else name


@dataclass
class _Font:
    name: str  # BaseFont, as in the PDF
    family: str  # what PDFium drew it with
    checked: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)

    @property
    def shipped(self) -> bool:
        return self.family in FAMILIES


class FontCheck:
    """The non-embedded fonts of one open document, checked page by page. PDFium keeps
    one font object per font of a document, so each letter is looked up once."""

    def __init__(self) -> None:
        self._fonts: dict[int, _Font | None] = {}  # by font object; None: embedded
        self._pages: dict[int, list[FontSubstitution]] = {}  # pages are rendered again
        self._buffer = ctypes.create_string_buffer(4096)

    def page(
        self, number: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage
    ) -> list[FontSubstitution]:
        if number not in self._pages:
            self._pages[number] = self._check(page, textpage)
        return self._pages[number]

    def _check(self, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[FontSubstitution]:
        used: dict[int, _Font] = {}
        for text_object in _text_objects(page):
            font_object = pdfium_c.FPDFTextObj_GetFont(text_object)
            if not font_object:
                continue
            key = ctypes.addressof(font_object.contents)
            if key not in self._fonts:
                self._fonts[key] = _describe(font_object)
            font = self._fonts[key]
            if font is None:
                continue
            used[key] = font
            if font.shipped:
                continue
            for letter in set(self._text(text_object, textpage)) - font.checked:
                font.checked.add(letter)
                if unicodedata.category(letter) not in _INVISIBLE and not _has_glyph(
                    font_object, letter
                ):
                    font.missing.add(letter)
        return list(
            merge_fonts(
                FontSubstitution(display_name(font.name), font.family, "".join(font.missing))
                for font in used.values()
                if font.name not in STANDARD_FONTS or font.missing
            )
        )

    def _text(self, text_object: object, textpage: pdfium.PdfTextPage) -> str:
        """The object's text (UTF-16, with a final NUL), in one call when it fits."""
        for _ in range(2):
            buffer = self._buffer
            wide = ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR))
            size = int(pdfium_c.FPDFTextObj_GetText(text_object, textpage, wide, len(buffer)))
            if size <= len(buffer):
                return buffer.raw[: max(0, size - 2)].decode("utf-16-le", errors="ignore")
            self._buffer = ctypes.create_string_buffer(size)
        return ""


def _text_objects(page: pdfium.PdfPage) -> Iterator[object]:
    """The page's text objects, those inside forms too (within bounds)."""
    budget = MAX_OBJECTS
    forms: list[tuple[object | None, int]] = [(None, 0)]
    while forms:
        form, depth = forms.pop()
        if form is None:
            count = pdfium_c.FPDFPage_CountObjects(page)
        else:
            count = pdfium_c.FPDFFormObj_CountObjects(form)
        for index in range(min(count, budget)):
            if form is None:
                obj = pdfium_c.FPDFPage_GetObject(page, index)
            else:
                obj = pdfium_c.FPDFFormObj_GetObject(form, index)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                yield obj
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                forms.append((obj, depth + 1))
        budget -= max(0, count)
        if budget <= 0:
            return


def _describe(font_object: object) -> _Font | None:
    """None for an embedded font (drawn with its own glyphs)."""
    if pdfium_c.FPDFFont_GetIsEmbedded(font_object) != 0:
        return None
    return _Font(
        name=_font_string(pdfium_c.FPDFFont_GetBaseFontName, font_object) or "?",
        family=_font_string(pdfium_c.FPDFFont_GetFamilyName, font_object) or "?",
    )


def _font_string(getter: object, font_object: object) -> str:
    size = int(getter(font_object, None, 0))  # type: ignore[operator]
    if size <= 0:
        return ""
    buffer = ctypes.create_string_buffer(size)
    getter(font_object, buffer, size)  # type: ignore[operator]
    return buffer.raw[:size].decode("utf-8", errors="replace").strip("\0 ")


def _has_glyph(font_object: object, letter: str) -> bool:
    """False when PDFium has no outline for the letter in the face it draws with."""
    path = pdfium_c.FPDFFont_GetGlyphPath(font_object, ord(letter), 12.0)
    return bool(path) and pdfium_c.FPDFGlyphPath_CountGlyphSegments(path) > 0
