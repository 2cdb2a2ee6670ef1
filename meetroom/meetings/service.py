"""Meetings, participants and join links, with who may do what to them."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from meetroom.accounts.service import require_user
from meetroom.auth.tokens import JoinClaims
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.ids import GroupId, MeetingId, ParticipantId, RoomId, UserId, new_id
from meetroom.meetings import status as lifecycle_rules
from meetroom.meetings.occurrence_edits import OccurrenceChange, OccurrenceEdits, Scope
from meetroom.meetings.ports import (
    GroupDirectory,
    JoinSigner,
    MeetingStore,
    MeetingWatcher,
    RoomBooking,
    SeriesStore,
    UserDirectory,
)
from meetroom.meetings.recurrence import (
    Occurrence,
    Recurrence,
    recurrence_of,
    series_until,
    to_rrule,
    validated,
)
from meetroom.meetings.roles import MANAGER_ROLES, PREPARER_ROLES, default_grants
from meetroom.meetings.series import SeriesBooking, all_occurrences, kept_overrides
from meetroom.records import (
    AuditAction,
    AuditTrail,
    Grant,
    Meeting,
    MeetingOverride,
    MeetingRole,
    MeetingStatus,
    Participant,
    Principal,
)

logger = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_LOCATION = 300
MAX_NAME = 200
MAX_DURATION = timedelta(days=31)


@dataclass(frozen=True, slots=True)
class MeetingAccess:
    """A meeting as one principal may see it."""

    meeting: Meeting
    me: Participant | None
    can_manage: bool

    @property
    def can_prepare(self) -> bool:
        """May change the agenda and documents: those who manage meetings, and the
        meeting's own chair and secretary."""
        return self.can_manage or (self.me is not None and self.me.role in PREPARER_ROLES)


@dataclass(frozen=True, slots=True)
class JoinedParticipant:
    meeting: Meeting
    participant: Participant
    expires_at: datetime


def can_manage_meetings(actor: Principal) -> bool:
    return actor.user is not None and actor.user.role in MANAGER_ROLES and not actor.user.disabled


def require_meeting_manager(actor: Principal) -> None:
    require_user(actor)
    if not can_manage_meetings(actor):
        raise Forbidden(
            "not_allowed", N_("Only an administrator or secretary can create meetings.")
        )


class MeetingService:
    def __init__(
        self,
        store: MeetingStore,
        users: UserDirectory,
        signer: JoinSigner,
        clock: Clock,
        join_link_grace: timedelta,
        rooms: RoomBooking | None = None,
        groups: GroupDirectory | None = None,
        series: SeriesStore | None = None,
        *,
        audit: AuditTrail,
    ) -> None:
        self.audit = audit
        self.store = store
        self.users = users
        self.signer = signer
        self.clock = clock
        self.join_link_grace = join_link_grace
        self.rooms = rooms
        self.groups = groups
        # Series and bookings under a lock on the room; None: single meetings only.
        self.series = SeriesBooking(series, rooms) if series is not None else None
        # Told of every change after it is stored (see `watch`).
        self.watchers: list[MeetingWatcher] = []

    def watch(self, watcher: MeetingWatcher) -> None:
        self.watchers.append(watcher)

    # -- access ----------------------------------------------------------------

    async def list_for(
        self, actor: Principal, status: MeetingStatus | None = None
    ) -> list[MeetingAccess]:
        """The meetings `actor` may see (in this status), each with the actor's own
        place in it."""
        if actor.meeting_scope is not None:
            access = await self.open(actor, actor.meeting_scope)
            return [access] if status in (None, access.meeting.status) else []
        user = require_user(actor)
        manage = can_manage_meetings(actor)
        mine = {p.meeting_id: p for p in await self.store.participations(user.id)}
        meetings = await self.store.list_meetings(None if manage else user.id, status)
        return [
            MeetingAccess(m, mine.get(m.id), manage)
            for m in meetings
            if lifecycle_rules.may_see(m, mine.get(m.id), manage)
        ]

    async def open(self, actor: Principal, meeting_id: MeetingId) -> MeetingAccess:
        """The meeting if `actor` may see it; NotFound or Forbidden otherwise."""
        if not actor.is_authenticated:
            raise Unauthenticated("sign_in_required", N_("Please sign in."))
        scope = actor.meeting_scope
        if scope is not None and scope != meeting_id:
            raise Forbidden(
                "wrong_meeting",
                N_("Your join link is for another meeting; it does not open this one."),
            )
        meeting = await self.store.get_meeting(meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        if actor.participant is not None and actor.user is None:
            access = MeetingAccess(meeting, actor.participant, can_manage=False)
        else:
            user = require_user(actor)
            me = await self.store.find_participant(meeting_id, user.id)
            manage = can_manage_meetings(actor)
            if me is None and not manage:
                raise Forbidden(
                    "not_a_participant", N_("You are not a participant of this meeting.")
                )
            access = MeetingAccess(meeting, me, manage)
        if not lifecycle_rules.may_see(meeting, access.me, access.can_manage):
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        return access

    async def open_for_change(self, actor: Principal, meeting_id: MeetingId) -> Meeting:
        """The meeting if `actor` may change it; Forbidden otherwise."""
        access = await self.open(actor, meeting_id)
        if not access.can_manage:
            raise Forbidden(
                "not_allowed", N_("Only an administrator or secretary can change meetings.")
            )
        return access.meeting

    # -- meetings --------------------------------------------------------------

    async def create(
        self,
        actor: Principal,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        description: str = "",
        location: str = "",
        room_id: RoomId | None = None,
        recurrence: Recurrence | None = None,
        status: MeetingStatus = MeetingStatus.SCHEDULED,
    ) -> Meeting:
        require_meeting_manager(actor)
        if status not in (MeetingStatus.DRAFT, MeetingStatus.SCHEDULED):
            raise Invalid(
                "bad_status", N_("A new meeting is a draft or scheduled."), status=status.value
            )
        now = self.clock.now()
        meeting = _validated(
            Meeting(
                id=MeetingId(new_id()),
                title=title,
                description=description,
                location=location,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=actor.user.id if actor.user else None,
                created_at=now,
                updated_at=now,
                room_id=room_id,
                status=status,
            )
        )
        meeting = self._with_recurrence(meeting, recurrence)
        await self._check_room(actor, meeting)
        await self._save(meeting, create=True)
        logger.info("meeting %s created by %s", meeting.id, actor.user and actor.user.username)
        await self._record(actor, AuditAction.MEETING_CREATED, meeting.id, {
            "title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
            "room_id": meeting.room_id,
        })  # fmt: skip
        return meeting

    async def update(self, actor: Principal, meeting_id: MeetingId, **changes: Any) -> Meeting:
        allowed = {"title", "description", "location", "starts_at", "ends_at", "room_id"}
        allowed.add("recurrence")  # a Recurrence, or None: no longer repeats
        unknown = set(changes) - allowed
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        meeting = await self.open_for_change(actor, meeting_id)
        rule = changes.pop("recurrence") if "recurrence" in changes else recurrence_of(meeting)
        updated = _validated(dataclasses.replace(meeting, updated_at=self.clock.now(), **changes))
        lifecycle_rules.check_change(meeting, updated)
        updated = self._with_recurrence(updated, rule)
        retimed = (updated.starts_at, updated.ends_at, updated.rrule, updated.series_zone) != (
            meeting.starts_at, meeting.ends_at, meeting.rrule, meeting.series_zone
        )  # fmt: skip
        if updated.room_id != meeting.room_id or (updated.room_id is not None and retimed):
            await self._check_room(actor, updated)
        if retimed:
            people = await self.store.list_participants(meeting_id)
            await self._check_free(updated, [p.user_id for p in people if p.user_id])
        updated = await self._save(updated)
        changes = _changes(meeting, updated)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, changes)
        for watcher in self.watchers:
            await watcher.meeting_changed(actor, meeting, updated)
        return updated

    async def delete(self, actor: Principal, meeting_id: MeetingId) -> None:
        meeting = await self.open_for_change(actor, meeting_id)
        lifecycle_rules.check_delete(meeting)
        people = await self.store.list_participants(meeting_id) if self.watchers else []
        await self.store.delete_meeting(meeting_id)
        logger.info("meeting %s deleted", meeting_id)
        await self._record(actor, AuditAction.MEETING_DELETED, meeting_id, {
            "title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
        })  # fmt: skip
        for watcher in self.watchers:
            await watcher.meeting_deleted(actor, meeting, people)

    async def _record(
        self, actor: Principal, action: AuditAction, meeting_id: MeetingId, details: dict[str, Any]
    ) -> None:
        await self.audit.record(
            actor, action, target_type="meeting", target_id=meeting_id, details=details
        )

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
            **_participant_details(updated), "changes": _changes(current, updated)["changes"],
        })  # fmt: skip
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
        for watcher in self.watchers:
            await watcher.participant_removed(actor, meeting, removed)

    async def reissue_join_link(
        self, actor: Principal, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        """Revoke every join link given to this participant so far."""
        await self.open_for_change(actor, meeting_id)
        current = await self._participant_of(meeting_id, participant_id)
        updated = dataclasses.replace(current, link_version=current.link_version + 1)
        await self.store.save_participant(updated)
        await self._record(
            actor, AuditAction.JOIN_LINK_REISSUED, meeting_id, _participant_details(updated)
        )
        return updated

    async def _check_room(self, actor: Principal, meeting: Meeting) -> None:
        if meeting.room_id is None:
            return
        if self.rooms is None:
            raise Invalid("rooms_unavailable", N_("Rooms cannot be booked on this server."))
        if self.series is not None and meeting.rrule:
            occs = all_occurrences(meeting, await self._overrides(meeting))
            await self.series.check_room_rules(actor, meeting, occs)
            return
        await self.rooms.check_booking(actor, meeting)

    # -- series ------------------------------------------------------------------

    def _with_recurrence(self, meeting: Meeting, rule: Recurrence | None) -> Meeting:
        if rule is None:
            return dataclasses.replace(meeting, rrule=None, series_zone=None, series_until=None)
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        rule = validated(rule, meeting.starts_at)
        series = dataclasses.replace(meeting, rrule=to_rrule(rule), series_zone=rule.zone)
        return dataclasses.replace(series, series_until=series_until(series))

    async def overrides_for(self, meeting: Meeting) -> list[MeetingOverride]:
        """A series' exceptions, for callers that checked access themselves (a user's
        calendar feed, reached by its secret address)."""
        return await self._overrides(meeting)

    async def _overrides(self, meeting: Meeting) -> list[MeetingOverride]:
        """The stored exceptions that still name an occurrence of `meeting`."""
        if self.series is None or not meeting.rrule:
            return []
        stored = (await self.series.store.overrides([meeting.id]))[meeting.id]
        return kept_overrides(meeting, stored)

    async def _save(self, meeting: Meeting, create: bool = False) -> Meeting:
        """Writes the meeting under a lock on its room, after refusing (room_taken) a
        booking in the way of one of its occurrences."""
        if self.series is None:
            # The store refuses an overlapping booking of the room, atomically.
            if create:
                await self.store.create_meeting(meeting)
            elif not await self.store.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            return meeting
        overrides = [] if create else await self._overrides(meeting)
        meeting = dataclasses.replace(meeting, series_until=series_until(meeting, overrides))

        async def writes(tx: Any) -> None:
            if create:
                await tx.create_meeting(meeting)
                return
            if not await tx.save_meeting(meeting):
                raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
            await tx.replace_overrides(meeting.id, overrides)

        occs = all_occurrences(meeting, overrides)
        await self.series.write(occs, {meeting.id}, writes, meeting.series_zone)
        return meeting

    async def occurrences(
        self, actor: Principal, start: datetime, end: datetime, include_cancelled: bool = False
    ) -> list[Occurrence]:
        """The occurrences in [start, end) of every meeting `actor` may see (a single
        meeting is one occurrence), in time order."""
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        if actor.meeting_scope is not None:
            meetings = [(await self.open(actor, actor.meeting_scope)).meeting]
        else:
            user = require_user(actor)
            mine = None if can_manage_meetings(actor) else user.id
            meetings = await self.series.store.meetings_between(start, end, mine)
        return await self.series.expand(meetings, start, end, include_cancelled)

    async def meeting_occurrences(
        self, actor: Principal, meeting_id: MeetingId, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """One meeting's occurrences in [start, end), cancelled ones included."""
        if self.series is None:
            raise Invalid("series_unavailable", N_("This server cannot repeat meetings."))
        meeting = (await self.open(actor, meeting_id)).meeting
        return await self.series.expand([meeting], start, end, include_cancelled=True)

    async def edit_occurrence(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        recurrence_id: datetime,
        scope: Scope,
        change: OccurrenceChange,
    ) -> MeetingId:
        """Change one occurrence, or it and the following (a split: the id returned
        is the new series')."""
        changed = await OccurrenceEdits(self).edit(actor, meeting_id, recurrence_id, scope, change)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "new_series": changed,
            "changes": {k: v for k, v in dataclasses.asdict(change).items() if v is not None},
        })  # fmt: skip
        return changed

    async def cancel_occurrence(
        self, actor: Principal, meeting_id: MeetingId, recurrence_id: datetime, scope: Scope
    ) -> None:
        await OccurrenceEdits(self).cancel(actor, meeting_id, recurrence_id, scope)
        await self._record(actor, AuditAction.MEETING_CHANGED, meeting_id, {
            "occurrence": recurrence_id, "scope": scope, "cancelled": True,
        })  # fmt: skip

    async def overrides_of(self, actor: Principal, meeting_id: MeetingId) -> list[MeetingOverride]:
        """The exceptions to a series' occurrences (none for a single meeting)."""
        meeting = (await self.open(actor, meeting_id)).meeting
        return await self._overrides(meeting)

    async def _check_free(self, meeting: Meeting, user_ids: list[UserId]) -> None:
        """Refuse when one of these users takes part in another meeting at that time
        (guests typed by name are not checked)."""
        if self.series is not None:
            occs = all_occurrences(meeting, await self._overrides(meeting))
            await self.series.check_free(occs, user_ids, {meeting.id})
            return
        busy = await self.store.busy_participant(
            user_ids, meeting.starts_at, meeting.ends_at, exclude=meeting.id
        )
        if busy is None:
            return
        other, participant = busy
        raise Conflict(
            "participant_busy",
            N_("{name} takes part in the meeting “{title}” at that time."),
            details={
                "meeting_id": other.id,
                "title": other.title,
                "user_id": participant.user_id,
            },
            name=participant.name,
            title=other.title,
        )

    async def _participant_of(
        self, meeting_id: MeetingId, participant_id: ParticipantId
    ) -> Participant:
        participant = await self.store.get_participant(participant_id)
        if participant is None or participant.meeting_id != meeting_id:
            raise NotFound("participant_not_found", N_("No such participant in this meeting."))
        return participant

    # -- join links ------------------------------------------------------------

    def join_link_expiry(self, meeting: Meeting) -> datetime:
        # A series' links serve until its last occurrence.
        last = meeting.series_until or meeting.ends_at
        return max(last, self.clock.now()) + self.join_link_grace

    def join_token(self, meeting: Meeting, participant: Participant) -> str:
        claims = JoinClaims(
            meeting_id=meeting.id,
            participant_id=participant.id,
            grants=tuple(sorted(g.value for g in participant.grants)),
            link_version=participant.link_version,
            expires_at=int(self.join_link_expiry(meeting).timestamp()),
        )
        return self.signer.sign(claims, self.clock.now())

    async def redeem_join_token(self, token: str) -> JoinedParticipant:
        claims = self.signer.verify(token, self.clock.now())
        participant = await self.store.get_participant(claims.participant_id)
        if participant is None:
            raise Forbidden(
                "join_link_revoked",
                N_("This join link no longer works: its participant was removed from the meeting."),
            )
        if participant.meeting_id != claims.meeting_id:
            raise Forbidden(
                "join_link_wrong_meeting", N_("This join link does not belong to this meeting.")
            )
        if participant.link_version != claims.link_version:
            raise Forbidden(
                "join_link_revoked",
                N_("This join link was replaced by a newer one. Ask the secretary for it."),
            )
        meeting = await self.store.get_meeting(claims.meeting_id)
        if meeting is None:
            raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
        if not lifecycle_rules.may_see(meeting, participant, manages=False):
            raise Forbidden(
                "meeting_draft",
                N_("This meeting is still being prepared: its join link works once it is "
                   "published."),
            )  # fmt: skip
        expires = datetime.fromtimestamp(claims.expires_at, tz=self.clock.now().tzinfo)
        return JoinedParticipant(meeting, participant, expires)


def _changes(before: Any, after: Any) -> dict[str, Any]:
    """For the audit log: the fields that changed, with old and new values (a long
    description is only named)."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(before):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new or field.name in ("updated_at", "link_version"):
            continue
        changes[field.name] = None if field.name == "description" else [old, new]
    return {"fields": sorted(changes), "changes": changes}


def _participant_details(p: Participant) -> dict[str, Any]:
    return {"participant_id": p.id, "name": p.name, "role": p.role, "user_id": p.user_id}


def _validated(meeting: Meeting) -> Meeting:
    title = meeting.title.strip()
    if not title:
        raise Invalid("title_required", N_("The meeting needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid("title_too_long", N_("The title is too long (300 characters at most)."))
    if len(meeting.description) > MAX_DESCRIPTION:
        raise Invalid("description_too_long", N_("The description is too long."))
    if len(meeting.location) > MAX_LOCATION:
        raise Invalid("location_too_long", N_("The location is too long (300 characters at most)."))
    if meeting.starts_at.tzinfo is None or meeting.ends_at.tzinfo is None:
        raise Invalid("time_zone_required", N_("Times must say their time zone."))
    if meeting.ends_at <= meeting.starts_at:
        raise Invalid("ends_before_start", N_("The meeting must end after it starts."))
    if meeting.ends_at - meeting.starts_at > MAX_DURATION:
        raise Invalid("too_long", N_("A meeting lasts 31 days at most."))
    return dataclasses.replace(meeting, title=title, location=meeting.location.strip())


def _validated_participant(p: Participant) -> Participant:
    if not p.name:
        raise Invalid("name_required", N_("The participant needs a name."))
    if len(p.name) > MAX_NAME:
        raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
    return p
