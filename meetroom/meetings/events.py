"""Who hears of a meeting's changes once they are stored: the watchers (invitations
by e-mail, calendar feeds, the live presenter) and the rights listeners (the open
connections of a participant whose rights changed)."""

from __future__ import annotations

import logging

from meetroom.ids import MeetingId
from meetroom.meetings.ports import MeetingWatcher, RightsListener
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Meeting, Participant

logger = logging.getLogger(__name__)


class MeetingEvents:
    """Tells every watcher, in the order they were added (and is itself a
    `MeetingWatcher`), and every rights listener."""

    def __init__(self) -> None:
        self.watchers: list[MeetingWatcher] = []
        self.rights_listeners: list[RightsListener] = []

    def watch(self, watcher: MeetingWatcher) -> None:
        self.watchers.append(watcher)

    def listen(self, listener: RightsListener) -> None:
        self.rights_listeners.append(listener)

    # -- MeetingWatcher ----------------------------------------------------------

    async def participant_added(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        for watcher in self.watchers:
            await watcher.participant_added(actor, meeting, participant)

    async def participant_removed(
        self, actor: Principal, meeting: Meeting, participant: Participant
    ) -> None:
        for watcher in self.watchers:
            await watcher.participant_removed(actor, meeting, participant)

    async def meeting_changed(self, actor: Principal, before: Meeting, after: Meeting) -> None:
        for watcher in self.watchers:
            await watcher.meeting_changed(actor, before, after)

    async def meeting_deleted(
        self, actor: Principal, meeting: Meeting, participants: list[Participant]
    ) -> None:
        for watcher in self.watchers:
            await watcher.meeting_deleted(actor, meeting, participants)

    # -- RightsListener ----------------------------------------------------------

    async def participant_rights_changed(
        self, meeting_id: MeetingId, before: Participant, after: Participant | None
    ) -> None:
        for listener in self.rights_listeners:
            await listener.participant_rights_changed(meeting_id, before, after)

    async def meeting_access_changed(self, meeting_id: MeetingId) -> None:
        for listener in self.rights_listeners:
            await listener.meeting_access_changed(meeting_id)
