"""What the HTTP layer is handed by the composition root, and typed keys to reach it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web

from meetroom.accounts.admin import UserAdmin
from meetroom.accounts.audit import AuditLog
from meetroom.accounts.csv_import import UserImporter
from meetroom.accounts.groups import GroupService
from meetroom.accounts.service import AccountService
from meetroom.config import Settings
from meetroom.meetings.feed import CalendarFeedService
from meetroom.meetings.invitations import InvitationService
from meetroom.meetings.lifecycle import LifecycleService
from meetroom.meetings.mail_delivery import MailDelivery
from meetroom.meetings.service import MeetingService
from meetroom.minutes.live import LiveNotes
from meetroom.minutes.service import MinutesService
from meetroom.records.accounts import Principal
from meetroom.scheduling.rooms import RoomService
from meetroom.server.i18n import Catalogs
from meetroom.sessions.attendance import AttendanceRecorder
from meetroom.sessions.floor.live import LiveFloor
from meetroom.sessions.live.service import LiveService
from meetroom.sessions.papers.agenda import AgendaService
from meetroom.sessions.papers.documents import DocumentService
from meetroom.sessions.video.relay import VideoGateway
from meetroom.sessions.video.service import VideoService
from meetroom.sessions.votes.live import LiveVotes


class HealthCheck(Protocol):
    async def ping(self) -> None: ...


class KeyValue(Protocol):
    """The server's own small settings kept in the database (the demo meeting's id)."""

    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str) -> None: ...


class Node(Protocol):
    """This process as one node among several (or the only one)."""

    @property
    def name(self) -> str: ...
    def bus_state(self) -> str:
        """ "local" (one node), "ok", or "down" (Redis unreachable; reconnecting)."""
        ...

    async def start_draining(self) -> None:
        """Take no new video rooms (SIGTERM)."""
        ...

    async def hand_over(self) -> None:
        """Give up the video rooms held here: their peers rejoin on another node."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    accounts: AccountService
    meetings: MeetingService
    agenda: AgendaService
    documents: DocumentService
    live: LiveService
    video: VideoService
    video_gateway: VideoGateway  # the video rooms of every node, for the sockets
    database: HealthCheck
    state: KeyValue
    secret: bytes
    rooms: RoomService
    audit: AuditLog
    user_admin: UserAdmin
    user_import: UserImporter
    groups: GroupService
    lifecycle: LifecycleService
    attendance: AttendanceRecorder
    floor: LiveFloor  # the speakers' queue and the quorum, told to every client
    votes: LiveVotes  # the meeting's votes, their ballots and results
    notes: LiveNotes  # the secretary's notes, action items, decisions
    minutes: MinutesService  # drafted at the close, approved, frozen, signed
    invitations: InvitationService
    calendar_feed: CalendarFeedService
    # None: no SMTP server configured, no mail is sent.
    mail: MailDelivery | None
    node: Node


ServicesFactory = Callable[[Settings], AbstractAsyncContextManager[Services]]


@dataclass(frozen=True, slots=True)
class RequestAuth:
    principal: Principal
    # The raw session cookie, when the request carries one: it seeds the CSRF token.
    session_cookie: str | None
    # True when the principal came from a cookie: such requests need a CSRF token.
    cookie_authenticated: bool


SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
WEB_ROOT = web.AppKey("web_root", Path)
CATALOGS = web.AppKey("catalogs", Catalogs)
# Set on SIGTERM (see drain.py): no new sockets, readiness 503.
DRAINING = web.AppKey("draining", asyncio.Event)

AUTH = web.RequestKey("auth", RequestAuth)
LOCALE = web.RequestKey("locale", str)
CSRF_TOKEN = web.RequestKey("csrf_token", str)


def is_draining(app: web.Application) -> bool:
    event = app.get(DRAINING)
    return event is not None and event.is_set()


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def principal(request: web.Request) -> Principal:
    auth = request.get(AUTH)
    return auth.principal if auth else Principal()


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def client_address(request: web.Request) -> str:
    if request.app[SETTINGS].trust_proxy_headers:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return (request.remote or "unknown")[:64]


def is_https(request: web.Request) -> bool:
    if request.app[SETTINGS].trust_proxy_headers:
        proto = request.headers.get("X-Forwarded-Proto", "")
        if proto:
            return proto.split(",")[0].strip().lower() == "https"
    return request.scheme == "https"


def base_url(request: web.Request) -> str:
    """Where participants reach this server: the setting, else this request's origin."""
    configured = request.app[SETTINGS].public_url
    if configured:
        return configured.rstrip("/")
    scheme = "https" if is_https(request) else "http"
    return f"{scheme}://{request.host}"
