"""What the meeting service writes to the audit trail: each entry targets a meeting;
a change lists the fields it changed, a participant is named by id, name and role."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from meetroom.ids import MeetingId
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction, AuditTrail
from meetroom.records.meetings import Participant

logger = logging.getLogger(__name__)


class MeetingAudit:
    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail

    async def record(
        self, actor: Principal, action: AuditAction, meeting_id: MeetingId, details: dict[str, Any]
    ) -> None:
        await self.trail.record(
            actor, action, target_type="meeting", target_id=meeting_id, details=details
        )


def field_changes(before: Any, after: Any) -> dict[str, Any]:
    """The fields that changed, with old and new values (a long description is only
    named)."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(before):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new or field.name in ("updated_at", "link_version"):
            continue
        changes[field.name] = None if field.name == "description" else [old, new]
    return {"fields": sorted(changes), "changes": changes}


def participant_details(p: Participant) -> dict[str, Any]:
    return {"participant_id": p.id, "name": p.name, "role": p.role, "user_id": p.user_id}
