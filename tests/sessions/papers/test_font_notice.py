"""The warning about fonts a document's file does not embed: replaced fonts, and the
letters a replacement lacks (drawn as nothing), as msgids with their parameters."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from meetroom.records.documents import FileStatus, FontSubstitution, PdfFile
from meetroom.sessions.papers.font_notice import MISSING, REPLACED, font_notices

FILE = PdfFile(
    sha256="0" * 64, size_bytes=1, status=FileStatus.READY, pages=1, pages_done=1,
    title=None, outline=(), warnings=(), reject_code=None, reject_message=None,
    reject_params={}, created_at=datetime(2020, 1, 1, tzinfo=UTC), finished_at=None,
)  # fmt: skip


def test_no_warning_when_every_font_is_embedded() -> None:
    assert font_notices(FILE) == []


def test_replaced_fonts() -> None:
    file = dataclasses.replace(
        FILE,
        fonts=(
            FontSubstitution("Arial", "Liberation Sans"),
            FontSubstitution("Times New Roman", "Liberation Serif"),
        ),
    )
    assert font_notices(file) == [
        (REPLACED, {"fonts": "Arial → Liberation Sans, Times New Roman → Liberation Serif"})
    ]
    assert REPLACED.format(**font_notices(file)[0][1]).startswith(
        "Some fonts in this document were not embedded and were replaced: Arial → Liberation"
    )


def test_missing_letters_come_first() -> None:
    file = dataclasses.replace(
        FILE,
        fonts=(
            FontSubstitution("SimSun", "Chrome Sans", "ơư"),
            FontSubstitution("Times New Roman", "Liberation Serif"),
        ),
    )
    assert font_notices(file) == [
        (MISSING, {"fonts": "SimSun → Chrome Sans: ơ ư"}),
        (REPLACED, {"fonts": "Times New Roman → Liberation Serif"}),
    ]
