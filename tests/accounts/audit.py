"""An in-memory `AuditTrail` that keeps what it is told, for asserting on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction


@dataclass(frozen=True)
class Recorded:
    actor: str | None
    action: AuditAction
    target_type: str
    target_id: str
    details: dict[str, Any]


@dataclass
class RecordingAuditTrail:
    records: list[Recorded] = field(default_factory=list)

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
        who = actor.user.username if actor and actor.user else None
        self.records.append(Recorded(who, action, target_type, target_id, details or {}))

    def actions(self) -> list[AuditAction]:
        return [r.action for r in self.records]

    def clear(self) -> None:
        self.records.clear()
