"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from aiohttp import web

from meetroom import __version__
from meetroom.errors import MeetRoomError
from meetroom.protocol.api import Health
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.context import services

logger = logging.getLogger(__name__)


async def healthz(request: web.Request) -> Health:
    return Health(status="ok", version=__version__)


async def readyz(request: web.Request) -> web.Response:
    try:
        await services(request).database.ping()
    except MeetRoomError as exc:
        logger.warning("not ready: %s", exc)
        return json_response(
            Health(status="unavailable", version=__version__, database="unreachable"), 503
        )
    return json_response(Health(status="ready", version=__version__, database="ok"))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/healthz",
        healthz,
        "Liveness: the process answers",
        "health",
        response=Health,
        authenticated=False,
    ),
    Endpoint(
        "GET",
        "/readyz",
        readyz,
        "Readiness: the database is reachable",
        "health",
        response=Health,
        authenticated=False,
        errors=(503,),
    ),
]
