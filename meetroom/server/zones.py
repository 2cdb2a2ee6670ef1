"""The time zone a page shows times in: the viewer's own, else the server's."""

from __future__ import annotations

import zoneinfo

from aiohttp import web

from meetroom.server.context import SETTINGS, principal

# Offered on the account page; any other IANA name can be typed.
COMMON_ZONES = (
    "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai",
    "Asia/Tokyo", "Asia/Seoul", "Asia/Kolkata", "Asia/Dubai", "Australia/Sydney",
    "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Moscow",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "UTC",
)  # fmt: skip


def display_zone(request: web.Request) -> str:
    """The signed-in user's zone when they chose one, else the server's setting."""
    user = principal(request).user
    if user is not None and user.time_zone:
        try:
            zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass  # a zone the system no longer knows: fall back rather than fail
        else:
            return user.time_zone
    return request.app[SETTINGS].timezone


def zone_of(request: web.Request) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(display_zone(request))
