"""Fonts a PDF names without embedding them: the shipped replacements have every
Vietnamese letter, the names go to metric-compatible families, and a page naming
Times New Roman comes out of the real pipeline as the same page with the font
embedded, Vietnamese letters included."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from meetroom.pdf import font_mapping
from meetroom.pdf.font_mapping import CARLITO, FAMILIES, FONT_DIR, MONO, SANS, SERIF
from meetroom.pdf.pipeline import TABLET
from meetroom.records.documents import FileStatus
from tests.pdf.files import Files
from tests.pdf.pdfs import A4
from tests.pdf.truetype import VIETNAMESE_LETTERS, TrueType
from tests.pdf.vietnamese_pdfs import vietnamese_pdf

LICENCES = {"Liberation": "LICENSE-Liberation.txt", "Carlito": "LICENSE-Carlito.txt"}


@pytest.mark.parametrize(
    "face", [f for faces in FAMILIES.values() for f in faces], ids=lambda f: f.file
)
def test_every_shipped_face_has_every_vietnamese_letter(face: font_mapping.Face) -> None:
    font = TrueType.open(FONT_DIR / face.file)
    missing = sorted(c for c in VIETNAMESE_LETTERS if ord(c) not in font.cmap())
    assert missing == [], f"{face.file} lacks {''.join(missing)}"
    assert len(VIETNAMESE_LETTERS) == 2 * (12 * 6 + 21)  # vowels × tones, đ and consonants
    # Shipped with its licence.
    vendor = next(name for name in LICENCES if face.file.startswith(name))
    assert "SIL Open Font License" in (FONT_DIR / LICENCES[vendor]).read_text()


@pytest.mark.parametrize(
    ("name", "pitch", "family"),
    [
        # As PDFium asks: TimesNewRomanPSMT and Arial,Bold come as base-14 names.
        ("Times-Roman", 0, SERIF),
        ("Times-BoldItalic", 0, SERIF),
        ("Helvetica", 0, SANS),
        ("Helvetica-Bold", 0, SANS),
        ("Courier", 0, MONO),
        ("Calibri", 0, CARLITO),
        # Caladea (metric-compatible) lacks most Vietnamese letters.
        ("Cambria", 0, SERIF),
        ("Liberation Sans", 0, SANS),
        ("VNI-Times", 0x10, SERIF),  # FXFONT_FF_ROMAN
        ("Consolas", 0x01, MONO),  # FXFONT_FF_FIXEDPITCH
        ("Tahoma", 0, SANS),
    ],
)
def test_names_go_to_a_family_of_the_same_kind(name: str, pitch: int, family: str) -> None:
    assert font_mapping.replacement_family(name, pitch) == family


def test_the_closest_style_is_picked() -> None:
    assert font_mapping.pick_face(SERIF, 400, False).file == "LiberationSerif-Regular.ttf"
    assert font_mapping.pick_face(SERIF, 700, True).file == "LiberationSerif-BoldItalic.ttf"
    assert font_mapping.pick_face(SANS, 600, False).file == "LiberationSans-Bold.ttf"
    # No italic Carlito is shipped: the upright face, slanted by PDFium.
    assert font_mapping.pick_face(CARLITO, 400, True).file == "Carlito-Regular.ttf"
    assert font_mapping.pick_face(CARLITO, 700, True).file == "Carlito-Bold.ttf"
    assert font_mapping.pick_face(MONO, 700, True).file == "LiberationMono-Regular.ttf"


def _dark_pixels(image: Image.Image) -> int:
    return sum(image.histogram()[:128])


def _letter_boxes(pdf: Path, scale: float) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Where each letter beyond ASCII is on the page, in pixels (from the text layer of
    the page with the font embedded)."""
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    textpage = page.get_textpage()
    height = page.get_height()
    boxes = []
    for index in range(textpage.count_chars()):
        letter = textpage.get_text_range(index, 1)
        if ord(letter[:1] or " ") < 128:
            continue
        left, bottom, right, top = textpage.get_charbox(index)
        box = (int(left * scale), int((height - top) * scale))
        boxes.append((letter, (*box, int(right * scale) + 1, int((height - bottom) * scale) + 1)))
    textpage.close()
    page.close()
    document.close()
    return boxes


@pytest.mark.parametrize("simple", [False, True], ids=["type0-identity-h", "truetype-differences"])
async def test_times_new_roman_not_embedded_looks_like_the_embedded_one(
    files: Files, tmp_path: Path, simple: bool
) -> None:
    embedded = vietnamese_pdf(tmp_path / "embedded.pdf", embedded=True, simple=simple)
    named = vietnamese_pdf(tmp_path / "named.pdf", embedded=False, simple=simple)
    images = []
    for pdf in (embedded, named):
        sha = await files.add(pdf)
        await files.pipeline.ingest(sha)
        file = await files.store.get_file(sha)
        assert file is not None and file.status is FileStatus.READY
        assert "Độc lập - Tự do - Hạnh phúc" in (await files.store.page_text(sha, 1) or "")
        with Image.open(files.pipeline.blobs.page(sha, 1, TABLET, "jpeg")) as page:
            images.append(page.convert("L"))
    reference, drawn = images

    # Every letter beyond ASCII has its ink where it belongs (none at all without
    # the mapping: PDFium's own Times has no ộ, ơ, ư, ạ, ả...).
    boxes = _letter_boxes(embedded, reference.width / A4[0])
    assert {letter for letter, _ in boxes} >= set("ỘơưạảĐđ")
    for letter, box in boxes:
        expected = _dark_pixels(reference.crop(box))
        assert expected > 50, (letter, box)
        assert _dark_pixels(drawn.crop(box)) >= 0.8 * expected, f"{letter!r} is not drawn"
    # And the whole page matches the one with the font embedded (same metrics).
    differing = sum(ImageChops.difference(reference, drawn).histogram()[96:])
    assert differing < 0.01 * _dark_pixels(reference), differing
