"""The audit log's key and its anchored head, in files of a directory outside the
database (`audit_dir`, by default the data dir).

- `audit_key`: the HMAC key every entry is sealed with (64 hex characters, created
  once with mode 0600). It never goes into the database, so whoever can write the
  database cannot seal a changed entry again.
- `audit_head`: the last entry written (its seq and hash, and which key), one line of
  JSON, replaced atomically after each append. A database whose log ends before it was
  cut at the end; this file is what says so without a hash kept by hand.
- `audit_head.lock`: serialises the processes (and nodes sharing the directory) that
  move the head, so that it only ever moves forward.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import stat
from pathlib import Path

from meetroom.errors import ConfigError
from meetroom.records.audit import AuditHead

logger = logging.getLogger(__name__)

KEY_FILE = "audit_key"
HEAD_FILE = "audit_head"
LOCK_FILE = "audit_head.lock"
# A key given by hand must be as hard to guess as a generated one (32 bytes in hex).
MIN_KEY_CHARS = 32
_OWNER_ONLY = stat.S_IRUSR | stat.S_IWUSR  # 0600


class AuditFiles:
    """Implements `accounts.audit_ports.AuditKeeper` with files; blocking (the audit
    log calls it in a thread)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key_path = directory / KEY_FILE
        self.head_path = directory / HEAD_FILE

    @property
    def key_file(self) -> str:
        return str(self.key_path)

    @property
    def head_file(self) -> str:
        return str(self.head_path)

    def read_key(self) -> bytes | None:
        try:
            with open(self.key_path, "rb") as f:
                mode = os.fstat(f.fileno()).st_mode
                text = f.read().strip()
        except FileNotFoundError:
            return None
        if len(text) < MIN_KEY_CHARS:
            raise ConfigError(
                f"{self.key_path}: the audit key must be at least {MIN_KEY_CHARS} characters"
            )
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning("%s can be read by others than its owner: chmod 600 it", self.key_path)
        return text

    def create_key(self) -> bytes:
        """A new random key, unless another process made one meanwhile (then that one)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting at once (the
        # workers of one machine, nodes sharing the directory) agree on one key.
        tmp = self.directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, self.key_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        _sync_directory(self.directory)
        key = self.read_key()
        assert key is not None
        return key

    def read_head(self) -> AuditHead | None:
        """The anchored head; None if none was written yet; ValueError if the file is
        not one this module wrote."""
        try:
            text = self.head_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return _parse_head(text)

    def advance_head(self, head: AuditHead) -> None:
        """Record `head` unless the file already holds a later entry (another process
        got further). The new file is written aside, flushed to disk, then renamed over
        the old one: a crash leaves the old head or the new one, never half of one."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, _OWNER_ONLY)
        try:
            # flock: between processes and between threads of one process (each opens
            # the lock file anew); Linux carries it to the server on NFS, for nodes
            # sharing the directory over the network.
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.read_head()
            except ValueError:
                current = None  # the caller has seen it and decided to replace it
            if current is not None and current.seq >= head.seq:
                return
            body = json.dumps({"key_id": head.key_id, "seq": head.seq, "hash": head.hash})
            tmp = self.directory / f".{HEAD_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _OWNER_ONLY)
            try:
                os.write(fd, (body + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.head_path)
        finally:
            os.close(lock)  # and with it the lock


def _parse_head(text: str) -> AuditHead:
    try:
        data = json.loads(text)
        head = AuditHead(key_id=str(data["key_id"]), seq=int(data["seq"]), hash=str(data["hash"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not an audit head: {exc}") from None
    if head.seq < 1 or len(head.hash) != 64:
        raise ValueError("not an audit head: bad seq or hash")
    return head


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
