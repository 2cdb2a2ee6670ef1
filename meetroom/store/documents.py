"""Documents, the distinct files behind them, page facts, access lists, watermark
trace codes and the audit of who opened what, in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId, UserId
from meetroom.records import (
    AuditEntry,
    Classification,
    Document,
    FileStatus,
    OutlineEntry,
    PdfFile,
    WatermarkTrace,
)
from meetroom.store.database import Database
from meetroom.store.schema import (
    document_access,
    document_audit,
    documents,
    pdf_files,
    pdf_pages,
    watermark_traces,
)


def _file(row: Any) -> PdfFile:
    return PdfFile(
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        status=FileStatus(row.status),
        pages=row.pages,
        pages_done=row.pages_done,
        title=row.title,
        outline=tuple(OutlineEntry(e["title"], e["page"], e["level"]) for e in row.outline),
        warnings=tuple(row.warnings),
        reject_code=row.reject_code,
        reject_message=row.reject_message,
        reject_params=dict(row.reject_params or {}),
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _document(row: Any, access: frozenset[ParticipantId] | None) -> Document:
    return Document(
        id=DocumentId(row.id),
        meeting_id=MeetingId(row.meeting_id),
        agenda_item_id=AgendaItemId(row.agenda_item_id) if row.agenda_item_id else None,
        position=row.position,
        sha256=row.sha256,
        filename=row.filename,
        title=row.title,
        classification=Classification(row.classification),
        allow_download=row.allow_download,
        access=access,
        uploaded_by=UserId(row.uploaded_by) if row.uploaded_by else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _trace(row: Any) -> WatermarkTrace:
    return WatermarkTrace(
        row.code,
        DocumentId(row.document_id),
        row.viewer_key,
        row.viewer_name,
        row.day,
        row.created_at,
    )


def _document_values(doc: Document) -> dict[str, Any]:
    """The columns a document's owner may change."""
    return {
        "agenda_item_id": doc.agenda_item_id,
        "position": doc.position,
        "title": doc.title,
        "classification": doc.classification.value,
        "allow_download": doc.allow_download,
        "restricted": doc.access is not None,
        "updated_at": doc.updated_at,
    }


class SqlFileStore:
    """The content-addressed files and their processing state."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_file(self, sha256: str, size_bytes: int, now: datetime) -> tuple[PdfFile, bool]:
        """The file's record, creating it as `processing`; True if this call created it."""
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    pdf_files.insert().values(
                        sha256=sha256,
                        size_bytes=size_bytes,
                        status=FileStatus.PROCESSING.value,
                        pages=0,
                        pages_done=0,
                        outline=[],
                        warnings=[],
                        created_at=now,
                    )  # fmt: skip
                )
            created = True
        except IntegrityError:
            created = False
        found = await self.get_file(sha256)
        assert found is not None
        return found, created

    async def get_file(self, sha256: str) -> PdfFile | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(pdf_files.select().where(pdf_files.c.sha256 == sha256))
            ).first()
        return _file(row) if row else None

    async def files_in_state(self, status: FileStatus) -> list[PdfFile]:
        async with self.db.connect() as conn:
            rows = await conn.execute(pdf_files.select().where(pdf_files.c.status == status.value))
        return [_file(r) for r in rows]

    async def set_inspected(
        self, sha256: str, pages: int, title: str | None, outline: Sequence[OutlineEntry],
        warnings: Sequence[str],
    ) -> None:  # fmt: skip
        outline_json = [{"title": e.title, "page": e.page, "level": e.level} for e in outline]
        async with self.db.begin() as conn:
            await conn.execute(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(pages=pages, title=title, outline=outline_json, warnings=list(warnings))
            )

    async def add_pages(self, sha256: str, pages: Sequence[tuple[int, int, int, str]]) -> int:
        """Record rendered pages (number, width, height, text) in one transaction;
        returns how many pages of the file are done. A page recorded before is kept."""
        rows = [
            # PostgreSQL text cannot hold NUL; PDF text layers sometimes do.
            {"sha256": sha256, "page": n, "width_px": w, "height_px": h,
             "text": text.replace("\x00", "")}
            for n, w, h, text in pages
        ]  # fmt: skip
        done_count = (
            sa.select(sa.func.count())
            .select_from(pdf_pages)
            .where(pdf_pages.c.sha256 == sha256)
            .scalar_subquery()
        )
        async with self.db.begin() as conn:
            insert = (
                sqlite_insert(pdf_pages)
                if conn.dialect.name == "sqlite"
                else postgresql_insert(pdf_pages)
            )
            if rows:
                await conn.execute(insert.on_conflict_do_nothing(), rows)
            done = await conn.scalar(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(pages_done=done_count)
                .returning(pdf_files.c.pages_done)
            )
        return int(done or 0)

    async def done_pages(self, sha256: str) -> list[int]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(pdf_pages.c.page).where(pdf_pages.c.sha256 == sha256)
            )
        return sorted(int(r.page) for r in rows)

    async def page_text(self, sha256: str, page: int) -> str | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(
                sa.select(pdf_pages.c.text).where(
                    pdf_pages.c.sha256 == sha256, pdf_pages.c.page == page
                )
            )
        return None if value is None else str(value)

    async def set_ready(self, sha256: str, now: datetime) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(status=FileStatus.READY.value, finished_at=now)
            )

    async def set_rejected(
        self, sha256: str, code: str, message: str, params: dict[str, Any], now: datetime
    ) -> None:
        async with self.db.begin() as conn:
            await conn.execute(pdf_pages.delete().where(pdf_pages.c.sha256 == sha256))
            await conn.execute(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(
                    status=FileStatus.REJECTED.value,
                    reject_code=code,
                    reject_message=message,
                    reject_params=params,
                    pages_done=0,
                    finished_at=now,
                )  # fmt: skip
            )

    async def forget_file(self, sha256: str) -> bool:
        """Delete the file's record if no document uses it any more; True if deleted."""
        async with self.db.begin() as conn:
            used = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(documents)
                .where(documents.c.sha256 == sha256)
            )
            if used:
                return False
            await conn.execute(pdf_files.delete().where(pdf_files.c.sha256 == sha256))
        return True


class SqlDocumentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _access(self, conn: Any, ids: Sequence[str]) -> dict[str, set[ParticipantId]]:
        result: dict[str, set[ParticipantId]] = {}
        if ids:
            rows = await conn.execute(
                document_access.select().where(document_access.c.document_id.in_(list(ids)))
            )
            for r in rows:
                result.setdefault(r.document_id, set()).add(ParticipantId(r.participant_id))
        return result

    async def _documents(self, query: Any) -> list[Document]:
        async with self.db.connect() as conn:
            rows = list(await conn.execute(query))
            access = await self._access(conn, [r.id for r in rows if r.restricted])
        return [
            _document(r, frozenset(access.get(r.id, ())) if r.restricted else None) for r in rows
        ]

    async def get_document(self, document_id: DocumentId) -> Document | None:
        found = await self._documents(documents.select().where(documents.c.id == document_id))
        return found[0] if found else None

    async def list_documents(self, meeting_id: MeetingId) -> list[Document]:
        return await self._documents(
            documents.select()
            .where(documents.c.meeting_id == meeting_id)
            .order_by(documents.c.position, documents.c.created_at, documents.c.id)
        )

    async def add_document(self, doc: Document) -> Document:
        """Append after the item's (or the meeting's unattached) documents."""
        async with self.db.begin() as conn:
            last = await conn.scalar(
                sa.select(sa.func.max(documents.c.position)).where(
                    documents.c.meeting_id == doc.meeting_id,
                    documents.c.agenda_item_id.is_(None)
                    if doc.agenda_item_id is None
                    else documents.c.agenda_item_id == doc.agenda_item_id,
                )
            )
            position = (last or 0) + 1
            await conn.execute(
                documents.insert().values(
                    id=doc.id,
                    meeting_id=doc.meeting_id,
                    sha256=doc.sha256,
                    filename=doc.filename,
                    uploaded_by=doc.uploaded_by,
                    created_at=doc.created_at,
                    **_document_values(dataclasses.replace(doc, position=position)),
                )
            )
            await self._write_access(conn, doc)
        found = await self.get_document(doc.id)
        assert found is not None
        return found

    async def save_document(self, doc: Document) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                documents.update().where(documents.c.id == doc.id).values(_document_values(doc))
            )
            await conn.execute(
                document_access.delete().where(document_access.c.document_id == doc.id)
            )
            await self._write_access(conn, doc)

    async def _write_access(self, conn: Any, doc: Document) -> None:
        if doc.access:
            await conn.execute(
                document_access.insert(),
                [{"document_id": doc.id, "participant_id": p} for p in sorted(doc.access)],
            )

    async def reorder(
        self, meeting_id: MeetingId, item_id: AgendaItemId | None, ordered: Sequence[DocumentId]
    ) -> None:
        async with self.db.begin() as conn:
            for position, doc_id in enumerate(ordered, start=1):
                await conn.execute(
                    documents.update()
                    .where(documents.c.id == doc_id, documents.c.meeting_id == meeting_id)
                    .values(agenda_item_id=item_id, position=position)
                )

    async def delete_document(self, document_id: DocumentId) -> None:
        async with self.db.begin() as conn:
            await conn.execute(documents.delete().where(documents.c.id == document_id))

    async def trace_for(
        self, document_id: DocumentId, viewer_key: str, viewer_name: str, day: str,
        new_code: str, now: datetime,
    ) -> WatermarkTrace:  # fmt: skip
        """The viewer's trace code for this document and day, made on first use."""
        query = watermark_traces.select().where(
            watermark_traces.c.document_id == document_id,
            watermark_traces.c.viewer_key == viewer_key,
            watermark_traces.c.day == day,
        )
        async with self.db.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            try:
                async with self.db.begin() as conn:
                    await conn.execute(
                        watermark_traces.insert().values(
                            code=new_code,
                            document_id=document_id,
                            viewer_key=viewer_key,
                            viewer_name=viewer_name,
                            day=day,
                            created_at=now,
                        )  # fmt: skip
                    )
            except IntegrityError:
                pass  # made by a concurrent request: use that one
            async with self.db.connect() as conn:
                row = (await conn.execute(query)).first()
        return _trace(row)

    async def find_trace(self, code: str) -> WatermarkTrace | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    watermark_traces.select().where(watermark_traces.c.code == code.upper())
                )
            ).first()
        if row is None:
            return None
        return _trace(row)

    async def record_audit(self, entry: AuditEntry) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                document_audit.insert().values(
                    document_id=entry.document_id,
                    meeting_id=entry.meeting_id,
                    document_title=entry.document_title,
                    action=entry.action,
                    page=entry.page,
                    viewer_user_id=entry.viewer_user_id,
                    viewer_participant_id=entry.viewer_participant_id,
                    viewer_name=entry.viewer_name,
                    trace_code=entry.trace_code,
                    address=entry.address,
                    at=entry.at,
                )  # fmt: skip
            )

    async def audit_of(self, document_id: DocumentId, limit: int = 5000) -> list[AuditEntry]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                document_audit.select()
                .where(document_audit.c.document_id == document_id)
                .order_by(document_audit.c.at.desc(), document_audit.c.id.desc())
                .limit(limit)
            )
        return [
            AuditEntry(
                document_id=DocumentId(r.document_id),
                meeting_id=MeetingId(r.meeting_id),
                document_title=r.document_title,
                action=r.action,
                page=r.page,
                viewer_user_id=UserId(r.viewer_user_id) if r.viewer_user_id else None,
                viewer_participant_id=(
                    ParticipantId(r.viewer_participant_id) if r.viewer_participant_id else None
                ),
                viewer_name=r.viewer_name,
                trace_code=r.trace_code,
                address=r.address,
                at=r.at,
            )  # fmt: skip
            for r in rows
        ]
