"""The servers of `bench/fanout.py`: one node, or K nodes acting as one server.

A `Backend` says where the nodes keep their state: the embedded SQLite file and the
in-process bus (one node only), or a PostgreSQL schema and Redis that every node
shares. `Cluster` starts K `python -m meetroom serve` processes on 127.0.0.1, each on
its own port, with the same data directory (documents are shared), the same secret
key (a session cookie is valid on every node) and distinct node names. The first node
starts alone until /healthz answers (it migrates the schema and creates the admin),
then the others start together.

Everything it creates is undone by `Cluster.close()` (the bench calls it in a
`finally`, with Ctrl-C held off meanwhile): the processes are stopped (SIGTERM, then
SIGKILL), and the PostgreSQL schema it created for this run is dropped.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
# A stopping node drains (serves its rooms, then hands them over); the bench has
# already closed every socket by then, so this only bounds the wait.
DRAIN_SECONDS = "3"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Backend:
    """SQLite + in-process bus (`database_url` empty), or PostgreSQL + Redis."""

    database_url: str = ""
    redis_url: str = ""

    @property
    def shared(self) -> bool:
        return bool(self.database_url)

    @property
    def label(self) -> str:
        return "postgresql+redis" if self.shared else "sqlite+local"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _asyncpg_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


async def _pg_execute(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # MeetRoom's PostgreSQL driver

    conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_url(url)), 10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _pg(url: str, statement: str) -> None:
    asyncio.run(_pg_execute(url, statement))


def check_redis(url: str) -> None:
    """Fails clearly, before anything starts, if Redis does not answer."""
    import redis  # the venv has it: MeetRoom's Redis client

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        raise SystemExit(f"Redis at {url} does not answer: {type(exc).__name__}: {exc}") from exc
    finally:
        client.close()


@contextmanager
def no_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the cleanup inside is done."""
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda s, _f: received.append(s))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            log("  (interrupted during the cleanup: stopping now)")
            raise KeyboardInterrupt


class Node:
    """One `python -m meetroom serve` process; its log goes to a file."""

    def __init__(self, index: int, data: Path, log_path: Path, env: dict[str, str]) -> None:
        self.index = index
        self.name = env.get("MEETROOM_NODE_NAME", f"node{index}")
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meetroom", "--data-dir", str(data), "serve",
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env, cwd=ROOT,
            # Its own session: a Ctrl-C in the terminal reaches the bench, which then
            # stops the nodes itself, in order, and drops the schema after them.
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise SystemExit(
                f"node {self.index} exited with {self.proc.returncode}:\n"
                f"{self.log_path.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def log_lines(self, needle: str) -> int:
        self._log.flush()
        return sum(1 for line in self.log_path.read_text().splitlines() if needle in line)

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait_stopped(self, deadline: float) -> None:
        try:
            self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"  node {self.index} (pid {self.pid}) did not stop in time: killed")
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


class Cluster:
    """K nodes on one backend, started in order; `close()` undoes everything."""

    def __init__(
        self, tmp: Path, nodes: int, backend: Backend, admin_password: str, logs: Path
    ) -> None:
        if nodes > 1 and not backend.shared:
            raise ValueError("several nodes need PostgreSQL and Redis")
        self.logs = logs
        self.data = tmp / "data"
        self.backend = backend
        self.count = nodes
        self.run_id = secrets.token_hex(4)
        self.schema = ""
        self.nodes: list[Node] = []
        self.token = ""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEETROOM_")}
        env["PYTHONUNBUFFERED"] = "1"
        env["MEETROOM_ADMIN_PASSWORD"] = admin_password
        # The package of this tree, also when the venv has another one installed.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        if backend.shared:
            env["MEETROOM_DATABASE_URL"] = backend.database_url
            env["MEETROOM_REDIS_URL"] = backend.redis_url
            # Session cookies and join links must be valid on every node.
            env["MEETROOM_SECRET_KEY"] = "fanout-bench-" + secrets.token_hex(16)
            env["MEETROOM_DRAIN_SECONDS"] = DRAIN_SECONDS
        self.env = env

    @property
    def base_urls(self) -> list[str]:
        return [node.base_url for node in self.nodes]

    @property
    def pids(self) -> list[int]:
        return [node.pid for node in self.nodes]

    def start(self) -> None:
        if self.backend.shared:
            check_redis(self.backend.redis_url)
            # Named before it exists: an interruption right after still drops it.
            self.schema = f"mr_bench_{self.run_id}"
            try:
                _pg(self.backend.database_url, f'CREATE SCHEMA "{self.schema}"')
            except Exception as exc:  # noqa: BLE001 - any failure means "not available"
                self.schema = ""
                raise SystemExit(
                    f"PostgreSQL at {self.backend.database_url}: {type(exc).__name__}: {exc}"
                ) from exc
            self.env["MEETROOM_DATABASE_SCHEMA"] = self.schema
            log(f"  created PostgreSQL schema {self.schema} on {self.backend.database_url}")
        # The first node alone: it migrates the schema and creates the admin.
        self._launch(0)
        self._wait_healthy(self.nodes[:1])
        for index in range(1, self.count):
            self._launch(index)
        self._wait_healthy(self.nodes[1:])
        result = subprocess.run(
            [sys.executable, "-m", "meetroom", "--data-dir", str(self.data),
             "token", "create", "admin"],
            capture_output=True, text=True, env=self.env, cwd=ROOT,
        )  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(f"could not create an API token:\n{result.stderr}")
        self.token = result.stdout.strip()

    def _launch(self, index: int) -> None:
        env = dict(self.env)
        if self.backend.shared:
            env["MEETROOM_NODE_NAME"] = f"bench-{self.run_id}-{index}"
        node = Node(index, self.data, self.logs / f"node{index}.log", env)
        self.nodes.append(node)
        log(f"  node {index} ({node.name}, {self.backend.label}): pid {node.pid} on "
            f"{node.base_url}, log {node.log_path}")  # fmt: skip

    def _wait_healthy(self, nodes: list[Node]) -> None:
        started = time.monotonic()
        waiting = list(nodes)
        while waiting:
            waiting = [node for node in waiting if not node.healthy()]
            if waiting and time.monotonic() - started > START_TIMEOUT:
                raise SystemExit(
                    f"node {waiting[0].index} did not answer /healthz in {START_TIMEOUT:.0f} s:\n"
                    f"{waiting[0].log_path.read_text()[-4000:]}"
                )
            if waiting:
                time.sleep(0.05)
        if nodes:
            log(f"  node(s) {', '.join(str(n.index) for n in nodes)} healthy in "
                f"{time.monotonic() - started:.1f} s")  # fmt: skip

    def log_lines(self, needle: str) -> int:
        return sum(node.log_lines(needle) for node in self.nodes)

    def close(self) -> None:
        """Stops every node (all at once, SIGTERM, then SIGKILL after STOP_TIMEOUT),
        then drops the schema this run created."""
        with no_interrupts():
            for node in self.nodes:
                node.terminate()
            deadline = time.monotonic() + STOP_TIMEOUT
            for node in self.nodes:
                node.wait_stopped(deadline)
            if self.nodes:
                log(f"  stopped {len(self.nodes)} node(s)")
            if self.schema:
                try:
                    _pg(self.backend.database_url, f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                    log(f"  dropped PostgreSQL schema {self.schema}")
                except Exception as exc:  # noqa: BLE001 - reported; the run's result stands
                    log(f"  could not drop PostgreSQL schema {self.schema}: {exc!r} "
                        f"(drop it by hand: DROP SCHEMA \"{self.schema}\" CASCADE)")  # fmt: skip
                self.schema = ""
