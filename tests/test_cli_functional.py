"""The `meetroom` command as a real process, on a temporary data dir (MEETROOM_DATA_DIR),
checked against a server started on the same data."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meetroom.records.audit import AuditRecord, audit_hash
from tests.processes import (
    ONE_TIME_PASSWORD,
    REPO,
    Http,
    ServerProcess,
    clean_env,
    cli,
    ok,
    sign_in,
)

REVISION = re.compile(r"^database is at revision (\S+)$", re.M)


def test_migrate_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ok(cli(data, "migrate"))
    assert re.search(r"^applied: \S+", first, re.M), first
    revision = REVISION.search(first)
    assert revision, first
    assert (data / "meetroom.db").is_file()

    second = ok(cli(data, "migrate"))
    assert "nothing to apply" in second
    again = REVISION.search(second)
    assert again and again.group(1) == revision.group(1), second


def test_users_passwords_and_api_tokens(tmp_path: Path, servers: list[ServerProcess]) -> None:
    data = tmp_path / "data"
    added = cli(data, "user", "add", "alice", "--role", "secretary", "--name", "Alice Lê")
    out = ok(added)
    assert "created alice (secretary)" in out
    # A command that touches no document starts no document workers.
    assert "Document workers started" not in added.stderr + added.stdout, added.stderr
    generated = ONE_TIME_PASSWORD.findall(out)
    assert len(generated) == 1, out
    one_time = generated[0]

    duplicate = cli(data, "user", "add", "alice")
    assert duplicate.returncode == 1, duplicate
    assert duplicate.stderr.strip(), "a refused command says why"

    listing = ok(cli(data, "user", "list"))
    rows = [line.split() for line in listing.splitlines()]
    assert ["alice", "secretary", "Alice", "Lê"] in rows, listing

    server = ServerProcess(
        data, env=clean_env(MEETROOM_ADMIN_PASSWORD="the-admin-pass-1")
    ).wait_ready()
    servers.append(server)

    # The generated password signs in, and must be changed.
    before = Http(server.base_url)
    me = sign_in(before, "alice", one_time)
    assert me["user"]["role"] == "secretary"
    assert me["user"]["display_name"] == "Alice Lê"
    assert me["user"]["must_change_password"] is True

    # An administrator sets a new password from the command line.
    new_password = "alice-new-pass-2026"
    out = ok(cli(data, "user", "passwd", "alice", "--password-stdin", stdin=new_password + "\n"))
    assert "password of alice changed" in out
    assert new_password not in out
    # ... which signs out alice's sessions,
    status, _ = before.json("GET", "/api/me")
    assert status == 401
    # ... retires the old password,
    status, _ = Http(server.base_url).json(
        "POST", "/api/auth/login", {"username": "alice", "password": one_time}
    )
    assert status == 401
    # ... and the new one works, with no change required.
    me = sign_in(Http(server.base_url), "alice", new_password)
    assert me["user"]["username"] == "alice"
    assert me["user"]["must_change_password"] is False

    # `token create` prints the token and nothing else, for scripts.
    result = cli(data, "token", "create", "alice")
    token_out = ok(result)
    lines = token_out.splitlines()
    assert len(lines) == 1 and token_out.endswith("\n"), repr(token_out)
    token = lines[0]
    assert token.startswith("mrt_") and token == token.strip() and len(token) > 20, repr(token)
    assert token not in result.stderr, "the token must not end up in the logs"

    api = Http(server.base_url)
    status, me = api.json("GET", "/api/me", Authorization=f"Bearer {token}")
    assert status == 200, me
    assert me["user"]["username"] == "alice"
    assert "csrf_token" not in me  # a token is not a browser session
    status, meetings = api.json("GET", "/api/meetings", Authorization=f"Bearer {token}")
    assert status == 200 and meetings == []
    status, body = api.json("GET", "/api/me", Authorization=f"Bearer {token}x")
    assert status == 401, body
    status, body = api.json("GET", "/api/me")
    assert status == 401, body

    # A second token is a different one; both work.
    other = ok(cli(data, "token", "create", "alice", "--name", "backup")).strip()
    assert other.startswith("mrt_") and other != token
    status, _ = api.json("GET", "/api/me", Authorization=f"Bearer {other}")
    assert status == 200

    missing = cli(data, "token", "create", "nobody")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "nobody" in missing.stderr

    assert server.interrupt() == 0, server.describe()


@pytest.mark.parametrize(
    ("config", "env", "source"),
    [
        (None, {"MEETROOM_PORT": "abc"}, "MEETROOM_PORT"),
        ('port = "x"\n', {}, "'port' in "),
        ("colour = 'blue'\n", {}, "unknown setting 'colour'"),
        ("port = [1\n", {}, "not valid TOML"),
        (None, {"MEETROOM_TIMEZONE": "Mars/Olympus"}, "MEETROOM_TIMEZONE"),
    ],
    ids=["env-port", "toml-port", "toml-unknown-key", "toml-syntax", "env-timezone"],
)
def test_bad_settings_exit_2_naming_the_source(
    tmp_path: Path, config: str | None, env: dict[str, str], source: str
) -> None:
    data = tmp_path / "data"
    args = ["migrate"]
    if config is not None:
        path = tmp_path / "meetroom.toml"
        path.write_text(config, encoding="utf-8")
        args = ["--config", str(path), "migrate"]
        if source.startswith("'port'"):
            source += str(path)
    result = cli(data, *args, **env)
    assert result.returncode == 2, result
    assert result.stderr.startswith("meetroom: configuration error:"), result.stderr
    assert source in result.stderr, result.stderr
    assert result.stdout == ""
    assert not data.exists(), "nothing is written when the settings are bad"


def test_bad_flag_names_the_option(tmp_path: Path) -> None:
    result = cli(tmp_path / "data", "serve", "--port", "0")
    assert result.returncode == 2, result
    assert "--port" in result.stderr and "0" in result.stderr, result.stderr


def test_settings_precedence_file_env_flag(tmp_path: Path) -> None:
    """defaults < TOML file < MEETROOM_* variables < flags, seen by where data goes."""
    from_file, from_env, from_flag = (tmp_path / n for n in ("file", "env", "flag"))
    config = tmp_path / "meetroom.toml"
    config.write_text(f"data_dir = {str(from_file)!r}\n", encoding="utf-8")

    ok(cli(None, "--config", str(config), "migrate"))
    assert (from_file / "meetroom.db").is_file()
    ok(cli(None, "--config", str(config), "migrate", MEETROOM_DATA_DIR=str(from_env)))
    assert (from_env / "meetroom.db").is_file()
    ok(
        cli(
            None,
            "--config",
            str(config),
            "--data-dir",
            str(from_flag),
            "migrate",
            MEETROOM_DATA_DIR=str(from_env),
        )
    )
    assert (from_flag / "meetroom.db").is_file()
    # MEETROOM_CONFIG names the file when --config is not given.
    (from_file / "meetroom.db").unlink()
    ok(cli(None, "migrate", MEETROOM_CONFIG=str(config)))
    assert (from_file / "meetroom.db").is_file()


def test_demo_loads_once(tmp_path: Path, servers: list[ServerProcess]) -> None:
    data = tmp_path / "data"
    ok(cli(data, "demo"))
    second = ok(cli(data, "demo"))
    assert "loaded before" in second, second

    token = ok(cli(data, "token", "create", "admin")).strip()
    server = ServerProcess(data).wait_ready()
    servers.append(server)
    assert "one-time password" not in server.stdout, "the admin was made by `demo` already"
    api = Http(server.base_url)
    status, meetings = api.json("GET", "/api/meetings", Authorization=f"Bearer {token}")
    assert status == 200, meetings
    assert len(meetings) == 1, meetings
    assert meetings[0]["title"].startswith("Demo")
    status, detail = api.json(
        "GET", f"/api/meetings/{meetings[0]['id']}", Authorization=f"Bearer {token}"
    )
    assert status == 200, detail
    assert len(detail["participants"]) == 3
    status, votes = api.json(
        "GET", f"/api/meetings/{meetings[0]['id']}/votes", Authorization=f"Bearer {token}"
    )
    assert status == 200, votes
    prepared = [(v["status"], v["secret"], bool(v["item_id"])) for v in votes["votes"]]
    assert prepared == [("draft", False, True), ("draft", True, True)], votes
    assert server.interrupt() == 0, server.describe()


def _reseal_plainly(db: sqlite3.Connection, seq: int, details: dict[str, str]) -> None:
    """What someone with the database file but not the audit key can do best: change
    an entry and hash it again the way entries were hashed before there was a key."""
    columns = [
        "seq", "action", "actor_user_id", "actor_name", "target_type", "target_id",
        "details", "address", "at", "prev_hash", "hash",
    ]  # fmt: skip
    row = dict(zip(columns, db.execute(
        f"SELECT {', '.join(columns)} FROM audit_log WHERE seq = ?", (seq,)
    ).fetchone(), strict=True))  # fmt: skip
    at = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC)
    record = AuditRecord(**{**row, "details": details, "at": at, "hash": ""})
    db.execute(
        "UPDATE audit_log SET details = ?, hash = ? WHERE seq = ?",
        (json.dumps(details), audit_hash(record), seq),
    )


def test_audit_verify_and_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(cli(data, "user", "add", "alice", "--name", "Alice"))
    ok(cli(data, "user", "passwd", "alice", "--generate"))
    out = ok(cli(data, "audit", "verify"))
    found = re.search(r"^audit log OK: 2 entries, last hash ([0-9a-f]{64})$", out, re.M)
    assert found, out
    assert f"anchored in {data / 'audit_head'} at entry 2" in out, out
    # The key the entries are sealed with is a file of the server's user alone.
    assert stat.S_IMODE((data / "audit_key").stat().st_mode) == 0o600

    export = ok(cli(data, "audit", "export", "--action", "user_created"))
    rows = list(csv.DictReader(io.StringIO(export.removeprefix("\ufeff"))))
    assert [(r["seq"], r["action"], r["target_type"]) for r in rows] == [
        ("1", "user_created", "user")
    ]
    assert json.loads(rows[0]["details"]) == {"username": "alice", "role": "delegate"}

    # Someone with the database file: first the triggers that refuse changes.
    with sqlite3.connect(data / "meetroom.db") as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_log SET details = '{}' WHERE seq = 1")
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("DROP TRIGGER audit_log_no_delete")
        # The last entry changed, hashed again: nothing after it to disagree.
        _reseal_plainly(db, 2, {"username": "mallory"})
    broken = cli(data, "audit", "verify")
    assert broken.returncode == 1, broken
    assert "entry 2 was changed" in broken.stderr, broken.stderr

    # The last entry gone: the rest is a whole chain, yet not the one written.
    with sqlite3.connect(data / "meetroom.db") as db:
        db.execute("DELETE FROM audit_log WHERE seq = 2")
    broken = cli(data, "audit", "verify")
    assert broken.returncode == 1, broken
    assert "entry 2 was removed from the end" in broken.stderr, broken.stderr
    assert "1 entries verified" in broken.stdout


# What the administration commands and `--help` run without: the server, the SFU and
# the PDF pipeline (and their libraries), whose imports took most of a command's second.
NOT_LOADED = ("aiohttp", "aiortc", "av", "pypdfium2", "meetroom.app", "meetroom.server",
              "meetroom.sfu", "meetroom.pdf", "meetroom.demo")  # fmt: skip
LOADED_BY = """
import sys
from meetroom.__main__ import main
try:
    main(["--help"])
except SystemExit:
    pass
for command in sys.argv[1:]:
    code, _, words = command.partition(" ")
    assert main(words.split()) == int(code), command
print(" ".join(sorted(sys.modules)))
"""


def test_administration_commands_load_no_server(tmp_path: Path) -> None:
    # Each with its exit code (no vote is there to verify).
    commands = ["0 migrate", "0 user add alice", "0 user passwd alice --generate",
                "0 user list", "0 token create alice", "0 audit verify", "0 audit export",
                "2 vote verify no-such-vote"]  # fmt: skip
    out = ok(subprocess.run(
        [sys.executable, "-c", LOADED_BY, *commands], capture_output=True, text=True,
        encoding="utf-8", env=clean_env(MEETROOM_DATA_DIR=str(tmp_path / "data")), cwd=REPO,
        timeout=60,
    ))  # fmt: skip
    modules = out.splitlines()[-1].split()
    assert "meetroom.store.database" in modules and "meetroom.accounts.service" in modules
    assert "meetroom.sessions.votes.board" in modules
    loaded = [m for m in modules if any(m == n or m.startswith(f"{n}.") for n in NOT_LOADED)]
    assert not loaded, loaded


def test_log_level_debug_turns_the_media_libraries_up() -> None:
    """ICE and WebRTC libraries log warnings only, unless the operator asks for DEBUG
    (MEETROOM_LOG_LEVEL); a higher level quiets them further."""
    from meetroom.__main__ import QUIET_LIBRARIES, configure_logging

    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    saved_root = (root.level, list(root.handlers))
    try:
        for level, expected in (("INFO", "WARNING"), ("DEBUG", "DEBUG"), ("ERROR", "ERROR")):
            configure_logging(level)
            for name in ("aioice.ice", "aiortc.rtcpeerconnection"):
                effective = logging.getLogger(name).getEffectiveLevel()
                assert logging.getLevelName(effective) == expected, (level, name)
    finally:
        for name, value in saved.items():
            logging.getLogger(name).setLevel(value)
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
