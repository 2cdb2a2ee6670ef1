"""Where document bytes live on disk: originals by SHA-256, rendered pages, per-viewer
watermarked pages and stamped copies. Every file is written aside and moved into
place, so a reader never sees half a file."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from meetroom.errors import N_, TooLarge
from meetroom.private_files import create_private, private_dir

logger = logging.getLogger(__name__)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def _shard(self, kind: str, sha256: str) -> Path:
        return self.root / kind / sha256[:2] / sha256

    def original(self, sha256: str) -> Path:
        return self._shard("files", sha256).with_suffix(".pdf")

    def page(self, sha256: str, page: int, width: int, fmt: str) -> Path:
        return self._shard("pages", sha256) / f"w{width}" / f"{page:04d}.{fmt}"

    def viewer_page(self, sha256: str, trace: str, page: int, width: int, fmt: str) -> Path:
        return self._shard("viewers", sha256) / trace / f"w{width}" / f"{page:04d}.{fmt}"

    def stamped(self, sha256: str, trace: str) -> Path:
        return self._shard("stamped", sha256) / f"{trace}.pdf"

    def annotated(self, sha256: str, digest: str) -> Path:
        return self._shard("annotated", sha256) / f"{digest}.pdf"

    async def receive(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        """Store an upload; returns its SHA-256 and size. Storing the same bytes again
        keeps the one copy."""
        private_dir(self.tmp)
        tmp = self.tmp / f"upload-{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(create_private(tmp), "wb") as f:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            "file_too_large",
                            N_("The file is larger than {max_mb} MB."),
                            max_mb=max_bytes // (1024 * 1024),
                        )
                    digest.update(chunk)
                    f.write(chunk)
            sha256 = digest.hexdigest()
            target = self.original(sha256)
            if target.exists():
                tmp.unlink()
            else:
                private_dir(target.parent)
                os.replace(tmp, target)
            return sha256, size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def remove_renders(self, sha256: str) -> None:
        """Rendered pages and stamped copies (e.g. after a rejection)."""
        for kind in ("pages", "viewers", "stamped", "annotated"):
            shutil.rmtree(self._shard(kind, sha256), ignore_errors=True)

    def remove(self, sha256: str) -> None:
        """Everything of one file, when no document uses it any more."""
        self.remove_renders(sha256)
        self.original(sha256).unlink(missing_ok=True)
        logger.info("removed file %s and its renders", sha256[:12])
