"""A meeting's participants: people with an account, guests typed by name, or a
whole group at once; each with a role and the grants it gives (or others chosen).
Every change is audited and told to the watchers; a change of someone's rights
reaches their open connections at once."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from meetroom.clock import Clock
from meetroom.errors import N_, Invalid
from meetroom.ids import GroupId, MeetingId, ParticipantId, UserId, new_id
from meetroom.meetings.access import AccessCheck
from meetroom.meetings.audit import MeetingAudit, field_changes, participant_details
from meetroom.meetings.bookings import Bookings
from meetroom.meetings.events import MeetingEvents
from meetroom.meetings.ports import GroupDirectory, MeetingStore, UserDirectory
from meetroom.meetings.roles import default_grants
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.meetings import Grant, MeetingRole, Participant

logger = logging.getLogger(__name__)

MAX_NAME = 200


class Participants:
    def __init__(
        self,
        store: MeetingStore,
        users: UserDirectory,
        groups: GroupDirectory | None,
        clock: Clock,
        *,
        access: AccessCheck,
        bookings: Bookings,
        audit: MeetingAudit,
        events: MeetingEvents,
    ) -> None:
        self.store = store
        self.users = users
        self.groups = groups
        self.clock = clock
        self.access = access
        self.bookings = bookings
        self.audit = audit
        self.events = events

    async def all(self, actor: Principal, meeting_id: MeetingId) -> list[Participant]:
        """Everyone taking part, for anyone who may see the meeting."""
        await self.access.open(actor, meeting_id)
        return await self.store.list_participants(meeting_id)

    async def get(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        _, participant = await self.access.open_participant(actor, meeting_id, participant_id)
        return participant

    async def add(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        *,
        role: MeetingRole,
        user_id: UserId | None = None,
        name: str | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        meeting = await self.access.open_for_change(actor, meeting_id)
        if user_id is None and not (name and name.strip()):
            raise Invalid(
                "participant_needs_user_or_name",
                N_("Choose an existing user or type a guest's name."),
            )
        if user_id is not None:
            user = await self.users.get_user(user_id)
            if user is None:
                raise Invalid("user_not_found", N_("No such user."))
            name = (name or "").strip() or user.display_name
            await self.bookings.check_free(meeting, [user_id])
        participant = _validated(
            Participant(
                id=ParticipantId(new_id()),
                meeting_id=meeting_id,
                user_id=user_id,
                name=(name or "").strip(),
                role=role,
                grants=default_grants(role) if grants is None else frozenset(grants),
                link_version=1,
                created_at=self.clock.now(),
            )
        )
        await self.store.add_participant(participant)
        await self.audit.record(
            actor, AuditAction.PARTICIPANT_ADDED, meeting_id, participant_details(participant)
        )
        await self.events.participant_added(actor, meeting, participant)
        return participant

    async def add_group(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        group_id: GroupId,
        *,
        role: MeetingRole = MeetingRole.DELEGATE,
        grants: frozenset[Grant] | None = None,
    ) -> list[Participant]:
        """Invite a group: each of its enabled members who is not a participant yet,
        with this role. All or none: one member taking part in another meeting at that
        time refuses the lot (participant_busy, naming the member and the meeting)."""
        meeting = await self.access.open_for_change(actor, meeting_id)
        members = await self.groups.members(group_id) if self.groups else None
        if members is None:
            raise Invalid("group_not_found", N_("No such group."))
        present = {p.user_id for p in await self.store.list_participants(meeting_id)}
        newcomers = [u for u in members if not u.disabled and u.id not in present]
        await self.bookings.check_free(meeting, [u.id for u in newcomers])
        now = self.clock.now()
        added = [
            _validated(
                Participant(
                    id=ParticipantId(new_id()),
                    meeting_id=meeting_id,
                    user_id=u.id,
                    name=u.display_name,
                    role=role,
                    grants=default_grants(role) if grants is None else frozenset(grants),
                    link_version=1,
                    created_at=now,
                )
            )
            for u in newcomers
        ]
        await self.store.add_participants(added)
        for participant in added:
            await self.audit.record(
                actor,
                AuditAction.PARTICIPANT_ADDED,
                meeting_id,
                {**participant_details(participant), "group_id": group_id},
            )
            await self.events.participant_added(actor, meeting, participant)
        logger.info("group %s invited to meeting %s: %d added", group_id, meeting_id, len(added))
        return added

    async def update(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        participant_id: ParticipantId,
        *,
        name: str | None = None,
        role: MeetingRole | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        _, current = await self.access.open_participant(actor, meeting_id, participant_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name.strip()
        if role is not None:
            changes["role"] = role
            if grants is None:
                changes["grants"] = default_grants(role)
        if grants is not None:
            changes["grants"] = frozenset(grants)
        updated = _validated(dataclasses.replace(current, **changes))
        await self.store.save_participant(updated)
        await self.audit.record(actor, AuditAction.PARTICIPANT_CHANGED, meeting_id, {
            **participant_details(updated), "changes": field_changes(current, updated)["changes"],
        })  # fmt: skip
        if updated != current:
            # A new role, grants or name: their open connections follow.
            await self.events.participant_rights_changed(meeting_id, current, updated)
        return updated

    async def remove(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> None:
        meeting, removed = await self.access.open_participant(actor, meeting_id, participant_id)
        await self.store.delete_participant(participant_id)
        await self.audit.record(
            actor, AuditAction.PARTICIPANT_REMOVED, meeting_id, participant_details(removed)
        )
        # First: their sockets close before anything slower (mail) is done.
        await self.events.participant_rights_changed(meeting_id, removed, None)
        await self.events.participant_removed(actor, meeting, removed)


def _validated(p: Participant) -> Participant:
    if not p.name:
        raise Invalid("name_required", N_("The participant needs a name."))
    if len(p.name) > MAX_NAME:
        raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
    return p
