"""Records of a meeting's papers: agenda items, documents, their PDF files (outline, font
substitutions) and the document's own audit of views and downloads."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from meetroom.ids import (
    AgendaItemId,
    DocumentId,
    MeetingId,
    ParticipantId,
    UserId,
)


class Classification(enum.StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"


class FileStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: AgendaItemId
    meeting_id: MeetingId
    position: int
    title: str
    presenter: str
    duration_minutes: int | None
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    title: str
    page: int | None
    level: int


@dataclass(frozen=True, slots=True)
class FontSubstitution:
    """A font a PDF names without embedding it, and the font its pages were drawn with."""

    font: str  # as people know it: "Times New Roman"
    replacement: str  # "Liberation Serif"
    # Letters the replacement has no glyph for, drawn as nothing (a sample, sorted).
    missing: str = ""


MAX_MISSING_LETTERS = 24
# A file may name thousands of fonts: those with missing letters are kept first.
MAX_FONTS = 20


def merge_fonts(items: Iterable[FontSubstitution]) -> tuple[FontSubstitution, ...]:
    """One entry per font and replacement (a font's styles, several pages' reports)."""
    merged: dict[tuple[str, str], set[str]] = {}
    for item in items:
        merged.setdefault((item.font, item.replacement), set()).update(item.missing)
    kept = sorted(merged.items(), key=lambda entry: not entry[1])[:MAX_FONTS]
    return tuple(
        FontSubstitution(font, replacement, "".join(sorted(missing)[:MAX_MISSING_LETTERS]))
        for (font, replacement), missing in sorted(kept)
    )


@dataclass(frozen=True, slots=True)
class PdfFile:
    """What is known about one distinct file, shared by every document made from it."""

    sha256: str
    size_bytes: int
    status: FileStatus
    pages: int
    pages_done: int
    title: str | None
    outline: tuple[OutlineEntry, ...]
    warnings: tuple[str, ...]
    reject_code: str | None
    reject_message: str | None
    reject_params: dict[str, object]
    created_at: datetime
    finished_at: datetime | None
    # Fonts not embedded in the file, found as its pages were rendered.
    fonts: tuple[FontSubstitution, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    id: DocumentId
    meeting_id: MeetingId
    agenda_item_id: AgendaItemId | None
    position: int
    sha256: str
    filename: str
    title: str
    classification: Classification
    allow_download: bool
    # None: every participant of the meeting; else only these participants.
    access: frozenset[ParticipantId] | None
    uploaded_by: UserId | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class WatermarkTrace:
    code: str
    document_id: DocumentId
    viewer_key: str
    viewer_name: str
    day: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    document_id: DocumentId
    meeting_id: MeetingId
    document_title: str
    action: str
    page: int | None
    viewer_user_id: UserId | None
    viewer_participant_id: ParticipantId | None
    viewer_name: str
    trace_code: str | None
    address: str
    at: datetime
