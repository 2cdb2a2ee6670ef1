"""SIGTERM: drain this node. It stops taking new rooms and new sockets (readiness
turns 503, so a proxy sends newcomers elsewhere), keeps serving the clients it has
until they leave or `drain_seconds` pass, then hands its video rooms over and closes
the sockets with 1001 "going away": clients reconnect, through the proxy, to
another node and resume from their last sequence number."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from meetroom.server.context import DRAINING, SERVICES
from meetroom.server.live_socket import LIVE_SOCKETS

logger = logging.getLogger(__name__)

CHECK_INTERVAL = 0.2


async def drain(app: web.Application, seconds: float, interrupted: asyncio.Event) -> None:
    """Returns when the node may shut down; a second signal (`interrupted`) cuts it short."""
    app[DRAINING].set()
    node = app[SERVICES].node
    await node.start_draining()
    sockets = app[LIVE_SOCKETS]
    logger.info("draining: %d client(s) connected; waiting up to %.0f s", len(sockets), seconds)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while len(sockets) and loop.time() < deadline and not interrupted.is_set():
        await asyncio.sleep(CHECK_INTERVAL)
    if len(sockets):
        logger.info("drain time is up: handing %d client(s) over", len(sockets))
    await node.hand_over()
