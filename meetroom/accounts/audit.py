"""The security audit log: who did what, when, from where, kept as a hash chain.

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

from meetroom.accounts.audit_ports import AuditStore
from meetroom.accounts.service import require_account_role
from meetroom.clock import Clock
from meetroom.errors import N_, Unavailable
from meetroom.ids import UserId
from meetroom.records import (
    AUDIT_GENESIS_HASH,
    AccountRole,
    AuditAction,
    AuditFilter,
    AuditRecord,
    Principal,
    audit_hash,
)

logger = logging.getLogger(__name__)

MAX_PAGE = 500
# Keys of once-only entries known to be stored: spares a query for every page shown.
_REMEMBERED_KEYS = 4096


class ChainProblem:
    GAP = "gap"  # a seq is missing: entries were deleted
    EDITED = "edited"  # the entry does not match its own hash
    RELINKED = "relinked"  # prev_hash is not the hash before: deleted or inserted
    ANCHOR_MISSING = "anchor_missing"  # a hash kept elsewhere is not in the chain


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    count: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    message: str = ""


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

    def __init__(self, store: AuditStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._stored_keys: OrderedDict[str, None] = OrderedDict()

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
            return await self.store.append(entry, once_key) is not None
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

    async def verify_as(self, actor: Principal) -> ChainCheck:
        require_account_role(actor, AccountRole.ADMIN)
        return await self.verify()

    async def verify(self, anchor: str | None = None) -> ChainCheck:
        """Walk the chain in seq order: the first entry that was edited, or whose
        predecessor was deleted or inserted. `anchor`: a last hash kept elsewhere,
        which must be in the chain (catches a chain rewritten or cut at the end)."""
        expected_seq, prev, count = 1, AUDIT_GENESIS_HASH, 0
        anchor = anchor.strip().lower() if anchor else None
        anchor_found = anchor is None
        async for entry in self.store.iterate():
            if entry.seq != expected_seq:
                return ChainCheck(
                    False, count, prev, expected_seq, ChainProblem.GAP,
                    f"entries {expected_seq}–{entry.seq - 1} are missing (deleted)"
                    if entry.seq > expected_seq + 1
                    else f"entry {expected_seq} is missing (deleted)",
                )  # fmt: skip
            if entry.prev_hash != prev:
                return ChainCheck(
                    False, count, prev, entry.seq, ChainProblem.RELINKED,
                    f"entry {entry.seq} does not follow the entry before it "
                    "(an entry was deleted or inserted before it)",
                )  # fmt: skip
            if audit_hash(entry) != entry.hash:
                return ChainCheck(
                    False, count, prev, entry.seq, ChainProblem.EDITED,
                    f"entry {entry.seq} was changed after it was written "
                    "(it does not match its hash)",
                )  # fmt: skip
            if entry.hash == anchor:
                anchor_found = True
            prev, count, expected_seq = entry.hash, count + 1, expected_seq + 1
        if not anchor_found:
            return ChainCheck(
                False, count, prev, None, ChainProblem.ANCHOR_MISSING,
                f"the hash {anchor} is not in the chain (entries were removed from the "
                "end or the chain was rewritten)",
            )  # fmt: skip
        return ChainCheck(True, count, prev)
