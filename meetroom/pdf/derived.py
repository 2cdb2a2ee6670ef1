"""What is made from a document for one viewer or one download, in the worker
processes: watermarked pages, stamped copies, copies with annotations. Each is made
once, however many requests ask for it at the same moment, and kept on disk."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meetroom.pdf.limits import Limits
from meetroom.pdf.pipeline import PageFile, Pipeline
from meetroom.pdf.pool import WorkerPool
from meetroom.pdf.storage import BlobStore
from meetroom.pdf.worker import annotated_pdf, stamp_pdf, watermark_image


class Derived:
    def __init__(self, pages: Pipeline) -> None:
        self.pages = pages
        self.pool: WorkerPool = pages.pool
        self.blobs: BlobStore = pages.blobs
        self.limits: Limits = pages.limits
        self._derived: dict[Path, asyncio.Future[Path]] = {}

    async def watermarked(
        self, sha256: str, page: int, width: int, trace: str, lines: Sequence[str]
    ) -> PageFile:
        """The page with the viewer's watermark, as JPEG: made for each viewer when they
        turn to the page, where WebP's encoding time (~135 ms) would be felt."""
        target = self.blobs.viewer_page(sha256, trace, page, width, "jpeg")
        if not target.exists():
            source = await self.pages.page_image(sha256, page, width, "jpeg")
            await self._derive(
                target,
                watermark_image,
                str(source.path), str(target), "jpeg", list(lines), trace,
                timeout=self.limits.page_timeout_s,
            )  # fmt: skip
        return PageFile(target, "jpeg")

    async def stamped_pdf(self, sha256: str, trace: str, lines: Sequence[str]) -> Path:
        target = self.blobs.stamped(sha256, trace)
        if target.exists():
            return target
        return await self._derive(
            target,
            stamp_pdf,
            str(self.blobs.original(sha256)), str(target), list(lines), trace, self.limits,
            timeout=self.limits.document_timeout_s,
        )  # fmt: skip

    async def annotated_pdf(
        self,
        sha256: str,
        annotations: Sequence[dict[str, Any]],
        watermark: tuple[Sequence[str], str] | None = None,
    ) -> Path:
        """A copy with the annotations burnt in as PDF annotations (and the watermark);
        kept under a digest of what is in it, so asking again costs nothing."""
        content = json.dumps([list(annotations), watermark], sort_keys=True, default=list)
        target = self.blobs.annotated(sha256, hashlib.sha256(content.encode()).hexdigest()[:32])
        if target.exists():
            return target
        lines, trace = (list(watermark[0]), watermark[1]) if watermark else (None, "")
        return await self._derive(
            target,
            annotated_pdf,
            str(self.blobs.original(sha256)), str(target), list(annotations), self.limits,
            lines, trace,
            timeout=self.limits.document_timeout_s,
        )  # fmt: skip

    async def _derive(self, target: Path, fn: Any, *args: Any, timeout: float) -> Path:
        """Run `fn` once for `target`, however many requests ask for it at once."""
        pending = self._derived.get(target)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._derived[target] = pending
            try:
                await self.pool.call(fn, *args, timeout=timeout)
                pending.set_result(target)
            except BaseException as exc:
                pending.set_exception(exc)
                pending.exception()
                raise
            finally:
                del self._derived[target]
        return await asyncio.shield(pending)
