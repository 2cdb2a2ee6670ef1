"""Who presents in a live session: exactly one person at a time, the only one whose
page turns (`present`) move the others.

- By default the meeting's chair (the first one added, if it has several); without a
  chair, its first secretary; without either, nobody until an organiser takes over.
- A moderator (the chair, the secretary) hands presenting to any participant, and back
  to the chair (`hand_over`).
- An organiser (the moderator grant: the chair, the secretary, an admin or secretary
  account viewing the meeting) takes over explicitly (`take_over`), after confirming
  it on their page.
- A presenter who is removed from the meeting, whose rights are lowered (a chair
  demoted to observer, a grant taken away: see live/rights.py), or who leaves
  (connected through no node) and is not back within `PRESENTER_GRACE`, hands back
  to the default.

The state is stored and versioned like every page turn, so every node shows the same
presenter, also after a restart. A node loading a meeting whose stored state names
nobody works the default out from the participants in memory (every node gets the
same); the next change stores it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from meetroom.clock import Clock
from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId, ParticipantId
from meetroom.meetings.service import MeetingService
from meetroom.protocol import live as p
from meetroom.protocol.codec import replace, to_builtins
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, MeetingRole, Participant
from meetroom.sessions.live.checks import require_moderator
from meetroom.sessions.live.meeting import (
    LiveMeeting,
    Viewer,
    deliver_local,
    participant_key,
    stored_state,
)
from meetroom.sessions.live.ports import LiveStore
from meetroom.sessions.live.presence import PresenceBoard
from meetroom.sessions.live.relay import Relay
from meetroom.sessions.live.visibility import presented

logger = logging.getLogger(__name__)

# Seconds a presenter who left may take to come back (a tablet's Wi-Fi drops for a
# moment) before presenting returns to the default presenter.
PRESENTER_GRACE = 30.0
# Who presents by default, in this order of meeting roles (the first added of a role).
DEFAULT_ROLES = (MeetingRole.CHAIR, MeetingRole.SECRETARY)


class Presenting:
    def __init__(
        self,
        meetings: MeetingService,
        store: LiveStore,
        relay: Relay,
        presence: PresenceBoard,
        clock: Clock,
        held: dict[MeetingId, LiveMeeting],
        grace: float = PRESENTER_GRACE,
    ) -> None:
        self.meetings = meetings
        self.store = store
        self.relay = relay
        self.presence = presence
        self.clock = clock
        self.held = held  # the meetings this node holds (LiveService's)
        self.grace = grace

    async def default(self, meeting_id: MeetingId) -> tuple[str | None, str]:
        """The default presenter's key and name (None: nobody)."""
        people = await self.meetings.store.list_participants(meeting_id)
        for role in DEFAULT_ROLES:
            for person in people:
                if person.role is role:
                    return participant_key(person.id), person.name
        return None, ""

    async def settle(self, meeting: LiveMeeting) -> None:
        """Nobody presents (a new meeting, or one whose chair was added since): the
        default presenter does, in memory; a presenter stored without a name (before
        names were) gets theirs. Call under the meeting's lock."""
        state = meeting.state
        if state.presenter is None:
            key, name = await self.default(meeting.id)
        elif not state.presenter_name and state.presenter.startswith("p:"):
            person = await self.meetings.store.get_participant(ParticipantId(state.presenter[2:]))
            if person is not None and person.meeting_id == meeting.id:
                key, name = state.presenter, person.name
            else:
                key, name = await self.default(meeting.id)
        else:
            return
        if (key, name) != (state.presenter, state.presenter_name):
            meeting.state = replace(state, presenter=key, presenter_name=name)
            deliver_local(meeting, presented(meeting.state))

    # -- changes -----------------------------------------------------------------------

    async def change(self, meeting: LiveMeeting, **changes: Any) -> None:
        """Stored first (its version orders it among every node's page turns), then
        shown here and told to the other nodes: a page turn that could not be stored
        fails, and moves no tablet."""
        async with meeting.lock:
            state = replace(meeting.state, **changes)
            version = await self.store.save_presenter(
                meeting.id, to_builtins(state), self.clock.now()
            )
            meeting.state, meeting.state_version = state, version
            event = presented(state)
            deliver_local(meeting, event)
            self.relay.publish_state(meeting, event)

    async def hand_over(self, meeting: LiveMeeting, viewer: Viewer, pid: str | None) -> None:
        require_moderator(viewer)
        if pid is None:
            key, name = await self.default(meeting.id)
        else:
            person = await self.meetings.store.get_participant(ParticipantId(pid))
            if person is None or person.meeting_id != meeting.id:
                raise NotFound("participant_not_found", N_("No such participant in this meeting."))
            key, name = participant_key(person.id), person.name
        logger.info("meeting %s: %s hands presenting over from %s to %s",
                    meeting.id, viewer.key, meeting.state.presenter, key)  # fmt: skip
        await self.change(meeting, presenter=key, presenter_name=name)

    async def take_over(self, meeting: LiveMeeting, viewer: Viewer, where: p.Where | None) -> None:
        """The caller checked that `viewer` may (`require_organiser`), and the place."""
        logger.info("meeting %s: %s (%s) takes presenting over from %s",
                    meeting.id, viewer.key, viewer.role, meeting.state.presenter)  # fmt: skip
        placed = {} if where is None else {"where": where}
        await self.change(meeting, presenter=viewer.key, presenter_name=viewer.name, **placed)

    async def _back_to_default(self, meeting: LiveMeeting, why: str) -> None:
        key, name = await self.default(meeting.id)
        if key == meeting.state.presenter:
            return
        logger.info("meeting %s: the presenter %s %s; %s presents",
                    meeting.id, meeting.state.presenter, why, key)  # fmt: skip
        await self.change(meeting, presenter=key, presenter_name=name)

    # -- the presenter leaving -----------------------------------------------------------

    def _connected(self, meeting: LiveMeeting, key: str) -> bool:
        here = any(c.viewer.key == key for c in meeting.connections.values())
        return here or self.presence.elsewhere(meeting, key)

    def watch(self, meeting: LiveMeeting) -> None:
        """The presenter may have left (their last connection here closed, another
        node's presence no longer has them, or this node just loaded the meeting):
        unless they are back within the grace period, the default presenter presents."""
        key = meeting.state.presenter
        if key is None or key in meeting.presenter_watch or self._connected(meeting, key):
            return
        task = asyncio.get_running_loop().create_task(
            self._after_grace(meeting, key), name=f"live-{meeting.id}-presenter"
        )
        meeting.presenter_watch.add(key)
        meeting.tasks.append(task)  # cancelled when the node lets the meeting go

    async def _after_grace(self, meeting: LiveMeeting, key: str) -> None:
        try:
            await asyncio.sleep(self.grace)
        finally:
            meeting.presenter_watch.discard(key)
        if self.held.get(meeting.id) is not meeting or meeting.state.presenter != key:
            return
        if self._connected(meeting, key):
            return
        try:
            await self._back_to_default(meeting, "left")
        except Exception:  # e.g. the database is down: the next leave or load tries again
            logger.exception("meeting %s: handing presenting back failed", meeting.id)

    # -- participants removed (a MeetingWatcher) or demoted ---------------------------------

    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        await self.hand_back(meeting.id, participant, "was removed")

    async def hand_back(self, meeting_id: MeetingId, participant: Participant, why: str) -> None:
        """A participant removed, or whose rights were lowered (`participant` as they
        were): if they present, the default presenter does now, on every node."""
        key = participant_key(participant.id)
        try:
            held = self.held.get(meeting_id)
            if held is not None:
                if held.state.presenter == key:
                    await self._back_to_default(held, why)
                return
            await self._removed_elsewhere(meeting_id, participant)
        except Exception:  # the change stands; the presenter stays until changed
            logger.exception("meeting %s: handing presenting back failed", meeting_id)

    async def _removed_elsewhere(self, meeting_id: MeetingId, participant: Participant) -> None:
        """This node does not hold the meeting; others may: change the stored state,
        and tell them."""
        _, stored, _ = await self.store.state(meeting_id)
        state = stored_state(stored) if stored else p.PresenterState()
        key = participant_key(participant.id)
        # Nobody stored: the nodes holding it present the default, maybe this person.
        was_default = state.presenter is None and participant.role in DEFAULT_ROLES
        if state.presenter != key and not was_default:
            return
        new, name = await self.default(meeting_id)
        if new == state.presenter:
            return
        logger.info("meeting %s: the presenter %s left; %s presents", meeting_id, key, new)
        state = replace(state, presenter=new, presenter_name=name)
        version = await self.store.save_presenter(meeting_id, to_builtins(state), self.clock.now())
        self.relay.publish_state_of(meeting_id, version, state)

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        return None

    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None:
        return None

    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None:
        return None
