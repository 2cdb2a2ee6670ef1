"""The secretary's notes and the action items in SQL (`item_notes`, `action_items`).

Notes are one row per meeting and agenda item (`item_key` "" for the general part),
saved with an optimistic revision: an update names the revision it replaces, and an
insert of revision 1 meets the primary key, so of two saves of the same revision on any
node one is stored and the other told it came second."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, UserId
from meetroom.records.minutes import ActionItem, ActionItemId, ActionStatus, ItemNotes
from meetroom.store.database import Database
from meetroom.store.schema import action_items, item_notes

GENERAL = ""  # the item key of the meeting's general part


def item_key(agenda_item_id: AgendaItemId | None) -> str:
    return agenda_item_id or GENERAL


def _notes(row: Any) -> ItemNotes:
    return ItemNotes(
        meeting_id=MeetingId(row.meeting_id),
        agenda_item_id=AgendaItemId(row.item_key) if row.item_key else None,
        notes=row.notes, conclusion=row.conclusion, revision=int(row.revision),
        updated_at=row.updated_at, updated_by=row.updated_by,
        updated_by_name=row.updated_by_name,
    )  # fmt: skip


def _action(row: Any) -> ActionItem:
    return ActionItem(
        id=ActionItemId(row.id), meeting_id=MeetingId(row.meeting_id),
        agenda_item_id=AgendaItemId(row.agenda_item_id) if row.agenda_item_id else None,
        title=row.title,
        owner_participant_id=(
            ParticipantId(row.owner_participant_id) if row.owner_participant_id else None
        ),
        owner_user_id=UserId(row.owner_user_id) if row.owner_user_id else None,
        owner_name=row.owner_name, due=row.due, status=ActionStatus(row.status),
        created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
        done_at=row.done_at, done_by=row.done_by, done_by_name=row.done_by_name,
    )  # fmt: skip


def _action_values(a: ActionItem) -> dict[str, Any]:
    return {
        "meeting_id": a.meeting_id, "agenda_item_id": a.agenda_item_id, "title": a.title,
        "owner_participant_id": a.owner_participant_id, "owner_user_id": a.owner_user_id,
        "owner_name": a.owner_name, "due": a.due, "status": a.status.value,
        "created_by": a.created_by, "created_at": a.created_at, "updated_at": a.updated_at,
        "done_at": a.done_at, "done_by": a.done_by, "done_by_name": a.done_by_name,
    }  # fmt: skip


class SqlNotesStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- notes and conclusions --------------------------------------------------------

    async def notes(self, meeting_id: MeetingId) -> list[ItemNotes]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                item_notes.select()
                .where(item_notes.c.meeting_id == meeting_id)
                .order_by(item_notes.c.item_key)
            )
        return [_notes(r) for r in rows]

    async def item_notes(
        self, meeting_id: MeetingId, agenda_item_id: AgendaItemId | None
    ) -> ItemNotes | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    item_notes.select().where(
                        item_notes.c.meeting_id == meeting_id,
                        item_notes.c.item_key == item_key(agenda_item_id),
                    )
                )
            ).first()
        return _notes(row) if row else None

    async def save_notes(self, saved: ItemNotes) -> bool:
        """Store `saved` if the stored revision is the one before it (none for
        revision 1); False, changing nothing, when another save came first."""
        values = {
            "notes": saved.notes, "conclusion": saved.conclusion, "revision": saved.revision,
            "updated_at": saved.updated_at, "updated_by": saved.updated_by,
            "updated_by_name": saved.updated_by_name,
        }  # fmt: skip
        key = item_key(saved.agenda_item_id)
        async with self.db.begin() as conn:
            if saved.revision <= 1:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            item_notes.insert().values(
                                meeting_id=saved.meeting_id, item_key=key, **values
                            )
                        )
                except IntegrityError:
                    return False  # saved first by someone else
                return True
            result = await conn.execute(
                item_notes.update()
                .where(
                    item_notes.c.meeting_id == saved.meeting_id,
                    item_notes.c.item_key == key,
                    item_notes.c.revision == saved.revision - 1,
                )
                .values(**values)
            )
            return bool(result.rowcount)

    # -- action items -----------------------------------------------------------------

    async def actions(self, meeting_id: MeetingId) -> list[ActionItem]:
        """The meeting's action items, in the order they were made."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                action_items.select()
                .where(action_items.c.meeting_id == meeting_id)
                .order_by(action_items.c.created_at, action_items.c.id)
            )
        return [_action(r) for r in rows]

    async def action(self, action_id: ActionItemId) -> ActionItem | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(action_items.select().where(action_items.c.id == action_id))
            ).first()
        return _action(row) if row else None

    async def add_action(self, action: ActionItem) -> None:
        async with self.db.begin() as conn:
            await conn.execute(action_items.insert().values(id=action.id, **_action_values(action)))

    async def save_action(self, action: ActionItem) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(
                action_items.update()
                .where(action_items.c.id == action.id)
                .values(**_action_values(action))
            )
        return bool(result.rowcount)

    async def delete_action(self, action_id: ActionItemId) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(action_items.delete().where(action_items.c.id == action_id))
        return bool(result.rowcount)

    async def actions_of_user(
        self, user_id: UserId, status: ActionStatus | None = None
    ) -> list[ActionItem]:
        """The action items owned by this account, in every meeting: those due first
        (the earliest due date first, then those without one), then as made."""
        query = action_items.select().where(action_items.c.owner_user_id == user_id)
        if status is not None:
            query = query.where(action_items.c.status == status.value)
        no_due = sa.case((action_items.c.due.is_(None), 1), else_=0)
        async with self.db.connect() as conn:
            rows = await conn.execute(
                query.order_by(
                    no_due, action_items.c.due, action_items.c.created_at, action_items.c.id
                )
            )
        return [_action(r) for r in rows]
