"""The page pipeline with its real workers and the real file store: the order pages
come in, the JPEG-then-WebP passes, and the page counts it records."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from meetroom.pdf.pipeline import LARGE, TABLET, THUMBNAIL
from meetroom.pdf.worker import PageOutput, render_page
from meetroom.records.documents import FileStatus
from tests.pdf.files import Files
from tests.pdf.pdfs import make_pdf, slow_pdf
from tests.waiting import until


async def test_ready_as_jpeg_then_webp(files: Files, tmp_path: Path) -> None:
    sha = await files.add(make_pdf(tmp_path / "a.pdf", pages=5))
    await files.pipeline.ingest(sha)
    file = await files.store.get_file(sha)
    assert file is not None and file.status is FileStatus.READY and file.pages_done == 5
    blobs = files.pipeline.blobs
    for page in range(1, 6):
        assert blobs.page(sha, page, TABLET, "jpeg").exists()
    assert await files.store.page_text(sha, 3)
    # The WebP pass follows by itself (each page's thumbnail is written just after it).
    await until(
        lambda: all(
            blobs.page(sha, p, w, "webp").exists() for p in range(1, 6) for w in (TABLET, THUMBNAIL)
        ),
        timeout=30,
    )
    served = await files.pipeline.page_image(sha, 2, TABLET, "webp")
    assert (served.fmt, served.final) == ("webp", True)

    # Without the WebP (e.g. made before a restart), the JPEG stands in and the WebP
    # is made again.
    blobs.page(sha, 2, TABLET, "webp").unlink()
    served = await files.pipeline.page_image(sha, 2, TABLET, "webp")
    assert (served.path, served.fmt, served.final) == (
        blobs.page(sha, 2, TABLET, "jpeg"), "jpeg", False,
    )  # fmt: skip
    await until(lambda: blobs.page(sha, 2, TABLET, "webp").exists(), timeout=30)

    # Large screens, and other formats of thumbnails: rendered when first asked for.
    large = await files.pipeline.page_image(sha, 4, LARGE, "webp")
    assert large.path == blobs.page(sha, 4, LARGE, "webp") and large.path.exists()
    thumb = await files.pipeline.page_image(sha, 4, THUMBNAIL, "jpeg")
    assert (thumb.path, thumb.fmt) == (blobs.page(sha, 4, THUMBNAIL, "jpeg"), "jpeg")


async def test_background_pages_go_in_batches(files: Files, tmp_path: Path) -> None:
    """Background pages are sent to a worker several at a time (fewer round trips),
    while the first pages of a document are sent alone, to arrive first."""
    calls: list[int] = []
    real_call = files.pipeline.pool.call

    async def counting(fn: Any, *args: Any, timeout: float) -> Any:
        # The first pass only (JPEG); the WebP pass that follows goes page by page.
        if fn.__name__ == "render_page" and args[2][0].fmt == "jpeg":
            calls.append(1)
        elif fn.__name__ == "render_pages" and args[1][0][1][0].fmt == "jpeg":
            calls.append(len(args[1]))
        return await real_call(fn, *args, timeout=timeout)

    files.pipeline.pool.call = counting  # type: ignore[method-assign]
    sha = await files.add(make_pdf(tmp_path / "b.pdf", pages=30, kinds=("text",)))
    await files.pipeline.ingest(sha)
    assert sum(calls) == 30
    assert calls[:2] == [1, 1]  # the first pages
    assert max(calls) > 1 and len(calls) < 15


async def test_a_page_asked_for_jumps_the_queue(files: Files, tmp_path: Path) -> None:
    sha = await files.add(make_pdf(tmp_path / "long.pdf", pages=80, kinds=("text", "scan")))
    finished = files.pipeline.ingest(sha)
    page = await files.pipeline.page_image(sha, 70, TABLET, "jpeg")
    assert page.path.exists()
    assert not finished.done(), "page 70 came only after the whole document"
    await finished
    assert (await files.store.get_file(sha)).pages_done == 80  # type: ignore[union-attr]


async def test_first_pages_of_a_new_document_come_first(files: Files, tmp_path: Path) -> None:
    long = await files.add(make_pdf(tmp_path / "long.pdf", pages=80, kinds=("text", "scan")))
    short = await files.add(make_pdf(tmp_path / "short.pdf", pages=4, title="Short"))
    pipeline = files.pipeline
    # Both workers busy for a moment, so that both uploads wait in the queue together.
    slow = slow_pdf(tmp_path / "slow.pdf", fills=3000)
    busy = [
        asyncio.create_task(
            pipeline.pool.call(
                render_page, str(slow), 1,
                [PageOutput(1600, "jpeg", str(tmp_path / f"busy{i}.jpg"))], pipeline.limits,
                timeout=60,
            )
        )
        for i in range(2)
    ]  # fmt: skip
    await asyncio.sleep(0.05)
    first = pipeline.ingest(long)
    second = pipeline.ingest(short)
    blobs = pipeline.blobs
    await until(lambda: blobs.page(short, 2, TABLET, "jpeg").exists(), timeout=30)
    assert not blobs.page(long, 40, TABLET, "jpeg").exists(), "page 2 of the new upload waited"
    await asyncio.gather(first, second, *busy)


async def test_rejection_removes_what_was_rendered(files: Files, tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "ok.pdf", pages=3).read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[: len(data) // 3])
    sha = await files.add(broken)
    await files.pipeline.ingest(sha)
    file = await files.store.get_file(sha)
    assert file is not None and file.status is FileStatus.REJECTED
    assert file.reject_code == "malformed"
    assert not (files.pipeline.blobs.root / "pages" / sha[:2] / sha).exists()
