"""Documents, the distinct files behind them, page facts, access lists, watermark
trace codes and the audit of who opened what, in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId, UserId
from meetroom.records.documents import AuditEntry, Classification, Document, WatermarkTrace
from meetroom.store.database import Database
from meetroom.store.schema import (
    document_access,
    document_audit,
    documents,
    watermark_traces,
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
