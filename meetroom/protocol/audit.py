"""Bodies of the audit log API (/api/audit)."""

from __future__ import annotations

from typing import Any

import msgspec

from meetroom.protocol.formats import Instant


class AuditEntryOut(msgspec.Struct):
    seq: int
    at: Instant
    action: str
    actor_user_id: str | None
    actor_name: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    address: str
    prev_hash: str
    hash: str


class AuditPageOut(msgspec.Struct):
    entries: list[AuditEntryOut]
    # Pass as `before` for the next (older) page; null on the last page.
    next_before: int | None


class AuditCheckOut(msgspec.Struct, omit_defaults=True):
    ok: bool
    count: int
    last_hash: str
    broken_seq: int | None = None
    # gap | edited | relinked | anchor_missing | truncated | rewritten | head_missing
    # | key_mismatch
    problem: str | None = None
    message: str = ""
