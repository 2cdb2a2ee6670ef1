"""Rendering pages: the context every template gets, and translation helpers."""

from __future__ import annotations

import gettext
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from meetroom import __version__
from meetroom.config import SUPPORTED_LOCALES
from meetroom.server.context import CATALOGS, CSRF_TOKEN, LOCALE, SETTINGS, principal
from meetroom.server.i18n import LANGUAGE_NAMES, format_day, format_when
from meetroom.server.zones import COMMON_ZONES, display_zone


def locale_of(request: web.Request) -> str:
    return request.get(LOCALE) or request.app[SETTINGS].default_locale


def translations_for(request: web.Request) -> gettext.NullTranslations:
    return request.app[CATALOGS].get(locale_of(request))


def gettext_for(request: web.Request, message: str, **params: object) -> str:
    text = translations_for(request).gettext(message)
    return text.format(**params) if params else text


def page_context(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    locale = locale_of(request)
    zone = display_zone(request)
    return {
        "request": request,
        "i18n": translations_for(request),
        "locale": locale,
        "timezone": settings.timezone,
        # Times are shown (and typed in meeting forms) in the viewer's zone.
        "display_zone": zone,
        "common_zones": COMMON_ZONES,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        "principal": principal(request),
        "user": principal(request).user,
        "csrf_token": request.get(CSRF_TOKEN, ""),
        "version": __version__,
        "tr": lambda message, params: gettext_for(request, message, **params) if message else "",
        "when": lambda value, part="datetime": format_when(value, locale, zone, part),
        "day": lambda value: format_day(value, locale),
    }


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    full = page_context(request)
    full.update(context)
    return aiohttp_jinja2.render_template(template, request, full, status=status)
