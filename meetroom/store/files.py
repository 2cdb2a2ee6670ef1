"""The distinct files behind documents (content-addressed by SHA-256), their
processing state and their pages' facts, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from meetroom.records.documents import (
    FileStatus,
    FontSubstitution,
    OutlineEntry,
    PdfFile,
    merge_fonts,
)
from meetroom.store.database import Database
from meetroom.store.schema import documents, pdf_files, pdf_pages


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
        fonts=_fonts(row.fonts),
    )


def _fonts(value: Any) -> tuple[FontSubstitution, ...]:
    return tuple(
        FontSubstitution(str(e["font"]), str(e["replacement"]), str(e.get("missing", "")))
        for e in value or ()
    )


def _fonts_json(fonts: Sequence[FontSubstitution]) -> list[dict[str, str]]:
    return [{"font": f.font, "replacement": f.replacement, "missing": f.missing} for f in fonts]


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

    async def add_pages(
        self,
        sha256: str,
        pages: Sequence[tuple[int, int, int, str]],
        fonts: Sequence[FontSubstitution] = (),
    ) -> int:
        """Record rendered pages (number, width, height, text) in one transaction,
        and the fonts found on them not embedded (added to the file's); returns how many
        pages of the file are done. A page recorded before is kept."""
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
            if fonts:
                await self._add_fonts(conn, sha256, fonts)
            done = await conn.scalar(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(pages_done=done_count)
                .returning(pdf_files.c.pages_done)
            )
        return int(done or 0)

    @staticmethod
    async def _add_fonts(
        conn: AsyncConnection, sha256: str, fonts: Sequence[FontSubstitution]
    ) -> None:
        # Rare (most files embed their fonts), so read, merge and write back; a file's
        # pages are recorded by one pipeline, one batch at a time.
        query = sa.select(pdf_files.c.fonts).where(pdf_files.c.sha256 == sha256)
        known = _fonts(await conn.scalar(query))
        merged = merge_fonts([*known, *fonts])
        if merged != known:
            await conn.execute(
                pdf_files.update()
                .where(pdf_files.c.sha256 == sha256)
                .values(fonts=_fonts_json(merged))
            )

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
                    fonts=[],
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
