"""Writes docs/configuration.md from the settings class (meetroom/config.py), so that the
list of settings, their environment variables, defaults and ranges cannot drift from
the code:

    .venv/bin/python docs/configuration.py          # rewrites docs/configuration.md

tests/test_docs.py renders it again in memory and fails if the committed file differs,
or if a setting has no help text here (add one to HELP when adding a setting).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from meetroom.config import Settings, env_name

OUTPUT = Path(__file__).resolve().parent / "configuration.md"

# The settings by topic, in the order the page lists them.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("Server and data", (
        "data_dir", "database_url", "database_schema", "host", "port", "public_url",
        "admin_password", "secret_key", "audit_dir", "log_level", "demo",
    )),
    ("Several nodes", ("redis_url", "workers", "node_name", "drain_seconds")),
    ("Sign-in and sessions", (
        "session_hours", "join_link_grace_hours", "login_max_failures",
        "login_failure_window_seconds", "login_lockout_seconds", "password_time_cost",
        "password_memory_kib", "secure_cookies", "trust_proxy_headers",
    )),
    ("Language and time", ("default_locale", "timezone")),
    ("Slow clients and connections", (
        "header_timeout_seconds", "body_timeout_seconds", "body_min_bytes_per_second",
        "body_max_seconds", "max_connections",
    )),
    ("Documents", (
        "upload_max_mb", "pdf_max_pages", "pdf_page_timeout_seconds",
        "pdf_document_timeout_seconds", "pdf_worker_memory_mb", "pdf_workers",
    )),
    ("The live session", (
        "live_page_max_annotations", "live_person_max_operations", "live_person_max_mb",
        "live_meeting_max_mb",
    )),
    ("Video", ("media_addresses", "turn_urls", "turn_secret", "turn_ttl_seconds")),
    ("E-mail", (
        "smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password",
        "smtp_from", "smtp_timeout_seconds",
    )),
    ("Minutes and signatures", (
        "organisation_name", "minutes_issuer", "minutes_issuer_code", "minutes_number_format",
        "minutes_locality", "minutes_template", "minutes_signer", "signing_dir",
        "signing_trust_roots",
    )),
]  # fmt: skip

# What an empty default means (the code gives it a meaning of its own).
EMPTY_DEFAULT = {
    "database_url": "SQLite in the data dir",
    "database_schema": "(public)",
    "redis_url": "(none: in-process)",
    "node_name": "host name, port and process id",
    "public_url": "(from each request)",
    "admin_password": "(generated, printed once)",
    "secret_key": "(random, kept in `<data_dir>/secret_key`)",
    "audit_dir": "(the data dir)",
    "media_addresses": "(every address of the machine)",
    "turn_urls": "(none)",
    "turn_secret": "(none)",
    "smtp_host": "(none: no e-mail)",
    "smtp_username": "(none: no login)",
    "smtp_password": "(none)",
    "organisation_name": "(none)",
    "minutes_locality": "(none: the date alone)",
    "minutes_template": "(by `default_locale`)",
    "signing_dir": "`<data_dir>/signing`",
    "signing_trust_roots": "(none)",
}

HELP = {
    "data_dir": "database file, secret key, documents; for the server's user only "
    "(see [security](security.md))",
    "database_url": "`sqlite:///path.db` or `postgresql://user@host:5432/db`",
    "database_schema": "PostgreSQL schema for MeetRoom's tables",
    "redis_url": "`redis://host:6379/0`: several nodes act as one server (needs a "
    "PostgreSQL `database_url`; see [several nodes](deployment.md#several-nodes))",
    "workers": "server processes on this machine sharing the port (`serve --workers N`; "
    "needs `redis_url`)",
    "node_name": "this node's name among the nodes (`serve --node-name`); workers add "
    "`-w1`, `-w2`, …; letters, digits and `. _ : -`, at most 64",
    "drain_seconds": "on SIGTERM, how long a node keeps serving its clients before it "
    "hands them over",
    "host": "address to listen on (`--host`)",
    "port": "port to listen on (`--port`)",
    "public_url": "how tablets reach the server, for join links and QR codes (and links "
    "in e-mails), e.g. `https://meet.ministry.lan`",
    "admin_password": "the first admin's password",
    "secret_key": "signs join links, sessions and CSRF tokens; share it between nodes",
    "audit_dir": "where the audit log's key (`audit_key`, 0600) and anchored head "
    "(`audit_head`) are kept, outside the database; several nodes share it (see "
    "[the audit log](deployment.md#the-audit-log-key-head-and-verification)); point it "
    "elsewhere to keep the key out of copies of the data directory",
    "session_hours": "how long a sign-in lasts",
    "join_link_grace_hours": "join links expire this long after the meeting (a series: "
    "its last occurrence) ends, or after the link was made, if later",
    "login_max_failures": "failed sign-ins from one address before a lock-out",
    "login_failure_window_seconds": "the window they are counted in",
    "login_lockout_seconds": "how long the lock-out lasts",
    "password_time_cost": "argon2id passes per password hash; raising it, or the memory, "
    "rehashes each password at its next sign-in",
    "password_memory_kib": "argon2id memory per hash, in KiB",
    "default_locale": "`en` or `vi`, when neither account nor browser says; also the "
    "language of the demo and of the first admin's display name",
    "timezone": "the zone times are shown and entered in (a user may choose their own, "
    "see [the calendar](user-guide.md#calendar)); an IANA name",
    "secure_cookies": "`auto` (when https), `always`, `never`",
    "trust_proxy_headers": "trust `X-Forwarded-For`/`-Proto` (only behind your own proxy)",
    "header_timeout_seconds": "a connection sends a whole request line and headers within "
    "this many seconds of opening, or of the previous response, else it is closed (also "
    "how long an idle kept-alive connection is kept); behind a reverse proxy that keeps "
    "connections to MeetRoom open, let it drop them sooner (nginx: `keepalive_timeout` in "
    "the `upstream` block, 10 s in `docker/nginx.conf`)",
    "body_timeout_seconds": "a request body (an upload, a form) has this long to start "
    "arriving, plus one second for every `body_min_bytes_per_second` bytes that arrive; "
    "slower, the request is answered 408 (`body_timeout`) and the connection closed, and "
    "nothing of it is kept",
    "body_min_bytes_per_second": "the slowest a body may arrive, on average",
    "body_max_seconds": "the longest a body may take in all, however fast (a 100 MB upload "
    "needs 28 KB/s); at least `body_timeout_seconds`",
    "max_connections": "connections one server process holds open at once (each WebSocket "
    "is one); past it a new connection is answered 503 (`too_many_connections`, "
    "`Retry-After: 5`) and closed. The process raises its open-file limit to fit, up to "
    "the hard limit, and logs a warning (with the number that fits) if that is lower",
    "log_level": "the ICE/WebRTC libraries (aioice, aiortc) and Alembic log only warnings "
    "unless it is `DEBUG`",
    "demo": "load the demo room and meeting once at start (`serve --demo`), in `default_locale`",
    "upload_max_mb": "size of one uploaded file",
    "pdf_max_pages": "pages of one file",
    "pdf_page_timeout_seconds": "time to render one page",
    "pdf_document_timeout_seconds": "time to process a whole file",
    "pdf_worker_memory_mb": "address space of each PDF worker process (RLIMIT_AS)",
    "pdf_workers": "PDF worker processes; `0`: one per CPU core",
    "live_page_max_annotations": "strokes and notes one person may add to one page of a "
    "document in a meeting",
    "live_person_max_operations": "operations one person may store in a meeting: strokes, "
    "notes, erasures, undo, redo and chat messages",
    "live_person_max_mb": "the weight of what one person stores in a meeting, in MB (16 "
    "bytes a point, the text, 400 bytes an operation: about what it costs the server's "
    "memory)",
    "live_meeting_max_mb": "the same for everything stored in a meeting: bounds what each "
    "node holds in memory for it",
    "media_addresses": "the IP addresses the video server (SFU) announces to browsers for "
    "its ICE candidates, comma-separated; no STUN server is ever used",
    "turn_urls": "a TURN server (coturn with `use-auth-secret`) for browsers that cannot "
    "reach those addresses, comma-separated, e.g. "
    "`turn:10.1.2.3:3478?transport=udp,turns:10.1.2.3:5349`",
    "turn_secret": "the secret shared with the TURN server (coturn `static-auth-secret`); "
    "required with `turn_urls`",
    "turn_ttl_seconds": "how long each browser's TURN credentials last",
    "smtp_host": "the SMTP server invitations are sent through, e.g. `mail.ministry.lan`; "
    "empty: no e-mail is sent, nor queued",
    "smtp_port": "its port (587 submission, 465 implicit TLS, 25 plain)",
    "smtp_security": "`starttls`, `tls` (implicit, usually port 465) or `none`; with TLS "
    "the server's certificate is checked against the system's trusted certificates",
    "smtp_username": "the account to log in to the SMTP server with",
    "smtp_password": "its password",
    "smtp_from": "the sender of invitations (and the organizer in their calendar files): "
    "an address, or `Name <address>`",
    "smtp_timeout_seconds": "how long to wait for the SMTP server",
    "organisation_name": "the governing body printed above the issuer in the minutes' "
    "header (Vietnamese format: cơ quan chủ quản), e.g. `UBND TỈNH BẮC NINH`",
    "minutes_issuer": "the body that issues the minutes (cơ quan ban hành), e.g. `SỞ NỘI VỤ`",
    "minutes_issuer_code": "the issuer's symbol in the minutes' number, e.g. `SNV`",
    "minutes_number_format": "the minutes' number, given when they are first frozen: "
    "`{seq}` their number in the year, `{year}`, `{code}` the issuer's symbol",
    "minutes_locality": "the place named in the minutes' place and date line, e.g. `Hà Nội`",
    "minutes_template": "the template of new minutes: `vi` (Vietnamese administrative "
    "format, Decree 30/2020/NĐ-CP) or `en` (plain English); empty: by `default_locale`",
    "minutes_signer": "who signs the frozen minutes' PDF: `chair` or `secretary`",
    "signing_dir": "certificates kept for signers: `<username>.p12` and its password in "
    "`<username>.password`; empty: `<data_dir>/signing`",
    "signing_trust_roots": "a PEM file of the CA certificates a signature must chain to "
    "to show as valid; empty: intact signatures show as untrusted",
}

HEAD = """\
# Configuration

<!-- Generated by docs/configuration.py from meetroom/config.py: do not edit by hand.
     tests/test_docs.py fails when this file and the settings class disagree. -->

- [Where settings come from](#where-settings-come-from)
{toc}
- [Example](#example)

## Where settings come from

Settings come from, in increasing priority: defaults, a TOML file (`--config FILE`, or
`MEETROOM_CONFIG`), `MEETROOM_*` environment variables, command-line flags. A bad value
stops the start with a message that names where it came from, e.g.
`environment variable MEETROOM_PORT: bad value 'abc': expected int`. The TOML key is the
setting's name; the environment variable is `MEETROOM_` and the name in capitals.
Every command of `meetroom` reads the same settings (see
[the command line](deployment.md#command-line)).
"""

TAIL = """\
## Example

A `meetroom.toml`:

```toml
data_dir = "/srv/meetroom"
database_url = "postgresql://meetroom@db.lan:5432/meetroom"
host = "0.0.0.0"
public_url = "https://meet.ministry.lan"
default_locale = "vi"
```
"""


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def _default(name: str, value: Any) -> str:
    if value == "":
        return EMPTY_DEFAULT[name]
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _accepted(kind: Any) -> str:
    """The type and range the settings class enforces."""
    if isinstance(kind, msgspec.inspect.LiteralType):
        return " / ".join(f"`{v}`" for v in kind.values)
    names = {
        msgspec.inspect.IntType: "whole number",
        msgspec.inspect.FloatType: "number",
        msgspec.inspect.StrType: "text",
        msgspec.inspect.BoolType: "`true` / `false`",
    }
    text = names.get(type(kind), type(kind).__name__)
    bounds = []
    for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
        bound = getattr(kind, attr, None)
        if bound is not None:
            bounds.append(f"{sign} {bound}")
    return f"{text}, {' and '.join(bounds)}" if bounds else text


def render() -> str:
    fields = {f.name: f for f in msgspec.inspect.type_info(Settings).fields}
    grouped = [name for _, names in GROUPS for name in names]
    missing = [name for name in fields if name not in grouped]
    unknown = [name for name in grouped if name not in fields]
    no_help = [name for name in fields if name not in HELP]
    if missing or unknown or no_help or len(grouped) != len(set(grouped)):
        raise SystemExit(
            "docs/configuration.py is behind meetroom/config.py: "
            f"not in GROUPS {missing}, not settings {unknown}, without HELP {no_help}"
        )
    toc = "\n".join(f"- [{title}](#{_anchor(title)})" for title, _ in GROUPS)
    parts = [HEAD.format(toc=toc)]
    for title, names in GROUPS:
        rows = [
            f"## {title}",
            "",
            "| setting (TOML key) | environment variable | default | accepted | meaning |",
            "|---|---|---|---|---|",
        ]
        for name in names:
            field = fields[name]
            rows.append(
                f"| `{name}` | `{env_name(name)}` | {_default(name, field.default)} "
                f"| {_accepted(field.type)} | {HELP[name]} |"
            )
        parts.append("\n".join(rows) + "\n")
    parts.append(TAIL)
    return "\n".join(parts)


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
