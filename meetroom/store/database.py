"""The database handle: engine creation for SQLite or PostgreSQL, migrations, health."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from meetroom.errors import N_, ConfigError, Unavailable
from meetroom.private_files import ensure_private_file, private_dir, tighten

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant; several nodes starting at once migrate one after another.
_MIGRATION_LOCK_KEY = 0x4D52_4D49_4752


def async_url(url: str) -> sa.URL:
    """Map the user-facing URL (sqlite:///..., postgresql://...) to an async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ConfigError(f"unsupported database URL {url!r}: expected sqlite or postgresql")


class Database:
    def __init__(self, engine: AsyncEngine, schema: str = "") -> None:
        self.engine = engine
        self.schema = schema

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str, schema: str = "") -> Database:
        target = async_url(url)
        kwargs: dict[str, Any] = {}
        if target.get_backend_name() == "sqlite":
            if target.database and target.database != ":memory:":
                path = Path(target.database)
                private_dir(path.parent)
                ensure_private_file(path)
                tighten(path)  # one made by an earlier version
            kwargs["connect_args"] = {"timeout": 30}
        elif schema:
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        # A file needs no liveness check; a database server may have dropped the connection.
        ping = target.get_backend_name() != "sqlite"
        engine = create_async_engine(target, pool_pre_ping=ping, **kwargs)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return cls(engine, schema)

    async def close(self) -> None:
        await self.engine.dispose()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """`async with db.connect() as conn` for reads."""
        async with _reachable(), self.engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """`async with db.begin() as conn`: a transaction, committed on exit."""
        async with _reachable(), self.engine.begin() as conn:
            yield conn

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise Unavailable("database_unavailable", "The database is not reachable.") from exc

    async def migrate(self) -> list[str]:
        """Bring the schema to the newest revision; returns the revisions applied."""
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Lock first: nodes starting together would race on CREATE SCHEMA too.
                await conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY}
                )
                if self.schema:
                    await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            before = await conn.run_sync(_current_revision)
            await conn.run_sync(_upgrade)
            after = await conn.run_sync(_current_revision)
        applied = _revisions_between(before, after)
        if applied:
            logger.info("database migrated: %s", ", ".join(applied))
        return applied

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    async def run_sync(self, fn: Any) -> Any:
        conn: AsyncConnection
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn)


@contextlib.asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """A lost or refused connection is `Unavailable` (503, a clear message, nothing
    acknowledged), not an internal error; the pool reconnects when the server is back."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise _unavailable() from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise _unavailable() from exc
        raise
    except (OSError, TimeoutError) as exc:
        raise _unavailable() from exc


def _unavailable() -> Unavailable:
    return Unavailable(
        "database_unavailable",
        N_("The database is not reachable just now. Nothing was changed; try again shortly."),
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _revisions_between(before: str | None, after: str | None) -> list[str]:
    if before == after or after is None:
        return []
    script = ScriptDirectory.from_config(alembic_config())
    revs = [r.revision for r in script.iterate_revisions(after, before)]
    return list(reversed(revs))
