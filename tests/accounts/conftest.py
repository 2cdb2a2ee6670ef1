"""User administration wired to an in-memory audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from meetroom.accounts.admin import UserAdmin
from meetroom.accounts.csv_import import UserImporter
from meetroom.accounts.groups import GroupService
from meetroom.accounts.service import AccountService
from meetroom.app import open_services
from meetroom.auth.passwords import Argon2Passwords
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.records.accounts import AccountRole, Principal
from tests.accounts.admin import Admin
from tests.accounts.audit import RecordingAuditTrail


@pytest.fixture
async def admin(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Admin]:
    settings = await make_settings(backend)
    async with open_services(settings, clock=clock) as svc:
        audit = RecordingAuditTrail()
        # The same accounts, telling the recording trail (it records account creation).
        real = svc.accounts
        # The settings' light work factor: the full one is 0.15 s or more a hash.
        passwords = Argon2Passwords(settings.password_time_cost, settings.password_memory_kib)
        accounts = AccountService(
            real.users,
            real.sessions,
            real.participants,
            passwords,
            real.clock,
            real.policy,
            audit=audit,
        )
        group_store = svc.user_import.store
        boss, _ = await accounts.create_user("boss", "Boss", AccountRole.ADMIN, "boss-pass-1")
        yield Admin(
            services=svc,
            audit=audit,
            users=UserAdmin(
                accounts, accounts.users, accounts.sessions, passwords, accounts.clock, audit
            ),
            importer=UserImporter(
                accounts.users, svc.groups.groups, group_store, passwords, accounts.clock, audit
            ),
            groups=GroupService(svc.groups.groups, accounts.users, accounts.clock, audit),
            actor=Principal(user=boss),
        )
