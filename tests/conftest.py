"""Shared fixtures: settings on a temporary data dir, SQLite and PostgreSQL backends,
an in-process server, and signed-in clients.

PostgreSQL and Redis are real services (MEETROOM_TEST_DATABASE_URL,
MEETROOM_TEST_REDIS_URL; by default the ones on 127.0.0.1). Where one is absent the
tests that need it skip, unless MEETROOM_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from meetroom.app import create_app
from meetroom.clock import SettableClock
from meetroom.config import Settings, load_settings
from meetroom.errors import Conflict
from meetroom.records.accounts import AccountRole
from meetroom.store.database import Database
from tests.clients import ADMIN_PASSWORD, Site
from tests.dbtemplate import MigratedTemplates
from tests.processes import ServerProcess
from tests.real_services import pg_url, redis_test_url, service_missing


def pytest_configure(config: pytest.Config) -> None:
    # `make test-later` says what today is outside faketime: the clock must have moved,
    # here and in the processes the tests start (servers, browsers).
    real_today = os.environ.get("MEETROOM_TEST_TODAY")
    if real_today:
        child = subprocess.run(
            [sys.executable, "-c", "import datetime; print(datetime.date.today())"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        for who, today in (("the tests", date.today()), ("a process they start", child)):
            if (date.fromisoformat(str(today)) - date.fromisoformat(real_today)).days < 365:
                raise pytest.UsageError(
                    f"MEETROOM_TEST_TODAY is {real_today} and the clock of {who} says "
                    f"{today}: faketime did not move it (by more than a year)"
                )


async def _pg_connect() -> asyncpg.Connection:
    return await asyncio.wait_for(
        asyncpg.connect(pg_url().replace("postgresql+asyncpg://", "postgresql://")), 5
    )


@pytest.fixture
async def redis_url() -> str:
    """The test Redis server's URL (skips, or fails under CI, when it is absent)."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_test_url())
    try:
        await asyncio.wait_for(client.ping(), 5)
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        service_missing("Redis", f"{redis_test_url()}: {exc.__class__.__name__}: {exc}")
    finally:
        await client.aclose()
    return redis_test_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def pg_schemas() -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes fresh PostgreSQL schema names; drops the schemas afterwards."""
    created: list[str] = []

    async def new_schema() -> str:
        try:
            conn = await _pg_connect()
            await conn.close()
        except Exception as exc:  # noqa: BLE001 - any failure means "not available"
            service_missing("PostgreSQL", f"{pg_url()}: {exc.__class__.__name__}: {exc}")
        name = f"mr_test_{secrets.token_hex(6)}"
        created.append(name)
        return name

    yield new_schema
    if created:
        conn = await _pg_connect()
        try:
            for name in created:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("db-templates"))


@pytest.fixture
def make_settings(
    tmp_path: Path,
    pg_schemas: Callable[[], Awaitable[str]],
    migrated_templates: MigratedTemplates,
    request: pytest.FixtureRequest,
) -> Callable[..., Awaitable[Settings]]:
    """Settings on a temporary data dir; `backend="postgresql"` uses a fresh schema.

    The database (the data dir's SQLite file, or the fresh schema) starts empty and
    already migrated, copied from one real migration per session (tests/dbtemplate.py);
    tests marked `real_migrations` get it unmigrated, for the migrations to run."""
    copy = request.node.get_closest_marker("real_migrations") is None

    async def make(backend: str = "sqlite", **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": str(tmp_path / "var"),
            "demo": False,
            # The lightest argon2id allowed: hashing is not what these tests test, and
            # the full work factor (0.15 s a hash) would be minutes of the suite.
            "password_time_cost": 1,
            "password_memory_kib": 8192,
        }
        fresh_schema = ""
        if backend == "postgresql":
            values["database_url"] = pg_url()
            values["database_schema"] = fresh_schema = await pg_schemas()
        values.update(overrides)
        settings = load_settings(environ={}, overrides=values)
        if copy and not settings.database_url:
            target = settings.data_path / "meetroom.db"
            if not target.exists():  # not a restart on an earlier test server's data
                await migrated_templates.sqlite_copy(target)
        elif copy and fresh_schema and settings.database_schema == fresh_schema:
            await migrated_templates.pg_schema(settings.database_url, fresh_schema)
        return settings

    return make


@pytest.fixture
async def db(
    make_settings: Callable[..., Awaitable[Settings]], backend: str
) -> AsyncIterator[Database]:
    """A migrated database on each backend, for the stores' and services' tests."""
    settings = await make_settings(backend)
    database = Database.open(settings.effective_database_url, settings.database_schema)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def make_site(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> AsyncIterator[Callable[..., Awaitable[Site]]]:
    sites: list[Site] = []

    async def make(backend: str = "sqlite", **overrides: Any) -> Site:
        settings = await make_settings(backend, **overrides)
        app = create_app(settings, clock=clock)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        site = Site(client, settings, clock)
        sites.append(site)
        with contextlib.suppress(Conflict):  # a restart on the data of an earlier site
            await site.services.accounts.create_user(
                "admin",
                "Administrator",
                AccountRole.ADMIN,
                password=ADMIN_PASSWORD,
                must_change_password=False,
            )
        return site

    yield make
    for site in sites:
        for extra in site.extra_clients:
            await extra.close()
        await site.client.close()


@pytest.fixture
async def site(make_site: Callable[..., Awaitable[Site]]) -> Site:
    return await make_site("sqlite")


@pytest.fixture
async def any_site(make_site: Callable[..., Awaitable[Site]], backend: str) -> Site:
    """The same server on SQLite and on PostgreSQL."""
    return await make_site(backend)


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers started by a test; any still running at the end are killed."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.kill()
