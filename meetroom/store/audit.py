"""The security audit log in SQL: appended with a hash chain, never changed. Each
entry is sealed by the caller's `seal` (an HMAC with a key this module never sees).

Appends are serialised so that the chain never forks and no seq is used twice:
PostgreSQL takes a transaction-scoped advisory lock, SQLite takes its write lock at
the start of the transaction (BEGIN IMMEDIATE). Whatever slips through (another
process with another lock, a busy SQLite) ends in a unique violation on seq or a busy
error, and the append is tried again on the new last entry.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from meetroom.ids import UserId
from meetroom.records.audit import AUDIT_GENESIS_HASH, AuditAction, AuditFilter, AuditRecord
from meetroom.store.database import Database
from meetroom.store.schema import audit_log, audit_once

logger = logging.getLogger(__name__)

# Any constant: every node appending to one database takes the same lock.
_APPEND_LOCK_KEY = 0x4D52_4155_4454
_ATTEMPTS = 50
_BATCH = 500


def plain_json(details: dict[str, Any]) -> dict[str, Any]:
    """Details as they read back from the database: JSON types only, so the hash
    computed on append is the hash recomputed on verification."""
    return dict(json.loads(json.dumps(details, default=_plain, allow_nan=False)))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        seq=int(row.seq),
        action=_action(row.action),
        actor_user_id=UserId(row.actor_user_id) if row.actor_user_id else None,
        actor_name=row.actor_name,
        target_type=row.target_type,
        target_id=row.target_id,
        details=dict(row.details or {}),
        address=row.address,
        at=row.at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _action(value: str) -> AuditAction:
    # An action unknown to this version (written by a newer one) still verifies.
    try:
        return AuditAction(value)
    except ValueError:
        return value  # type: ignore[return-value]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(flt: AuditFilter) -> list[Any]:
    c = audit_log.c
    clauses: list[Any] = []
    if flt.since is not None:
        clauses.append(c.at >= flt.since)
    if flt.until is not None:
        clauses.append(c.at < flt.until)
    if flt.actions:
        clauses.append(c.action.in_(sorted(str(a) for a in flt.actions)))
    if flt.actor:
        clauses.append(
            sa.or_(
                c.actor_user_id == flt.actor,
                c.actor_name.ilike(f"%{_like(flt.actor)}%", escape="\\"),
            )
        )
    if flt.target_type:
        clauses.append(c.target_type == flt.target_type)
    if flt.target_id:
        clauses.append(c.target_id == flt.target_id)
    if flt.address:
        clauses.append(c.address.like(f"{_like(flt.address)}%", escape="\\"))
    return clauses


class SqlAuditStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(
        self,
        entry: AuditRecord,
        once_key: str | None = None,
        *,
        seal: Callable[[AuditRecord], str],
    ) -> AuditRecord | None:
        """Store `entry` as the next one of the chain (its seq and prev_hash are set
        here, its hash is `seal` of the rest). With `once_key`: only if nothing was
        stored under that key yet (None when something was)."""
        entry = dataclasses.replace(entry, details=plain_json(entry.details))
        for attempt in range(_ATTEMPTS):
            try:
                return await self._append(entry, once_key, seal)
            except (IntegrityError, OperationalError) as exc:
                if isinstance(exc, OperationalError) and not _is_busy(exc):
                    raise
                if attempt == _ATTEMPTS - 1:
                    raise
                logger.debug("audit append raced (%s); trying again", exc.__class__.__name__)
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise AssertionError("unreachable")

    async def _append(
        self, entry: AuditRecord, once_key: str | None, seal: Callable[[AuditRecord], str]
    ) -> AuditRecord | None:
        async with self.db.connect() as conn:
            if self.db.dialect == "sqlite":
                # The write lock before reading the last entry: appends queue up
                # (busy_timeout) instead of reading the same last entry.
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.begin()
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK_KEY}
                )
            try:
                if once_key is not None and await conn.scalar(
                    sa.select(audit_once.c.seq).where(audit_once.c.key == once_key)
                ):
                    await conn.rollback()
                    return None
                last = (
                    await conn.execute(
                        sa.select(audit_log.c.seq, audit_log.c.hash)
                        .order_by(audit_log.c.seq.desc())
                        .limit(1)
                    )
                ).first()
                record = dataclasses.replace(
                    entry,
                    seq=int(last.seq) + 1 if last else 1,
                    prev_hash=last.hash if last else AUDIT_GENESIS_HASH,
                    hash="",
                )
                record = dataclasses.replace(record, hash=seal(record))
                await conn.execute(audit_log.insert().values(_values(record)))
                if once_key is not None:
                    await conn.execute(audit_once.insert().values(key=once_key, seq=record.seq))
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
        return record

    async def last(self) -> AuditRecord | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(audit_log.select().order_by(audit_log.c.seq.desc()).limit(1))
            ).first()
        return _record(row) if row else None

    async def hash_at(self, seq: int) -> str | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(sa.select(audit_log.c.hash).where(audit_log.c.seq == seq))
        return str(value) if value is not None else None

    async def search(
        self, flt: AuditFilter, before: int | None = None, limit: int = 50
    ) -> list[AuditRecord]:
        """Newest first; `before`: only entries with a smaller seq (the next page)."""
        clauses = _where(flt)
        if before is not None:
            clauses.append(audit_log.c.seq < before)
        async with self.db.connect() as conn:
            rows = await conn.execute(
                audit_log.select().where(*clauses).order_by(audit_log.c.seq.desc()).limit(limit)
            )
            return [_record(r) for r in rows]

    async def count(self, flt: AuditFilter | None = None) -> int:
        async with self.db.connect() as conn:
            query = sa.select(sa.func.count()).select_from(audit_log)
            if flt is not None:
                query = query.where(*_where(flt))
            return int(await conn.scalar(query) or 0)

    async def iterate(
        self, flt: AuditFilter | None = None, *, newest_first: bool = False
    ) -> AsyncIterator[AuditRecord]:
        """Every matching entry in seq order, fetched in batches (keyset on seq), so
        neither memory nor a connection is held for the whole log."""
        clauses = _where(flt) if flt is not None else []
        order = audit_log.c.seq.desc() if newest_first else audit_log.c.seq
        cursor: int | None = None
        while True:
            page = list(clauses)
            if cursor is not None:
                page.append(audit_log.c.seq < cursor if newest_first else audit_log.c.seq > cursor)
            async with self.db.connect() as conn:
                rows = (
                    await conn.execute(
                        audit_log.select().where(*page).order_by(order).limit(_BATCH)
                    )
                ).all()
            for row in rows:
                yield _record(row)
            if len(rows) < _BATCH:
                return
            cursor = int(rows[-1].seq)


def _values(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "action": str(record.action),
        "actor_user_id": record.actor_user_id,
        "actor_name": record.actor_name,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "details": record.details,
        "address": record.address,
        "at": record.at,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text
