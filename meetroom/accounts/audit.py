"""The security audit log: who did what, when, from where, kept as a hash chain
(sealed and anchored outside the database: `audit_chain`).

Recording is not best-effort. When an entry cannot be stored, the failure is logged
at error level with the whole entry (so the server log still has it) and raised as
503 `audit_unavailable`: the services record a read (a page, a download) or a
sign-in BEFORE handing anything out, so those are refused; a change is recorded
right after it is committed, so the change stays but the request fails loudly.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from meetroom.accounts.audit_chain import AuditChain, ChainCheck, ChainProblem, is_plain
from meetroom.accounts.audit_ports import AuditKeeper, AuditStore
from meetroom.accounts.service import require_account_role
from meetroom.clock import Clock
from meetroom.errors import N_, Unavailable
from meetroom.ids import UserId
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction, AuditFilter, AuditRecord, audit_hmac

logger = logging.getLogger(__name__)

__all__ = ["AuditLog", "AuditPage", "ChainCheck", "ChainProblem", "actor_fields"]

MAX_PAGE = 500
# Keys of once-only entries known to be stored: spares a query for every page shown.
_REMEMBERED_KEYS = 4096


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditRecord]
    # The `before` cursor of the next (older) page; None on the last page.
    next_before: int | None


def actor_fields(actor: Principal | None) -> tuple[UserId | None, str, dict[str, Any]]:
    """The actor's user id, name and extra details (a join-link participant's id)."""
    if actor is None:
        return None, "", {}
    if actor.user is not None:
        user = actor.user
        return user.id, f"{user.display_name} ({user.username})", {}
    if actor.participant is not None:
        p = actor.participant
        return None, p.name, {"participant_id": p.id, "meeting_id": p.meeting_id}
    return None, "", {}


class AuditLog:
    """Implements `records.AuditTrail` for the services, and what admins do with it."""

    def __init__(self, store: AuditStore, clock: Clock, keeper: AuditKeeper) -> None:
        self.store = store
        self.clock = clock
        self.chain = AuditChain(store, keeper)
        self._stored_keys: OrderedDict[str, None] = OrderedDict()

    async def open(self) -> None:
        """At start: the key (made on the first start). When the key is new and the log
        holds entries, written by an earlier version without one, an entry says the log
        is keyed from there on: it seals (and the head anchors) the old entries at once.
        (Only then: a plain last entry in a keyed log is a forgery, not an upgrade.)"""
        key = await self.chain.key()
        last = await self.store.last()
        if last is None:
            return
        if self.chain.created and is_plain(last):
            await self.record_once(
                f"audit_keyed:{self.chain.key_id}", None, AuditAction.AUDIT_KEYED,
                details={"key_id": self.chain.key_id, "unkeyed_entries": last.seq},
            )  # fmt: skip
        elif audit_hmac(last, key) != last.hash:
            logger.error(
                "the last audit entry (%d) is not sealed with the key in %s: another key "
                "(each node must have the same), or the entry was changed; run "
                "`meetroom audit verify`", last.seq, self.chain.keeper.key_file,
            )  # fmt: skip

    async def close(self) -> None:
        """The head written (before the database closes)."""
        await self.chain.flush()

    # -- recording -------------------------------------------------------------

    async def record(
        self,
        actor: Principal | None,
        action: AuditAction,
        *,
        target_type: str = "",
        target_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        await self._append(actor, action, target_type, target_id, details, address, None)

    async def record_once(
        self,
        key: str,
        actor: Principal | None,
        action: AuditAction,
        *,
        target_type: str = "",
        target_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> bool:
        """Record unless an entry was recorded under `key` before; True if recorded."""
        if key in self._stored_keys:
            return False
        stored = await self._append(actor, action, target_type, target_id, details, address, key)
        self._stored_keys[key] = None
        if len(self._stored_keys) > _REMEMBERED_KEYS:
            self._stored_keys.popitem(last=False)
        return stored

    async def _append(
        self,
        actor: Principal | None,
        action: AuditAction,
        target_type: str,
        target_id: str,
        details: dict[str, Any] | None,
        address: str | None,
        once_key: str | None,
    ) -> bool:
        user_id, name, extra = actor_fields(actor)
        if address is None:
            address = actor.address if actor is not None else ""
        entry = AuditRecord(
            seq=0,
            action=action,
            actor_user_id=user_id,
            actor_name=name[:200],
            target_type=target_type[:20],
            target_id=str(target_id)[:64],
            details={**extra, **(details or {})},
            address=address[:64],
            at=self.clock.now(),
            prev_hash="",
            hash="",
        )
        try:
            await self.chain.key()
            record = await self.store.append(entry, once_key, seal=self.chain.seal)
            if record is not None:
                self.chain.anchor(record)
            return record is not None
        except Exception as exc:
            logger.error("audit entry NOT recorded: %r", entry, exc_info=True)
            raise Unavailable(
                "audit_unavailable",
                N_("The action could not be written to the audit log; try again later."),
            ) from exc

    # -- for administrators ----------------------------------------------------

    async def search(
        self, actor: Principal, flt: AuditFilter, before: int | None = None, limit: int = 50
    ) -> AuditPage:
        require_account_role(actor, AccountRole.ADMIN)
        limit = max(1, min(limit, MAX_PAGE))
        entries = await self.store.search(flt, before, limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        return AuditPage(entries, entries[-1].seq if more else None)

    def export_rows(self, actor: Principal, flt: AuditFilter) -> AsyncIterator[AuditRecord]:
        """Every matching entry, newest first, streamed (for CSV). The permission is
        checked here, before the first row is asked for."""
        require_account_role(actor, AccountRole.ADMIN)
        return self.store.iterate(flt, newest_first=True)

    def export_all(self, flt: AuditFilter) -> AsyncIterator[AuditRecord]:
        """The same for the command line, which has the database anyway."""
        return self.store.iterate(flt, newest_first=True)

    async def sealed(self, entry: AuditRecord) -> bool:
        """Whether this entry is as it was written (sealed with the key), alone: that
        it still follows its neighbours is the whole chain's `verify`."""
        await self.chain.key()
        return self.chain.seal(entry) == entry.hash

    async def verify_as(self, actor: Principal) -> ChainCheck:
        require_account_role(actor, AccountRole.ADMIN)
        return await self.verify()

    async def verify(self, anchor: str | None = None) -> ChainCheck:
        """The whole chain, and whether it reaches the head anchored outside the
        database. `anchor`: a last hash kept elsewhere, which must be in the chain."""
        return await self.chain.verify(anchor)
