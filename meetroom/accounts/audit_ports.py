"""What the audit log needs from the layers below it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

from meetroom.records.audit import AuditFilter, AuditHead, AuditRecord


class AuditStore(Protocol):
    async def append(
        self,
        entry: AuditRecord,
        once_key: str | None = None,
        *,
        seal: Callable[[AuditRecord], str],
    ) -> AuditRecord | None: ...
    async def last(self) -> AuditRecord | None: ...
    async def hash_at(self, seq: int) -> str | None: ...
    async def search(
        self, flt: AuditFilter, before: int | None = None, limit: int = 50
    ) -> list[AuditRecord]: ...
    async def count(self, flt: AuditFilter | None = None) -> int: ...
    def iterate(
        self, flt: AuditFilter | None = None, *, newest_first: bool = False
    ) -> AsyncIterator[AuditRecord]: ...


class AuditKeeper(Protocol):
    """The log's key and its anchored head, kept outside the database (blocking calls)."""

    @property
    def key_file(self) -> str: ...
    @property
    def head_file(self) -> str: ...
    def read_key(self) -> bytes | None: ...
    def create_key(self) -> bytes: ...
    # ValueError: the file is there but holds no head.
    def read_head(self) -> AuditHead | None: ...
    # Only forward: a head with a later seq recorded meanwhile stays.
    def advance_head(self, head: AuditHead) -> None: ...
