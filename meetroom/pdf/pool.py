"""Long-lived worker processes for the functions of `meetroom.pdf.worker`.

Workers are forked from multiprocessing's fork server, a fresh single-threaded
interpreter, never from the server process itself. Each runs under the memory limit
of `Limits`, serving one call at a time over a pipe. A call that runs
past its timeout gets its worker killed; a worker that dies (killed, crashed, out of
memory) is replaced. Either way the document is rejected and the pool keeps its size.

The blocking pipe I/O of each call runs in a thread of the pool's own executor, so the
event loop never waits on a worker. Replies are unpickled with an allow-list: a worker
that a hostile PDF took over cannot make the server run code by what it sends back."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any, TypeVar, cast

from meetroom.pdf import worker
from meetroom.pdf.limits import Limits
from meetroom.pdf.rejection import PdfRejected, WorkerCrashed, WorkerTimeout

logger = logging.getLogger(__name__)

T = TypeVar("T")

START_TIMEOUT = 60.0
STOP_TIMEOUT = 2.0
RESTART_DELAY = 5.0
# What a reply may contain besides plain data.
REPLY_CLASSES = {
    ("meetroom.pdf.worker", "PdfInfo"),
    ("meetroom.pdf.worker", "OutlineEntry"),
    ("meetroom.pdf.worker", "RenderedPage"),
    ("meetroom.records.documents", "FontSubstitution"),
    ("meetroom.pdf.rejection", "_restore"),
    ("meetroom.pdf.rejection", "PdfRejected"),
    ("meetroom.pdf.rejection", "WorkerTimeout"),
    ("meetroom.pdf.rejection", "WorkerCrashed"),
}


class PoolClosed(RuntimeError):
    """The pool was closed before or during the call."""


class _Worker:
    __slots__ = ("process", "conn")

    def __init__(self, process: ForkServerProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()

    def reap(self, timeout: float) -> None:
        """Blocking: waits for the process to end (killing it after `timeout`)."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


class WorkerPool:
    def __init__(self, size: int | None = None, limits: Limits | None = None) -> None:
        self._size = size or os.cpu_count() or 1
        self._limits = limits or Limits()
        self._context = multiprocessing.get_context("forkserver")
        # The fork server (a fresh interpreter, started once) imports these before it
        # forks any worker, so a new worker starts in milliseconds. With "__main__"
        # among them, workers do not each re-import the main module.
        self._context.set_forkserver_preload(["__main__", worker.__name__])
        self._workers: set[_Worker] = set()
        # Idle workers, and calls waiting for one in the order they came. A freed worker
        # is handed to the first waiting call itself: with a queue, a call arriving
        # between the hand-over and the waiter's wake-up would take it out of turn.
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker | None]] = collections.deque()
        self._closed = False
        self._executor: ThreadPoolExecutor | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()
        self._busy: set[asyncio.Future[tuple[str, Any]]] = set()

    @property
    def size(self) -> int:
        return self._size

    def pids(self) -> list[int]:
        """The process IDs of the current workers, busy or idle."""
        return sorted(w.pid for w in self._workers)

    async def start(self) -> None:
        # One thread per worker for calls, plus room for starting replacements.
        self._executor = ThreadPoolExecutor(self._size + 2, thread_name_prefix="docs-pool")
        started = await asyncio.gather(
            *(self._spawn() for _ in range(self._size)), return_exceptions=True
        )
        for result in started:
            if isinstance(result, _Worker):
                self._add(result)
        for result in started:
            if isinstance(result, BaseException):
                await self.close()
                raise result
        logger.info("Document workers started: %s", self.pids())

    async def close(self) -> None:
        """Stops every worker: idle ones are asked to exit, busy ones are killed."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        idle = list(self._idle)
        self._idle.clear()
        for w in idle:
            with contextlib.suppress(OSError):
                w.conn.send_bytes(pickle.dumps(None))
        for w in self._workers - set(idle):
            w.kill()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
        # The calls' threads must be done with the pipes before they are closed, and
        # replacements under way must have settled.
        await asyncio.gather(*self._busy, *self._background, return_exceptions=True)
        workers, self._workers = list(self._workers), set()
        if self._executor is not None:
            await self._in_thread(_reap_all, workers)
            self._executor.shutdown(wait=False)

    async def call(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        """Runs `fn(*args)` in a worker, waiting (in turn) for one to be free."""
        name = _task_name(fn)
        if self._closed or self._executor is None:
            raise PoolClosed("the document worker pool is not running")
        message = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            w = await self._next_idle()
            if w is None:
                raise PoolClosed("the document worker pool was closed")
            future = asyncio.get_running_loop().run_in_executor(
                self._executor, _exchange, w, message, timeout
            )
            self._busy.add(future)
            future.add_done_callback(self._busy.discard)
            try:
                status, value = await asyncio.shield(future)
            except asyncio.CancelledError:
                # The worker is still busy with the call: end it, replace it later.
                w.kill()
                self._replace_after(w, future)
                raise
            if status != "stale":
                break
            # It died while idle: not this document's fault; try another worker.
            logger.warning("Document worker %s had died while idle", w.pid)
            await self._replace(w)
        return cast(T, await self._settle(w, name, status, value, timeout))

    async def _settle(self, w: _Worker, name: str, status: str, value: Any, timeout: float) -> Any:
        if status == "ok":
            self._release(w)
            return value
        if status == "rejected":
            assert isinstance(value, PdfRejected)
            if value.code == "too_much_memory":
                await self._replace(w)  # its heap may be left in pieces
            else:
                self._release(w)
            raise value
        if status == "error":
            self._release(w)
            logger.error("Document worker %s failed in %s:\n%s", w.pid, name, value)
            raise PdfRejected("malformed")
        closed = self._closed
        if status == "timeout":
            logger.warning("Document worker %s: %s took over %s s; killed", w.pid, name, timeout)
            w.kill()
            await self._replace(w)
            if closed:
                raise PoolClosed("the document worker pool was closed")
            raise WorkerTimeout(timeout)
        logger.warning("Document worker %s died in %s (exit code %s)", w.pid, name, value)
        await self._replace(w)
        if closed:
            raise PoolClosed("the document worker pool was closed")
        raise WorkerCrashed(out_of_memory=value == -signal.SIGABRT)

    # -- workers coming and going --------------------------------------------------------

    async def _next_idle(self) -> _Worker | None:
        """An idle worker, in turn with the other calls waiting; None once closed."""
        if self._idle and not self._waiters:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                self._idle_again(waiter.result())  # handed over as it was cancelled
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def _idle_again(self, w: _Worker | None) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(w)
                return
        if w is not None:
            self._idle.append(w)

    def _add(self, w: _Worker) -> None:
        self._workers.add(w)
        self._idle_again(w)

    def _release(self, w: _Worker) -> None:
        if self._closed:
            w.kill()
        else:
            self._idle_again(w)

    async def _replace(self, old: _Worker) -> None:
        """Replaces `old` (dead or killed); carries on if the caller is cancelled."""
        if self._closed:
            return  # close() reaps every worker
        self._workers.discard(old)
        await asyncio.shield(self._background_task(self._renew(old)))

    async def _renew(self, old: _Worker | None) -> None:
        if old is not None:
            await self._in_thread(old.reap, 0)
        try:
            new = await self._spawn()
        except Exception:
            logger.exception("Cannot start a document worker; retrying in %s s", RESTART_DELAY)
            self._background_task(self._retry_start())
            return
        if self._closed:
            await self._in_thread(new.reap, 0)  # started while closing: stop it
        else:
            self._add(new)

    async def _retry_start(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), RESTART_DELAY)
        if not self._closed:
            await self._renew(None)

    def _replace_after(self, old: _Worker, busy: asyncio.Future[Any]) -> None:
        """Replaces `old`, killed during a call that was cancelled, once the call's
        thread is done with its pipe."""

        async def run() -> None:
            with contextlib.suppress(Exception):
                await busy
            await self._replace(old)

        self._background_task(run())

    def _background_task(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _spawn(self) -> _Worker:
        return await self._in_thread(_start_worker, self._context, self._limits)

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)


def _reap_all(workers: list[_Worker]) -> None:
    for w in workers:
        w.reap(STOP_TIMEOUT)


def _task_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "")
    if (
        getattr(fn, "__module__", None) != worker.__name__
        or name not in worker.TASKS
        or getattr(worker, name, None) is not fn
    ):
        raise ValueError(f"{fn!r} is not one of the tasks of {worker.__name__}")
    return name


# -- the parent's side of one worker (blocking; runs in the pool's threads) --------------


def _start_worker(context: ForkServerContext, limits: Limits) -> _Worker:
    ours, theirs = context.Pipe(duplex=True)
    process = context.Process(
        target=_serve, args=(theirs, limits), name="meetroom-docs-worker", daemon=True
    )
    process.start()
    theirs.close()  # so that our end sees EOF when the worker dies
    w = _Worker(process, ours)
    try:
        ready = multiprocessing.connection.wait([ours, process.sentinel], START_TIMEOUT)
        if ours not in ready or _load_reply(ours.recv_bytes()) != ("ready", process.pid):
            raise RuntimeError("no greeting")
    except (EOFError, OSError, pickle.UnpicklingError, RuntimeError) as exc:
        w.kill()
        w.reap(0)
        raise RuntimeError("a document worker did not start") from exc
    return w


def _exchange(w: _Worker, message: bytes, timeout: float) -> tuple[str, Any]:
    """Sends one call and waits for its reply: ("ok", result), ("rejected", error),
    ("error", traceback), ("timeout", None), ("dead", exit code) or ("stale", None)."""
    if not w.process.is_alive():
        return ("stale", None)
    try:
        w.conn.send_bytes(message)
    except OSError:
        return ("stale", None)
    ready = multiprocessing.connection.wait([w.conn, w.process.sentinel], timeout)
    if w.conn in ready:
        try:
            reply = _load_reply(w.conn.recv_bytes())
        except (EOFError, OSError):
            return ("dead", _exit_code(w))
        except Exception as exc:  # a reply that does not unpickle under the allow-list
            w.kill()
            return ("dead", f"bad reply: {exc}")
        if _valid(reply):
            return reply  # type: ignore[no-any-return]
        w.kill()
        return ("dead", "bad reply")
    if ready:
        return ("dead", _exit_code(w))
    return ("timeout", None)


def _exit_code(w: _Worker) -> int | None:
    w.process.join(1.0)
    return w.process.exitcode


def _valid(reply: object) -> bool:
    if not (isinstance(reply, tuple) and len(reply) == 2):
        return False
    status, value = reply
    return (
        status == "ok"
        or (status == "rejected" and isinstance(value, PdfRejected))
        or (status == "error" and isinstance(value, str))
    )


class _ReplyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in REPLY_CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a reply")
        return super().find_class(module, name)


def _load_reply(data: bytes) -> Any:
    return _ReplyUnpickler(io.BytesIO(data)).load()


# -- the worker process ------------------------------------------------------------------


def _serve(conn: Connection, limits: Limits) -> None:
    """The main function of a worker process."""
    # Ctrl-C reaches the whole process group; the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker.worker_init(limits)
    conn.send_bytes(pickle.dumps(("ready", os.getpid())))
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except EOFError:
            return  # the server is gone
        if message is None:
            return
        name, args = message
        reply = _run(name, args)
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            data = pickle.dumps(("error", traceback.format_exc()))
        conn.send_bytes(data)


def _run(name: str, args: tuple[Any, ...]) -> tuple[str, Any]:
    if name not in worker.TASKS:
        return ("error", f"{name} is not a worker task")
    try:
        return ("ok", getattr(worker, name)(*args))
    except PdfRejected as exc:
        return ("rejected", exc)
    except MemoryError:
        return ("rejected", PdfRejected("too_much_memory"))
    except Exception:
        return ("error", traceback.format_exc())
