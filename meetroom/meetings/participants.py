"""A meeting's participants and their join links."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from meetroom.errors import N_, Invalid, NotFound
from meetroom.ids import GroupId, MeetingId, ParticipantId, UserId, new_id
from meetroom.meetings.core import MAX_NAME, field_changes
from meetroom.meetings.join_links import JoinLinks
from meetroom.meetings.roles import default_grants
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.meetings import Grant, MeetingRole, Participant

logger = logging.getLogger(__name__)


class ParticipantService(JoinLinks):
    # -- participants ----------------------------------------------------------

    async def participants(self, actor: Principal, meeting_id: MeetingId) -> list[Participant]:
        await self.open(actor, meeting_id)
        return await self.store.list_participants(meeting_id)

    async def add_participant(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        *,
        role: MeetingRole,
        user_id: UserId | None = None,
        name: str | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        meeting = await self.open_for_change(actor, meeting_id)
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
            await self._check_free(meeting, [user_id])
        participant = _validated_participant(
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
        await self._record(
            actor, AuditAction.PARTICIPANT_ADDED, meeting_id, _participant_details(participant)
        )
        for watcher in self.watchers:
            await watcher.participant_added(actor, meeting, participant)
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
        meeting = await self.open_for_change(actor, meeting_id)
        members = await self.groups.members(group_id) if self.groups else None
        if members is None:
            raise Invalid("group_not_found", N_("No such group."))
        present = {p.user_id for p in await self.store.list_participants(meeting_id)}
        newcomers = [u for u in members if not u.disabled and u.id not in present]
        await self._check_free(meeting, [u.id for u in newcomers])
        now = self.clock.now()
        added = [
            _validated_participant(
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
            await self._record(
                actor,
                AuditAction.PARTICIPANT_ADDED,
                meeting_id,
                {**_participant_details(participant), "group_id": group_id},
            )
            for watcher in self.watchers:
                await watcher.participant_added(actor, meeting, participant)
        logger.info("group %s invited to meeting %s: %d added", group_id, meeting_id, len(added))
        return added

    async def get_participant(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        await self.open_for_change(actor, meeting_id)
        return await self._participant_of(meeting_id, participant_id)

    async def update_participant(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        participant_id: ParticipantId,
        *,
        name: str | None = None,
        role: MeetingRole | None = None,
        grants: frozenset[Grant] | None = None,
    ) -> Participant:
        await self.open_for_change(actor, meeting_id)
        current = await self._participant_of(meeting_id, participant_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name.strip()
        if role is not None:
            changes["role"] = role
            if grants is None:
                changes["grants"] = default_grants(role)
        if grants is not None:
            changes["grants"] = frozenset(grants)
        updated = _validated_participant(dataclasses.replace(current, **changes))
        await self.store.save_participant(updated)
        await self._record(actor, AuditAction.PARTICIPANT_CHANGED, meeting_id, {
            **_participant_details(updated), "changes": field_changes(current, updated)["changes"],
        })  # fmt: skip
        if updated != current:
            # A new role, grants or name: their open connections follow.
            await self._rights_changed(meeting_id, current, updated)
        return updated

    async def remove_participant(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        removed = await self._participant_of(meeting_id, participant_id)
        await self.store.delete_participant(participant_id)
        await self._record(
            actor, AuditAction.PARTICIPANT_REMOVED, meeting_id, _participant_details(removed)
        )
        # First: their sockets close before anything slower (mail) is done.
        await self._rights_changed(meeting_id, removed, None)
        for watcher in self.watchers:
            await watcher.participant_removed(actor, meeting, removed)

    async def reissue_join_link(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        """Revoke every join link given to this participant so far and make a new one."""
        meeting = await self.open_for_change(actor, meeting_id)
        current = await self._participant_of(meeting_id, participant_id)
        # The version revokes the signed links of earlier versions (and tells calendar
        # feeds that the link changed).
        updated = dataclasses.replace(current, link_version=current.link_version + 1)
        await self.store.save_participant(updated)
        await self._make(meeting, updated, replace=True)
        await self._record(
            actor, AuditAction.JOIN_LINK_REISSUED, meeting_id, _participant_details(updated)
        )
        # Sessions opened with the old link end (that link may have leaked).
        await self._rights_changed(meeting_id, current, updated)
        return updated

    async def _participant_of(
        self, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        participant = await self.store.get_participant(participant_id)
        if participant is None or participant.meeting_id != meeting_id:
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        return participant


def _participant_details(p: Participant) -> dict[str, Any]:
    return {"participant_id": p.id, "name": p.name, "role": p.role, "user_id": p.user_id}


def _validated_participant(p: Participant) -> Participant:
    if not p.name:
        raise Invalid("name_required", N_("The participant needs a name."))
    if len(p.name) > MAX_NAME:
        raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
    return p
