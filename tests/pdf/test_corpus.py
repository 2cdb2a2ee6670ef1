"""Every file of the bad-file corpus, through real worker processes: rejected with the
right code or accepted with the right warnings, and the pool still works after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetroom.pdf.limits import Limits
from meetroom.pdf.pool import WorkerPool
from meetroom.pdf.rejection import PdfRejected
from meetroom.pdf.worker import PageOutput, PdfInfo, inspect_pdf, render_page, stamp_pdf
from tests.pdf.corpus import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_corpus_file(
    case: Case, pool: WorkerPool, limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    path = tmp_path / f"{case.name}.pdf"
    case.write(path)
    pids = pool.pids()
    output = [PageOutput(800, "webp", str(tmp_path / "page.webp"))]

    stages: list[str] = []

    async def ingest() -> PdfInfo:
        info = await pool.call(inspect_pdf, str(path), limits, timeout=10)
        stages.append("inspect")
        await pool.call(render_page, str(path), 1, output, limits, timeout=20)
        stages.append("render")
        return info

    if case.code is None:
        info = await ingest()
        assert info.warnings == case.warnings
        assert (tmp_path / "page.webp").stat().st_size > 0
        # The download copy is made of it too, without its scripts and files.
        stamped = str(tmp_path / "stamped.pdf")
        await pool.call(stamp_pdf, str(path), stamped, ["Viewer"], "MR-1", limits, timeout=20)
        copy = await pool.call(inspect_pdf, stamped, limits, timeout=10)
        assert (copy.pages, copy.warnings) == (info.pages, [])
    else:
        with pytest.raises(PdfRejected) as caught:
            await ingest()
        assert caught.value.code == case.code
        # Inspection rejects before anything is rendered, except the bombs.
        assert stages == ([] if case.stage == "inspect" else ["inspect"])
        assert not (tmp_path / "page.webp").exists()
        assert str(caught.value) == caught.value.message.format(**caught.value.params)

    # Whatever the file did, the pool has its workers and they work.
    assert len(pool.pids()) == len(pids)
    good = await pool.call(inspect_pdf, str(sample_pdf), limits, timeout=10)
    assert good.pages == 3


async def test_cyclic_outline_is_read_once(
    pool: WorkerPool, limits: Limits, tmp_path: Path
) -> None:
    case = next(c for c in CASES if c.name == "cyclic_outline")
    case.write(tmp_path / "cyclic.pdf")
    info = await pool.call(inspect_pdf, str(tmp_path / "cyclic.pdf"), limits, timeout=10)
    assert [(e.title, e.page, e.level) for e in info.outline] == [("One", 1, 0), ("Two", 1, 0)]
