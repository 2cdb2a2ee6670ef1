"""What the documents domain needs from the layers below it, and the adapter through
which the page pipeline reports to the file store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from meetroom.clock import Clock
from meetroom.ids import AgendaItemId, DocumentId, MeetingId
from meetroom.pdf.pipeline import PageFile
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.documents import (
    AgendaItem,
    AuditEntry,
    Document,
    FileStatus,
    FontSubstitution,
    OutlineEntry,
    PdfFile,
    WatermarkTrace,
)


class DocumentStore(Protocol):
    async def get_document(self, document_id: DocumentId) -> Document | None: ...
    async def list_documents(self, meeting_id: MeetingId) -> list[Document]: ...
    async def add_document(self, doc: Document) -> Document: ...
    async def save_document(self, doc: Document) -> None: ...
    async def delete_document(self, document_id: DocumentId) -> None: ...
    async def reorder(
        self, meeting_id: MeetingId, item_id: AgendaItemId | None, ordered: Sequence[DocumentId]
    ) -> None: ...
    async def trace_for(
        self, document_id: DocumentId, viewer_key: str, viewer_name: str, day: str,
        new_code: str, now: datetime,
    ) -> WatermarkTrace: ...  # fmt: skip
    async def find_trace(self, code: str) -> WatermarkTrace | None: ...
    async def record_audit(self, entry: AuditEntry) -> None: ...
    async def audit_of(self, document_id: DocumentId, limit: int = 5000) -> list[AuditEntry]: ...


class DocumentWatcher(Protocol):
    """Told after a document of a meeting was added, deleted, or given another access
    list (the live session: who may see what changes on open sockets at once)."""

    async def documents_changed(self, meeting_id: MeetingId) -> None: ...


class FileStore(Protocol):
    async def claim_file(
        self, sha256: str, size_bytes: int, now: datetime
    ) -> tuple[PdfFile, bool]: ...
    async def get_file(self, sha256: str) -> PdfFile | None: ...
    async def forget_file(self, sha256: str) -> bool: ...
    async def files_in_state(self, status: FileStatus) -> list[PdfFile]: ...
    async def done_pages(self, sha256: str) -> list[int]: ...


class FileProgressStore(Protocol):
    async def set_inspected(
        self, sha256: str, pages: int, title: str | None, outline: Sequence[OutlineEntry],
        warnings: Sequence[str],
    ) -> None: ...  # fmt: skip
    async def add_pages(
        self,
        sha256: str,
        pages: Sequence[tuple[int, int, int, str]],
        fonts: Sequence[FontSubstitution] = (),
    ) -> int: ...
    async def get_file(self, sha256: str) -> PdfFile | None: ...
    async def set_ready(self, sha256: str, now: datetime) -> None: ...
    async def set_rejected(
        self, sha256: str, code: str, message: str, params: dict[str, Any], now: datetime
    ) -> None: ...


class ItemLookup(Protocol):
    async def get_item(self, item_id: AgendaItemId) -> AgendaItem | None: ...


class Renderer(Protocol):
    """The page pipeline (docs.pipeline.Pipeline)."""

    def ingest(self, sha256: str, done_pages: Sequence[int] = ()) -> Any: ...
    def is_ingesting(self, sha256: str) -> bool: ...
    async def page_count(self, sha256: str) -> int | None: ...
    async def page_image(self, sha256: str, page: int, width: int, fmt: str) -> PageFile: ...


class Derivatives(Protocol):
    """Made for one viewer or one download (docs.derived.Derived)."""

    async def watermarked(
        self, sha256: str, page: int, width: int, trace: str, lines: Sequence[str]
    ) -> PageFile: ...
    async def stamped_pdf(self, sha256: str, trace: str, lines: Sequence[str]) -> Path: ...
    async def annotated_pdf(
        self,
        sha256: str,
        annotations: Sequence[dict[str, Any]],
        watermark: tuple[Sequence[str], str] | None = None,
    ) -> Path: ...


class Blobs(Protocol):
    async def receive(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]: ...
    def original(self, sha256: str) -> Path: ...
    def remove(self, sha256: str) -> None: ...


class FileProgress:
    """Records what the page pipeline learns about a file (its IngestProgress)."""

    def __init__(self, files: FileProgressStore, clock: Clock) -> None:
        self.files = files
        self.clock = clock

    async def set_inspected(
        self, sha256: str, pages: int, title: str | None, outline: Sequence[Any],
        warnings: Sequence[str],
    ) -> None:  # fmt: skip
        entries = [OutlineEntry(e.title, e.page, e.level) for e in outline]
        await self.files.set_inspected(sha256, pages, title, entries, warnings)

    async def add_pages(self, sha256: str, pages: Sequence[Any]) -> None:
        await self.files.add_pages(
            sha256,
            [(p.page, p.width_px, p.height_px, p.text) for p in pages],
            [font for p in pages for font in p.fonts],
        )

    async def page_total(self, sha256: str) -> int:
        file = await self.files.get_file(sha256)
        return file.pages if file else 0

    async def set_ready(self, sha256: str) -> None:
        await self.files.set_ready(sha256, self.clock.now())

    async def set_rejected(self, sha256: str, error: Any) -> None:
        await self.files.set_rejected(
            sha256, error.code, error.message, dict(error.params), self.clock.now()
        )


class DocumentAudit(AuditTrail, Protocol):
    """The audit log (accounts.audit.AuditLog), with entries recorded once per key."""

    async def record_once(
        self,
        key: str,
        actor: Principal | None,
        action: AuditAction,
        *,
        target_type: str = "",
        target_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> bool: ...
