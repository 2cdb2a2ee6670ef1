"""Just enough of a TrueType file for the tests: which characters a font has a glyph
for (its Unicode cmap), their glyph numbers and advance widths. No font library is a
dependency of the project, and this is all the tests need."""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Every Vietnamese letter, lower and upper case: the 12 vowels with each of the five
# tones (and none), đ, and the consonants.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_LOWER = {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES} | set(
    "bcdđghklmnpqrstvxfjwz"
)
VIETNAMESE_LETTERS = frozenset(_LOWER | {c.upper() for c in _LOWER})


@dataclass(frozen=True)
class TrueType:
    data: bytes

    @classmethod
    def open(cls, path: Path) -> TrueType:
        return cls(path.read_bytes())

    def table(self, tag: bytes) -> bytes:
        (count,) = struct.unpack_from(">H", self.data, 4)
        for index in range(count):
            found, _, offset, length = struct.unpack_from(">4sIII", self.data, 12 + 16 * index)
            if found == tag:
                return self.data[offset : offset + length]
        raise KeyError(tag)

    @property
    def units_per_em(self) -> int:
        return int(struct.unpack_from(">H", self.table(b"head"), 18)[0])

    def cmap(self) -> dict[int, int]:
        """Code point → glyph number, from the Unicode subtable (format 12 or 4)."""
        table = self.table(b"cmap")
        (count,) = struct.unpack_from(">H", table, 2)
        subtables = {}
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * index)
            (fmt,) = struct.unpack_from(">H", table, offset)
            subtables[(platform, encoding, fmt)] = offset
        for key in ((3, 10, 12), (0, 4, 12)):
            if key in subtables:
                return _format12(table, subtables[key])
        for key in ((3, 1, 4), (0, 3, 4)):
            if key in subtables:
                return _format4(table, subtables[key])
        raise ValueError("no Unicode cmap")

    def advance_widths(self) -> list[int]:
        """Glyph number → advance width in font units."""
        (metrics,) = struct.unpack_from(">H", self.table(b"hhea"), 34)
        hmtx = self.table(b"hmtx")
        return [struct.unpack_from(">H", hmtx, 4 * i)[0] for i in range(metrics)]

    def width(self, glyph: int) -> int:
        """Advance width in thousandths of the font size, as PDF widths are."""
        widths = self.advance_widths()
        return round(widths[min(glyph, len(widths) - 1)] * 1000 / self.units_per_em)


def _format4(table: bytes, offset: int) -> dict[int, int]:
    (seg_x2,) = struct.unpack_from(">H", table, offset + 6)
    count = seg_x2 // 2
    ends = struct.unpack_from(f">{count}H", table, offset + 14)
    starts = struct.unpack_from(f">{count}H", table, offset + 16 + seg_x2)
    deltas = struct.unpack_from(f">{count}h", table, offset + 16 + 2 * seg_x2)
    range_base = offset + 16 + 3 * seg_x2
    ranges = struct.unpack_from(f">{count}H", table, range_base)
    found = {}
    for k in range(count):
        for code in range(starts[k], ends[k] + 1):
            if code == 0xFFFF:
                continue
            if ranges[k] == 0:
                glyph = (code + deltas[k]) & 0xFFFF
            else:
                at = range_base + 2 * k + ranges[k] + 2 * (code - starts[k])
                (glyph,) = struct.unpack_from(">H", table, at)
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                found[code] = glyph
    return found


def _format12(table: bytes, offset: int) -> dict[int, int]:
    (groups,) = struct.unpack_from(">I", table, offset + 12)
    found = {}
    for k in range(groups):
        start, end, glyph = struct.unpack_from(">III", table, offset + 16 + 12 * k)
        for code in range(start, end + 1):
            if glyph + code - start:
                found[code] = glyph + code - start
    return found
