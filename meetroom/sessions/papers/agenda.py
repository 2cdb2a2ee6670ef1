"""A meeting's agenda: ordered items, each with its documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

from meetroom.clock import Clock
from meetroom.errors import N_, Forbidden, Invalid, NotFound
from meetroom.ids import AgendaItemId, MeetingId, new_id
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.service import MeetingService
from meetroom.meetings.status import require_writable
from meetroom.records.accounts import Principal
from meetroom.records.documents import AgendaItem

MAX_TITLE = 300
MAX_PRESENTER = 200
MAX_NOTES = 20_000
MAX_DURATION = 24 * 60


class AgendaStore(Protocol):
    async def list_items(self, meeting_id: MeetingId) -> list[AgendaItem]: ...
    async def get_item(self, item_id: AgendaItemId) -> AgendaItem | None: ...
    async def add_item(self, item: AgendaItem) -> AgendaItem: ...
    async def save_item(self, item: AgendaItem) -> None: ...
    async def delete_item(self, item_id: AgendaItemId) -> None: ...
    async def reorder(self, meeting_id: MeetingId, ordered: Sequence[AgendaItemId]) -> None: ...


def require_preparer(access: MeetingAccess, *, writing: bool = True) -> None:
    """May change the agenda and documents (`writing`: of a meeting that is not ended
    or archived), or read what only preparers read."""
    if not access.can_prepare:
        raise Forbidden(
            "not_allowed",
            N_("Only the meeting's chair or secretary can change its agenda and documents."),
        )
    if writing:
        require_writable(access.meeting)


class AgendaService:
    def __init__(self, store: AgendaStore, meetings: MeetingService, clock: Clock) -> None:
        self.store = store
        self.meetings = meetings
        self.clock = clock

    async def items(self, actor: Principal, meeting_id: MeetingId) -> list[AgendaItem]:
        await self.meetings.open(actor, meeting_id)
        return await self.store.list_items(meeting_id)

    async def item(
        self, actor: Principal, item_id: AgendaItemId
    ) -> tuple[AgendaItem, MeetingAccess]:
        item = await self.store.get_item(item_id)
        if item is None:
            raise NotFound("agenda_item_not_found", N_("No such agenda item."))
        return item, await self.meetings.open(actor, item.meeting_id)

    async def add(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        *,
        title: str,
        presenter: str = "",
        duration_minutes: int | None = None,
        notes: str = "",
    ) -> AgendaItem:
        require_preparer(await self.meetings.open(actor, meeting_id))
        now = self.clock.now()
        item = _validated(
            AgendaItem(
                id=AgendaItemId(new_id()),
                meeting_id=meeting_id,
                position=0,
                title=title,
                presenter=presenter,
                duration_minutes=duration_minutes,
                notes=notes,
                created_at=now,
                updated_at=now,
            )
        )
        return await self.store.add_item(item)

    async def update(self, actor: Principal, item_id: AgendaItemId, **changes: Any) -> AgendaItem:
        unknown = set(changes) - {"title", "presenter", "duration_minutes", "notes"}
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        item, access = await self.item(actor, item_id)
        require_preparer(access)
        updated = _validated(dataclasses.replace(item, updated_at=self.clock.now(), **changes))
        await self.store.save_item(updated)
        return updated

    async def delete(self, actor: Principal, item_id: AgendaItemId) -> None:
        """The item's documents stay with the meeting, no longer attached to an item."""
        item, access = await self.item(actor, item_id)
        require_preparer(access)
        await self.store.delete_item(item.id)
        remaining = [i.id for i in await self.store.list_items(item.meeting_id)]
        await self.store.reorder(item.meeting_id, remaining)

    async def reorder(
        self, actor: Principal, meeting_id: MeetingId, ordered: Sequence[AgendaItemId]
    ) -> list[AgendaItem]:
        require_preparer(await self.meetings.open(actor, meeting_id))
        current = {i.id for i in await self.store.list_items(meeting_id)}
        if len(ordered) != len(set(ordered)) or set(ordered) != current:
            raise Invalid(
                "bad_order",
                N_("Give every agenda item of the meeting exactly once, in the new order."),
            )
        await self.store.reorder(meeting_id, ordered)
        return await self.store.list_items(meeting_id)


def _validated(item: AgendaItem) -> AgendaItem:
    title = item.title.strip()
    if not title:
        raise Invalid("title_required", N_("The agenda item needs a title."))
    if len(title) > MAX_TITLE:
        raise Invalid("title_too_long", N_("The title is too long (300 characters at most)."))
    if len(item.presenter) > MAX_PRESENTER:
        raise Invalid("name_too_long", N_("The name is too long (200 characters at most)."))
    if len(item.notes) > MAX_NOTES:
        raise Invalid("notes_too_long", N_("The notes are too long."))
    if item.duration_minutes is not None and not 0 < item.duration_minutes <= MAX_DURATION:
        raise Invalid("bad_duration", N_("The planned duration is between 1 and 1440 minutes."))
    return dataclasses.replace(item, title=title, presenter=item.presenter.strip())
