"""`meetroom serve --workers N`: N server processes on one machine sharing the port
(SO_REUSEPORT: the kernel spreads connections over them), each a node of the same
scale-out cluster (they share Redis and PostgreSQL like nodes on separate machines).

The supervisor only starts, watches and stops them: a worker that dies is started
again; SIGTERM is passed on, so each worker drains its rooms before it exits."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from meetroom.config import Settings

logger = logging.getLogger(__name__)

RESTART_DELAY = 1.0  # seconds before a crashed worker is started again
POLL = 0.2
STOP_GRACE = 15.0  # seconds past the drain a worker gets before it is killed


def base_node_name(settings: Settings) -> str:
    return settings.node_name or f"{socket.gethostname()}-{settings.port}"


class Supervisor:
    def __init__(self, settings: Settings, argv: Sequence[str]) -> None:
        self.settings = settings
        # The worker's command: the same one, as a single process on the shared port.
        self.command = [sys.executable, "-m", "meetroom", *argv, "--workers", "1", "--reuse-port"]
        self.base = base_node_name(settings)
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * settings.workers
        self.stopping: int | None = None  # the signal that asked us to stop

    def _start(self, index: int) -> None:
        env = dict(os.environ, MEETROOM_NODE_NAME=f"{self.base}-w{index + 1}", MEETROOM_WORKERS="1")
        self.workers[index] = subprocess.Popen(self.command, env=env)
        logger.info("worker %d started (pid %d)", index + 1, self.workers[index].pid)  # type: ignore[union-attr]

    def _signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopping is None:
            self.stopping = signum
        for worker in self.workers:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signum)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._signal)
        signal.signal(signal.SIGINT, self._signal)
        for index in range(len(self.workers)):
            self._start(index)
        restart_at: dict[int, float] = {}
        while self.stopping is None:
            time.sleep(POLL)
            for index, worker in enumerate(self.workers):
                if worker is None or worker.poll() is None or self.stopping is not None:
                    continue
                due = restart_at.setdefault(index, time.monotonic() + RESTART_DELAY)
                if time.monotonic() >= due:
                    logger.warning(
                        "worker %d exited with code %s; starting it again", index + 1,
                        worker.returncode,
                    )  # fmt: skip
                    del restart_at[index]
                    self._start(index)
        deadline = time.monotonic() + self.settings.drain_seconds + STOP_GRACE
        for worker in self.workers:
            if worker is None:
                continue
            try:
                worker.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("worker pid %d did not stop in time; killing it", worker.pid)
                worker.kill()
                worker.wait()
        return 0
