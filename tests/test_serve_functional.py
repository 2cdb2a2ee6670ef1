"""`meetroom serve` as a real process: first start, probes, the demo meeting, the
one-time admin password, Ctrl-C, and a restart on the same data."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ONE_TIME_PASSWORD, REPO, Http, ServerProcess, clean_env, sign_in


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
    # One pool of document workers, also while the demo meeting was prepared.
    assert server.stderr.count("Document workers started") == 1, server.describe()

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
    assert again.stderr.count("Document workers started") == 1, again.describe()
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
