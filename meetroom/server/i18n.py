"""Translations (Babel catalogs in meetroom/locale), language choice, and formatting."""

from __future__ import annotations

import functools
import gettext
import io
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from meetroom.config import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}
LANG_COOKIE = "mr_lang"


class Catalogs:
    """One gettext translations object per supported language, read at start."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        for code in SUPPORTED_LOCALES:
            po = locale_dir / code / "LC_MESSAGES" / "messages.po"
            if not po.exists():
                self._translations[code] = gettext.NullTranslations()
                continue
            stat = po.stat()
            compiled = _compile(po, code, stat.st_mtime_ns, stat.st_size)
            self._translations[code] = gettext.GNUTranslations(io.BytesIO(compiled))

    def get(self, code: str) -> gettext.NullTranslations:
        return self._translations.get(code) or self._translations["en"]


@functools.lru_cache(maxsize=16)
def _compile(po: Path, code: str, mtime_ns: int, size: int) -> bytes:
    """The .mo bytes of a catalog, compiled here rather than shipped, so that it never
    goes stale; kept per process while the file is unchanged (each server, and each
    command and test that composes the services, reads the catalogs: parsing them took
    about 10 ms each time)."""
    with po.open("rb") as f:
        catalog = read_po(f, locale=code)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def parse_accept_language(header: str) -> list[str]:
    """Language tags from an Accept-Language header, best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, *params = piece.split(";")
        quality = 1.0
        for param in params:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_locale(
    account_locale: str | None,
    cookie: str | None,
    accept_language: str,
    default: str,
) -> str:
    """The account's setting, else the switcher's cookie, else Accept-Language, else default."""
    for candidate in (account_locale, cookie):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    for tag in parse_accept_language(accept_language):
        primary = tag.split("-")[0]
        if primary in SUPPORTED_LOCALES:
            return primary
    return default


def format_when(value: datetime, locale: str, timezone: str, part: str = "datetime") -> str:
    """A time for people: in the server's zone, in the reader's language, no seconds."""
    local = value.astimezone(zoneinfo.ZoneInfo(timezone))
    lang = Locale.parse(locale)
    time = format_time(local, format="short", locale=lang)
    if part == "time":
        return time
    date = format_date(local, format="medium", locale=lang)
    return date if part == "date" else f"{date} {time}"


def format_day(value: date, locale: str) -> str:
    """A calendar day (a due date: no time, no zone), in the reader's language."""
    return format_date(value, format="medium", locale=Locale.parse(locale))


def translate(
    translations: gettext.NullTranslations, message: str, params: Mapping[str, object]
) -> str:
    text = translations.gettext(message)
    return text.format(**params) if params else text
