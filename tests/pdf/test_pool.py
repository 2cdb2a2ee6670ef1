"""The worker pool with real processes: timeouts kill and replace, deaths are reported
and repaired, the memory limit holds, calls run in parallel and queue in turn."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import time
from pathlib import Path

import pytest

from meetroom.pdf import pool as pool_module
from meetroom.pdf import worker
from meetroom.pdf.limits import Limits
from meetroom.pdf.pool import PoolClosed, WorkerPool
from meetroom.pdf.rejection import PdfRejected, WorkerCrashed, WorkerTimeout
from meetroom.pdf.worker import PageOutput, PdfInfo, inspect_pdf, render_page
from tests.pdf.pdfs import slow_pdf
from tests.waiting import until


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers to signal 0.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


async def _still_works(pool: WorkerPool, pdf: Path, limits: Limits) -> None:
    info = await pool.call(inspect_pdf, str(pdf), limits, timeout=10)
    assert isinstance(info, PdfInfo) and info.pages == 3


async def test_start_gives_size_workers_under_the_limits(pool: WorkerPool, limits: Limits) -> None:
    assert pool.size == 2
    pids = pool.pids()
    assert len(set(pids)) == 2 and os.getpid() not in pids
    for pid in pids:
        limit = next(
            line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
            if line.startswith("Max address space")
        )  # fmt: skip
        assert str(limits.memory_bytes) in limit


async def test_timeout_kills_and_replaces_the_worker(
    pool: WorkerPool, limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    slow = slow_pdf(tmp_path / "slow.pdf", fills=20_000)
    before = set(pool.pids())
    output = [PageOutput(1600, "jpeg", str(tmp_path / "slow.jpg"))]
    started = time.monotonic()
    with pytest.raises(WorkerTimeout) as caught:
        await pool.call(render_page, str(slow), 1, output, limits, timeout=0.5)
    assert time.monotonic() - started < 3
    assert caught.value.code == "too_slow" and caught.value.params == {"seconds": 0.5}
    after = set(pool.pids())
    assert len(after) == 2 and len(before - after) == 1
    (killed,) = before - after
    assert _gone(killed)
    await _still_works(pool, sample_pdf, limits)


async def test_a_killed_worker_is_reported_and_replaced(
    pool: WorkerPool, limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    slow = slow_pdf(tmp_path / "slow.pdf", fills=20_000)
    before = set(pool.pids())
    output = [PageOutput(1600, "jpeg", str(tmp_path / "slow.jpg"))]
    call = asyncio.create_task(pool.call(render_page, str(slow), 1, output, limits, timeout=60))
    victim = await _busy_worker(before)
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(WorkerCrashed) as caught:
        await call
    assert caught.value.code == "renderer_crashed"
    after = set(pool.pids())
    assert victim not in after and len(after) == pool.size == 2
    # Both workers, the old and the new, take calls.
    await asyncio.gather(*(_still_works(pool, sample_pdf, limits) for _ in range(4)))


async def _busy_worker(pids: set[int]) -> int:
    """The worker that starts burning CPU (the one that got the call)."""
    start = {pid: _cpu_seconds(pid) for pid in pids}

    def busy() -> int | None:
        return next((pid for pid in pids if _cpu_seconds(pid) - start[pid] >= 0.1), None)

    return await until(busy, 4, "no worker got busy", interval=0.02)


async def test_the_memory_limit_makes_a_huge_render_fail_cleanly(
    limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    # Pixel limit raised so that only RLIMIT_AS stands between a 20000 px wide page
    # (1.7 GB of bitmap) and the machine.
    roomy = Limits(max_pages=5, memory_bytes=512 * 1024**2, max_image_pixels=10**9)
    workers = WorkerPool(1, roomy)
    await workers.start()
    try:
        (pid,) = workers.pids()
        output = [PageOutput(20_000, "jpeg", str(tmp_path / "huge.jpg"))]
        with pytest.raises(PdfRejected) as caught:
            await workers.call(render_page, str(sample_pdf), 1, output, roomy, timeout=30)
        assert caught.value.code == "too_much_memory"
        assert not (tmp_path / "huge.jpg").exists()
        # The worker is recycled after running out of memory; the pool carries on.
        assert workers.pids() != [pid] and len(workers.pids()) == 1
        await _still_works(workers, sample_pdf, roomy)
    finally:
        await workers.close()


async def test_parallel_calls_use_several_workers(
    pool: WorkerPool, limits: Limits, tmp_path: Path
) -> None:
    slow = slow_pdf(tmp_path / "slow.pdf", fills=1500)
    pids = pool.pids()
    before = {pid: _cpu_seconds(pid) for pid in pids}
    await asyncio.gather(
        *(
            pool.call(
                render_page,
                str(slow),
                1,
                [PageOutput(1600, "jpeg", str(tmp_path / f"p{i}.jpg"))],
                limits,
                timeout=30,
            )
            for i in range(2)
        )
    )
    for pid in pids:
        # An idle worker uses next to nothing; one that rendered the page, a good part.
        assert _cpu_seconds(pid) - before[pid] >= 0.1, f"worker {pid} did not render"


async def test_calls_queue_in_turn_when_all_workers_are_busy(
    limits: Limits, sample_pdf: Path
) -> None:
    workers = WorkerPool(1, limits)
    await workers.start()
    try:
        finished: list[int] = []

        async def one(number: int) -> None:
            await workers.call(inspect_pdf, str(sample_pdf), limits, timeout=10)
            finished.append(number)

        tasks = []
        for number in range(6):
            tasks.append(asyncio.create_task(one(number)))
            await asyncio.sleep(0)  # each call reaches the queue before the next starts
        await asyncio.gather(*tasks)
        assert finished == list(range(6))
    finally:
        await workers.close()


async def test_a_freed_worker_goes_to_the_call_that_waited_longest(
    limits: Limits, sample_pdf: Path
) -> None:
    """A call that arrives just as a worker is freed waits behind the calls already
    waiting (with an asyncio.Queue it took the worker before the woken waiter ran: CI
    saw calls finish as 0, 3, 2, 1)."""
    workers = WorkerPool(1, limits)
    await workers.start()
    try:
        finished: list[str] = []

        async def one(name: str) -> None:
            await workers.call(inspect_pdf, str(sample_pdf), limits, timeout=30)
            finished.append(name)

        held = await workers._next_idle()  # the only worker, busy elsewhere
        assert held is not None
        waited = asyncio.create_task(one("waited"))
        await asyncio.sleep(0)  # queued for the worker
        late = asyncio.create_task(one("late"))  # first step scheduled before the wake-up
        workers._release(held)
        await asyncio.gather(waited, late)
        assert finished == ["waited", "late"]
    finally:
        await workers.close()


async def test_errors_in_a_worker_come_back_as_rejections(
    pool: WorkerPool, limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    with pytest.raises(PdfRejected) as caught:
        await pool.call(inspect_pdf, str(tmp_path / "missing.pdf"), limits, timeout=10)
    assert type(caught.value) is PdfRejected and caught.value.code == "malformed"
    output = [PageOutput(100, "webp", str(tmp_path / "p.webp"))]
    with pytest.raises(PdfRejected, match="damaged"):
        await pool.call(render_page, str(sample_pdf), 99, output, limits, timeout=10)
    await _still_works(pool, sample_pdf, limits)


async def test_only_worker_tasks_are_accepted(pool: WorkerPool, limits: Limits) -> None:
    for fn in (os.getpid, worker._document, worker.worker_init, pool_module._serve):
        with pytest.raises(ValueError, match="not one of the tasks"):
            await pool.call(fn, timeout=1)


async def test_a_cancelled_call_frees_its_worker(
    pool: WorkerPool, limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    slow = slow_pdf(tmp_path / "slow.pdf", fills=20_000)
    output = [PageOutput(1600, "jpeg", str(tmp_path / "slow.jpg"))]
    call = asyncio.create_task(pool.call(render_page, str(slow), 1, output, limits, timeout=60))
    await asyncio.sleep(0.3)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    # Its worker was killed and is replaced in the background: both are usable again.
    await asyncio.gather(*(_still_works(pool, sample_pdf, limits) for _ in range(2)))
    await until(lambda: len(pool.pids()) == 2, 5, lambda: f"workers: {pool.pids()}")


async def test_close_stops_busy_workers_and_waiting_calls(
    limits: Limits, sample_pdf: Path, tmp_path: Path
) -> None:
    workers = WorkerPool(1, limits)
    await workers.start()
    pids = workers.pids()
    slow = slow_pdf(tmp_path / "slow.pdf", fills=20_000)
    output = [PageOutput(1600, "jpeg", str(tmp_path / "slow.jpg"))]
    busy = asyncio.create_task(workers.call(render_page, str(slow), 1, output, limits, timeout=60))
    waiting = asyncio.create_task(workers.call(inspect_pdf, str(sample_pdf), limits, timeout=10))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await workers.close()
    assert time.monotonic() - started < 3
    for call in (busy, waiting):
        with pytest.raises(PoolClosed):
            await call
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(PoolClosed):
        await workers.call(inspect_pdf, str(sample_pdf), limits, timeout=10)


def test_replies_unpickle_only_known_classes() -> None:
    with pytest.raises(pickle.UnpicklingError):
        pool_module._load_reply(pickle.dumps(("ok", os.system)))
    rejected = pool_module._load_reply(pickle.dumps(("rejected", WorkerTimeout(2))))
    assert isinstance(rejected[1], WorkerTimeout) and rejected[1].params == {"seconds": 2}
