"""Who a login session, or a connection opened with one, stands for now: read again
from the store each time, so that a session ended, an account disabled, a participant
removed or given a new join link stop it at once."""

from __future__ import annotations

import dataclasses

from meetroom.accounts.ports import ParticipantLookup, SessionStore, UserStore
from meetroom.auth.tokens import token_digest
from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden, Unauthenticated
from meetroom.ids import ParticipantId
from meetroom.records.accounts import Principal, WebSession
from meetroom.records.meetings import Participant


def signed_out() -> Unauthenticated:
    """A connection whose session ended (signed out everywhere, the password reset or
    changed elsewhere, the account disabled)."""
    return Unauthenticated("signed_out", N_("You were signed out. Sign in again to continue."))


def removed_from_meeting() -> Forbidden:
    return Forbidden("removed_from_meeting", N_("You were removed from this meeting."))


def join_link_replaced() -> Forbidden:
    """A session opened with a join link the participant has a newer one of."""
    return Forbidden(
        "join_link_replaced",
        N_("This link was replaced by a new one. Ask the meeting's secretary for it."),
    )


class SessionPrincipals:
    """Part of the AccountService (its stores and clock)."""

    users: UserStore
    sessions: SessionStore
    participants: ParticipantLookup
    clock: Clock

    async def principal_for_session(self, cookie: str) -> Principal | None:
        session = await self.sessions.get_session(token_digest(cookie), self.clock.now())
        if session is None:
            return None
        try:
            return await self._session_principal(session)
        except (Unauthenticated, Forbidden):
            return None

    async def recheck(self, principal: Principal) -> Principal:
        """Who a connection opened as `principal` (a meeting socket) is now, as the
        store says: raises `signed_out()` once its session ended or the account was
        disabled, `removed_from_meeting()` once the participant it joined as was
        removed, `join_link_replaced()` once that participant got a new join link."""
        if principal.session_id is not None:
            session = await self.sessions.get_session(principal.session_id, self.clock.now())
            if session is None:
                # Removing a participant deletes its join sessions with it: say why.
                joined = principal.participant if principal.user is None else None
                gone = joined is not None and not await self.participants.get_participant(joined.id)
                if gone:
                    raise removed_from_meeting()
                raise signed_out()
            if session.link_version is None and principal.participant is not None:
                # Opened before versions were recorded: the version the socket saw.
                session = dataclasses.replace(
                    session, link_version=principal.participant.link_version
                )
            now = await self._session_principal(session)
            return dataclasses.replace(principal, user=now.user, participant=now.participant)
        # Without a session (an API token): the account, or the participant, as stored.
        if principal.user is not None:
            user = await self.users.get_user(principal.user.id)
            if user is None or user.disabled:
                raise signed_out()
            return dataclasses.replace(principal, user=user)
        if principal.participant is not None:
            joined = principal.participant
            participant = await self._joined(joined.id, joined.link_version)
            return dataclasses.replace(principal, participant=participant)
        raise signed_out()

    async def _session_principal(self, session: WebSession) -> Principal:
        if session.user_id is not None:
            user = await self.users.get_user(session.user_id)
            if user is None or user.disabled:
                raise signed_out()
            return Principal(user=user, session_id=session.id)
        if session.participant_id is not None:
            participant = await self._joined(session.participant_id, session.link_version)
            return Principal(participant=participant, session_id=session.id)
        raise signed_out()

    async def _joined(self, participant_id: ParticipantId, link_version: int | None) -> Participant:
        """The participant a join link's session stands for, while it still may."""
        participant = await self.participants.get_participant(participant_id)
        if participant is None:
            raise removed_from_meeting()
        if link_version is not None and link_version != participant.link_version:
            raise join_link_replaced()
        if participant.user_id is not None:
            # The participant is an account's: disabled, it may not join by link either.
            user = await self.users.get_user(participant.user_id)
            if user is not None and user.disabled:
                raise signed_out()
        return participant
