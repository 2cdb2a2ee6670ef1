"""Migrated databases for the tests, made by the real migrations once per session.

Migrating a fresh database through every alembic revision costs about 0.2 s on SQLite
and 0.5-1.5 s on PostgreSQL; most tests need only the result. So the real migrations
run once per backend, and each test then starts from a copy:

- SQLite: the migrated file, copied.
- PostgreSQL: the SQL the migration sent (recorded as it ran, in a throwaway schema),
  replayed into the test's new schema. The migrations' statements name no schema (the
  search_path picks it), so the replay builds the same tables, indexes, constraints,
  functions and triggers, and the same alembic_version row.

A copy is a database already at the newest revision: `Database.migrate()` on it applies
nothing, as for any up-to-date database. Tests about migrating itself are marked
`real_migrations` and get an empty database instead.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

from meetroom.store.database import Database


@dataclass(frozen=True)
class _Step:
    """One recorded statement; `params` None: plain SQL, run with others in one script."""

    sql: str
    params: Any = None
    many: bool = False


@dataclass
class MigratedTemplates:
    """Built lazily on first use (in whatever event loop the test runs), kept for the
    session. Holds no connections between tests."""

    root: Path
    _sqlite: Path | None = None
    _pg_steps: list[_Step] | None = None
    _pg_url: str = ""

    async def sqlite_copy(self, target: Path) -> None:
        """Put a migrated SQLite database at `target` (which must not exist)."""
        if self._sqlite is None:
            path = self.root / "template.db"
            db = Database.open(f"sqlite:///{path}")
            try:
                await db.migrate()
                async with db.connect() as conn:
                    # Everything into the main file, so that a copy of it is complete.
                    await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await db.close()
            self._sqlite = path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite, target)

    async def pg_schema(self, url: str, schema: str) -> None:
        """Create `schema` (new) as the migrations would leave it."""
        if self._pg_steps is None or self._pg_url != url:
            self._pg_steps = await _record_pg_migration(url)
            self._pg_url = url
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            async with conn.transaction():
                await conn.execute(f'CREATE SCHEMA "{schema}"')
                # Only the schema, as Database.open sets it for the migrations.
                await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                for step in self._pg_steps:
                    if step.params is None:
                        await conn.execute(step.sql)
                    elif step.many:
                        await conn.executemany(step.sql, step.params)
                    else:
                        await conn.execute(step.sql, *step.params)
        finally:
            await conn.close()


async def _record_pg_migration(url: str) -> list[_Step]:
    """Run the real migrations into a throwaway schema and keep what they changed."""
    schema = f"mr_test_tmpl_{secrets.token_hex(6)}"
    db = Database.open(url, schema)
    seen: list[tuple[str, Any, bool]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        seen.append((statement, params, many))

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await db.migrate()
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            async with db.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await db.close()

    steps: list[_Step] = []
    script: list[str] = []
    for statement, params, many in seen:
        text = statement.strip()
        if text.upper().startswith("SELECT") and "pg_advisory_xact_lock" not in text:
            continue  # reflection: no effect. The lock: as migrations take it, for the
            # CREATE EXTENSION of concurrent ones (other test runs) not to collide.
        if text == f'CREATE SCHEMA IF NOT EXISTS "{schema}"':
            continue
        if schema in text:
            raise RuntimeError(f"a migration names its schema; cannot replay: {text[:200]}")
        if not params and not many:
            script.append(text.rstrip(";"))
            continue
        if script:
            steps.append(_Step(";\n".join(script)))
            script = []
        steps.append(_Step(text, list(params) if many else tuple(params), many))
    if script:
        steps.append(_Step(";\n".join(script)))
    return steps
