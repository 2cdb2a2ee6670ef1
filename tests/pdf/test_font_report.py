"""What a rendered page reports about fonts it names without embedding them: the font,
what PDFium drew it with, and the letters that font has no glyph for; and what the
file's record keeps of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from meetroom.pdf.font_report import display_name
from meetroom.pdf.limits import Limits
from meetroom.pdf.worker import PageOutput, RenderedPage, render_page
from meetroom.records.documents import (
    MAX_FONTS,
    MAX_MISSING_LETTERS,
    FileStatus,
    FontSubstitution,
    merge_fonts,
)
from tests.pdf.files import Files
from tests.pdf.vietnamese_pdfs import vietnamese_pdf

REPO = Path(__file__).resolve().parents[2]


def _render(pdf: Path, tmp_path: Path) -> RenderedPage:
    output = PageOutput(400, "jpeg", str(tmp_path / f"{pdf.stem}.jpg"))
    return render_page(str(pdf), 1, [output], Limits())


@pytest.mark.parametrize(
    ("base_font", "expected"),
    [
        ("TimesNewRomanPSMT", [FontSubstitution("Times New Roman", "Liberation Serif")]),
        ("Arial,Bold", [FontSubstitution("Arial", "Liberation Sans")]),
        ("Calibri-Bold", [FontSubstitution("Calibri", "Carlito")]),
        ("Cambria", [FontSubstitution("Cambria", "Liberation Serif")]),
        # The standard fonts are not embedded by design: nothing to report while the
        # replacement has every letter.
        ("Helvetica", []),
        ("Times-Roman", []),
    ],
)
@pytest.mark.parametrize("simple", [False, True], ids=["type0", "truetype"])
def test_fonts_not_embedded_are_reported_with_their_replacement(
    tmp_path: Path, base_font: str, expected: list[FontSubstitution], simple: bool
) -> None:
    pdf = vietnamese_pdf(tmp_path / "named.pdf", embedded=False, base_font=base_font, simple=simple)
    assert _render(pdf, tmp_path).fonts == expected


def test_embedded_fonts_are_not_reported(tmp_path: Path) -> None:
    pdf = vietnamese_pdf(tmp_path / "embedded.pdf", embedded=True)
    assert _render(pdf, tmp_path).fonts == []


# Run in a fresh process in which the shipped fonts are not given to PDFium: what it
# does by itself (its built-in fonts, which have no ộ, ơ, ư, ạ...).
_WITHOUT_MAPPING = """
import json, sys
from pathlib import Path
from meetroom.pdf import font_mapping
font_mapping.install = lambda: None
from meetroom.pdf.limits import Limits
from meetroom.pdf.worker import PageOutput, render_page
page = render_page(sys.argv[1], 1, [PageOutput(400, "jpeg", sys.argv[2])], Limits())
print(json.dumps([[f.font, f.replacement, f.missing] for f in page.fonts]))
"""


@pytest.mark.parametrize("base_font", ["TimesNewRomanPSMT", "Helvetica"])
def test_letters_a_replacement_lacks_are_reported(tmp_path: Path, base_font: str) -> None:
    pdf = vietnamese_pdf(tmp_path / "named.pdf", embedded=False, base_font=base_font)
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_MAPPING, str(pdf), str(tmp_path / "page.jpg")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    [(font, replacement, missing)] = json.loads(result.stdout)
    assert font == display_name(base_font)
    assert replacement not in ("Liberation Serif", "Liberation Sans")  # PDFium's own
    assert set("ỘộơưạảĐđ") <= set(missing)
    assert not set(missing) & set("CNGHÒAXÃ ")  # Latin-1 letters are there


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("TimesNewRomanPSMT", "Times New Roman"),
        ("ABCDEF+TimesNewRomanPS-BoldItalicMT", "Times New Roman"),
        ("Arial,Bold", "Arial"),
        ("Arial-BoldMT", "Arial"),
        ("CourierNewPSMT", "Courier New"),
        ("BookAntiqua,Italic", "Book Antiqua"),
        ("Times New Roman", "Times New Roman"),
        ("Helvetica-Bold", "Helvetica-Bold"),
        ("VNI-Times", "VNI-Times"),
        (".VnTime", ".VnTime"),
    ],
)
def test_display_names(name: str, shown: str) -> None:
    assert display_name(name) == shown


def test_what_a_hostile_file_names_is_bounded() -> None:
    assert display_name("Evil\x00\x1b[2J" + "X" * 10_000) == "Evil[2J" + "X" * 71
    many = [FontSubstitution(f"Font {i:03}", "Liberation Sans") for i in range(500)]
    lacking = [FontSubstitution("SimSun", "Chrome Sans", "".join(map(chr, range(0x4E00, 0x4F00))))]
    merged = merge_fonts([*many, *lacking, FontSubstitution("Font 001", "Liberation Sans")])
    assert len(merged) == MAX_FONTS
    # The fonts with missing letters are kept first; the letters are a sorted sample.
    simsun = next(f for f in merged if f.font == "SimSun")
    assert simsun.missing == "".join(map(chr, range(0x4E00, 0x4E00 + MAX_MISSING_LETTERS)))


async def test_the_file_record_keeps_every_page_s_fonts(files: Files, tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    for index, base_font in enumerate(("TimesNewRomanPSMT", "Calibri", "TimesNewRomanPS-BoldMT")):
        part = vietnamese_pdf(tmp_path / f"{index}.pdf", embedded=False, base_font=base_font)
        writer.append(str(part))
    writer.append(str(vietnamese_pdf(tmp_path / "embedded.pdf", embedded=True)))
    combined = tmp_path / "combined.pdf"
    writer.write(combined)

    sha = await files.add(combined)
    await files.pipeline.ingest(sha)
    file = await files.store.get_file(sha)
    assert file is not None and (file.status, file.pages) == (FileStatus.READY, 4)
    assert file.fonts == (
        FontSubstitution("Calibri", "Carlito"),
        FontSubstitution("Times New Roman", "Liberation Serif"),
    )

    # A file with its fonts embedded has nothing to report.
    sha = await files.add(vietnamese_pdf(tmp_path / "alone.pdf", embedded=True))
    await files.pipeline.ingest(sha)
    file = await files.store.get_file(sha)
    assert file is not None and file.status is FileStatus.READY and file.fonts == ()
