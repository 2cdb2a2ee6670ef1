"""Translation and time formatting for e-mail, from the same catalogs as the pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from meetroom.server.i18n import Catalogs, format_when, translate


class CatalogMailTexts:
    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs

    def translate(self, locale: str, message: str, params: Mapping[str, object]) -> str:
        return translate(self.catalogs.get(locale), message, params)

    def when(self, value: datetime, locale: str, zone: str, part: str = "datetime") -> str:
        return format_when(value, locale, zone, part)
