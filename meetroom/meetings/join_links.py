"""Join links: one short token per participant (`/j/<26 characters>`), looked up by
its digest when followed. What it opens, until when, and with which grants is read
from the server's records at that moment, so a new link or a removed participant
stops the old one at once, on every node."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden, Invalid, NotFound
from meetroom.ids import MeetingId, ParticipantId
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.access import AccessCheck
from meetroom.meetings.audit import MeetingAudit, participant_details
from meetroom.meetings.events import MeetingEvents
from meetroom.meetings.ports import JoinLinkStore, JoinSigner, JoinTokens, MeetingStore
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.meetings import JoinLink, Meeting, Participant

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JoinedParticipant:
    """Who followed a join link, in which meeting, until when."""

    meeting: Meeting
    participant: Participant
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A participant's join token as the secretary and the invitation show it."""

    token: str
    expires_at: datetime


def _invalid() -> Invalid:
    return Invalid(
        "join_link_invalid",
        N_("This join link is not valid. It may have been copied incompletely or altered."),
    )


def _replaced() -> Forbidden:
    return Forbidden(
        "join_link_revoked",
        N_("This join link was replaced by a newer one. Ask the secretary for it."),
    )


def _removed() -> Forbidden:
    return Forbidden(
        "join_link_revoked",
        N_("This join link no longer works: its participant was removed from the meeting."),
    )


def _expired() -> Forbidden:
    return Forbidden(
        "join_link_expired",
        N_("This join link has expired. Ask the meeting's secretary for a new one."),
    )


class JoinLinks:
    def __init__(
        self,
        store: MeetingStore,
        links: JoinLinkStore,
        tokens: JoinTokens,
        signer: JoinSigner,
        clock: Clock,
        grace: timedelta,
        *,
        access: AccessCheck,
        audit: MeetingAudit,
        events: MeetingEvents,
    ) -> None:
        self.store = store
        self.links = links
        self.tokens = tokens
        self.signer = signer
        self.clock = clock
        # How long a link serves after its meeting (or its making, if made later).
        self.grace = grace
        self.access = access
        self.audit = audit
        self.events = events

    def expiry(self, meeting: Meeting, made_at: datetime) -> datetime:
        """A series' links serve until its last occurrence ends; a link made after the
        meeting (a new link for a latecomer) serves the grace period from then."""
        last = meeting.series_until or meeting.ends_at
        return max(last, made_at) + self.grace

    async def get_all(
        self, meeting: Meeting, people: Sequence[Participant]
    ) -> dict[ParticipantId, IssuedLink]:
        """Each participant's live link, made on first use, for callers that checked
        that the actor may manage the meeting (or sends the participant's own mail)."""
        live = {link.participant_id: link for link in await self.links.live_links(meeting.id)}
        issued = {}
        for participant in people:
            link = live.get(participant.id)
            token = self._shown(link)
            if link is None or token is None:
                link, token = await self._make(meeting, participant, replace=link is not None)
            issued[participant.id] = IssuedLink(token, self.expiry(meeting, link.created_at))
        return issued

    async def get(self, meeting: Meeting, participant: Participant) -> IssuedLink:
        return (await self.get_all(meeting, [participant]))[participant.id]

    def _shown(self, link: JoinLink | None) -> str | None:
        if link is None or link.nonce is None or link.participant_id is None:
            return None
        token = self.tokens.token(link.participant_id, link.nonce)
        # Made under another secret key, it cannot be shown again: it is replaced.
        return token if self.tokens.digest(token) == link.token_hash else None

    async def _make(
        self, meeting: Meeting, participant: Participant, *, replace: bool
    ) -> tuple[JoinLink, str]:
        nonce = self.tokens.new_nonce()
        token = self.tokens.token(participant.id, nonce)
        now = self.clock.now()
        link = JoinLink(self.tokens.digest(token), meeting.id, participant.id, nonce, now)
        if replace:
            await self.links.replace_link(link, now)
            return link, token
        if await self.links.add_link(link):
            return link, token
        # Another request or node made one meanwhile: show that one.
        for other in await self.links.live_links(meeting.id):
            shown = self._shown(other)
            if other.participant_id == participant.id and shown is not None:
                return other, shown
        raise NotFound("participant_not_found", N_("No such participant in this meeting."))

    async def reissue(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        """Revoke every join link given to this participant so far and make a new one."""
        meeting, current = await self.access.open_participant(actor, meeting_id, participant_id)
        # The version revokes the signed links of earlier versions (and tells calendar
        # feeds that the link changed).
        updated = dataclasses.replace(current, link_version=current.link_version + 1)
        await self.store.save_participant(updated)
        await self._make(meeting, updated, replace=True)
        await self.audit.record(
            actor, AuditAction.JOIN_LINK_REISSUED, meeting_id, participant_details(updated)
        )
        # Sessions opened with the old link end (that link may have leaked).
        await self.events.participant_rights_changed(meeting_id, current, updated)
        return updated

    async def redeem(self, token: str) -> JoinedParticipant:
        """Who follows this link, in which meeting, until when; a clear error if the
        link is not (or no longer) good."""
        if token.count(".") == 2:
            return await self._redeem_signed(token)
        canonical = self.tokens.canonical(token)
        if canonical is None:
            raise _invalid()
        link = await self.links.find_link(self.tokens.digest(canonical))
        if link is None:
            raise _invalid()
        if link.revoked_at is not None:
            raise _replaced()
        participant = (
            await self.store.get_participant(link.participant_id) if link.participant_id else None
        )
        if participant is None:
            raise _removed()
        meeting = await self._joined_meeting(link.meeting_id, participant)
        expires = self.expiry(meeting, link.created_at)
        if expires <= self.clock.now():
            raise _expired()
        return JoinedParticipant(meeting, participant, expires)

    async def _redeem_signed(self, token: str) -> JoinedParticipant:
        """A JWT join link of an earlier version: good until its own expiry, unless the
        participant got a new link since (its link version) or was removed."""
        claims = self.signer.verify(token, self.clock.now())
        participant = await self.store.get_participant(claims.participant_id)
        if participant is None:
            raise _removed()
        if participant.link_version != claims.link_version:
            raise _replaced()
        meeting = await self._joined_meeting(claims.meeting_id, participant)
        expires = datetime.fromtimestamp(claims.expires_at, tz=self.clock.now().tzinfo)
        return JoinedParticipant(meeting, participant, expires)

    async def _joined_meeting(self, meeting_id: MeetingId, participant: Participant) -> Meeting:
        if participant.meeting_id != meeting_id:
            raise Forbidden(
                "join_link_wrong_meeting", N_("This join link does not belong to this meeting.")
            )
        meeting = await self.store.get_meeting(meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        if not lifecycle_rules.may_see(meeting, participant, manages=False):
            raise Forbidden(
                "meeting_draft",
                N_("This meeting is still being prepared: its join link works once it is "
                   "published."),
            )  # fmt: skip
        return meeting
