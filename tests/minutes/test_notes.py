"""`NotesService` on a real store (SQLite and PostgreSQL): notes saved over their
revision (a conflict carries the stored text; a resend of what is stored is no
conflict), the rights (moderators write notes and action items; the owner or a
moderator marks one done), the checks of what is written, the minutes' lock, each
person's tasks across meetings, and the decisions list per agenda item."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from meetroom.clock import SettableClock
from meetroom.errors import Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import AgendaItemId, ParticipantId, new_id
from meetroom.minutes.notes import ActionDraft, NotesActor
from meetroom.records.meetings import MeetingRole, MeetingStatus
from meetroom.records.minutes import ActionStatus
from meetroom.store.database import Database
from meetroom.store.meetings import SqlMeetingStore
from tests.minutes.world import (
    FrozenLock,
    actor,
    add_item,
    add_person,
    hold_vote,
    notes_service,
    vote_service,
    without_rights,
    world,
)
from tests.sessions.floor.world import add_meeting


async def test_notes_are_saved_over_their_revision(db: Database, clock: SettableClock) -> None:
    notes = notes_service(db, clock)
    w = await world(db, clock)
    secretary, chair = actor(w.secretary), actor(w.chair)
    item = w.items[0].id
    first = await notes.save_notes(w.meeting.id, item, secretary, notes="Ông A trình bày",
                                   conclusion=None, revision=0)  # fmt: skip
    assert (first.revision, first.notes, first.conclusion) == (1, "Ông A trình bày", "")
    assert first.updated_by == f"p:{w.secretary.id}" and first.updated_by_name == "Thư ký"
    # The chair writes the conclusion over revision 1: the notes stay.
    second = await notes.save_notes(w.meeting.id, item, chair, notes=None,
                                    conclusion="Thông qua báo cáo", revision=1)  # fmt: skip
    assert (second.revision, second.notes, second.conclusion) == (
        2, "Ông A trình bày", "Thông qua báo cáo")  # fmt: skip
    # The secretary, still on revision 1, is told what is stored now.
    with pytest.raises(Conflict) as late:
        await notes.save_notes(w.meeting.id, item, secretary, notes="Ông A trình bày, bà B hỏi",
                               conclusion=None, revision=1)  # fmt: skip
    assert late.value.code == "notes_conflict"
    assert late.value.details == {
        "revision": 2, "notes": "Ông A trình bày", "conclusion": "Thông qua báo cáo",
        "updated_by_name": "Chủ tọa",
    }  # fmt: skip
    # A save sent again whose answer was lost: what it says is stored, no conflict.
    again = await notes.save_notes(w.meeting.id, item, chair, notes=None,
                                   conclusion="Thông qua báo cáo", revision=1)  # fmt: skip
    assert again == second
    general = await notes.save_notes(w.meeting.id, None, secretary, notes="Khai mạc 8 giờ",
                                     conclusion="", revision=0)  # fmt: skip
    listed = await notes.notes(w.meeting.id, chair)
    assert {(n.agenda_item_id, n.revision) for n in listed} == {(item, 2), (None, 1)}
    assert general in listed


async def test_only_moderators_keep_notes(db: Database, clock: SettableClock) -> None:
    notes = notes_service(db, clock)
    w = await world(db, clock)
    delegate = actor(w.delegate)
    with pytest.raises(Forbidden) as refused:
        await notes.save_notes(w.meeting.id, None, delegate, notes="x", conclusion=None,
                               revision=0)  # fmt: skip
    assert refused.value.code == "not_moderator"
    with pytest.raises(Forbidden):
        await notes.notes(w.meeting.id, delegate)
    with pytest.raises(Forbidden):
        await notes.save_notes(w.meeting.id, None, without_rights(actor(w.chair)), notes="x",
                               conclusion=None, revision=0)  # fmt: skip
    # An account that manages meetings, not a participant.
    manager = NotesActor("u:admin", "Admin", None, None, moderator=True)
    saved = await notes.save_notes(w.meeting.id, None, manager, notes="x", conclusion=None,
                                   revision=0)  # fmt: skip
    assert saved.updated_by == "u:admin"


async def test_what_is_written_is_checked(db: Database, clock: SettableClock) -> None:
    notes = notes_service(db, clock)
    w = await world(db, clock)
    secretary = actor(w.secretary)
    other = await add_meeting(db, clock.now())
    foreign = await add_item(db, other, "Mục của cuộc họp khác")
    cases = [
        (dict(notes="x" * 100_001), "notes_too_long"),
        (dict(conclusion="x" * 20_001), "conclusion_too_long"),
    ]
    for fields, code in cases:
        with pytest.raises(Invalid) as bad:
            await notes.save_notes(w.meeting.id, None, secretary, **{
                "notes": None, "conclusion": None, **fields}, revision=0)  # fmt: skip
        assert bad.value.code == code
    with pytest.raises(NotFound) as elsewhere:
        await notes.save_notes(w.meeting.id, foreign.id, secretary, notes="x", conclusion=None,
                               revision=0)  # fmt: skip
    assert elsewhere.value.code == "bad_agenda_item"
    drafts = [
        (ActionDraft("   "), "action_title_required"),
        (ActionDraft("x" * 501), "action_title_too_long"),
        (ActionDraft("Việc", owner_name="x" * 201), "owner_too_long"),
        (ActionDraft("Việc", owner_participant_id=ParticipantId(new_id())), "unknown_owner"),
        (ActionDraft("Việc", due=clock.now().date().replace(year=1900)), "date_out_of_range"),
    ]
    for draft, code in drafts:
        with pytest.raises(Invalid) as refused:
            await notes.add_action(w.meeting.id, secretary, draft)
        assert refused.value.code == code
    with pytest.raises(NotFound):
        await notes.add_action(w.meeting.id, secretary, ActionDraft("Việc", foreign.id))
    assert await notes.actions(w.meeting.id) == []


async def test_action_items_and_who_marks_them_done(db: Database, clock: SettableClock) -> None:
    notes = notes_service(db, clock)
    w = await world(db, clock)
    secretary, delegate = actor(w.secretary), actor(w.delegate)
    guest = await add_person(db, w.meeting, "Khách", MeetingRole.GUEST)
    due = (clock.now() + timedelta(days=7)).date()
    task = await notes.add_action(w.meeting.id, secretary, ActionDraft(
        "  Hoàn thiện báo cáo  ", w.items[0].id, owner_participant_id=w.delegate.id,
        owner_name="ignored", due=due))  # fmt: skip
    assert (task.title, task.owner_name, task.owner_user_id) == (
        "Hoàn thiện báo cáo", "Trần Thị Bích", w.user.id)  # fmt: skip
    assert task.status is ActionStatus.OPEN and task.due == due
    free = await notes.add_action(
        w.meeting.id, secretary, ActionDraft("Liên hệ Sở Tài chính", owner_name="Ông Dũng (Sở TC)")
    )
    assert free.owner_participant_id is None and free.owner_name == "Ông Dũng (Sở TC)"
    with pytest.raises(Forbidden):
        await notes.add_action(w.meeting.id, delegate, ActionDraft("Tự giao"))
    with pytest.raises(Forbidden):
        await notes.update_action(task.id, delegate, ActionDraft("Đổi tên"))
    with pytest.raises(Forbidden) as not_theirs:
        await notes.set_done(task.id, actor(guest), True)
    assert not_theirs.value.code == "not_action_owner"
    with pytest.raises(Forbidden):
        await notes.set_done(free.id, delegate, True)  # not theirs
    clock.advance(timedelta(minutes=5))
    done = await notes.set_done(task.id, delegate, True)
    assert done.status is ActionStatus.DONE and done.done_at == clock.now()
    assert done.done_by_name == "Trần Thị Bích"
    assert await notes.set_done(task.id, delegate, True) == done  # as it is: no change
    # Their account, through another device that is not their participant's.
    account = NotesActor(f"u:{w.user.id}", "B", None, w.user.id, moderator=False)
    reopened = await notes.set_done(task.id, account, False)
    assert reopened.status is ActionStatus.OPEN and reopened.done_at is None
    assert (await notes.set_done(free.id, secretary, True)).status is ActionStatus.DONE
    changed = await notes.update_action(free.id, secretary, ActionDraft(
        "Liên hệ Sở Tài chính", owner_participant_id=w.delegate.id))  # fmt: skip
    assert changed.owner_user_id == w.user.id and changed.status is ActionStatus.DONE
    other = await add_meeting(db, clock.now())
    with pytest.raises(NotFound):  # named under another meeting's path
        await notes.set_done(task.id, delegate, True, meeting_id=other.id)
    await notes.delete_action(free.id, secretary)
    with pytest.raises(NotFound) as gone:
        await notes.delete_action(free.id, secretary)
    assert gone.value.code == "action_not_found"
    assert [a.id for a in await notes.actions(w.meeting.id)] == [task.id]


async def test_frozen_minutes_and_archived_meetings_refuse_edits(
    db: Database, clock: SettableClock
) -> None:
    lock = FrozenLock()
    notes = notes_service(db, clock, lock)
    w = await world(db, clock)
    secretary, delegate = actor(w.secretary), actor(w.delegate)
    task = await notes.add_action(w.meeting.id, secretary, ActionDraft(
        "Việc", owner_participant_id=w.delegate.id))  # fmt: skip
    lock.frozen_meetings.add(w.meeting.id)
    edits = [
        notes.save_notes(w.meeting.id, None, secretary, notes="x", conclusion=None, revision=0),
        notes.add_action(w.meeting.id, secretary, ActionDraft("Thêm")),
        notes.update_action(task.id, secretary, ActionDraft("Sửa")),
        notes.delete_action(task.id, secretary),
    ]
    for edit in edits:
        with pytest.raises(Conflict) as frozen:
            await edit
        assert frozen.value.code == "minutes_frozen"
    # Its follow-up goes on: the owner marks it done.
    assert (await notes.set_done(task.id, delegate, True)).status is ActionStatus.DONE
    lock.frozen_meetings.clear()
    store = SqlMeetingStore(db)
    meeting = await store.get_meeting(w.meeting.id)
    assert meeting is not None
    assert await store.set_status(replace(meeting, status=MeetingStatus.ARCHIVED), meeting.status)
    with pytest.raises(Conflict) as archived:
        await notes.save_notes(w.meeting.id, None, secretary, notes="x", conclusion=None,
                               revision=0)  # fmt: skip
    assert archived.value.code == "meeting_archived"


async def test_my_actions_across_meetings(db: Database, clock: SettableClock) -> None:
    notes = notes_service(db, clock)
    w = await world(db, clock)
    secretary = actor(w.secretary)
    other = await add_meeting(db, clock.now())
    there = await add_person(db, other, "Trần Thị Bích", MeetingRole.DELEGATE, w.user)
    there_secretary = await add_person(db, other, "Thư ký 2", MeetingRole.SECRETARY)
    today = clock.now().date()
    soon = await notes.add_action(w.meeting.id, secretary, ActionDraft(
        "Soon", w.items[1].id, owner_participant_id=w.delegate.id,
        due=today + timedelta(days=1)))  # fmt: skip
    await notes.add_action(other.id, actor(there_secretary), ActionDraft(
        "Undated", owner_participant_id=there.id))  # fmt: skip
    await notes.add_action(w.meeting.id, secretary, ActionDraft("Not hers", owner_name="X"))
    mine = await notes.my_actions(w.user.id)
    assert [(m.action.title, m.meeting_title, m.item_title) for m in mine] == [
        ("Soon", w.meeting.title, "Kế hoạch năm sau"), ("Undated", other.title, ""),
    ]  # fmt: skip
    await notes.set_done(soon.id, actor(w.delegate), True)
    assert [m.action.title for m in await notes.my_actions(w.user.id, ActionStatus.OPEN)] == [
        "Undated"
    ]
    # Removed from the other meeting: its tasks are no longer theirs to see.
    await SqlMeetingStore(db).delete_participant(there.id)
    assert [m.action.title for m in await notes.my_actions(w.user.id)] == ["Soon"]


async def test_decisions_per_agenda_item(db: Database, clock: SettableClock) -> None:
    votes = vote_service(db, clock)
    notes = notes_service(db, clock)
    w = await world(db, clock)
    secretary = actor(w.secretary)
    first, second = w.items
    await notes.save_notes(w.meeting.id, first.id, secretary, notes="…",
                           conclusion="Thông qua báo cáo tài chính", revision=0)  # fmt: skip
    passed = await hold_vote(votes, w, first, "Thông qua báo cáo", "yes")
    clock.advance(timedelta(minutes=1))
    failed = await hold_vote(votes, w, first, "Tăng ngân sách", "no")
    await hold_vote(votes, w, None, "Chọn thư ký", "yes")
    removed = AgendaItemId(new_id())  # an item no longer on the agenda: general part
    task = await notes.add_action(w.meeting.id, secretary, ActionDraft(
        "Gửi báo cáo", first.id, owner_participant_id=w.delegate.id))  # fmt: skip
    await notes.save_notes(w.meeting.id, None, secretary, notes="Khai mạc", conclusion="",
                           revision=0)  # fmt: skip
    decided = await notes.decisions(w.meeting.id)
    assert [(d.position, d.title) for d in decided] == [
        (0, ""), (1, "Báo cáo tài chính"), (2, "Kế hoạch năm sau")]  # fmt: skip
    general, one, two = decided
    assert [v.vote.title for v in general.votes] == ["Chọn thư ký"] and general.conclusion == ""
    assert one.conclusion == "Thông qua báo cáo tài chính"
    assert [(v.vote.id, v.result.passed) for v in one.votes] == [(passed.id, True),
                                                                 (failed.id, False)]  # fmt: skip
    assert one.actions == (task,)
    assert two.empty and removed not in {d.agenda_item_id for d in decided}
