"""Settings: defaults, then a TOML file, then `MEETROOM_*` environment variables,
then command-line flags; validated once at start with a message naming the source
of a bad value."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from meetroom.errors import ConfigError

ENV_PREFIX = "MEETROOM_"
SUPPORTED_LOCALES = ("en", "vi")

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
Count = Annotated[int, msgspec.Meta(ge=1)]
# "Name <address>" or a bare address.
SMTP_FROM_RE = r"[^<>@]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+"


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    data_dir: str = "./var"
    # Empty: an SQLite file in the data dir. Otherwise sqlite:///path or postgresql://...
    database_url: str = ""
    # PostgreSQL only: the schema to keep MeetRoom's tables in (default: public).
    database_schema: str = ""
    # Empty: the in-process bus (one node). redis://... for several nodes (scale-out),
    # which also needs a PostgreSQL database_url that every node shares.
    redis_url: str = ""
    # Processes `meetroom serve` starts on this machine, sharing the port (needs Redis).
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    # This node's name among the nodes (empty: host name, port and process id).
    node_name: str = ""
    # On SIGTERM: how long a node keeps serving its rooms before it hands them over.
    drain_seconds: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    host: str = "127.0.0.1"
    port: Port = 8080
    # The address participants reach the server at, for join links and QR codes.
    # Empty: taken from each request's Host header.
    public_url: str = ""
    # The first admin's password; empty: a random one is printed once.
    admin_password: str = ""
    # Signs join links. Empty: a random key kept in <data_dir>/secret_key.
    secret_key: str = ""
    # Where the audit log's key and anchored head are kept, outside the database
    # (empty: the data dir). Several nodes share it, as they share the data dir.
    audit_dir: str = ""
    session_hours: Positive = 12.0
    join_link_grace_hours: Positive = 24.0
    login_max_failures: Count = 5
    login_failure_window_seconds: Count = 900
    login_lockout_seconds: Count = 300
    # argon2id work factor of password hashes: passes, and memory in KiB (at least
    # 8 MiB). Raising them rehashes each password at its next sign-in.
    password_time_cost: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    password_memory_kib: Annotated[int, msgspec.Meta(ge=8192, le=4 * 1024 * 1024)] = 64 * 1024
    default_locale: str = "en"
    timezone: str = "Asia/Ho_Chi_Minh"
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    # Trust X-Forwarded-For / X-Forwarded-Proto (only behind your own reverse proxy).
    trust_proxy_headers: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Load the demo meeting on start (once).
    demo: bool = False
    # Slow clients (server/connections.py). A connection sends a whole request line and
    # headers within this many seconds of opening or of the previous response (and an
    # idle kept-alive connection is closed after as long), else it is closed.
    header_timeout_seconds: Positive = 15.0
    # A request body (an upload, a form) has this long to start arriving, one second
    # more for every body_min_bytes_per_second bytes that arrive, and body_max_seconds
    # in all; past that the request is answered 408.
    body_timeout_seconds: Positive = 30.0
    body_min_bytes_per_second: Count = 1024
    body_max_seconds: Positive = 3600.0
    # Connections one server process holds open at once; past it, a new one is
    # answered 503 and closed.
    max_connections: Count = 10000
    # Documents: limits on untrusted uploads, and the worker processes that render them.
    upload_max_mb: Count = 100
    pdf_max_pages: Count = 1000
    pdf_page_timeout_seconds: Positive = 30.0
    pdf_document_timeout_seconds: Positive = 600.0
    pdf_worker_memory_mb: Annotated[int, msgspec.Meta(ge=256)] = 2048
    # 0: one per CPU core.
    pdf_workers: Annotated[int, msgspec.Meta(ge=0, le=64)] = 0
    # The live session: what one person may store in a meeting (annotations, erasures,
    # undo and redo, chat), and a meeting in all; past these, an error and nothing stored.
    live_page_max_annotations: Count = 1000
    live_person_max_operations: Count = 10_000
    live_person_max_mb: Positive = 16.0
    live_meeting_max_mb: Positive = 64.0
    # Video. The addresses the SFU announces for its own ICE candidates, comma-separated
    # (empty: every address of this machine). No STUN server is ever used.
    media_addresses: str = ""
    # An optional TURN server (coturn with use-auth-secret): its URLs, comma-separated
    # (e.g. turn:10.0.0.9:3478?transport=udp, turns:10.0.0.9:5349), and the shared secret.
    turn_urls: str = ""
    turn_secret: str = ""
    turn_ttl_seconds: Annotated[int, msgspec.Meta(ge=60)] = 86400
    # E-mail (invitations). Empty smtp_host: no e-mail is sent, nor queued.
    smtp_host: str = ""
    smtp_port: Port = 587
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "MeetRoom <meetroom@example.gov.vn>"
    smtp_timeout_seconds: Positive = 30.0
    # Minutes (biên bản). The governing body printed above the issuer (may be empty),
    # the body that issues the minutes, its symbol in their number, and the number's
    # form: {seq} the minutes' number in the year, {year}, {code} the issuer's symbol.
    organisation_name: str = ""
    minutes_issuer: str = "MeetRoom"
    minutes_issuer_code: str = "MR"
    minutes_number_format: str = "{seq}/BB-{code}"
    # The place named in the place and date line ("Hà Nội, ngày 7 tháng 12 năm 2026").
    minutes_locality: str = ""
    # The template of new minutes: vi (Vietnamese administrative format, Decree
    # 30/2020/NĐ-CP) or en (plain English); empty: by default_locale.
    minutes_template: Literal["", "vi", "en"] = ""
    # Who signs the frozen minutes' PDF: the chair or the secretary.
    minutes_signer: Literal["chair", "secretary"] = "chair"
    # Certificates kept for signers: <signing_dir>/<username>.p12 and, beside it, the
    # file <username>.password (empty: <data_dir>/signing). A signer without one
    # uploads a PKCS#12 file when signing.
    signing_dir: str = ""
    # CA certificates (PEM) a signature must chain to for its status to say "valid"
    # (empty: a signature that is intact shows as "untrusted").
    signing_trust_roots: str = ""

    @property
    def media_address_list(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.media_addresses.split(",") if a.strip())

    @property
    def turn_url_list(self) -> tuple[str, ...]:
        return tuple(u.strip() for u in self.turn_urls.split(",") if u.strip())

    @property
    def is_postgresql(self) -> bool:
        return re.match(r"postgres(ql)?(\+\w+)?://", self.database_url) is not None

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def audit_path(self) -> Path:
        return Path(self.audit_dir).expanduser().resolve() if self.audit_dir else self.data_path

    @property
    def signing_path(self) -> Path:
        return (
            Path(self.signing_dir).expanduser().resolve()
            if self.signing_dir
            else (self.data_path / "signing")
        )

    @property
    def effective_minutes_template(self) -> str:
        return self.minutes_template or ("vi" if self.default_locale == "vi" else "en")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_path / 'meetroom.db'}"


FIELD_NAMES: tuple[str, ...] = Settings.__struct_fields__

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    """A top-level folder of the repository (web/, media/) that the wheel ships inside
    the package: the installed copy first, else the source tree's."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"{name}/ not found next to the meetroom package")


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge the four sources and validate. Raises ConfigError with a clear message."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    source: dict[str, str] = {}

    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = environ[ENV_PREFIX + "CONFIG"]
    if config_file is not None:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        for key, value in data.items():
            if key not in FIELD_NAMES:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            merged[key] = value
            source[key] = f"{key!r} in {path}"

    for name in FIELD_NAMES:
        value = environ.get(env_name(name))
        if value is not None:
            merged[name] = value
            source[name] = f"environment variable {env_name(name)}"

    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in FIELD_NAMES:
            raise ConfigError(f"unknown setting {name!r}")
        merged[name] = value
        source[name] = f"command-line option --{name.replace('_', '-')}"

    try:
        settings = msgspec.convert(merged, Settings, strict=False)
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.(\w+)`", str(exc))
        field = match.group(1) if match else None
        where = source.get(field, field) if field else "settings"
        raw = merged.get(field) if field else None
        reason = re.sub(r" - at `\$\.\w+`", "", str(exc))
        # Environment values are always strings; saying so would only confuse.
        reason = re.sub(r"Expected `(\w+)`, got `str`", r"expected \1", reason)
        raise ConfigError(f"{where}: bad value {raw!r}: {reason}") from None

    _check(settings, source)
    return settings


def _check(settings: Settings, source: Mapping[str, str]) -> None:
    def fail(name: str, message: str) -> None:
        where = source.get(name, f"setting {name!r}")
        raise ConfigError(f"{where}: bad value {getattr(settings, name)!r}: {message}")

    if settings.default_locale not in SUPPORTED_LOCALES:
        fail("default_locale", f"expected one of {', '.join(SUPPORTED_LOCALES)}")
    try:
        zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        fail("timezone", "not a known time zone (e.g. Asia/Ho_Chi_Minh, UTC)")
    if settings.public_url and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", settings.public_url):
        fail("public_url", "expected http://host[:port] or https://host[:port]")
    url = settings.database_url
    if url and not re.match(r"(sqlite|postgresql|postgres)(\+\w+)?://", url):
        fail("database_url", "expected sqlite:///path/to/file.db or postgresql://user@host/db")
    if settings.redis_url and not re.match(r"rediss?://", settings.redis_url):
        fail("redis_url", "expected redis://host:port/db")
    if settings.redis_url and not settings.is_postgresql:
        fail("redis_url", "several nodes share one PostgreSQL database: set database_url "
             "to postgresql://user@host/db as well")  # fmt: skip
    if settings.workers > 1 and not settings.redis_url:
        fail("workers", "several workers act as one server through Redis: set redis_url "
             "(redis://host:port/db) and a PostgreSQL database_url")  # fmt: skip
    if settings.node_name and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", settings.node_name):
        fail("node_name", "letters, digits and . _ : - only, at most 64")
    if settings.database_schema and not re.fullmatch(
        r"[a-z_][a-z0-9_]{0,62}", settings.database_schema
    ):
        fail("database_schema", "expected a lowercase SQL identifier")
    if settings.body_max_seconds < settings.body_timeout_seconds:
        fail("body_max_seconds", "must be at least body_timeout_seconds")
    if not settings.host:
        fail("host", "must not be empty")
    for address in settings.media_address_list:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            fail("media_addresses", f"{address!r} is not an IP address")
    for turn_url in settings.turn_url_list:
        if not re.fullmatch(r"turns?:[^\s?]+(\?transport=(udp|tcp))?", turn_url):
            fail("turn_urls", f"{turn_url!r}: expected a TURN URL like turn:10.0.0.9:3478")
    if settings.turn_url_list and not settings.turn_secret:
        fail("turn_secret", "a TURN server needs the secret it shares with MeetRoom")
    try:
        settings.minutes_number_format.format(seq=1, year=2026, code="X")
    except (KeyError, IndexError, ValueError):
        fail("minutes_number_format", "only {seq}, {year} and {code} may be named, e.g. "
             "{seq}/BB-{code}")  # fmt: skip
    if "{seq}" not in settings.minutes_number_format:
        fail("minutes_number_format", "must contain {seq}")
    if not re.fullmatch(SMTP_FROM_RE, settings.smtp_from.strip()):
        fail("smtp_from", "expected an address, e.g. MeetRoom <meetroom@example.gov.vn>")
