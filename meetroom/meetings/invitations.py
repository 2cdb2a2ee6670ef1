"""Invitations by e-mail: an invitation when a participant with an account and an
e-mail address is added (or when the secretary sends them), an update when the
meeting's time, room or title changes, a cancellation when it is deleted or the
participant removed. Each is put in the outbox in the request that causes it; the
outbox's sender delivers it (see `mail_delivery`)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, ParticipantId, RoomId, new_id
from meetroom.meetings.calendar_events import (
    EventInfo,
    Person,
    cancelled_sequence,
    event_lines,
    event_uid,
    sequence_of,
    vcalendar,
)
from meetroom.meetings.ics import place
from meetroom.meetings.invitation_mail import MailFacts, MailTexts, compose
from meetroom.meetings.join_links import IssuedLink
from meetroom.meetings.ports import UserDirectory
from meetroom.meetings.service import MeetingService
from meetroom.records.accounts import Principal, User
from meetroom.records.documents import AgendaItem
from meetroom.records.mail import MailAttachment, MailKind, MailState, MailStatus, OutgoingMail
from meetroom.records.meetings import Meeting, MeetingStatus, Participant
from meetroom.records.rooms import Room

logger = logging.getLogger(__name__)


class Outbox(Protocol):
    async def enqueue(self, mails: Sequence[OutgoingMail]) -> None: ...
    async def states_for_meeting(self, meeting_id: MeetingId) -> list[MailState]: ...


class AgendaItems(Protocol):
    async def list_items(self, meeting_id: MeetingId) -> list[AgendaItem]: ...


class RoomLookup(Protocol):
    async def get_room(self, room_id: RoomId) -> Room | None: ...


@dataclass(frozen=True, slots=True)
class MailSettings:
    enabled: bool  # an SMTP server is configured
    sender_name: str
    sender_email: str
    default_locale: str
    default_zone: str
    # public_url, else the actor's origin, else this (e.g. http://127.0.0.1:8080).
    public_url: str
    fallback_url: str


class Outcome(enum.StrEnum):
    QUEUED = "queued"
    NO_EMAIL = "no_email"
    GUEST = "guest"
    ALREADY_INVITED = "already_invited"


@dataclass(frozen=True, slots=True)
class InvitationResult:
    participant: Participant
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Delivery:
    """The latest mail to one participant about one meeting."""

    kind: MailKind
    status: MailStatus
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


def sends_invitations(meeting: Meeting) -> bool:
    """Only scheduled meetings are announced. Meetings have no status yet (all are
    scheduled); once `lifecycle` adds one, a draft is not announced."""
    status = getattr(meeting, "status", "scheduled")
    return str(getattr(status, "value", status)) == "scheduled"


# What a change must touch to be announced (a new description alone is not).
ANNOUNCED_FIELDS = ("title", "starts_at", "ends_at", "location", "room_id")


class InvitationService:
    def __init__(
        self,
        meetings: MeetingService,
        users: UserDirectory,
        agenda: AgendaItems,
        rooms: RoomLookup,
        outbox: Outbox,
        texts: MailTexts,
        clock: Clock,
        settings: MailSettings,
    ) -> None:
        self.meetings = meetings
        self.users = users
        self.agenda = agenda
        self.rooms = rooms
        self.outbox = outbox
        self.texts = texts
        self.clock = clock
        self.settings = settings
        # Called after mail is queued (the sender's wake-up).
        self.on_queued: list[Callable[[], None]] = []

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    # -- the secretary's button ---------------------------------------------------

    async def send(
        self, actor: Principal, meeting_id: MeetingId, *, only_new: bool = True
    ) -> list[InvitationResult]:
        """Invite every participant (or those not invited yet) who can get e-mail."""
        meeting = await self.meetings.open_for_change(actor, meeting_id)
        if not self.enabled:
            raise Conflict(
                "mail_not_configured",
                N_("E-mail is not set up on this server (no SMTP server in the settings)."),
            )
        if not sends_invitations(meeting):
            raise Conflict(
                "meeting_not_scheduled", N_("Invitations go out once the meeting is scheduled.")
            )
        return await self._invite(actor, meeting, only_new)

    async def status_changed(self, meeting: Meeting, before: MeetingStatus) -> None:
        """A draft published: those not invited yet get their invitation (the
        lifecycle tells this, as it tells the live session)."""
        if before is MeetingStatus.DRAFT and self._announces(meeting):
            # No request to take an address from: the public_url setting, or the
            # server's own address, makes the join links.
            await self._invite(Principal(), meeting, only_new=True)

    async def _invite(
        self, actor: Principal, meeting: Meeting, only_new: bool
    ) -> list[InvitationResult]:
        meeting_id = meeting.id
        people = await self.meetings.store.list_participants(meeting_id)
        invited = await self._invited(meeting_id) if only_new else set()
        results: list[InvitationResult] = []
        mails: list[OutgoingMail] = []
        context = await self._context(meeting)
        for p in people:
            user = await self._user_of(p)
            if p.user_id is None:
                outcome = Outcome.GUEST
            elif user is None or not user.email:
                outcome = Outcome.NO_EMAIL
            elif p.id in invited:
                outcome = Outcome.ALREADY_INVITED
            else:
                link = await self.meetings.links.get(meeting, p)
                mails.append(
                    self._mail(actor, MailKind.INVITATION, meeting, p, user, context, link=link)
                )
                outcome = Outcome.QUEUED
            results.append(InvitationResult(p, outcome))
        await self._enqueue(mails)
        return results

    async def deliveries(
        self, actor: Principal, meeting_id: MeetingId
    ) -> dict[ParticipantId, Delivery]:
        await self.meetings.open_for_change(actor, meeting_id)
        latest: dict[ParticipantId, Delivery] = {}
        for m in await self.outbox.states_for_meeting(meeting_id):
            if m.participant_id is None or m.kind is None:
                continue
            latest[m.participant_id] = Delivery(
                m.kind, m.status, m.attempts, m.last_error, m.created_at, m.sent_at
            )
        return latest

    # -- MeetingWatcher ------------------------------------------------------------

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        if not self._announces(meeting):
            return
        user = await self._user_of(participant)
        if user is None or not user.email:
            return
        context = await self._context(meeting)
        link = await self.meetings.links.get(meeting, participant)
        await self._enqueue(
            [self._mail(actor, MailKind.INVITATION, meeting, participant, user, context, link=link)]
        )

    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        await self._cancel(actor, meeting, [participant], removed=True)

    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None:
        if not self._announces(after):
            return
        if all(getattr(before, f) == getattr(after, f) for f in ANNOUNCED_FIELDS):
            return
        invited = await self._invited(after.id)
        if not invited:
            return
        people = await self.meetings.store.list_participants(after.id)
        context = await self._context(after)
        mails = []
        for p in people:
            user = await self._user_of(p)
            if p.id in invited and user is not None and user.email:
                link = await self.meetings.links.get(after, p)
                mails.append(self._mail(actor, MailKind.UPDATE, after, p, user, context, link=link))
        await self._enqueue(mails)

    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None:
        await self._cancel(actor, meeting, participants, removed=False)

    # -- building mail -------------------------------------------------------------

    def _announces(self, meeting: Meeting) -> bool:
        return self.enabled and sends_invitations(meeting) and meeting.ends_at > self.clock.now()

    async def _cancel(
        self, actor: Principal, meeting: Meeting, people: list[Participant], removed: bool
    ) -> None:
        """Cancellations go to those who were sent an invitation."""
        if not self.enabled or meeting.ends_at <= self.clock.now():
            return
        invited = await self._invited(meeting.id)
        mails = []
        context = await self._context(meeting, with_agenda=False)
        for p in people:
            user = await self._user_of(p)
            if p.id in invited and user is not None and user.email:
                mail = self._mail(actor, MailKind.CANCELLATION, meeting, p, user, context, removed)
                mails.append(mail)
        await self._enqueue(mails)

    async def _invited(self, meeting_id: MeetingId) -> set[ParticipantId]:
        """Participants sent (or about to be sent) an invitation or an update."""
        latest: dict[ParticipantId, MailState] = {}
        for m in await self.outbox.states_for_meeting(meeting_id):
            if m.participant_id is not None:
                latest[m.participant_id] = m
        return {
            pid
            for pid, m in latest.items()
            if m.kind in (MailKind.INVITATION, MailKind.UPDATE)
            and m.status is not MailStatus.FAILED
        }

    async def _user_of(self, p: Participant) -> User | None:
        if p.user_id is None:
            return None
        user = await self.users.get_user(p.user_id)
        return None if user is None or user.disabled else user

    async def _context(self, meeting: Meeting, with_agenda: bool = True) -> _Context:
        location = meeting.location
        if meeting.room_id is not None:
            location = place(await self.rooms.get_room(meeting.room_id), meeting.location)
        agenda: tuple[str, ...] = ()
        if with_agenda:
            agenda = tuple(i.title for i in await self.agenda.list_items(meeting.id))
        return _Context(location, agenda)

    def base_url(self, actor: Principal) -> str:
        return (self.settings.public_url or actor.origin or self.settings.fallback_url).rstrip("/")

    def _mail(
        self,
        actor: Principal,
        kind: MailKind,
        meeting: Meeting,
        p: Participant,
        user: User,
        context: _Context,
        removed: bool = False,
        link: IssuedLink | None = None,
    ) -> OutgoingMail:
        """`link`: the participant's join link; None in a cancellation."""
        assert user.email
        now = self.clock.now()
        base = self.base_url(actor)
        host = urlsplit(base).hostname or "meetroom"
        cancelled = kind is MailKind.CANCELLATION
        join_url = f"{base}/j/{link.token}" if link is not None else ""
        facts = MailFacts(
            kind=kind,
            locale=user.locale or self.settings.default_locale,
            zone=user.time_zone or self.settings.default_zone,
            recipient_name=p.name,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=context.location,
            agenda=context.agenda,
            join_url=join_url,
            link_expires_at=link.expires_at if link is not None else None,
            removed=removed,
        )
        body = compose(self.texts, facts)
        event = EventInfo(
            uid=event_uid(meeting.id, host),
            sequence=cancelled_sequence(meeting, now) if cancelled else sequence_of(meeting),
            stamp=now,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            title=meeting.title,
            description="" if cancelled else f"{join_url}\n\n{meeting.description}".strip(),
            location=context.location,
            url=join_url,
            cancelled=cancelled,
            organizer=Person(self.settings.sender_name or "MeetRoom", self.settings.sender_email),
            attendee=Person(p.name, user.email),
        )
        method = "CANCEL" if cancelled else "REQUEST"
        ics = MailAttachment(
            filename="cancel.ics" if cancelled else "invite.ics",
            content_type="text/calendar",
            content=vcalendar([event_lines(event)], method=method),
            params=(("method", method),),
        )
        return OutgoingMail(
            id=new_id(),
            recipient=user.email,
            recipient_name=p.name,
            subject=body.subject,
            text=body.text,
            html=body.html,
            attachments=(ics,),
            created_at=now,
            kind=kind,
            meeting_id=meeting.id,
            participant_id=p.id,
        )

    async def _enqueue(self, mails: list[OutgoingMail]) -> None:
        if not mails:
            return
        await self.outbox.enqueue(mails)
        logger.info("queued %d mail(s) about meeting %s", len(mails), mails[0].meeting_id)
        for wake in self.on_queued:
            wake()


@dataclass(frozen=True, slots=True)
class _Context:
    location: str
    agenda: tuple[str, ...]
