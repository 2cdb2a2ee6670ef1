"""The audit log's chain in the database, as the tests fill it and as an attacker with
database access edits it (the triggers that refuse edits disabled first)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction
from meetroom.server.context import Services
from meetroom.store.audit import SqlAuditStore
from meetroom.store.database import Database


def db_of(services: Services) -> Database:
    store = services.audit.store
    assert isinstance(store, SqlAuditStore)
    return store.db


async def tamper(db: Database, sql: str, **params: Any) -> None:
    """Run `sql` like an attacker with database access: the triggers off first."""
    async with db.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(
                sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            )
        else:
            await conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            await conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        await conn.execute(sa.text(sql), params)


async def admin(services: Services) -> Principal:
    user, _ = await services.accounts.create_user("boss", "Boss", AccountRole.ADMIN, "password1")
    return Principal(user=user, address="10.0.0.9")


async def fill(services: Services, n: int = 5) -> Principal:
    actor = await admin(services)  # entry 1: user_created (by nobody)
    for i in range(n - 1):
        await services.audit.record(
            actor, AuditAction.MEETING_CREATED, target_type="meeting", target_id=f"m{i}",
            details={"title": f"Meeting {i}", "n": i},
        )  # fmt: skip
    return actor
