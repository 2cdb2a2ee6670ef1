"""The minutes in SQL: one row per version, the frozen files (bytes in the database,
with their sha256), participants' comments and the yearly numbering.

A version changes only through `change`: its step is decided under the version's row
lock (SQLite: the write lock, taken by a write before anything is read; PostgreSQL:
`FOR UPDATE`), so two approvals, an edit and a freeze through several nodes are
applied one after the other, each seeing the one before. A number is given once per
minutes (`reserve_number`), from `minutes_numbers`, incremented in the same
transaction as the version's row takes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.records.minutes import (
    Approval,
    FileKind,
    MinutesComment,
    MinutesDocument,
    MinutesFile,
    MinutesStatus,
    MinutesTemplate,
    MinutesVersion,
)
from meetroom.store.database import Database
from meetroom.store.schema import (
    minutes_comments,
    minutes_files,
    minutes_numbers,
    minutes_versions,
)

# A version's change, decided under its lock: the version as it becomes.
VersionStep = Callable[[MinutesVersion], MinutesVersion]


def _not_found() -> NotFound:
    return NotFound("minutes_not_found", N_("These minutes do not exist."))


def _approvals(text: str) -> tuple[Approval, ...]:
    return tuple(
        Approval(
            role=a["role"], by=a["by"], by_name=a["by_name"],
            at=datetime.fromisoformat(a["at"]), content=a.get("content", ""),
        )
        for a in json.loads(text or "[]")
    )  # fmt: skip


def _approvals_text(approvals: Sequence[Approval]) -> str:
    return json.dumps(
        [
            {"role": a.role, "by": a.by, "by_name": a.by_name, "at": a.at.isoformat(),
             "content": a.content}
            for a in approvals
        ],
        separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip


def _file(row: Any) -> MinutesFile:
    return MinutesFile(
        kind=FileKind(row.kind), sha256=row.sha256, size=int(row.size), created_at=row.created_at
    )


def _version(row: Any, files: Sequence[MinutesFile], with_document: bool) -> MinutesVersion:
    document = None
    if with_document and row.document:
        document = decode_json(row.document.encode(), MinutesDocument)
    return MinutesVersion(
        meeting_id=MeetingId(row.meeting_id), version=int(row.version),
        status=MinutesStatus(row.status), template=MinutesTemplate(row.template),
        opening=row.opening, closing=row.closing, change_note=row.change_note,
        revision=int(row.revision), created_at=row.created_at, updated_at=row.updated_at,
        number=row.number, approvals=_approvals(row.approvals), frozen_at=row.frozen_at,
        document=document, files=tuple(files), signed_by=row.signed_by,
        signed_by_name=row.signed_by_name, signed_at=row.signed_at,
        comments_until=row.comments_until,
    )  # fmt: skip


def _values(v: MinutesVersion) -> dict[str, Any]:
    return {
        "status": v.status.value, "template": v.template.value, "opening": v.opening,
        "closing": v.closing, "change_note": v.change_note, "revision": v.revision,
        "created_at": v.created_at, "updated_at": v.updated_at, "number": v.number,
        "approvals": _approvals_text(v.approvals), "frozen_at": v.frozen_at,
        "document": encode_json(v.document).decode() if v.document is not None else None,
        "signed_by": v.signed_by, "signed_by_name": v.signed_by_name,
        "signed_at": v.signed_at, "comments_until": v.comments_until,
    }  # fmt: skip


def _key(meeting_id: MeetingId, version: int) -> Any:
    return sa.and_(
        minutes_versions.c.meeting_id == meeting_id, minutes_versions.c.version == version
    )


async def _locked(conn: Any, meeting_id: MeetingId, version: int) -> Any:
    """The version's row, held until the transaction ends; NotFound if there is none."""
    if conn.dialect.name == "sqlite":
        # A write first takes SQLite's lock: a read first would be refused on upgrading.
        await conn.execute(
            minutes_versions.update()
            .where(_key(meeting_id, version))
            .values(revision=minutes_versions.c.revision)
        )
        query = minutes_versions.select().where(_key(meeting_id, version))
    else:
        query = minutes_versions.select().where(_key(meeting_id, version)).with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise _not_found()
    return row


async def _files(conn: Any, meeting_id: MeetingId, versions: Sequence[int]) -> dict[int, list[Any]]:
    rows = await conn.execute(
        sa.select(
            minutes_files.c.version, minutes_files.c.kind, minutes_files.c.sha256,
            minutes_files.c.size, minutes_files.c.created_at,
        )
        .where(minutes_files.c.meeting_id == meeting_id, minutes_files.c.version.in_(versions))
        .order_by(minutes_files.c.version, minutes_files.c.kind)
    )  # fmt: skip
    found: dict[int, list[Any]] = {}
    for r in rows:
        found.setdefault(int(r.version), []).append(_file(r))
    return found


class SqlMinutesStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def versions(self, meeting_id: MeetingId) -> list[MinutesVersion]:
        """Every version, oldest first, with their files' facts; their frozen documents
        are left out (None): `get` reads one."""
        async with self.db.connect() as conn:
            rows = (
                await conn.execute(
                    minutes_versions.select()
                    .where(minutes_versions.c.meeting_id == meeting_id)
                    .order_by(minutes_versions.c.version)
                )
            ).all()
            files = await _files(conn, meeting_id, [int(r.version) for r in rows])
        return [_version(r, files.get(int(r.version), []), False) for r in rows]

    async def get(self, meeting_id: MeetingId, version: int) -> MinutesVersion | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(minutes_versions.select().where(_key(meeting_id, version)))
            ).first()
            if row is None:
                return None
            files = await _files(conn, meeting_id, [version])
        return _version(row, files.get(version, []), True)

    async def latest(self, meeting_id: MeetingId) -> MinutesVersion | None:
        async with self.db.connect() as conn:
            last = await conn.scalar(
                sa.select(sa.func.max(minutes_versions.c.version)).where(
                    minutes_versions.c.meeting_id == meeting_id
                )
            )
        return await self.get(meeting_id, int(last)) if last is not None else None

    async def create(self, v: MinutesVersion) -> bool:
        """Store a new version; False when the meeting has that version already (made
        meanwhile, through another request or node)."""
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    minutes_versions.insert().values(
                        meeting_id=v.meeting_id, version=v.version, **_values(v)
                    )
                )
        except IntegrityError:
            return False
        return True

    async def change(
        self,
        meeting_id: MeetingId,
        version: int,
        step: VersionStep,
        files: Sequence[tuple[MinutesFile, bytes]] = (),
    ) -> MinutesVersion:
        """Apply `step` to the version under its lock (it may raise to refuse), and
        store `files` with it in the same transaction. Returns the version as it now is
        (its document as the step left it)."""
        async with self.db.begin() as conn:
            row = await _locked(conn, meeting_id, version)
            known = await _files(conn, meeting_id, [version])
            before = _version(row, known.get(version, []), True)
            after = step(before)
            for record, content in files:
                await conn.execute(
                    minutes_files.insert().values(
                        meeting_id=meeting_id, version=version, kind=record.kind.value,
                        content=content, sha256=record.sha256, size=record.size,
                        created_at=record.created_at,
                    )
                )  # fmt: skip
            if after != before or files:
                await conn.execute(
                    minutes_versions.update()
                    .where(_key(meeting_id, version))
                    .values(_values(after))
                )
        stored = tuple(before.files) + tuple(record for record, _ in files)
        return replace(after, files=stored)

    async def reserve_number(
        self, meeting_id: MeetingId, version: int, year: int, make: Callable[[int], str]
    ) -> str:
        """The version's number: the one it has, or the year's next (`make` writes it
        from the sequence number), given in one transaction with the version's row, so
        that a number is given once and no two minutes share one."""
        async with self.db.begin() as conn:
            row = await _locked(conn, meeting_id, version)
            if row.number:
                return str(row.number)
            insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = (
                insert(minutes_numbers)
                .values(year=year, last_seq=1)
                .on_conflict_do_update(
                    index_elements=["year"],
                    set_={"last_seq": minutes_numbers.c.last_seq + 1},
                )
                .returning(minutes_numbers.c.last_seq)
            )
            seq = int((await conn.execute(statement)).scalar_one())
            number = make(seq)
            await conn.execute(
                minutes_versions.update().where(_key(meeting_id, version)).values(number=number)
            )
        return number

    async def file(self, meeting_id: MeetingId, version: int, kind: FileKind) -> bytes | None:
        async with self.db.connect() as conn:
            content = await conn.scalar(
                sa.select(minutes_files.c.content).where(
                    minutes_files.c.meeting_id == meeting_id,
                    minutes_files.c.version == version,
                    minutes_files.c.kind == kind.value,
                )
            )
        return bytes(content) if content is not None else None

    async def add_comment(self, comment: MinutesComment) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                minutes_comments.insert().values(
                    id=comment.id, meeting_id=comment.meeting_id, version=comment.version,
                    author=comment.author, author_name=comment.author_name, text=comment.text,
                    created_at=comment.created_at,
                )
            )  # fmt: skip

    async def comments(self, meeting_id: MeetingId, version: int) -> list[MinutesComment]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                minutes_comments.select()
                .where(
                    minutes_comments.c.meeting_id == meeting_id,
                    minutes_comments.c.version == version,
                )
                .order_by(minutes_comments.c.created_at, minutes_comments.c.id)
            )
        return [
            MinutesComment(
                id=r.id, meeting_id=MeetingId(r.meeting_id), version=int(r.version),
                author=r.author, author_name=r.author_name, text=r.text,
                created_at=r.created_at,
            )
            for r in rows
        ]  # fmt: skip
