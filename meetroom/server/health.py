"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from aiohttp import web

from meetroom import __version__
from meetroom.errors import MeetRoomError
from meetroom.protocol.api import Health
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.context import is_draining, services

logger = logging.getLogger(__name__)


async def healthz(request: web.Request) -> Health:
    return Health(status="ok", version=__version__)


async def readyz(request: web.Request) -> web.Response:
    """Ready for new clients: the database answers and the node is not draining. A
    node whose Redis is down stays ready: it serves its own clients meanwhile."""
    svc = services(request)

    def health(status: str, code: int, database: str | None = None) -> web.Response:
        answer = Health(status=status, version=__version__, database=database,
                        node=svc.node.name, bus=svc.node.bus_state())  # fmt: skip
        return json_response(answer, code)

    if is_draining(request.app):
        return health("draining", 503)
    try:
        await svc.database.ping()
    except MeetRoomError as exc:
        logger.warning("not ready: %s", exc)
        return health("unavailable", 503, "unreachable")
    return health("ready", 200, "ok")


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
        "Readiness: the database is reachable and the node is not draining",
        "health",
        response=Health,
        authenticated=False,
        errors=(503,),
        same_body=(503,),
    ),
]
