"""The fonts the minutes are set in: the Liberation fonts shipped beside the document
pipeline (`meetroom/pdf/fonts/`, read as files: no import of that package), metric-
compatible with Times New Roman (serif, the Vietnamese template, as Decree 30 asks)
and Arial (sans, the English one), each with every Vietnamese letter.

The PDF embeds them. The DOCX names the font the office expects instead ("Times New
Roman", "Arial"): Word has it, LibreOffice draws it with the Liberation font of the same
widths, so a line breaks in the same place; see `word`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "pdf" / "fonts"
FALLBACK_FILE = FONT_DIR / "DejaVuSans.ttf"  # for a letter the Liberation fonts lack

MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True, slots=True)
class Family:
    files: str  # the file name's stem before the style: "LiberationSerif"
    office_name: str  # what the DOCX names


FAMILIES = {
    "serif": Family("LiberationSerif", "Times New Roman"),
    "sans": Family("LiberationSans", "Arial"),
}

STYLES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}


def font_file(family: str, style: str) -> Path:
    """The TrueType file of a family ("serif", "sans") in a style ("", "B", "I", "BI")."""
    return FONT_DIR / f"{FAMILIES[family].files}-{STYLES[style]}.ttf"


def advances(family: str, style: str) -> dict[str, int]:
    """Each letter's advance in thousandths of the font size, rounded as the PDF's
    /W array has it (fpdf2 writes round(advance * 1000 / units per em)), so that a
    line measured here ends where the viewer draws it."""
    return _advances(font_file(family, style))


def fallback_advances() -> dict[str, int]:
    return _advances(FALLBACK_FILE)


@functools.cache
def _advances(path: Path) -> dict[str, int]:
    with TTFont(path, lazy=True) as font:
        metrics = font["hmtx"].metrics
        scale = 1000 / font["head"].unitsPerEm
        return {
            chr(code): round(scale * metrics[glyph][0] + 0.001)
            for code, glyph in font.getBestCmap().items()
        }


def width(
    text: str, family: str, size: float, *, bold: bool = False, italic: bool = False
) -> float:
    """The width of `text` on one line, in mm (no kerning, as the PDF is set)."""
    table = advances(family, ("B" if bold else "") + ("I" if italic else ""))
    missing = table.get("\ufffd", 500)
    return sum(table.get(char, missing) for char in text) * size / 1000 * MM_PER_POINT


def lacks(text: str, family: str) -> bool:
    """Whether some letter of `text` has no glyph in one of the family's fonts."""
    letters = set(text) - {"\n"}
    return any(letters - advances(family, style).keys() for style in STYLES)
