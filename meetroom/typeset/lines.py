"""Line breaking for the PDF: styled runs cut into words and the words set on lines of
a given width, greedily, breaking only at spaces (a word is never cut unless it alone
is wider than the line). Pure Python on advance-width tables, so it is fast: fpdf2's
own breaker measures a line again at every space, which made a long meeting take
seconds.

A letter the body's font lacks is set in the fallback font (style "F") when that has
it, and shows as U+FFFD otherwise: every glyph drawn exists in an embedded font."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

FALLBACK = "F"
REPLACEMENT = "\ufffd"


@dataclass(slots=True)
class Word:
    segments: list[tuple[str, str]]  # (text, style), in order, without spaces
    width: float  # mm
    space: float  # mm: the space after it, when one follows on the line


@dataclass(slots=True)
class SetLine:
    words: list[Word] = field(default_factory=list)
    width: float = 0  # mm, words and the spaces between them
    last: bool = False  # the paragraph's last line (never justified)

    @property
    def gaps(self) -> int:
        return len(self.words) - 1


class Metrics:
    """Advance widths (thousandths of the size, per style) at one size in points."""

    def __init__(
        self, tables: dict[str, dict[str, int]], fallback: dict[str, int] | None, size: float
    ) -> None:
        self.tables = tables
        self.fallback = fallback or {}
        self.scale = size / 1000 * 25.4 / 72  # thousandths to mm
        self.known: dict[tuple[str, str], tuple[list[tuple[str, str]], float]] = {}

    def styled(self, char: str, style: str) -> tuple[str, str]:
        """The letter as drawn, and the style that has it."""
        if char in self.tables[style]:
            return char, style
        if char in self.fallback:
            return char, FALLBACK
        if REPLACEMENT in self.fallback:
            return REPLACEMENT, FALLBACK
        return "?", style

    def advance(self, text: str, style: str) -> float:
        table = self.fallback if style == FALLBACK else self.tables[style]
        return sum(table[char] for char in text) * self.scale

    def words(self, runs: Iterable[tuple[str, str]]) -> list[Word]:
        """Runs of (text, style) as words: split at spaces and line ends; a word may
        mix styles ("Thông qua" bold, then "." regular)."""
        words: list[Word] = []
        open_word = False  # the last word may go on in the next run (no space between)
        for text, style in runs:
            chunks = text.replace("\n", " ").replace("\t", " ").split(" ")
            for i, chunk in enumerate(chunks):
                if i:  # a space before this chunk
                    if words and open_word:
                        words[-1].space = self.advance(" ", style)
                    open_word = False
                if not chunk:
                    continue
                known = self.known.get((chunk, style))
                if known is None:  # a meeting's words come back again and again
                    found = self.segments(chunk, style)
                    width = sum(self.advance(part, part_style) for part, part_style in found)
                    known = self.known[(chunk, style)] = (found, width)
                segments, width = list(known[0]), known[1]
                if open_word:
                    last = words[-1]
                    if last.segments[-1][1] == segments[0][1]:
                        joined = last.segments[-1][0] + segments[0][0]
                        last.segments[-1] = (joined, segments[0][1])
                        segments = segments[1:]
                    last.segments.extend(segments)
                    last.width += width
                else:
                    words.append(Word(segments, width, 0.0))
                open_word = True
        return words

    def segments(self, chunk: str, style: str) -> list[tuple[str, str]]:
        """A word's letters, in the style's font where it has them."""
        table = self.tables[style]
        if all(char in table for char in chunk):
            return [(chunk, style)]
        result: list[tuple[str, str]] = []
        for char in chunk:
            drawn, drawn_style = self.styled(char, style)
            if result and result[-1][1] == drawn_style:
                result[-1] = (result[-1][0] + drawn, drawn_style)
            else:
                result.append((drawn, drawn_style))
        return result

    def cut(self, word: Word, room: float) -> list[Word]:
        """A word wider than the line, cut into pieces that fit (at least a letter each)."""
        pieces: list[Word] = []
        current: list[tuple[str, str]] = []
        width = 0.0
        for text, style in word.segments:
            for char in text:
                char_width = self.advance(char, style)
                if current and width + char_width > room:
                    pieces.append(Word(current, width, 0.0))
                    current, width = [], 0.0
                if current and current[-1][1] == style:
                    current[-1] = (current[-1][0] + char, style)
                else:
                    current.append((char, style))
                width += char_width
        pieces.append(Word(current, width, word.space))
        return pieces

    def lines(self, words: list[Word], first: float, rest: float) -> list[SetLine]:
        """The words set on lines `first` mm wide for the first, `rest` for the others."""
        result: list[SetLine] = []
        line = SetLine()
        room = first
        queue = list(reversed(words))
        while queue:
            word = queue.pop()
            needed = word.width if not line.words else line.words[-1].space + word.width
            if line.words and line.width + needed > room + 1e-6:
                result.append(line)
                line, room = SetLine(), rest
                needed = word.width
            if not line.words and word.width > room + 1e-6:
                pieces = self.cut(word, room)
                queue.extend(reversed(pieces[1:]))
                word = pieces[0]
                needed = word.width
            line.words.append(word)
            line.width += needed
        if line.words or not result:
            result.append(line)
        result[-1].last = True
        return result
