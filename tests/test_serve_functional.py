"""`meetroom serve` as a real process: first start, probes, the demo meeting, the
one-time admin password, Ctrl-C, and a restart on the same data.

The helpers at the top (free_port, clean_env, ServerProcess, Http) are shared with the
other process-level tests (CLI, packaging, browser).
"""

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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ONE_TIME_PASSWORD = re.compile(r"one-time password: (\S+)")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any MEETROOM_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETROOM_")}
    env["PYTHONUNBUFFERED"] = "1"
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
        """Wait until GET /healthz answers 200; fail with the output if it never does."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited before it was ready\n{self.describe()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"the server did not answer /healthz in {START_TIMEOUT} s\n{self.describe()}")

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


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers started by a test; any still running at the end are killed."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.kill()


def sign_in(http: Http, username: str, password: str) -> dict[str, Any]:
    status, body = http.json(
        "POST", "/api/auth/login", {"username": username, "password": password}
    )
    assert status == 200, body
    return dict(body)


def test_first_start_demo_password_change_ctrl_c_and_restart(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, serve_args=["--demo"])
    servers.append(server)
    server.wait_ready()

    # Probes answer JSON without signing in.
    http = Http(server.base_url)
    status, health = http.json("GET", "/healthz")
    assert status == 200 and health["status"] == "ok", health
    status, ready = http.json("GET", "/readyz")
    assert status == 200 and ready["status"] == "ready" and ready["database"] == "ok", ready

    # No MEETROOM_ADMIN_PASSWORD: a one-time password is printed on stdout.
    found = ONE_TIME_PASSWORD.findall(server.stdout)
    assert len(found) == 1, server.describe()
    one_time = found[0]
    assert "username: admin" in server.stdout
    assert "Demo meeting loaded" in server.stdout, server.describe()
    assert one_time not in server.stderr, "the admin password must not end up in the logs"

    # Signing in with it works, and says the password must be changed first.
    me = sign_in(http, "admin", one_time)
    assert me["user"]["username"] == "admin"
    assert me["user"]["role"] == "admin"
    assert me["user"]["must_change_password"] is True
    csrf = me["csrf_token"]
    # Pages send such a user to the password form before anything else.
    status, _, _ = http.request("GET", "/meetings")
    assert status == 200
    assert http.last_url == server.base_url + "/account/password?first=1"
    new_password = "a-new-admin-password-42"
    status, body = http.json(
        "POST",
        "/api/me/password",
        {"current_password": one_time, "new_password": new_password},
        **{"X-CSRF-Token": csrf},
    )
    assert status == 204, body
    status, me_now = http.json("GET", "/api/me")
    assert status == 200 and me_now["user"]["must_change_password"] is False, me_now

    # The demo meeting, with its three participants.
    status, meetings = http.json("GET", "/api/meetings")
    assert status == 200, meetings
    assert len(meetings) == 1, meetings
    demo_id = meetings[0]["id"]
    assert meetings[0]["title"].startswith("Demo")
    status, detail = http.json("GET", f"/api/meetings/{demo_id}")
    assert status == 200, detail
    assert detail["meeting"]["id"] == demo_id
    assert len(detail["participants"]) == 3, detail["participants"]
    assert {p["role"] for p in detail["participants"]} == {"chair", "delegate", "guest"}

    # Ctrl-C: a clean stop.
    assert server.interrupt() == 0, server.describe()
    assert "MeetRoom stopped." in server.stdout
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()

    # A second start on the same data: no new admin password, no second demo meeting,
    # and the password chosen before still works.
    again = ServerProcess(data, serve_args=["--demo"])
    servers.append(again)
    again.wait_ready()
    assert "one-time password" not in again.stdout, again.describe()
    assert "Admin account" not in again.stdout, again.describe()
    assert "Demo meeting loaded" not in again.stdout, again.describe()
    http = Http(again.base_url)
    status, _ = http.json("POST", "/api/auth/login", {"username": "admin", "password": one_time})
    assert status == 401
    me = sign_in(http, "admin", new_password)
    assert me["user"]["must_change_password"] is False
    status, meetings = http.json("GET", "/api/meetings")
    assert status == 200
    assert [m["id"] for m in meetings] == [demo_id]
    status, detail = http.json("GET", f"/api/meetings/{demo_id}")
    assert len(detail["participants"]) == 3
    assert again.interrupt() == 0, again.describe()


def test_admin_password_from_the_environment(tmp_path: Path, servers: list[ServerProcess]) -> None:
    password = "chosen-by-the-operator-77"
    server = ServerProcess(
        tmp_path / "data", env=clean_env(MEETROOM_ADMIN_PASSWORD=password)
    ).wait_ready()
    servers.append(server)
    assert "one-time password" not in server.stdout, server.describe()
    assert "MEETROOM_ADMIN_PASSWORD" in server.stdout, server.describe()
    assert password not in server.stdout + server.stderr, "the password must not be printed"

    http = Http(server.base_url)
    status, _ = http.json(
        "POST", "/api/auth/login", {"username": "admin", "password": "wrong-1234"}
    )
    assert status == 401
    me = sign_in(http, "admin", password)
    assert me["user"]["username"] == "admin"
    assert me["user"]["must_change_password"] is False
    # No --demo: no meetings.
    status, meetings = http.json("GET", "/api/meetings")
    assert status == 200 and meetings == []
    assert server.interrupt() == 0, server.describe()


def test_listen_failure_is_reported(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "meetroom", "--data-dir", str(tmp_path), "serve"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            env=clean_env(MEETROOM_ADMIN_PASSWORD="operator-pass-123"),
            cwd=REPO,
            timeout=60,
        )
    assert result.returncode == 1, result
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
