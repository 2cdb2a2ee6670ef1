"""Join links: one short token per participant (`/j/<26 characters>`), looked up by
its digest when followed. What it opens, until when, and with which grants is read
from the server's records at that moment, so a new link or a removed participant
stops the old one at once, on every node."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from meetroom.errors import N_, Forbidden, Invalid, NotFound
from meetroom.ids import MeetingId, ParticipantId
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.core import JoinedParticipant, MeetingCore
from meetroom.records.meetings import JoinLink, Meeting, Participant

logger = logging.getLogger(__name__)


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


class JoinLinks(MeetingCore):
    def join_link_expiry(self, meeting: Meeting, made_at: datetime) -> datetime:
        """A series' links serve until its last occurrence ends; a link made after the
        meeting (a new link for a latecomer) serves the grace period from then."""
        last = meeting.series_until or meeting.ends_at
        return max(last, made_at) + self.join_link_grace

    async def join_links(
        self, meeting: Meeting, people: Sequence[Participant]
    ) -> dict[ParticipantId, IssuedLink]:
        """Each participant's live link, made on first use, for callers that checked
        that the actor may manage the meeting (or sends the participant's own mail)."""
        live = {
            link.participant_id: link for link in await self.join_link_store.live_links(meeting.id)
        }
        issued = {}
        for participant in people:
            link = live.get(participant.id)
            token = self._shown(link)
            if link is None or token is None:
                link, token = await self._make(meeting, participant, replace=link is not None)
            issued[participant.id] = IssuedLink(
                token, self.join_link_expiry(meeting, link.created_at)
            )
        return issued

    async def join_link(self, meeting: Meeting, participant: Participant) -> IssuedLink:
        return (await self.join_links(meeting, [participant]))[participant.id]

    def _shown(self, link: JoinLink | None) -> str | None:
        if link is None or link.nonce is None or link.participant_id is None:
            return None
        token = self.join_tokens.token(link.participant_id, link.nonce)
        # Made under another secret key, it cannot be shown again: it is replaced.
        return token if self.join_tokens.digest(token) == link.token_hash else None

    async def _make(
        self, meeting: Meeting, participant: Participant, *, replace: bool
    ) -> tuple[JoinLink, str]:
        nonce = self.join_tokens.new_nonce()
        token = self.join_tokens.token(participant.id, nonce)
        now = self.clock.now()
        link = JoinLink(self.join_tokens.digest(token), meeting.id, participant.id, nonce, now)
        if replace:
            await self.join_link_store.replace_link(link, now)
            return link, token
        if await self.join_link_store.add_link(link):
            return link, token
        # Another request or node made one meanwhile: show that one.
        for other in await self.join_link_store.live_links(meeting.id):
            shown = self._shown(other)
            if other.participant_id == participant.id and shown is not None:
                return other, shown
        raise NotFound("participant_not_found", N_("No such participant in this meeting."))

    async def redeem_join_token(self, token: str) -> JoinedParticipant:
        """Who follows this link, in which meeting, until when; a clear error if the
        link is not (or no longer) good."""
        if token.count(".") == 2:
            return await self._redeem_signed(token)
        canonical = self.join_tokens.canonical(token)
        if canonical is None:
            raise _invalid()
        link = await self.join_link_store.find_link(self.join_tokens.digest(canonical))
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
        expires = self.join_link_expiry(meeting, link.created_at)
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
