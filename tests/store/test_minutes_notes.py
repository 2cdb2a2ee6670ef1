"""The notes' store on SQLite and PostgreSQL: a save over the revision it edited, one
of two saves of the same revision stored (two nodes), action items made, changed,
deleted and found by their owner's account across meetings, due first."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from meetroom.clock import SettableClock
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, UserId, new_id
from meetroom.records.minutes import ActionItem, ActionItemId, ActionStatus, ItemNotes
from meetroom.store.database import Database
from meetroom.store.minutes_notes import SqlNotesStore
from tests.sessions.floor.world import add_meeting


def saved(
    meeting_id: MeetingId, revision: int, text: str, item: AgendaItemId | None = None
) -> ItemNotes:
    clock = SettableClock()
    return ItemNotes(
        meeting_id=meeting_id, agenda_item_id=item, notes=text, conclusion=f"Kết luận {text}",
        revision=revision, updated_at=clock.now(), updated_by="p:thu-ky",
        updated_by_name="Thư ký",
    )  # fmt: skip


def task(
    meeting_id: MeetingId, title: str, *, user: str | None = None, due_days: int | None = None,
    status: ActionStatus = ActionStatus.OPEN,
) -> ActionItem:  # fmt: skip
    now = SettableClock().now()
    return ActionItem(
        id=ActionItemId(new_id()), meeting_id=meeting_id, agenda_item_id=None, title=title,
        owner_participant_id=ParticipantId("p" * 26) if user else None,
        owner_user_id=UserId(user) if user else None, owner_name="Nguyễn Văn Ánh",
        due=(now + timedelta(days=due_days)).date() if due_days is not None else None,
        status=status, created_by="p:thu-ky", created_at=now, updated_at=now,
    )  # fmt: skip


async def test_notes_are_saved_over_the_revision_they_edited(db: Database) -> None:
    store = SqlNotesStore(db)
    meeting = await add_meeting(db, SettableClock().now())
    item = AgendaItemId(new_id())
    assert await store.item_notes(meeting.id, None) is None
    assert await store.save_notes(saved(meeting.id, 1, "Mở đầu"))
    assert await store.save_notes(saved(meeting.id, 1, "Mục một", item))
    assert not await store.save_notes(saved(meeting.id, 1, "again"))  # revision 1 is taken
    assert await store.save_notes(saved(meeting.id, 2, "Mở đầu, sửa"))
    assert not await store.save_notes(saved(meeting.id, 2, "over an old one"))
    assert not await store.save_notes(saved(meeting.id, 4, "skipping one"))
    general = await store.item_notes(meeting.id, None)
    assert general is not None and (general.notes, general.revision) == ("Mở đầu, sửa", 2)
    assert general.conclusion == "Kết luận Mở đầu, sửa" and general.updated_by_name == "Thư ký"
    every = await store.notes(meeting.id)
    assert [(n.agenda_item_id, n.notes) for n in every] == [(None, "Mở đầu, sửa"),
                                                          (item, "Mục một")]  # fmt: skip


async def test_two_saves_of_one_revision_store_one(db: Database) -> None:
    """As two nodes saving at once: one is stored, the other told it came second."""
    a, b = SqlNotesStore(db), SqlNotesStore(db)
    meeting = await add_meeting(db, SettableClock().now())
    for revision in (1, 2):
        results = await asyncio.gather(
            a.save_notes(saved(meeting.id, revision, f"A{revision}")),
            b.save_notes(saved(meeting.id, revision, f"B{revision}")),
        )
        assert sorted(results) == [False, True]
    stored = await a.item_notes(meeting.id, None)
    assert stored is not None and stored.revision == 2


async def test_action_items_are_made_changed_and_deleted(db: Database) -> None:
    store = SqlNotesStore(db)
    meeting = await add_meeting(db, SettableClock().now())
    first = task(meeting.id, "Báo cáo tiến độ", due_days=3)
    second = task(meeting.id, "Gửi dự thảo")
    await store.add_action(first)
    await store.add_action(second)
    assert await store.actions(meeting.id) == [first, second]
    done = replace(first, status=ActionStatus.DONE, done_at=first.created_at, done_by="p:x",
                   done_by_name="X")  # fmt: skip
    assert await store.save_action(done)
    assert await store.action(first.id) == done
    assert await store.delete_action(second.id)
    assert not await store.delete_action(second.id)
    assert not await store.save_action(second)
    assert await store.action(second.id) is None
    assert await store.actions(meeting.id) == [done]


async def test_a_users_actions_across_meetings_due_first(db: Database) -> None:
    store = SqlNotesStore(db)
    one = await add_meeting(db, SettableClock().now())
    two = await add_meeting(db, SettableClock().now())
    user = new_id()
    later = task(one.id, "later", user=user, due_days=10)
    undated = task(two.id, "undated", user=user)
    soon = task(two.id, "soon", user=user, due_days=1)
    closed = task(one.id, "closed", user=user, due_days=0, status=ActionStatus.DONE)
    others = task(one.id, "someone else's", user=new_id(), due_days=0)
    for a in (later, undated, soon, closed, others):
        await store.add_action(a)
    assert [a.title for a in await store.actions_of_user(UserId(user))] == [
        "closed", "soon", "later", "undated",
    ]  # fmt: skip
    opened = await store.actions_of_user(UserId(user), ActionStatus.OPEN)
    assert [a.title for a in opened] == ["soon", "later", "undated"]
    assert [a.title for a in await store.actions_of_user(UserId(user), ActionStatus.DONE)] == [
        "closed"
    ]
