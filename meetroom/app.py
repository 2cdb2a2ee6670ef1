"""The composition root: the only place that picks concrete backends."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from meetroom.accounts.admin import UserAdmin
from meetroom.accounts.csv_import import UserImporter
from meetroom.accounts.groups import GroupService
from meetroom.admin_services import (
    MinutesRecordView,
    compose_accounts,
    compose_votes,
    minutes_settings,
    prepare_data_dir,
)
from meetroom.auth.feeds import FeedTokenSigner
from meetroom.auth.tokens import JoinLinkSigner, JoinLinkTokens
from meetroom.auth.turn import turn_credentials
from meetroom.bus.directory import RedisDirectory
from meetroom.bus.local import LocalBus, LocalDirectory
from meetroom.bus.redis import RedisBus
from meetroom.clock import Clock, SystemClock
from meetroom.config import Settings
from meetroom.mail.message import sender_address
from meetroom.mail.smtp import SmtpSender, SmtpSettings
from meetroom.meetings.feed import CalendarFeedService
from meetroom.meetings.invitations import InvitationService, MailSettings
from meetroom.meetings.lifecycle import LifecycleService
from meetroom.meetings.mail_delivery import MailDelivery
from meetroom.meetings.service import MeetingService
from meetroom.minutes.drafting import Drafter
from meetroom.minutes.kept import KeptCertificateFiles
from meetroom.minutes.live import LiveNotes
from meetroom.minutes.notes import NotesService
from meetroom.minutes.service import MinutesService
from meetroom.minutes.signature import Signing
from meetroom.pdf.derived import Derived
from meetroom.pdf.limits import Limits
from meetroom.pdf.pipeline import Pipeline
from meetroom.pdf.pool import WorkerPool
from meetroom.pdf.storage import BlobStore
from meetroom.protocol.video import IceServerInfo
from meetroom.records.audit import AuditTrail
from meetroom.scheduling.rooms import RoomService
from meetroom.server import Application, build_app
from meetroom.server.context import Services
from meetroom.server.i18n import Catalogs
from meetroom.server.mail_texts import CatalogMailTexts
from meetroom.sessions.attendance import AttendanceRecorder
from meetroom.sessions.floor.live import LiveFloor
from meetroom.sessions.floor.roll import RollService
from meetroom.sessions.floor.service import FloorService
from meetroom.sessions.live.ports import LiveBus
from meetroom.sessions.live.quota import Quotas
from meetroom.sessions.live.service import LiveService
from meetroom.sessions.papers.agenda import AgendaService
from meetroom.sessions.papers.documents import DocumentService
from meetroom.sessions.papers.ports import FileProgress
from meetroom.sessions.video.ports import RoomDirectory
from meetroom.sessions.video.relay import VideoGateway
from meetroom.sessions.video.service import VideoService
from meetroom.sessions.votes.live import LiveVotes
from meetroom.sfu import SFU, SfuSettings
from meetroom.signing import PadesSigner
from meetroom.store.agenda import SqlAgendaStore
from meetroom.store.attendance import SqlAttendanceStore
from meetroom.store.calendar import SqlCalendarStore
from meetroom.store.database import Database
from meetroom.store.documents import SqlDocumentStore
from meetroom.store.files import SqlFileStore
from meetroom.store.floor import SqlFloorStore
from meetroom.store.groups import SqlGroupStore
from meetroom.store.join_links import SqlJoinLinkStore
from meetroom.store.live import SqlLiveStore
from meetroom.store.mail import SqlMailOutbox
from meetroom.store.meetings import SqlAppState
from meetroom.store.minutes import SqlMinutesStore
from meetroom.store.minutes_notes import SqlNotesStore
from meetroom.store.quorum import SqlQuorumStore, SqlVotingMembers
from meetroom.store.recurrence import SqlSeriesStore
from meetroom.store.rooms import SqlRoomStore
from meetroom.store.users import SqlUserStore
from meetroom.typeset import MinutesTypesetter
from meetroom.workers import base_node_name

logger = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL = 3600.0


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    on_open: Callable[[Services], Awaitable[object]] | None = None,
) -> Application:
    """The server on its services, opened at start-up; `on_open` runs on them first
    (`meetroom serve` makes the admin account and the demo meeting there, rather than
    on a second set of services with a document worker pool of its own)."""

    @contextlib.asynccontextmanager
    async def services(s: Settings) -> AsyncIterator[Services]:
        async with open_services(s, clock=clock, housekeeping=True) as opened:
            if on_open is not None:
                await on_open(opened)
            yield opened

    return build_app(settings, services)


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    housekeeping: bool = False,
    documents: bool = True,
) -> AsyncIterator[Services]:
    """Open the database (migrating it) and the document pipeline, and build the
    domain services on them. `documents=False`: the pipeline's worker processes are not
    started, nor unfinished files resumed (a command that touches no document, such as
    `user add`, neither waits for them nor leaves a file half processed as it exits)."""
    prepare_data_dir(settings)
    db = Database.open(settings.effective_database_url, settings.database_schema)
    task = None
    mail_task = None
    pipeline = None
    services: Services | None = None
    # A command (user add, audit export...) needs no other node; a server does.
    bus, directory = open_cluster(settings, scale_out=housekeeping)
    started: list[NodeBus | NodeDirectory] = []
    try:
        await db.migrate()
        for part in (bus, directory):
            await part.start()
            started.append(part)
        clock = clock or SystemClock()
        pipeline = _pipeline(settings, db, clock)
        if documents:
            await pipeline.start()
        services = compose(settings, db, clock, pipeline, bus, directory)
        await services.audit.open()
        resumed = await services.documents.resume() if documents else 0
        if resumed:
            logger.info("resumed processing %d document file(s)", resumed)
        if housekeeping:
            task = asyncio.create_task(_housekeeping(services), name="housekeeping")
            services.votes.start()  # countdowns that ran out, on any node
            if services.mail is not None:
                mail_task = asyncio.create_task(services.mail.run(), name="mail-sender")
        yield services
    finally:
        for running in (task, mail_task):
            if running is not None:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        if services is not None:
            await services.live.close()
            await services.attendance.settled()
            await services.floor.close()  # after attendance: it may tell the quorum
            await services.votes.close_all()
            await services.video_gateway.close()  # and the video service
            await services.audit.close()  # the last head written
        if pipeline is not None:
            await pipeline.close()
        for part in reversed(started):
            await part.close()
        await db.close()


class NodeBus(LiveBus, Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class NodeDirectory(RoomDirectory, Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...


def open_cluster(settings: Settings, scale_out: bool) -> tuple[NodeBus, NodeDirectory]:
    """The in-process bus and room directory for one node; Redis when several nodes
    share the database (`redis_url`)."""
    name = node_name(settings)
    if not (scale_out and settings.redis_url):
        return LocalBus(node=name), LocalDirectory(node=name)
    prefix = cluster_prefix(settings)
    host = settings.host if settings.host not in ("0.0.0.0", "::") else socket.gethostname()
    url = f"http://{host}:{settings.port}"
    return (
        RedisBus(settings.redis_url, prefix, name),
        RedisDirectory(settings.redis_url, prefix, name, node_url=url),
    )


class ClusterNode:
    """This process as a node: its name, its bus and room directory (in-process for one
    node, Redis for several: the only place that knows which), and its video rooms."""

    def __init__(self, bus: LiveBus, directory: RoomDirectory, video: VideoGateway) -> None:
        self.bus = bus
        self.directory = directory
        self.video = video

    @property
    def name(self) -> str:
        return self.bus.node

    def bus_state(self) -> str:
        connected = getattr(self.bus, "connected", None)
        if connected is None:
            return "local"
        return "ok" if connected else "down"

    async def start_draining(self) -> None:
        self.directory.set_draining()

    async def hand_over(self) -> None:
        await self.video.hand_over()


def node_name(settings: Settings) -> str:
    # Unnamed, a restarted process is a new node: its old key simply expires.
    return settings.node_name or f"{base_node_name(settings)}-{os.getpid()}"


def cluster_prefix(settings: Settings) -> str:
    """Redis keys and channels of one cluster: the nodes sharing one database (and
    schema) share them; another cluster on the same Redis does not."""
    shared = f"{settings.effective_database_url}#{settings.database_schema}"
    return f"meetroom:{hashlib.sha256(shared.encode()).hexdigest()[:12]}:"


def document_limits(settings: Settings) -> Limits:
    return Limits(
        max_file_bytes=settings.upload_max_mb * 1024 * 1024,
        max_pages=settings.pdf_max_pages,
        page_timeout_s=settings.pdf_page_timeout_seconds,
        document_timeout_s=settings.pdf_document_timeout_seconds,
        memory_bytes=settings.pdf_worker_memory_mb * 1024 * 1024,
    )


def _pipeline(settings: Settings, db: Database, clock: Clock) -> Pipeline:
    limits = document_limits(settings)
    workers = settings.pdf_workers or os.cpu_count() or 1
    return Pipeline(
        WorkerPool(workers, limits),
        BlobStore(settings.data_path / "documents"),
        limits,
        FileProgress(SqlFileStore(db), clock),
    )


def compose(
    settings: Settings, db: Database, clock: Clock, pipeline: Pipeline, bus: LiveBus,
    directory: RoomDirectory,
) -> Services:  # fmt: skip
    admin = compose_accounts(settings, db, clock)
    secret, users, sessions = admin.secret, admin.users, admin.sessions
    meeting_store, passwords, audit = admin.meeting_store, admin.passwords, admin.audit
    accounts = admin.accounts
    agenda_store = SqlAgendaStore(db)
    rooms = RoomService(SqlRoomStore(db), users, clock, settings.timezone, audit=audit)
    group_store = SqlGroupStore(db)
    meetings = MeetingService(
        meeting_store,
        users,
        JoinLinkSigner(secret),
        clock,
        timedelta(hours=settings.join_link_grace_hours),
        rooms=rooms,
        groups=group_store,
        series=SqlSeriesStore(db),
        audit=audit,
        join_links=SqlJoinLinkStore(db),
        join_tokens=JoinLinkTokens(secret),
    )
    documents = DocumentService(
        SqlDocumentStore(db),
        SqlFileStore(db),
        agenda_store,
        meetings,
        pipeline,
        Derived(pipeline),
        pipeline.blobs,
        clock,
        settings.timezone,
        settings.upload_max_mb * 1024 * 1024,
        audit=audit,
    )
    attendance_store = SqlAttendanceStore(db)
    attendance = AttendanceRecorder(attendance_store, meetings, clock)
    quotas = Quotas(
        per_page=settings.live_page_max_annotations,
        per_person=settings.live_person_max_operations,
        person_mb=settings.live_person_max_mb,
        meeting_mb=settings.live_meeting_max_mb,
    )
    live = LiveService(meetings, SqlLiveStore(db), bus, documents, clock, attendance, quotas=quotas)
    meetings.watch(live.presenting)  # a presenter removed from the meeting hands back
    documents.watch(live.visibility)  # access lists changed apply to open sockets at once
    # Rights that change reach the open sockets at once, on every node.
    live.rights.principals = accounts
    meetings.listen(live.rights)
    accounts.listen(live.rights)
    video = VideoService(
        lambda events: SFU(sfu_settings(settings), events), ice_servers_for(settings, clock)
    )
    video_gateway = VideoGateway(video, directory, bus)
    lifecycle = LifecycleService(
        meetings, meeting_store, clock, audit, listeners=(live, video_gateway)
    )
    roll = RollService(
        SqlQuorumStore(db), SqlVotingMembers(db), attendance_store, meeting_store, clock
    )
    floor = LiveFloor(FloorService(SqlFloorStore(db), meeting_store, clock), roll, live, clock)
    attendance.on_change.append(floor.quorum_changed)  # the quorum follows who is here
    meetings.watch(floor)  # and who the voting members are
    bus.on_resync(lambda: floor.resync(live.held()))
    meetings.listen(floor)
    lifecycle.add_listener(floor)  # after the live session: attendance counted first
    votes = LiveVotes(compose_votes(admin, roll), live, clock)
    floor.teller.more_views.append(votes.current)  # told with the floor on joining
    lifecycle.add_listener(votes)  # a meeting closed closes its open vote
    notes = LiveNotes(
        NotesService(SqlNotesStore(db), meeting_store, agenda_store, votes.votes, clock), live
    )
    minutes = compose_minutes(settings, db, clock, audit, notes)
    notes.notes.lock = minutes  # frozen minutes keep their notes and action items
    lifecycle.add_listener(minutes)  # a meeting that ends gets its draft
    invitations, calendar_feed, mail = compose_mail(settings, db, clock, secret, meetings)
    lifecycle.add_listener(invitations)  # a published draft sends its invitations
    return Services(
        settings=settings,
        accounts=accounts,
        meetings=meetings,
        agenda=AgendaService(agenda_store, meetings, clock),
        documents=documents,
        live=live,
        video=video,
        video_gateway=video_gateway,
        database=db,
        state=SqlAppState(db),
        secret=secret,
        rooms=rooms,
        audit=audit,
        user_admin=UserAdmin(accounts, users, sessions, passwords, clock, audit),
        user_import=UserImporter(users, group_store, group_store, passwords, clock, audit),
        groups=GroupService(group_store, users, clock, audit),
        lifecycle=lifecycle,
        attendance=attendance,
        floor=floor,
        votes=votes,
        notes=notes,
        minutes=minutes,
        invitations=invitations,
        calendar_feed=calendar_feed,
        mail=mail,
        node=ClusterNode(bus, directory, video_gateway),
    )


def compose_minutes(
    settings: Settings, db: Database, clock: Clock, audit: AuditTrail, notes: LiveNotes
) -> MinutesService:
    """The minutes on their store, the record's stores, the typesetter and the signer
    (trusting the roots of `signing_trust_roots`), and the certificates kept in
    `signing_dir`."""
    drafter = Drafter(MinutesRecordView(db, notes.notes), minutes_settings(settings))
    store = SqlMinutesStore(db)
    roots = (
        Path(settings.signing_trust_roots).read_bytes() if settings.signing_trust_roots else None
    )
    signer = PadesSigner(roots)
    kept = KeptCertificateFiles(settings.signing_path)
    signing = Signing(store, signer, kept, audit, clock, drafter.settings)
    return MinutesService(store, drafter, notes, MinutesTypesetter(), signing, audit, clock)


def compose_mail(
    settings: Settings, db: Database, clock: Clock, secret: bytes, meetings: MeetingService
) -> tuple[InvitationService, CalendarFeedService, MailDelivery | None]:
    """Invitations by e-mail (when an SMTP server is set), the outbox's sender, and
    the calendar feeds; both told of meeting changes by `meetings`."""
    users = SqlUserStore(db)
    rooms = SqlRoomStore(db)
    outbox = SqlMailOutbox(db)
    sender = sender_address(settings.smtp_from)
    invitations = InvitationService(
        meetings,
        users,
        SqlAgendaStore(db),
        rooms,
        outbox,
        CatalogMailTexts(Catalogs()),
        clock,
        MailSettings(
            enabled=bool(settings.smtp_host),
            sender_name=sender.display_name,
            sender_email=sender.addr_spec,
            default_locale=settings.default_locale,
            default_zone=settings.timezone,
            public_url=settings.public_url,
            fallback_url=f"http://{settings.host}:{settings.port}",
        ),
    )
    mail = None
    if settings.smtp_host:
        transport = SmtpSender(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password,
                sender=settings.smtp_from,
                timeout_seconds=settings.smtp_timeout_seconds,
            )
        )
        mail = MailDelivery(outbox, transport, clock)
        invitations.on_queued.append(mail.wake)
    feed = CalendarFeedService(
        SqlCalendarStore(db), FeedTokenSigner(secret), meetings, users, rooms, clock
    )
    meetings.watch(feed)
    meetings.watch(invitations)
    return invitations, feed, mail


def sfu_settings(settings: Settings) -> SfuSettings:
    # The SFU needs no STUN or TURN of its own: it announces its host addresses.
    return SfuSettings(ice_servers=(), host_addresses=settings.media_address_list)


def ice_servers_for(settings: Settings, clock: Clock) -> Callable[[str], list[IceServerInfo]]:
    """What each browser is told to use: the TURN server, with credentials of its own,
    if there is one; never a public STUN server."""

    def servers(participant: str) -> list[IceServerInfo]:
        if not settings.turn_url_list:
            return []
        username, password = turn_credentials(
            settings.turn_secret, participant, clock.now().timestamp(), settings.turn_ttl_seconds
        )
        return [IceServerInfo(list(settings.turn_url_list), username, password)]

    return servers


async def _housekeeping(services: Services) -> None:
    sessions = services.accounts.sessions
    while True:
        try:
            purged = await sessions.purge_expired(services.accounts.clock.now())
            if purged:
                logger.info("purged %d expired sessions", purged)
            await services.calendar_feed.purge()
        except Exception:
            logger.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_INTERVAL)
