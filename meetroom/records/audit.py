"""Records of the audit log, and the hash chain and HMAC that seal its entries."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from meetroom.ids import UserId
from meetroom.records.accounts import Principal


class AuditAction(enum.StrEnum):
    """Security-relevant actions recorded in the audit log (see `AuditTrail`)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    ROLE_CHANGED = "role_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    USERS_IMPORTED = "users_imported"
    GROUP_CREATED = "group_created"
    GROUP_CHANGED = "group_changed"
    GROUP_DELETED = "group_deleted"
    ROOM_CREATED = "room_created"
    ROOM_CHANGED = "room_changed"
    ROOM_DELETED = "room_deleted"
    MEETING_CREATED = "meeting_created"
    MEETING_CHANGED = "meeting_changed"
    MEETING_DELETED = "meeting_deleted"
    MEETING_STATUS_CHANGED = "meeting_status_changed"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANT_CHANGED = "participant_changed"
    PARTICIPANT_REMOVED = "participant_removed"
    DOCUMENT_UPLOADED = "document_uploaded"
    DOCUMENT_VIEWED = "document_viewed"
    DOCUMENT_DOWNLOADED = "document_downloaded"
    DOCUMENT_DELETED = "document_deleted"
    DOCUMENT_CHANGED = "document_changed"
    JOIN_LINK_REISSUED = "join_link_reissued"
    # The log's hashes are keyed from this entry on (the first start after an upgrade).
    AUDIT_KEYED = "audit_keyed"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    VOTE_OPENED = "vote_opened"
    VOTE_QUORUM_OVERRIDDEN = "vote_quorum_overridden"
    VOTE_CLOSED = "vote_closed"  # with the board's head hash and the counts
    VOTE_CANCELLED = "vote_cancelled"
    PROXY_SET = "proxy_set"
    PROXY_REMOVED = "proxy_removed"
    MINUTES_APPROVED = "minutes_approved"
    MINUTES_FROZEN = "minutes_frozen"  # with the version, number and the files' sha256
    MINUTES_SIGNED = "minutes_signed"  # with the signed PDF's sha256
    MINUTES_VERSION_STARTED = "minutes_version_started"  # with the change note


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry of the security audit log, as stored (hash-chained) by the store."""

    seq: int
    action: AuditAction
    actor_user_id: UserId | None
    actor_name: str
    target_type: str  # user | meeting | document | room | group | "" (none)
    target_id: str
    details: dict[str, Any]
    address: str
    at: datetime
    prev_hash: str
    hash: str


class AuditTrail(Protocol):
    """Records a security-relevant action. The domain services take one; the address
    is the actor's (`Principal.address`) unless given."""

    async def record(
        self,
        actor: Principal | None,
        action: AuditAction,
        *,
        target_type: str = "",
        target_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None: ...


# The prev_hash of the first audit entry.
AUDIT_GENESIS_HASH = "0" * 64


def _audit_canonical(entry: AuditRecord) -> bytes:
    """Every field but `hash` itself: sorted keys, no spaces, UTF-8, the time in UTC
    with microseconds. Details must already be plain JSON (as stored), so the hash can
    be recomputed from what is read back."""
    canonical = {
        "seq": entry.seq,
        "action": str(entry.action),
        "actor_user_id": entry.actor_user_id,
        "actor_name": entry.actor_name,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "address": entry.address,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(
        canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def audit_hash(entry: AuditRecord) -> str:
    """The plain SHA-256 (hex) of entries written before the log had a key: anyone
    can recompute it, so it shows accidents, not someone able to write the database."""
    return hashlib.sha256(_audit_canonical(entry)).hexdigest()


def audit_hmac(entry: AuditRecord, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the same canonical form with the audit key, which is kept
    outside the database: without it an entry cannot be changed and sealed again."""
    return hmac.new(key, _audit_canonical(entry), hashlib.sha256).hexdigest()


def audit_key_id(key: bytes) -> str:
    """Names a key without revealing it (in the anchored head and the log)."""
    return hmac.new(key, b"meetroom audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The last entry of the audit log as recorded outside the database: a log that
    ends before it was cut at the end, one with another entry there was rewritten."""

    key_id: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit entries to list; empty fields do not filter."""

    since: datetime | None = None  # at >= since
    until: datetime | None = None  # at < until
    actions: frozenset[AuditAction] = frozenset()
    actor: str = ""  # a user id, or part of the actor's name
    target_type: str = ""
    target_id: str = ""
    address: str = ""  # the address, or its beginning (10.1.2.)
