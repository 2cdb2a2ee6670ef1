"""The audit log on SQLite and PostgreSQL: the hash chain, what verification finds
after someone with access to the database edits, deletes or inserts entries (after
disabling the triggers that refuse it, as such an attacker would), concurrent
appends, filtering, and a failure to record being loud. What the key and the head
kept outside the database add: tests/accounts/test_audit_key.py."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from meetroom.accounts.audit import AuditLog, ChainProblem
from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Forbidden, Unavailable
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import (
    AUDIT_GENESIS_HASH,
    AuditAction,
    AuditFilter,
    AuditRecord,
    audit_hash,
    audit_hmac,
)
from meetroom.server.context import Services
from meetroom.store.audit import SqlAuditStore
from tests.accounts.audit_chain import admin, db_of, fill, tamper


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Services]:
    async with open_services(await make_settings(backend), clock=clock) as svc:
        yield svc


async def test_chain_appends_and_verifies(services: Services, clock: SettableClock) -> None:
    actor = await fill(services, 5)
    entries = [e async for e in services.audit.store.iterate()]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == AUDIT_GENESIS_HASH
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    key = await services.audit.chain.key()
    for e in entries:
        assert audit_hmac(e, key) == e.hash and len(e.hash) == 64
    last = entries[-1]
    assert last.actor_user_id == actor.user.id if actor.user else False
    assert last.actor_name == "Boss (boss)" and last.address == "10.0.0.9"
    assert last.details == {"title": "Meeting 3", "n": 3}
    assert last.at == clock.now()
    check = await services.audit.verify()
    assert check.ok and check.count == 5 and check.last_hash == last.hash
    assert (await services.audit.verify(anchor=entries[2].hash)).ok


@pytest.mark.parametrize(
    "column, value",
    [("details", '{"title": "Other meeting", "n": 1}'), ("actor_name", "Someone else")],
)
async def test_an_edited_entry_is_found(services: Services, column: str, value: str) -> None:
    await fill(services, 5)
    await tamper(db_of(services), f"UPDATE audit_log SET {column} = :v WHERE seq = 3", v=value)
    check = await services.audit.verify()
    assert not check.ok
    assert (check.broken_seq, check.problem) == (3, ChainProblem.EDITED)
    assert check.count == 2 and "3" in check.message


async def test_a_deleted_entry_is_found(services: Services) -> None:
    await fill(services, 5)
    await tamper(db_of(services), "DELETE FROM audit_log WHERE seq = 3")
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 3, ChainProblem.GAP)


async def test_deleted_and_renumbered_entries_are_found(services: Services) -> None:
    await fill(services, 5)
    db = db_of(services)
    await tamper(db, "DELETE FROM audit_log WHERE seq = 3")
    await tamper(db, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 3, ChainProblem.RELINKED)


async def test_an_entry_inserted_in_the_middle_is_found(services: Services) -> None:
    await fill(services, 5)
    db = db_of(services)
    entries = [e async for e in services.audit.store.iterate()]
    # Make room at seq 3 and put a well-formed entry there, chained to entry 2.
    await tamper(db, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3")
    await tamper(db, "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100")
    forged = AuditRecord(
        seq=3, action=AuditAction.LOGIN, actor_user_id=None, actor_name="ghost",
        target_type="", target_id="", details={}, address="10.6.6.6", at=entries[2].at,
        prev_hash=entries[1].hash, hash="",
    )  # fmt: skip
    forged_hash = audit_hash(forged)  # the best one can do without the key
    await tamper(
        db,
        "INSERT INTO audit_log (seq, action, actor_user_id, actor_name, target_type, "
        "target_id, details, address, at, prev_hash, hash) VALUES (3, 'login', NULL, "
        "'ghost', '', '', '{}', '10.6.6.6', :at, :prev, :hash)",
        at=entries[2].at if db.dialect == "postgresql" else entries[2].at.replace(tzinfo=None),
        prev=entries[1].hash,
        hash=forged_hash,
    )
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 3, ChainProblem.EDITED)
    # Put right to follow entry 2, the entry after it is what no longer fits.
    await tamper(db, "UPDATE audit_log SET hash = :h WHERE seq = 3", h=entries[2].hash)
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 3, ChainProblem.EDITED)


async def test_a_kept_hash_must_still_be_in_the_chain(services: Services) -> None:
    await fill(services, 5)
    kept = (await services.audit.verify()).last_hash
    assert (await services.audit.verify(anchor=kept)).ok
    check = await services.audit.verify(anchor="f" * 64)
    assert (check.ok, check.problem) == (False, ChainProblem.ANCHOR_MISSING)


async def test_the_database_refuses_update_and_delete(services: Services) -> None:
    await fill(services, 3)
    db = db_of(services)
    for sql in [
        "UPDATE audit_log SET actor_name = 'x' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log",
    ]:
        with pytest.raises(DBAPIError) as info:
            async with db.begin() as conn:
                await conn.execute(sa.text(sql))
        assert "append-only" in str(info.value)
    if db.dialect == "postgresql":
        with pytest.raises(DBAPIError):
            async with db.begin() as conn:
                await conn.execute(sa.text("TRUNCATE audit_log"))
    assert await services.audit.store.count() == 3
    assert (await services.audit.verify()).ok


async def test_concurrent_appends_keep_one_chain(services: Services) -> None:
    actor = await admin(services)
    await asyncio.gather(
        *(
            services.audit.record(
                actor,
                AuditAction.DOCUMENT_DOWNLOADED,
                target_type="document",
                target_id=f"d{i}",
            )  # fmt: skip
            for i in range(50)
        )
    )
    check = await services.audit.verify()
    assert check.ok and check.count == 51
    targets = {e.target_id async for e in services.audit.store.iterate()}
    assert targets >= {f"d{i}" for i in range(50)}


async def test_record_once(services: Services) -> None:
    actor = await admin(services)
    results = await asyncio.gather(
        *(services.audit.record_once("k1", actor, AuditAction.DOCUMENT_VIEWED) for _ in range(5))
    )
    assert sum(results) == 1
    # Another service (another node, or after a restart) does not repeat it either.
    other = AuditLog(services.audit.store, services.audit.clock, services.audit.chain.keeper)
    assert not await other.record_once("k1", actor, AuditAction.DOCUMENT_VIEWED)
    assert await other.record_once("k2", actor, AuditAction.DOCUMENT_VIEWED)
    await other.close()
    assert await services.audit.store.count() == 3  # user_created + k1 + k2


async def test_search_filters_and_pages(services: Services, clock: SettableClock) -> None:
    actor = await fill(services, 5)
    start = clock.now()
    clock.advance(timedelta(hours=1))
    await services.audit.record(
        None, AuditAction.LOGIN_FAILED, address="192.168.5.7", details={"username": "eve"}
    )
    audit = services.audit
    page = await audit.search(actor, AuditFilter(), limit=2)
    assert [e.seq for e in page.entries] == [6, 5] and page.next_before == 5
    page = await audit.search(actor, AuditFilter(), before=page.next_before, limit=2)
    assert [e.seq for e in page.entries] == [4, 3]
    page = await audit.search(actor, AuditFilter(), before=3, limit=2)
    assert [e.seq for e in page.entries] == [2, 1] and page.next_before is None

    async def seqs(**kw: Any) -> list[int]:
        return [e.seq for e in (await audit.search(actor, AuditFilter(**kw))).entries]

    assert await seqs(actions=frozenset({AuditAction.LOGIN_FAILED})) == [6]
    assert await seqs(since=start + timedelta(minutes=1)) == [6]
    assert await seqs(until=start + timedelta(minutes=1)) == [5, 4, 3, 2, 1]
    assert await seqs(actor="BOSS") == [5, 4, 3, 2]
    assert actor.user is not None and await seqs(actor=actor.user.id) == [5, 4, 3, 2]
    assert await seqs(actor="%") == []  # a wildcard is taken literally
    assert await seqs(target_type="meeting", target_id="m1") == [3]
    assert await seqs(address="192.168.") == [6]
    assert await seqs(address="10.0.0.9") == [5, 4, 3, 2]
    exported = [e.seq async for e in audit.export_rows(actor, AuditFilter(actor="boss"))]
    assert exported == [5, 4, 3, 2]


async def test_only_admins_read_the_log(services: Services) -> None:
    user, _ = await services.accounts.create_user("sec", "Sec", AccountRole.SECRETARY, "password1")
    who = Principal(user=user)
    with pytest.raises(Forbidden):
        await services.audit.search(who, AuditFilter())
    with pytest.raises(Forbidden):
        services.audit.export_rows(who, AuditFilter())
    with pytest.raises(Forbidden):
        await services.audit.verify_as(who)


class BrokenStore(SqlAuditStore):
    async def append(
        self, entry: AuditRecord, once_key: str | None = None, *, seal: Any = None
    ) -> AuditRecord | None:
        raise OSError("disk full")


async def test_a_failure_to_record_is_loud(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(BrokenStore(db_of(services)), services.audit.clock, services.audit.chain.keeper)
    with caplog.at_level(logging.ERROR, logger="meetroom.accounts.audit"):
        with pytest.raises(Unavailable) as info:
            await log.record(None, AuditAction.LOGIN_FAILED, details={"username": "mallory"})
    assert info.value.code == "audit_unavailable"
    assert "NOT recorded" in caplog.text and "mallory" in caplog.text


async def test_details_are_stored_as_plain_json(services: Services) -> None:
    actor = await admin(services)
    await services.audit.record(
        actor, AuditAction.MEETING_CHANGED,
        details={"when": services.audit.clock.now(), "roles": frozenset({"b", "a"}),
                 "role": AccountRole.CHAIR, "text": "Họp giao ban"},
    )  # fmt: skip
    last = await services.audit.store.last()
    assert last is not None
    assert last.details["roles"] == ["a", "b"] and last.details["role"] == "chair"
    assert json.dumps(last.details)  # JSON through and through
    assert (await services.audit.verify()).ok
