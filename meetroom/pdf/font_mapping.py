"""The fonts PDFium draws with when a PDF names a font without embedding it.

PDFium asks its system font info for such a font by name; on Linux the default one
matches names only, so a PDF naming Times New Roman gets PDFium's built-in Times,
which has no Vietnamese letters beyond Latin-1: ơ, ư, ạ, ả... are drawn as nothing.
`install` gives PDFium a font info of its own, answered from the fonts shipped in
`fonts/`, each with every Vietnamese letter: a metric-compatible font where one
exists (Times New Roman → Liberation Serif, Arial → Liberation Sans, Courier New →
Liberation Mono, Calibri → Carlito), else one of the same kind (serif, sans,
monospace). Caladea, metric-compatible with Cambria, lacks most Vietnamese letters,
so Cambria gets Liberation Serif. Requests for Chinese, Japanese or Korean still go
to the system's fonts (the default font info): nothing shipped here covers them.

The same font info serves every document of the process, so what a page looks like
does not depend on the fonts of the machine it is rendered on."""

from __future__ import annotations

import ctypes
import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2.raw as pdfium_c

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"


@dataclass(frozen=True, slots=True)
class Face:
    file: str  # in FONT_DIR
    name: str  # the face name PDFium is given (its cache key, with weight and slant)
    bold: bool
    italic: bool


SERIF = "Liberation Serif"
SANS = "Liberation Sans"
MONO = "Liberation Mono"
CARLITO = "Carlito"


def _styles(family: str, stem: str, styles: str) -> tuple[Face, ...]:
    known = {
        "R": ("Regular", False, False),
        "B": ("Bold", True, False),
        "I": ("Italic", False, True),
        "BI": ("BoldItalic", True, True),
    }
    faces = []
    for style in styles.split():
        suffix, bold, italic = known[style]
        faces.append(Face(f"{stem}-{suffix}.ttf", f"{family} {suffix}", bold, italic))
    return tuple(faces)


# Without a shipped bold or italic face, PDFium emboldens or slants the regular one:
# good enough for the rarer Calibri italics and Courier New; Times New Roman and Arial,
# the fonts of most Vietnamese administrative documents, have all four.
FAMILIES: dict[str, tuple[Face, ...]] = {
    SERIF: _styles(SERIF, "LiberationSerif", "R B I BI"),
    SANS: _styles(SANS, "LiberationSans", "R B I BI"),
    MONO: _styles(MONO, "LiberationMono", "R"),
    CARLITO: _styles(CARLITO, "Carlito", "R B"),
}

# By the start of the name, lower case without spaces or hyphens. PDFium has already
# turned the standard names and their aliases into the base 14 ones: TimesNewRomanPSMT
# comes as "Times-Roman", "Arial,Bold" as "Helvetica-Bold".
_BY_NAME: tuple[tuple[str, str], ...] = (
    ("times", SERIF),
    ("tinos", SERIF),
    ("liberationserif", SERIF),
    ("cambria", SERIF),
    ("helvetica", SANS),
    ("arial", SANS),
    ("arimo", SANS),
    ("liberationsans", SANS),
    ("courier", MONO),
    ("cousine", MONO),
    ("liberationmono", MONO),
    ("calibri", CARLITO),
    ("carlito", CARLITO),
)
# Charsets left to the system's fonts.
_CJK_CHARSETS = frozenset(
    {
        pdfium_c.FXFONT_SHIFTJIS_CHARSET,
        pdfium_c.FXFONT_HANGEUL_CHARSET,
        pdfium_c.FXFONT_GB2312_CHARSET,
        pdfium_c.FXFONT_CHINESEBIG5_CHARSET,
    }
)
_SEMIBOLD = 600


def replacement_family(name: str, pitch_family: int = 0) -> str:
    """The shipped family drawn for a font named `name` (as PDFium asks for it)."""
    key = name.lower().replace(" ", "").replace("-", "")
    for prefix, family in _BY_NAME:
        if key.startswith(prefix):
            return family
    if pitch_family & pdfium_c.FXFONT_FF_FIXEDPITCH:
        return MONO
    if pitch_family & pdfium_c.FXFONT_FF_ROMAN:
        return SERIF
    return SANS


def pick_face(family: str, weight: int, italic: bool) -> Face:
    """The face of `family` closest to the weight and slant asked for."""
    bold = weight >= _SEMIBOLD
    faces = FAMILIES[family]
    return min(faces, key=lambda f: (f.bold != bold) * 2 + (f.italic != italic))


def _table(data: bytes, tag: int) -> bytes | None:
    """One table of a TrueType file, by its tag as a big-endian number."""
    if len(data) < 12:
        return None
    (count,) = struct.unpack_from(">H", data, 4)
    for index in range(count):
        entry = 12 + 16 * index
        if entry + 16 > len(data):
            return None
        found, _checksum, offset, length = struct.unpack_from(">IIII", data, entry)
        if found == tag:
            return data[offset : offset + length]
    return None


class _FontInfo:
    """The callbacks of PDFium's FPDF_SYSFONTINFO. Handles are small numbers for the
    shipped faces; any other handle is the system font info's."""

    def __init__(self) -> None:
        self.faces: list[Face] = [face for faces in FAMILIES.values() for face in faces]
        self._data: dict[int, bytes] = {}
        self.system: Any = pdfium_c.FPDF_GetDefaultSystemFontInfo()  # NULL if none
        fields = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
        self.struct = pdfium_c.FPDF_SYSFONTINFO()
        self.struct.version = 1
        # The ctypes callbacks live as long as this object (the process).
        self.callbacks = {
            "EnumFonts": fields["EnumFonts"](self.enum_fonts),
            "MapFont": fields["MapFont"](self.map_font),
            "GetFont": fields["GetFont"](self.get_font),
            "GetFontData": fields["GetFontData"](self.get_font_data),
            "GetFaceName": fields["GetFaceName"](self.get_face_name),
            "GetFontCharset": fields["GetFontCharset"](self.get_font_charset),
            "DeleteFont": fields["DeleteFont"](self.delete_font),
        }
        for name, callback in self.callbacks.items():
            setattr(self.struct, name, callback)

    def _ours(self, handle: int | None) -> int | None:
        """The index of a shipped face, or None for the system font info's handle."""
        if handle is not None and 1 <= handle <= len(self.faces):
            return handle - 1
        return None

    def _handle(self, face: Face) -> int:
        return self.faces.index(face) + 1

    def data(self, index: int) -> bytes:
        data = self._data.get(index)
        if data is None:
            data = (FONT_DIR / self.faces[index].file).read_bytes()
            self._data[index] = data
        return data

    # -- the callbacks: they must never raise into PDFium --------------------------------

    def enum_fonts(self, this: Any, mapper: Any) -> None:
        # The system font info lists its fonts (for the charsets left to it).
        if self.system:
            self.system.contents.EnumFonts(self.system, mapper)

    def map_font(
        self, this: Any, weight: int, italic: int, charset: int, pitch: int, face: Any, exact: Any
    ) -> int | None:
        try:
            name = ctypes.string_at(face).decode("latin-1") if face else ""
            if charset in _CJK_CHARSETS or charset == pdfium_c.FXFONT_SYMBOL_CHARSET:
                # Symbol: PDFium asks again as ANSI when no symbol font is found.
                if not self.system:
                    return None
                return self.system.contents.MapFont(  # type: ignore[no-any-return]
                    self.system, weight, italic, charset, pitch, face, exact
                )
            chosen = pick_face(replacement_family(name, pitch), weight, bool(italic))
            return self._handle(chosen)
        except Exception:
            logger.exception("mapping a font failed")
            return None

    def get_font(self, this: Any, face: Any) -> int | None:
        try:
            name = ctypes.string_at(face).decode("latin-1") if face else ""
            if self.system:
                found = self.system.contents.GetFont(self.system, face)
                if found:
                    return found  # type: ignore[no-any-return]
            return self._handle(pick_face(replacement_family(name), 400, False))
        except Exception:
            logger.exception("finding a font failed")
            return None

    def get_font_data(self, this: Any, handle: Any, table: int, buffer: Any, size: int) -> int:
        try:
            index = self._ours(handle)
            if index is None:
                if not self.system:
                    return 0
                return self.system.contents.GetFontData(  # type: ignore[no-any-return]
                    self.system, handle, table, buffer, size
                )
            data = self.data(index) if table == 0 else _table(self.data(index), table)
            if data is None:
                return 0
            if buffer and size >= len(data):
                ctypes.memmove(buffer, data, len(data))
            return len(data)
        except Exception:
            logger.exception("reading a font failed")
            return 0

    def get_face_name(self, this: Any, handle: Any, buffer: Any, size: int) -> int:
        try:
            index = self._ours(handle)
            if index is None:
                if not self.system:
                    return 0
                return self.system.contents.GetFaceName(  # type: ignore[no-any-return]
                    self.system, handle, buffer, size
                )
            name = self.faces[index].name.encode() + b"\0"
            if buffer and size >= len(name):
                ctypes.memmove(buffer, name, len(name))
            return len(name)
        except Exception:
            logger.exception("naming a font failed")
            return 0

    def get_font_charset(self, this: Any, handle: Any) -> int:
        index = self._ours(handle)
        if index is None and self.system:
            return self.system.contents.GetFontCharset(self.system, handle)  # type: ignore[no-any-return]
        return int(pdfium_c.FXFONT_ANSI_CHARSET)

    def delete_font(self, this: Any, handle: Any) -> None:
        if self._ours(handle) is None and self.system:
            self.system.contents.DeleteFont(self.system, handle)


_installed: _FontInfo | None = None


def install() -> None:
    """Gives PDFium the shipped fonts, once per process, before it loads a document
    (PDFium caches the fonts it found for a name)."""
    global _installed
    if _installed is not None:
        return
    info = _FontInfo()
    pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(info.struct))
    _installed = info  # kept for the life of the process: PDFium holds its pointers
