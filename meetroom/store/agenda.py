"""Agenda items in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from meetroom.ids import AgendaItemId, MeetingId
from meetroom.records.documents import AgendaItem
from meetroom.store.database import Database
from meetroom.store.schema import agenda_items


def _item(row: Any) -> AgendaItem:
    return AgendaItem(
        id=AgendaItemId(row.id),
        meeting_id=MeetingId(row.meeting_id),
        position=row.position,
        title=row.title,
        presenter=row.presenter,
        duration_minutes=row.duration_minutes,
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _item_values(item: AgendaItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "presenter": item.presenter,
        "duration_minutes": item.duration_minutes,
        "notes": item.notes,
        "updated_at": item.updated_at,
    }


class SqlAgendaStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_items(self, meeting_id: MeetingId) -> list[AgendaItem]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                agenda_items.select()
                .where(agenda_items.c.meeting_id == meeting_id)
                .order_by(agenda_items.c.position, agenda_items.c.id)
            )
        return [_item(r) for r in rows]

    async def get_item(self, item_id: AgendaItemId) -> AgendaItem | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(agenda_items.select().where(agenda_items.c.id == item_id))
            ).first()
        return _item(row) if row else None

    async def add_item(self, item: AgendaItem) -> AgendaItem:
        """Append at the end of the meeting's agenda; returns it with its position."""
        async with self.db.begin() as conn:
            last = await conn.scalar(
                sa.select(sa.func.max(agenda_items.c.position)).where(
                    agenda_items.c.meeting_id == item.meeting_id
                )
            )
            position = (last or 0) + 1
            await conn.execute(
                agenda_items.insert().values(
                    id=item.id,
                    meeting_id=item.meeting_id,
                    position=position,
                    created_at=item.created_at,
                    **_item_values(item),
                )
            )
        return dataclasses.replace(item, position=position)

    async def save_item(self, item: AgendaItem) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                agenda_items.update().where(agenda_items.c.id == item.id).values(_item_values(item))
            )

    async def delete_item(self, item_id: AgendaItemId) -> None:
        async with self.db.begin() as conn:
            await conn.execute(agenda_items.delete().where(agenda_items.c.id == item_id))

    async def reorder(self, meeting_id: MeetingId, ordered: Sequence[AgendaItemId]) -> None:
        async with self.db.begin() as conn:
            for position, item_id in enumerate(ordered, start=1):
                await conn.execute(
                    agenda_items.update()
                    .where(agenda_items.c.id == item_id, agenda_items.c.meeting_id == meeting_id)
                    .values(position=position)
                )
