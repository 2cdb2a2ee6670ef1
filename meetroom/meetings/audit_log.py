"""An `AuditTrail` that only writes to the log: what the services are given until the
real (stored, hash-chained) audit log is wired in `app.py`."""

from __future__ import annotations

import logging
from typing import Any

from meetroom.records import AuditAction, Principal

logger = logging.getLogger(__name__)


class LoggingAuditTrail:
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
        who = ""
        if actor is not None and actor.user is not None:
            who = actor.user.username
        elif actor is not None and actor.participant is not None:
            who = f"participant {actor.participant.id}"
        where = address if address is not None else (actor.address if actor else "")
        logger.info(
            "audit: %s by %s from %s on %s %s %s",
            action.value, who or "-", where, target_type, target_id, details or {},
        )  # fmt: skip
