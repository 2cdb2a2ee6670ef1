"""An `AuditTrail` that only writes to the log: a stand-in until the hash-chained
audit log (built separately) is wired in its place in `app.py`."""

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
        who = actor.user.username if actor and actor.user else "-"
        where = address if address is not None else (actor.address if actor else "")
        logger.info(
            "audit %s by %s from %s on %s %s: %s",
            action.value,
            who,
            where or "-",
            target_type or "-",
            target_id or "-",
            details or {},
        )
