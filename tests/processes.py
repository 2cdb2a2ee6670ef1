"""Running MeetRoom as a real process, for the process-level tests (serve, CLI,
packaging, browser): free_port, clean_env, ServerProcess, a `meetroom` command (cli,
ok), a tiny cookie-keeping Http client, sign_in."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ONE_TIME_PASSWORD = re.compile(r"one-time password: (\S+)")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# What `meetroom serve` prints once it listens (alone, or as the supervisor of workers).
READY_LINE = " serving on http://"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The lightest argon2id the settings allow, as tests/conftest.py gives the in-process
# tests: hashing is not what these tests test, and the full work factor costs 0.15 s
# or more for every hash, sign-in and command (each builds a dummy hash at start).
LIGHT_PASSWORDS = {"MEETROOM_PASSWORD_TIME_COST": "1", "MEETROOM_PASSWORD_MEMORY_KIB": "8192"}


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any MEETROOM_* setting, plus the light password
    work factor and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETROOM_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(LIGHT_PASSWORDS)
    env.update(extra)
    return env


def _restore_sigint() -> None:
    # A process started from a non-interactive shell may inherit SIGINT as ignored;
    # the server must see Ctrl-C the way it does in a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ServerProcess:
    """`python -m meetroom [global args] serve --host 127.0.0.1 --port N [serve args]`."""

    def __init__(
        self,
        data_dir: Path | None,
        *,
        serve_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        global_args = ["--data-dir", str(data_dir)] if data_dir is not None else []
        self.command = [
            python,
            "-m",
            "meetroom",
            *global_args,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *serve_args,
        ]
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self.proc = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env if env is not None else clean_env(),
            cwd=cwd or REPO,
            preexec_fn=_restore_sigint,
        )
        self._readers = [
            threading.Thread(
                target=self._drain, args=(self.proc.stdout, self._stdout), daemon=True
            ),
            threading.Thread(
                target=self._drain, args=(self.proc.stderr, self._stderr), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self._stdout)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.command)}\nexit code: {self.proc.poll()}\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )

    def wait_ready(self) -> ServerProcess:
        """Wait until GET /healthz answers 200 and the "serving on" line has been read
        (so that `stdout` holds all the server printed before it: the reader threads lag
        behind the server on a busy machine); fail with the output if it never comes."""
        deadline = time.monotonic() + START_TIMEOUT
        answered = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited before it was ready\n{self.describe()}")
            if answered and READY_LINE in self.stdout:
                return self
            try:
                if not answered:
                    with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as resp:
                        answered = resp.status == 200
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        self.kill()
        pytest.fail(
            f"the server did not answer /healthz (answered: {answered}) and print"
            f" {READY_LINE.strip()!r} in {START_TIMEOUT} s\n{self.describe()}"
        )

    def interrupt(self) -> int:
        """Ctrl-C; returns the exit code."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the server did not stop within {STOP_TIMEOUT} s of SIGINT")
        for reader in self._readers:
            reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


class Http:
    """A tiny HTTP client with its own cookie jar (one "browser")."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.last_url = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        data = None
        all_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=all_headers
        )
        try:
            with self.opener.open(req, timeout=10) as resp:
                self.last_url = resp.geturl()
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def json(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        status, resp_headers, raw = self.request(method, path, body, headers)
        if not raw:
            return status, None
        assert resp_headers.get("Content-Type", "").startswith("application/json"), (
            f"{method} {path}: {status} {resp_headers.get('Content-Type')}: {raw[:300]!r}"
        )
        return status, json.loads(raw)


def cli(
    data_dir: Path | None, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m meetroom ARGS` on `data_dir` (MEETROOM_DATA_DIR), with `env` added."""
    extra = dict(env)
    if data_dir is not None:
        extra["MEETROOM_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "meetroom", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(**extra),
        cwd=REPO,
        timeout=60,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must have succeeded."""
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
    )
    return result.stdout


def sign_in(http: Http, username: str, password: str) -> dict[str, Any]:
    status, body = http.json(
        "POST", "/api/auth/login", {"username": username, "password": password}
    )
    assert status == 200, body
    return dict(body)
