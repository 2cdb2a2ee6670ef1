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
    node, bus = svc.node.name, svc.node.bus_state()
    if is_draining(request.app):
        return json_response(
            Health(status="draining", version=__version__, node=node, bus=bus), 503
        )
    try:
        await svc.database.ping()
    except MeetRoomError as exc:
        logger.warning("not ready: %s", exc)
        health = Health(
            status="unavailable", version=__version__, database="unreachable", node=node, bus=bus
        )
        return json_response(health, 503)
    return json_response(
        Health(status="ready", version=__version__, database="ok", node=node, bus=bus)
    )


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
    ),
]
