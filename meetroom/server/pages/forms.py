"""Small helpers for HTML forms."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web

from meetroom.bounds import in_range
from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.server.bodies import read_form
from meetroom.server.edge import HTTP_STATUS
from meetroom.server.render import gettext_for
from meetroom.server.zones import zone_of


async def form_fields(request: web.Request) -> dict[str, str]:
    data = await read_form(request)
    return {k: v for k, v in data.items() if isinstance(v, str)}


def safe_next(target: str | None, default: str = "/meetings") -> str:
    """Only local paths: a login form must not bounce the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


def parse_local_datetime(request: web.Request, value: str, field: str) -> datetime:
    """`<input type=datetime-local>` gives a wall-clock time in the viewer's zone."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            "bad_datetime",
            N_("{field}: enter a date and time, e.g. 2026-12-01 09:00."),
            field=field,
        ) from None
    in_range(naive, field)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=zone_of(request))


def local_input_value(request: web.Request, value: datetime) -> str:
    return value.astimezone(zone_of(request)).strftime("%Y-%m-%dT%H:%M")


def redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a form was refused, for the page shown again with it."""

    status: int
    message: str  # in the reader's language


def refusal(
    request: web.Request,
    exc: MeetRoomError,
    shown: Collection[Category],
    status: int | None = None,
) -> Refusal:
    """The form is shown again with the error when its category is one the form
    explains (`shown`); any other error is raised again, for the edge to map. The
    status is the edge's for the category unless the page has its own (`status`)."""
    if exc.category not in shown:
        raise exc
    return Refusal(
        HTTP_STATUS[exc.category] if status is None else status,
        gettext_for(request, exc.message, **exc.params),
    )
