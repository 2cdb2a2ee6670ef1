"""What the audit log needs from the layers below it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from meetroom.records import AuditFilter, AuditRecord


class AuditStore(Protocol):
    async def append(
        self, entry: AuditRecord, once_key: str | None = None
    ) -> AuditRecord | None: ...
    async def last(self) -> AuditRecord | None: ...
    async def search(
        self, flt: AuditFilter, before: int | None = None, limit: int = 50
    ) -> list[AuditRecord]: ...
    async def count(self, flt: AuditFilter | None = None) -> int: ...
    def iterate(
        self, flt: AuditFilter | None = None, *, newest_first: bool = False
    ) -> AsyncIterator[AuditRecord]: ...
