"""The audit log's hash chain, made to resist someone who can write the database.

Each entry's hash is an HMAC with a key kept outside the database (`AuditKeeper`):
whoever changes an entry cannot seal it, nor the entries after it, again. What a key
cannot show is entries cut off the end, or a whole database put back as it was
earlier: the chain that is left is whole. So after each append the last entry's seq
and hash (the head) are written outside the database too, beside the key; `verify`
finds the log cut short, or another entry where the head was.

Entries written before the log had a key carry a plain SHA-256. They still verify, as
long as they all come before the first keyed one; the first keyed entry seals the hash
of the last plain one, so they cannot be changed either without it showing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from meetroom.accounts.audit_ports import AuditKeeper, AuditStore
from meetroom.errors import ConfigError
from meetroom.records.audit import (
    AUDIT_GENESIS_HASH,
    AuditHead,
    AuditRecord,
    audit_hash,
    audit_hmac,
    audit_key_id,
)

logger = logging.getLogger(__name__)

# How long the head waits for more appends before it is written (seconds). It is
# behind the log that long; an entry cut off the end meanwhile still shows, as the
# head written is the entry as it was stored.
HEAD_DELAY = 0.05


class ChainProblem:
    GAP = "gap"  # a seq is missing: entries were deleted
    EDITED = "edited"  # the entry does not match its own hash
    RELINKED = "relinked"  # prev_hash is not the hash before: deleted or inserted
    ANCHOR_MISSING = "anchor_missing"  # a hash kept elsewhere is not in the chain
    TRUNCATED = "truncated"  # the log ends before the head anchored outside it
    REWRITTEN = "rewritten"  # another entry stands where the anchored head was
    HEAD_MISSING = "head_missing"  # keyed entries, but no (readable) anchored head
    KEY_MISMATCH = "key_mismatch"  # the key at hand is not the one the log is sealed with


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    count: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    message: str = ""
    # The head anchored outside the database, when there is one.
    head_seq: int | None = None


def is_plain(entry: AuditRecord) -> bool:
    """Written before the log had a key."""
    return entry.hash == audit_hash(entry)


class AuditChain:
    def __init__(self, store: AuditStore, keeper: AuditKeeper) -> None:
        self.store = store
        self.keeper = keeper
        self._key: bytes | None = None
        self._key_lock = asyncio.Lock()
        # This process made the key (the log's first start, or the first after an upgrade).
        self.created = False
        # The latest entry stored and not yet written as the head, and the task that
        # writes it: appends do not wait for the file, and a burst of them is one write.
        self._pending: AuditRecord | None = None
        self._writer: asyncio.Task[None] | None = None
        self._hurry = asyncio.Event()
        self._diverged: AuditHead | None = None

    # -- the key -----------------------------------------------------------------

    async def key(self) -> bytes:
        """The key, read once; made on the first start (also the first start after an
        upgrade, when the log holds plain entries only: then `created` is True)."""
        if self._key is None:
            async with self._key_lock:
                if self._key is None:
                    self._key = await self._load_key()
        return self._key

    async def _load_key(self) -> bytes:
        key = await asyncio.to_thread(self.keeper.read_key)
        if key is not None:
            return key
        self.created = True
        last = await self.store.last()
        if last is not None and not is_plain(last):
            # A new key would fork the log: what the old one sealed could no longer be
            # told from forgeries. Typically a node not given the shared audit_dir.
            raise ConfigError(
                f"the audit log is sealed with a key, but {self.keeper.key_file} does not "
                "exist: restore it from its backup, or give this node the audit_dir the "
                "other nodes use (see docs/security.md)"
            )
        key = await asyncio.to_thread(self.keeper.create_key)
        logger.info("audit log key created in %s (back it up apart from the database)",
                    self.keeper.key_file)  # fmt: skip
        return key

    @property
    def key_id(self) -> str:
        assert self._key is not None, "key() first"
        return audit_key_id(self._key)

    def seal(self, record: AuditRecord) -> str:
        assert self._key is not None, "key() first"
        return audit_hmac(record, self._key)

    # -- the head outside the database --------------------------------------------

    def anchor(self, record: AuditRecord) -> None:
        """Have `record` (just stored) written as the head, within HEAD_DELAY, unless a
        later one is."""
        if self._pending is None or record.seq > self._pending.seq:
            self._pending = record
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_heads(), name="audit-head")

    async def flush(self) -> None:
        """Write the head now and wait for it (before verifying; before closing)."""
        self._hurry.set()
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_heads(self) -> None:
        while self._pending is not None:
            if not self._hurry.is_set():
                # Gather the appends of a burst (a meeting's tablets signing in): the
                # head is one fsync'd file write for them all.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), HEAD_DELAY)
            target, self._pending = self._pending, None
            try:
                await self._write_head(target)
            except Exception:
                # The entry is stored; only the check for entries cut off the end
                # lags (verify shows how far the head is).
                logger.error(
                    "audit log head not written to %s", self.keeper.head_file, exc_info=True
                )
        self._hurry.clear()

    async def _write_head(self, target: AuditRecord) -> None:
        try:
            head = await asyncio.to_thread(self.keeper.read_head)
        except ValueError as exc:
            self._warn_once(None, f"{self.keeper.head_file} cannot be read ({exc})")
            return
        if head is not None and not await self._extends(head, target):
            return
        new = AuditHead(key_id=self.key_id, seq=target.seq, hash=target.hash)
        await asyncio.to_thread(self.keeper.advance_head, new)

    async def _extends(self, head: AuditHead, record: AuditRecord) -> bool:
        """Whether `record` comes after `head` on the same chain. If the database no
        longer holds the head (cut short, or restored from an older backup) the file
        stays as it is, evidence for `verify`, until an operator moves it aside."""
        if record.seq == head.seq + 1 and record.prev_hash == head.hash:
            return True
        if record.seq == head.seq and record.hash == head.hash:
            return False
        if await self.store.hash_at(head.seq) == head.hash:
            return record.seq > head.seq
        self._warn_once(
            head,
            f"the database no longer holds entry {head.seq} as anchored in "
            f"{self.keeper.head_file}: entries were removed or the database was restored "
            "from an older backup; run `meetroom audit verify`",
        )
        return False

    def _warn_once(self, head: AuditHead | None, message: str) -> None:
        if self._diverged != head or head is None:
            logger.error("audit log head not moved: %s", message)
        self._diverged = head

    # -- verification ------------------------------------------------------------

    async def verify(self, anchor: str | None = None) -> ChainCheck:
        """Walk the chain in seq order: the first entry that was edited, or whose
        predecessor was deleted or inserted; then whether it reaches the head anchored
        outside the database. `anchor`: a hash kept elsewhere by hand, which must be in
        the chain."""
        key = await self.key()
        await self.flush()
        try:
            head = await asyncio.to_thread(self.keeper.read_head)
            head_error = ""
        except ValueError as exc:
            head, head_error = None, str(exc)
        if head is not None and head.key_id != audit_key_id(key):
            return ChainCheck(
                False, 0, AUDIT_GENESIS_HASH, None, ChainProblem.KEY_MISMATCH,
                f"the audit key in {self.keeper.key_file} is not the key the log was "
                f"sealed with (key id {audit_key_id(key)}, the head names {head.key_id}): "
                "restore the right key file",
                head.seq,
            )  # fmt: skip
        expected_seq, prev, count = 1, AUDIT_GENESIS_HASH, 0
        anchor = anchor.strip().lower() if anchor else None
        anchor_found = anchor is None
        keyed = False
        at_head: str | None = None
        head_seq = head.seq if head is not None else None

        def broken(seq: int | None, problem: str, message: str) -> ChainCheck:
            return ChainCheck(False, count, prev, seq, problem, message, head_seq)

        async for entry in self.store.iterate():
            if entry.seq != expected_seq:
                return broken(
                    expected_seq, ChainProblem.GAP,
                    f"entries {expected_seq}–{entry.seq - 1} are missing (deleted)"
                    if entry.seq > expected_seq + 1
                    else f"entry {expected_seq} is missing (deleted)",
                )  # fmt: skip
            if entry.prev_hash != prev:
                return broken(
                    entry.seq, ChainProblem.RELINKED,
                    f"entry {entry.seq} does not follow the entry before it "
                    "(an entry was deleted or inserted before it)",
                )  # fmt: skip
            if audit_hmac(entry, key) == entry.hash:
                keyed = True
            elif keyed or not is_plain(entry):
                # A plain hash after a keyed one is what anyone could compute.
                return broken(
                    entry.seq, ChainProblem.EDITED,
                    f"entry {entry.seq} was changed after it was written "
                    "(it does not match its hash)",
                )  # fmt: skip
            if entry.hash == anchor:
                anchor_found = True
            if entry.seq == head_seq:
                at_head = entry.hash
            prev, count, expected_seq = entry.hash, count + 1, expected_seq + 1
        if head is None and (keyed or head_error):
            why = f"cannot be read ({head_error})" if head_error else "is missing"
            return broken(
                None, ChainProblem.HEAD_MISSING,
                f"the head of the log, anchored outside the database in "
                f"{self.keeper.head_file}, {why}: whether entries were removed from the end "
                "cannot be told (restore the file from its backup)",
            )  # fmt: skip
        if head is not None and count < head.seq:
            lost = (
                f"entry {head.seq} was" if count + 1 == head.seq
                else f"entries {count + 1}–{head.seq} were"
            )  # fmt: skip
            return broken(
                count + 1, ChainProblem.TRUNCATED,
                f"the log ends at entry {count}, but entry {head.seq} was written (the head "
                f"anchored in {self.keeper.head_file}): {lost} removed from the end, or the "
                "database was restored from an older backup",
            )  # fmt: skip
        if head is not None and at_head != head.hash:
            return broken(
                head.seq, ChainProblem.REWRITTEN,
                f"entry {head.seq} is not the entry anchored in {self.keeper.head_file}: "
                "the log was rewritten or replaced",
            )  # fmt: skip
        if not anchor_found:
            return broken(
                None, ChainProblem.ANCHOR_MISSING,
                f"the hash {anchor} is not in the chain (entries were removed from the "
                "end or the chain was rewritten)",
            )  # fmt: skip
        return ChainCheck(True, count, prev, head_seq=head_seq)
