"""The PDF's line breaking: at spaces only, within the width, a word wider than the
line cut, styles kept, letters the font lacks set in the fallback font."""

from __future__ import annotations

from meetroom.typeset import fonts
from meetroom.typeset.lines import FALLBACK, REPLACEMENT, Metrics, SetLine
from tests.typeset.documents import LONG_PARAGRAPH

TABLES = {style: fonts.advances("serif", style) for style in fonts.STYLES}
METRICS = Metrics(TABLES, fonts.fallback_advances(), 13)


def _text(line: SetLine) -> str:
    return " ".join("".join(text for text, _style in word.segments) for word in line.words)


def test_lines_break_between_words_and_fit() -> None:
    words = METRICS.words([(LONG_PARAGRAPH, "")])
    lines = METRICS.lines(words, 150, 160)
    assert len(lines) >= 4 and lines[-1].last and not any(line.last for line in lines[:-1])
    assert " ".join(_text(line) for line in lines) == " ".join(LONG_PARAGRAPH.split())
    for i, line in enumerate(lines):
        room = 150 if i == 0 else 160
        assert line.width <= room + 1e-6
        measured = fonts.width(_text(line), "serif", 13)
        assert abs(measured - line.width) < 1e-6  # the same widths as the PDF's /W
    # Greedy: the next line's first word would not have fitted.
    for line, following in zip(lines, lines[1:], strict=False):
        room = 160 if line is not lines[0] else 150
        assert line.width + line.words[-1].space + following.words[0].width > room


def test_styles_join_inside_a_word_and_spaces_separate() -> None:
    words = METRICS.words([("Kết quả: ", "B"), ("Thông qua", "B"), (".", ""), ("\nx", "")])
    assert [w.segments for w in words] == [
        [("Kết", "B")], [("quả:", "B")], [("Thông", "B")], [("qua", "B"), (".", "")], [("x", "")]
    ]  # fmt: skip


def test_a_word_wider_than_the_line_is_cut() -> None:
    token = "https://example.gov.vn/" + "tai-lieu-" * 30
    lines = METRICS.lines(METRICS.words([(f"Xem {token} ngay", "")]), 80, 80)
    assert "".join(_text(line).replace(" ", "") for line in lines) == f"Xem{token}ngay"
    assert all(line.width <= 80 + 1e-6 for line in lines)


def test_letters_the_font_lacks_use_the_fallback() -> None:
    [word] = METRICS.words([("ສຸກ", "")])
    assert word.segments == [("ສຸກ", FALLBACK)]
    [cjk] = METRICS.words([("Lê王", "B")])
    assert cjk.segments == [("Lê", "B"), (REPLACEMENT, FALLBACK)]
    assert fonts.lacks("Nguyễn Thị Ánh Tuyết", "serif") is False
    assert fonts.lacks("ສຸກ", "serif") is True
