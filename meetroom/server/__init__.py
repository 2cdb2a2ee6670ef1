"""Everything that speaks HTTP: routes, pages, JSON API, middlewares."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import signal
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from meetroom.config import Settings, bundled_path
from meetroom.server import connections, edge, middlewares
from meetroom.server.api import accounts as api_accounts
from meetroom.server.api import audit as api_audit
from meetroom.server.api import ballots as api_ballots
from meetroom.server.api import calendar as api_calendar
from meetroom.server.api import decisions as api_decisions
from meetroom.server.api import documents as api_documents
from meetroom.server.api import floor as api_floor
from meetroom.server.api import invitations as api_invitations
from meetroom.server.api import lifecycle as api_lifecycle
from meetroom.server.api import meetings as api_meetings
from meetroom.server.api import minutes as api_minutes
from meetroom.server.api import notes as api_notes
from meetroom.server.api import occurrences as api_occurrences
from meetroom.server.api import proxies as api_proxies
from meetroom.server.api import quorum as api_quorum
from meetroom.server.api import rooms as api_rooms
from meetroom.server.api import users_admin as api_users_admin
from meetroom.server.api import votes as api_votes
from meetroom.server.api.openapi import openapi_document
from meetroom.server.api.registry import Endpoint, add_endpoints, json_response
from meetroom.server.context import (
    CATALOGS,
    DRAINING,
    SERVICES,
    SETTINGS,
    WEB_ROOT,
    ServicesFactory,
)  # fmt: skip
from meetroom.server.drain import drain
from meetroom.server.health import ENDPOINTS as HEALTH_ENDPOINTS
from meetroom.server.i18n import Catalogs
from meetroom.server.live_socket import LIVE_SOCKETS, close_live_sockets, live_socket
from meetroom.server.pages import account as account_pages
from meetroom.server.pages import admin_groups as admin_group_pages
from meetroom.server.pages import admin_users as admin_user_pages
from meetroom.server.pages import audit as audit_pages
from meetroom.server.pages import calendar as calendar_pages
from meetroom.server.pages import documents as document_pages
from meetroom.server.pages import invitations as invitation_pages
from meetroom.server.pages import lifecycle as lifecycle_pages
from meetroom.server.pages import meetings as meeting_pages
from meetroom.server.pages import minutes as minutes_pages
from meetroom.server.pages import minutes_form as minutes_form_pages
from meetroom.server.pages import notes as notes_pages
from meetroom.server.pages import occurrences as occurrence_pages
from meetroom.server.pages import procedure_form as procedure_pages
from meetroom.server.pages import rooms as room_pages
from meetroom.server.pages import time_zone as time_zone_pages
from meetroom.server.pages import votes_form as vote_pages
from meetroom.server.templating import COMPILED_TEMPLATES, install_i18n

logger = logging.getLogger(__name__)

GC_THRESHOLDS = (50_000, 20, 10)

Application = web.Application
API_ENDPOINTS: list[Endpoint] = [
    *api_accounts.ENDPOINTS,
    *api_meetings.ENDPOINTS,
    *api_documents.ENDPOINTS,
    *api_rooms.ENDPOINTS,
    *api_audit.ENDPOINTS,
    *api_users_admin.ENDPOINTS,
    *api_occurrences.ENDPOINTS,
    *api_calendar.ENDPOINTS,
    *api_lifecycle.ENDPOINTS,
    *api_invitations.ENDPOINTS,
    *api_quorum.ENDPOINTS,
    *api_floor.ENDPOINTS,
    *api_votes.ENDPOINTS,
    *api_ballots.ENDPOINTS,
    *api_proxies.ENDPOINTS,
    *api_minutes.ENDPOINTS,
    *api_notes.ENDPOINTS,
    *api_decisions.ENDPOINTS,
]
# Connections the kernel accepts before the server takes them (as aiohttp's TCPSite).
LISTEN_BACKLOG = 128
# Request bodies larger than this are refused with 413 (uploads get their own limit).
MAX_BODY = 1024 * 1024


def web_root() -> Path:
    """web/ inside the installed package, else the repository's top-level web/."""
    root = bundled_path("web")
    if not (root / "templates").is_dir():
        raise RuntimeError(f"{root} has no templates/")
    return root


@functools.cache
def api_document() -> dict[str, Any]:
    """The OpenAPI document of the routes: the same for every application, built once
    (each test's server would otherwise spend some 7 ms on it)."""
    return openapi_document([*API_ENDPOINTS, *HEALTH_ENDPOINTS])


def build_app(settings: Settings, open_services: ServicesFactory) -> web.Application:
    app = web.Application(
        middlewares=[
            edge.error_middleware,
            connections.body_deadline_middleware,
            middlewares.auth_middleware,
            middlewares.password_change_middleware,
            middlewares.csrf_middleware,
        ],
        client_max_size=MAX_BODY,
        handler_args=connections.handler_args(settings),
    )
    root = web_root()
    app[SETTINGS] = settings
    app[WEB_ROOT] = root
    app[CATALOGS] = Catalogs()

    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(root / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        bytecode_cache=COMPILED_TEMPLATES,
    )
    install_i18n(env)

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            app[SERVICES] = services
            yield

    app.cleanup_ctx.append(services_ctx)
    app.on_response_prepare.append(edge.add_security_headers)

    document = api_document()

    async def openapi(request: web.Request) -> web.Response:
        return json_response(document)

    add_endpoints(app, HEALTH_ENDPOINTS)
    add_endpoints(app, API_ENDPOINTS)
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_routes(account_pages.routes)
    app.router.add_routes(meeting_pages.routes)
    app.router.add_routes(document_pages.routes)
    app.router.add_routes(room_pages.routes)
    app.router.add_routes(audit_pages.routes)
    app.router.add_routes(admin_user_pages.routes)
    app.router.add_routes(admin_group_pages.routes)
    app.router.add_routes(occurrence_pages.routes)
    app.router.add_routes(calendar_pages.routes)
    app.router.add_routes(time_zone_pages.routes)
    app.router.add_routes(lifecycle_pages.routes)
    app.router.add_routes(procedure_pages.routes)
    app.router.add_routes(vote_pages.routes)
    app.router.add_routes(minutes_pages.routes)
    app.router.add_routes(minutes_form_pages.routes)
    app.router.add_routes(notes_pages.routes)
    app.router.add_routes(invitation_pages.routes)
    app.router.add_get("/m/{meeting_id}/socket", live_socket)
    app.router.add_get("/calendar/{token}.ics", api_invitations.calendar_feed)
    app[LIVE_SOCKETS] = weakref.WeakSet()
    app[DRAINING] = asyncio.Event()
    app.on_shutdown.append(close_live_sockets)
    app.router.add_static("/static", root / "static", append_version=False)
    return app


def serve(
    app: web.Application, host: str, port: int, *, reuse_port: bool = False,
    drain_seconds: float = 0.0, on_ready: Callable[[], None] | None = None,
) -> None:  # fmt: skip
    """Serve until Ctrl-C (stop now) or SIGTERM (drain first, see drain.py), then close
    every resource. `reuse_port`: several processes listen on the same port."""
    app.on_startup.append(_tune_gc)
    loop = _event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve(app, host, port, reuse_port, drain_seconds, on_ready))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _serve(
    app: web.Application, host: str, port: int, reuse_port: bool, drain_seconds: float,
    on_ready: Callable[[], None] | None,
) -> None:  # fmt: skip
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=10, handle_signals=False)
    await runner.setup()
    listener = None
    try:
        listener = await _listen(app, runner, host, port, reuse_port)
        if on_ready is not None:
            on_ready()
        loop = asyncio.get_running_loop()
        signals: list[signal.Signals] = []
        signalled = asyncio.Event()

        def on_signal(which: signal.Signals) -> None:
            signals.append(which)
            signalled.set()

        for which in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(which, on_signal, which)
        await signalled.wait()
        if signals[0] == signal.SIGTERM and drain_seconds > 0:
            signalled.clear()  # a second signal ends the drain at once
            await drain(app, drain_seconds, signalled)
    finally:
        if listener is not None:
            listener.close()  # no new connections while the open ones are closed
        await runner.cleanup()


async def _listen(
    app: web.Application, runner: web.AppRunner, host: str, port: int, reuse_port: bool
) -> asyncio.AbstractServer:
    """The listening socket, its connections counted (server/connections.py): rather
    than aiohttp's TCPSite, whose protocol factory is the request handlers themselves."""
    settings = app[SETTINGS]
    assert runner.server is not None
    cap = connections.ConnectionCap(
        runner.server,
        connections.fit_open_files(settings.max_connections),
        connections.refusal_response(settings, app[CATALOGS]),
    )
    return await asyncio.get_running_loop().create_server(
        cap, host, port, backlog=LISTEN_BACKLOG, reuse_port=reuse_port or None
    )


async def _tune_gc(_app: web.Application) -> None:
    # A room of a thousand tablets keeps ~10^5 objects alive and makes a few short-lived
    # ones per frame. With the default thresholds the young ones outlive enough
    # collections to be promoted, and full collections then stop the loop for ~100 ms
    # every few seconds: that was the page-turn p99 in bench/fanout.py. Rarer young
    # collections let them die young; what is loaded at start-up is never scanned again.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _event_loop() -> asyncio.AbstractEventLoop:
    # uvloop roughly halves the cost of a WebSocket frame, which is what fan-out to a
    # room of tablets is made of; the standard loop serves where it is not installed.
    try:
        import uvloop
    except ImportError:
        logger.info("uvloop is not installed; serving on the standard asyncio loop")
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
