"""The audit log against someone who can write the database but has not the key (kept
outside it, in the audit dir): on SQLite and PostgreSQL, they change entries and seal
them again the only way they can (the plain SHA-256 of the old format), cut entries off
the end, or put an older copy of the log back; `verify` finds each without a hash kept
by hand. Logs written before the key existed still verify, and are sealed from then on."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from meetroom.accounts.audit import ChainProblem
from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import ConfigError
from meetroom.records.audit import (
    AUDIT_GENESIS_HASH,
    AuditAction,
    AuditRecord,
    audit_hash,
    audit_hmac,
    audit_key_id,
)
from meetroom.server.context import Services
from meetroom.store.audit import SqlAuditStore
from meetroom.store.database import Database
from meetroom.store.schema import metadata
from tests.accounts.audit_chain import admin, db_of, fill, tamper


@pytest.fixture
async def settings(make_settings: Callable[..., Awaitable[Settings]], backend: str) -> Settings:
    return await make_settings(backend)


@pytest.fixture
async def services(settings: Settings, clock: SettableClock) -> AsyncIterator[Services]:
    async with open_services(settings, clock=clock) as svc:
        yield svc


async def entries(services: Services) -> list[AuditRecord]:
    return [e async for e in services.audit.store.iterate()]


async def reseal_plainly(
    services: Services, start: int, stop: int | None = None, **changes: Any
) -> None:
    """The most someone with the database but not the key can do: change entry `start`
    and hash it, and every entry after it (up to `stop`), again the old way."""
    db = db_of(services)
    chain = await entries(services)
    prev = chain[start - 2].hash if start > 1 else AUDIT_GENESIS_HASH
    for entry in chain[start - 1 : stop]:
        if entry.seq == start:
            entry = dataclasses.replace(entry, **changes)
        entry = dataclasses.replace(entry, prev_hash=prev)
        entry = dataclasses.replace(entry, hash=audit_hash(entry))
        await tamper(
            db,
            "UPDATE audit_log SET details = :d, actor_name = :n, prev_hash = :p, hash = :h "
            "WHERE seq = :s",
            d=json.dumps(entry.details), n=entry.actor_name, p=entry.prev_hash,
            h=entry.hash, s=entry.seq,
        )  # fmt: skip
        prev = entry.hash


async def put_back(services: Services, chain: list[AuditRecord]) -> None:
    """The entries as they were (the next case starts from an untouched log)."""
    db = db_of(services)
    await tamper(db, "DELETE FROM audit_log WHERE seq > :n", n=len(chain))
    for e in chain:
        await tamper(
            db,
            "UPDATE audit_log SET details = :d, actor_name = :n, prev_hash = :p, hash = :h "
            "WHERE seq = :s",
            d=json.dumps(e.details), n=e.actor_name, p=e.prev_hash, h=e.hash, s=e.seq,
        )  # fmt: skip
    assert await entries(services) == chain


async def head_of(services: Services) -> dict[str, Any]:
    """The head file, once what was appended is written there."""
    await services.audit.chain.flush()
    return dict(json.loads(Path(services.audit.chain.keeper.head_file).read_text()))


async def test_entries_changed_and_hashed_again_without_the_key_are_found(
    services: Services,
) -> None:
    actor = await fill(services, 5)
    chain = await entries(services)
    key = await services.audit.chain.key()
    assert all(e.hash == audit_hmac(e, key) != audit_hash(e) for e in chain)
    check = await services.audit.verify()
    assert (check.ok, check.count, check.head_seq) == (True, 5, 5)
    assert await head_of(services) == {
        "key_id": audit_key_id(key),
        "seq": 5,
        "hash": chain[-1].hash,
    }

    # The last entry, or one in the middle and every one after it: the chain holds
    # together (each prev_hash is the hash before), but not without the key.
    for start in (5, 2):
        await reseal_plainly(services, start, details={"title": "Nothing to see"})
        changed = await entries(services)
        assert all(b.prev_hash == a.hash for a, b in zip(changed, changed[1:], strict=False))
        check = await services.audit.verify()
        assert (check.ok, check.broken_seq, check.problem) == (False, start, ChainProblem.EDITED)
        assert f"entry {start} was changed" in check.message
        await put_back(services, chain)

    # Every entry plain, as if written before the key: nothing keyed is left to
    # contradict it, but the head kept outside the database is not among them.
    await reseal_plainly(services, 1, actor_name="nobody")
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 5, ChainProblem.REWRITTEN)
    await put_back(services, chain)
    assert (await services.audit.verify()).ok

    # A head file that is not one: said so, and kept (not written over) for a look.
    head_file = Path(services.audit.chain.keeper.head_file)
    head_file.write_text("{}")
    await services.audit.record(actor, AuditAction.LOGIN)
    check = await services.audit.verify()
    assert (check.ok, check.problem) == (False, ChainProblem.HEAD_MISSING)
    assert "cannot be read" in check.message and head_file.read_text() == "{}"


async def test_entries_cut_off_or_added_at_the_end_are_found(services: Services) -> None:
    actor = await fill(services, 6)
    chain = await entries(services)
    for keep in (5, 3):
        await tamper(db_of(services), "DELETE FROM audit_log WHERE seq > :n", n=keep)
        check = await services.audit.verify()  # no hash kept by hand needed
        assert (check.ok, check.problem, check.count) == (False, ChainProblem.TRUNCATED, keep)
        assert check.broken_seq == keep + 1 and "entry 6 was written" in check.message

    # Like a database put back from an older backup: appends go on (nothing is
    # refused) but do not move the head, so `verify` keeps saying what was lost...
    for i in range(3):  # 4, 5, 6: past the old head
        await services.audit.record(actor, AuditAction.LOGIN, details={"n": i})
    assert (await head_of(services))["hash"] == chain[5].hash
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 6, ChainProblem.REWRITTEN)
    # ...until an operator, the loss on record elsewhere, moves the head aside.
    head_file = Path(services.audit.chain.keeper.head_file)
    head_file.rename(head_file.with_name("audit_head.incident"))
    await services.audit.record(actor, AuditAction.LOGIN)
    assert (await services.audit.verify()).ok and (await head_of(services))["seq"] == 7

    # An entry added at the end, chained to the last one: it cannot be sealed with the
    # key, and a plain hash after keyed ones gives it away.
    last = (await entries(services))[-1]
    forged = AuditRecord(
        seq=8, action=AuditAction.LOGIN, actor_user_id=None, actor_name="ghost",
        target_type="", target_id="", details={}, address="", at=last.at,
        prev_hash=last.hash, hash="",
    )  # fmt: skip
    forged = dataclasses.replace(forged, hash=audit_hash(forged))
    sqlite = db_of(services).dialect == "sqlite"
    await tamper(
        db_of(services),
        "INSERT INTO audit_log (seq, action, actor_user_id, actor_name, target_type, "
        "target_id, details, address, at, prev_hash, hash) VALUES (8, 'login', NULL, "
        "'ghost', '', '', '{}', '', :at, :prev, :hash)",
        at=last.at.replace(tzinfo=None) if sqlite else last.at,
        prev=last.hash,
        hash=forged.hash,
    )
    assert (await entries(services))[-1] == forged
    check = await services.audit.verify()
    assert (check.ok, check.broken_seq, check.problem) == (False, 8, ChainProblem.EDITED)


async def test_the_key_is_a_0600_file_never_in_the_database(
    settings: Settings, clock: SettableClock
) -> None:
    old = os.umask(0)  # the mode is set explicitly, whatever the umask
    try:
        async with open_services(settings, clock=clock) as services:
            await fill(services, 3)
            key = await services.audit.chain.key()
            rows = []
            async with db_of(services).connect() as conn:
                for table in metadata.sorted_tables:
                    rows += [repr(r) for r in await conn.execute(sa.select(table))]
    finally:
        os.umask(old)
    key_file = settings.data_path / "audit_key"
    assert key_file.read_bytes().strip() == key and len(key) == 64
    for path in (key_file, settings.data_path / "audit_head"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(rows) > 3 and not any(key.decode() in row for row in rows)
    if settings.database_url == "":  # SQLite: nor anywhere in its files
        for path in settings.data_path.glob("meetroom.db*"):
            assert key not in path.read_bytes(), path

    # Lost, the key is not replaced by a new one: that would split the log in two.
    key_file.unlink()
    with pytest.raises(ConfigError, match="audit_key does not exist: restore it"):
        async with open_services(settings, clock=clock):
            pass
    assert not key_file.exists()


async def test_a_log_from_before_the_key_verifies_and_is_sealed_from_then_on(
    settings: Settings, clock: SettableClock
) -> None:
    # Entries written by the previous version: plain SHA-256, no key anywhere.
    db = Database.open(settings.effective_database_url, settings.database_schema)
    try:
        for i in range(3):
            old = AuditRecord(
                seq=0, action=AuditAction.LOGIN, actor_user_id=None, actor_name=f"old {i}",
                target_type="", target_id="", details={"n": i}, address="10.0.0.1",
                at=clock.now(), prev_hash="", hash="",
            )  # fmt: skip
            await SqlAuditStore(db).append(old, seal=audit_hash)
    finally:
        await db.close()
    assert not (settings.audit_path / "audit_key").exists()

    async with open_services(settings, clock=clock) as services:
        key = await services.audit.chain.key()
        await fill(services, 3)
        chain = await entries(services)
        assert [audit_hash(e) == e.hash for e in chain] == [True] * 3 + [False] * 4
        marker = chain[3]  # the first start said where the keyed part begins
        assert marker.action == AuditAction.AUDIT_KEYED and marker.hash == audit_hmac(marker, key)
        assert marker.details == {"key_id": audit_key_id(key), "unkeyed_entries": 3}
        check = await services.audit.verify()
        assert (check.ok, check.count, check.head_seq) == (True, 7, 7)
        # The old entries are sealed too now: the first keyed one holds their last hash.
        await reseal_plainly(services, 2, 3, details={"n": 99}, actor_name="changed")
        await tamper(db_of(services), "UPDATE audit_log SET prev_hash = :h WHERE seq = 4",
                     h=(await entries(services))[2].hash)  # fmt: skip
        check = await services.audit.verify()
        assert (check.ok, check.broken_seq, check.problem) == (False, 4, ChainProblem.EDITED)

    async with open_services(settings, clock=clock) as again:  # no second marker
        assert await again.audit.store.count() == 7


async def test_several_nodes_on_one_postgresql_database(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, tmp_path: Path
) -> None:
    """Nodes sharing the audit dir (as they share the data dir) keep one head, which
    only moves forward, to the last entry any of them wrote. Nodes with audit dirs of
    their own (the key copied to each) each anchor the last entry they wrote: cutting
    one node's entries off the end shows on that node's `verify`."""
    shared = await make_settings("postgresql")
    async with (
        open_services(shared, clock=clock) as a,
        open_services(shared, clock=clock) as b,
    ):
        actor = await admin(a)
        await asyncio.gather(
            *(
                node.audit.record(actor, AuditAction.DOCUMENT_VIEWED, target_id=f"d{i}")
                for i in range(15)
                for node in (a, b)
            )
        )
        last = await a.audit.store.last()
        assert last is not None and last.seq == 31
        await b.audit.chain.flush()
        head = await head_of(a)
        assert (head["seq"], head["hash"]) == (31, last.hash)
        assert (await b.audit.verify()).ok

        (tmp_path / "own").mkdir(mode=0o700)
        shutil.copy2(shared.audit_path / "audit_key", tmp_path / "own" / "audit_key")
        own = msgspec.structs.replace(shared, audit_dir=str(tmp_path / "own"))
        async with open_services(own, clock=clock) as c:
            await c.audit.record(actor, AuditAction.LOGIN)  # 32
            await c.audit.record(actor, AuditAction.LOGIN)  # 33
            assert ((await head_of(a))["seq"], (await head_of(c))["seq"]) == (31, 33)
            assert (await a.audit.verify()).ok and (await c.audit.verify()).ok
            await tamper(db_of(a), "DELETE FROM audit_log WHERE seq > 31")
            assert (await a.audit.verify()).ok
            assert (await c.audit.verify()).problem == ChainProblem.TRUNCATED
