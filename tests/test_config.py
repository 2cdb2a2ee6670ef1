"""Settings: defaults, then TOML file, then environment, then flags; bad values are
refused with a message naming where they came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetroom.config import Settings, load_settings
from meetroom.errors import ConfigError


def test_defaults() -> None:
    s = load_settings(environ={})
    assert s == Settings()
    assert (s.host, s.port, s.default_locale) == ("127.0.0.1", 8080, "en")
    assert s.effective_database_url == f"sqlite:///{Path('./var').resolve() / 'meetroom.db'}"


def test_precedence_file_then_env_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "meetroom.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\ntimezone = "UTC"\n')
    s = load_settings(config, environ={})
    assert (s.port, s.host, s.timezone) == (9000, "0.0.0.0", "UTC")

    s = load_settings(config, environ={"MEETROOM_PORT": "9100"})
    assert (s.port, s.host) == (9100, "0.0.0.0")

    s = load_settings(config, environ={"MEETROOM_PORT": "9100"}, overrides={"port": 9200})
    assert s.port == 9200
    # A flag left unset (None) does not override.
    s = load_settings(config, environ={"MEETROOM_PORT": "9100"}, overrides={"port": None})
    assert s.port == 9100


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("login_max_failures = 3\n")
    assert load_settings(environ={"MEETROOM_CONFIG": str(config)}).login_max_failures == 3


def test_env_strings_are_converted() -> None:
    s = load_settings(
        environ={
            "MEETROOM_DEMO": "true",
            "MEETROOM_SESSION_HOURS": "1.5",
            "MEETROOM_DATA_DIR": "/x",
        }
    )
    assert s.demo is True and s.session_hours == 1.5 and s.data_path == Path("/x")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"MEETROOM_PORT": "abc"}, "environment variable MEETROOM_PORT: bad value 'abc'"),
        ({"MEETROOM_PORT": "70000"}, "MEETROOM_PORT"),
        ({"MEETROOM_DEMO": "perhaps"}, "MEETROOM_DEMO"),
        ({"MEETROOM_TIMEZONE": "Mars/Olympus"}, "MEETROOM_TIMEZONE"),
        ({"MEETROOM_DEFAULT_LOCALE": "fr"}, "expected one of en, vi"),
        ({"MEETROOM_DATABASE_URL": "mysql://x"}, "MEETROOM_DATABASE_URL"),
        ({"MEETROOM_PUBLIC_URL": "meet.example"}, "MEETROOM_PUBLIC_URL"),
        ({"MEETROOM_SECURE_COOKIES": "sometimes"}, "MEETROOM_SECURE_COOKIES"),
        ({"MEETROOM_LOGIN_MAX_FAILURES": "0"}, "MEETROOM_LOGIN_MAX_FAILURES"),
        ({"MEETROOM_MEDIA_ADDRESSES": "10.0.0.5,nowhere"}, "'nowhere' is not an IP address"),
        (
            {"MEETROOM_TURN_URLS": "stun:stun.example:3478", "MEETROOM_TURN_SECRET": "s"},
            "expected a TURN URL like turn:10.0.0.9:3478",
        ),
        ({"MEETROOM_TURN_URLS": "turn:10.0.0.9:3478"}, "needs the secret"),
        ({"MEETROOM_TURN_TTL_SECONDS": "5"}, "MEETROOM_TURN_TTL_SECONDS"),
        # Several nodes share one PostgreSQL database; workers act as nodes via Redis.
        ({"MEETROOM_REDIS_URL": "redis://r:6379/0"}, "share one PostgreSQL database"),
        (
            {"MEETROOM_REDIS_URL": "redis://r/0", "MEETROOM_DATABASE_URL": "sqlite:///x.db"},
            "MEETROOM_REDIS_URL: bad value 'redis://r/0': several nodes share one PostgreSQL",
        ),
        ({"MEETROOM_WORKERS": "4"}, "MEETROOM_WORKERS: bad value 4: several workers"),
        ({"MEETROOM_WORKERS": "0"}, "MEETROOM_WORKERS"),
        ({"MEETROOM_NODE_NAME": "node a"}, "MEETROOM_NODE_NAME"),
        ({"MEETROOM_DRAIN_SECONDS": "-1"}, "MEETROOM_DRAIN_SECONDS"),
    ],
)
def test_bad_values_name_their_source(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=environ)
    assert expected in str(info.value)


def test_bad_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("port = 'eighty'\n")
    with pytest.raises(ConfigError, match=r"'port' in .*bad.toml: bad value 'eighty'"):
        load_settings(config, environ={})
    config.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(config, environ={})
    config.write_text("port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_bad_flag() -> None:
    with pytest.raises(ConfigError, match="command-line option --port"):
        load_settings(environ={}, overrides={"port": 0})


def test_video_network_settings() -> None:
    s = load_settings(
        environ={
            "MEETROOM_MEDIA_ADDRESSES": "10.0.0.5, 192.168.1.5",
            "MEETROOM_TURN_URLS": "turn:10.0.0.9:3478?transport=udp,turns:10.0.0.9:5349",
            "MEETROOM_TURN_SECRET": "shared",
        }
    )
    assert s.media_address_list == ("10.0.0.5", "192.168.1.5")
    assert s.turn_url_list == ("turn:10.0.0.9:3478?transport=udp", "turns:10.0.0.9:5349")
    assert load_settings(environ={}).turn_url_list == ()


def test_mail_settings() -> None:
    s = load_settings(environ={})
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("", 587, "starttls")
    s = load_settings(
        environ={
            "MEETROOM_SMTP_HOST": "mail.ministry.lan",
            "MEETROOM_SMTP_PORT": "465",
            "MEETROOM_SMTP_SECURITY": "tls",
            "MEETROOM_SMTP_FROM": "Văn phòng Bộ <vanphong@ministry.lan>",
        }
    )
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("mail.ministry.lan", 465, "tls")
    assert load_settings(environ={"MEETROOM_SMTP_FROM": "a@b.lan"}).smtp_from == "a@b.lan"
    with pytest.raises(ConfigError, match="MEETROOM_SMTP_FROM: bad value 'MeetRoom'"):
        load_settings(environ={"MEETROOM_SMTP_FROM": "MeetRoom"})
    with pytest.raises(ConfigError, match="MEETROOM_SMTP_SECURITY"):
        load_settings(environ={"MEETROOM_SMTP_SECURITY": "ssl"})


def test_scale_out_settings() -> None:
    s = load_settings(
        environ={
            "MEETROOM_REDIS_URL": "redis://:secret@redis:6379/0",
            "MEETROOM_DATABASE_URL": "postgresql://meetroom@db:5432/meetroom",
            "MEETROOM_WORKERS": "4",
            "MEETROOM_NODE_NAME": "hall-a.node_1",
            "MEETROOM_DRAIN_SECONDS": "0",
        }
    )
    assert (s.workers, s.node_name, s.drain_seconds) == (4, "hall-a.node_1", 0.0)
    assert s.is_postgresql
