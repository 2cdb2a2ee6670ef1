"""The speakers' queue, pure: each step's new state, version and event, and its
refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from meetroom.errors import Conflict, Invalid, NotFound
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId
from meetroom.records.floor import FloorAction, FloorState, Outcome, RequestStatus, SpeechKind
from meetroom.sessions.floor import queue

T0 = datetime.now(UTC)
S = timedelta(seconds=1)
ITEM = AgendaItemId("i" * 26)
_ids = itertools.count(1)


def ask(
    state: FloorState, who: str, kind: SpeechKind = SpeechKind.ORDINARY, *,
    client_id: str | None = None, subject: str = "", at: datetime = T0,
    item: AgendaItemId | None = ITEM,
) -> Outcome:  # fmt: skip
    n = next(_ids)
    return queue.ask(
        state, request_id=f"r{n}", client_id=client_id or f"c{n}",
        participant_id=ParticipantId(who), name=who.title(), kind=kind, subject=subject,
        agenda_item_id=item, mic_consent=True, now=at,
    )  # fmt: skip


def names(state: FloorState) -> list[str]:
    return [r.participant_id for r in state.queue]


def fresh() -> FloorState:
    return FloorState(MeetingId("m" * 26))


def test_ask_in_order_and_points_of_order_first() -> None:
    state = fresh()
    for who in ("an", "binh", "chi"):
        state = ask(state, who).state
    state = ask(state, "dung", SpeechKind.POINT_OF_ORDER, subject="Quorum?").state
    state = ask(state, "em", SpeechKind.POINT_OF_ORDER, subject="Time").state
    state = ask(state, "giang", SpeechKind.AGAINST).state
    assert names(state) == ["dung", "em", "an", "binh", "chi", "giang"]
    assert [r.position for r in state.queue] == [1, 2, 3, 4, 5, 6]
    assert state.version == 6
    assert state.queue[0].subject == "Quorum?"


def test_one_open_request_per_person_and_idempotent_client_id() -> None:
    first = ask(fresh(), "an", client_id="tap")
    assert first.changed and first.event is not None and first.event.action is FloorAction.ASKED
    again = ask(first.state, "an", client_id="tap")  # a double tap
    assert not again.changed and again.state is first.state
    assert again.request == first.request
    with pytest.raises(Conflict) as info:
        ask(first.state, "an", client_id="other")
    assert info.value.code == "already_asked"
    with pytest.raises(Conflict) as info:
        ask(first.state, "binh", client_id="tap")
    assert info.value.code == "client_id_taken"
    with pytest.raises(Invalid):
        ask(first.state, "binh", client_id="x" * 65)


def test_point_of_order_needs_a_subject_and_others_lose_theirs() -> None:
    with pytest.raises(Invalid) as info:
        ask(fresh(), "an", SpeechKind.POINT_OF_ORDER, subject="  ")
    assert info.value.code == "subject_missing"
    with pytest.raises(Invalid):
        ask(fresh(), "an", SpeechKind.POINT_OF_ORDER, subject="x" * 201)
    assert ask(fresh(), "an", SpeechKind.FOR, subject="ignored").state.queue[0].subject == ""


def test_withdraw_remove_and_repeats() -> None:
    state = fresh()
    for who in ("an", "binh", "chi"):
        state = ask(state, who).state
    binh = state.queue[1].id
    out = queue.withdraw(state, binh, T0)
    assert out.event is not None and out.event.action is FloorAction.WITHDRAWN
    state = out.state
    assert names(state) == ["an", "chi"] and [r.position for r in state.queue] == [1, 2]
    assert state.get(binh).status is RequestStatus.WITHDRAWN  # type: ignore[union-attr]
    assert not queue.withdraw(state, binh, T0).changed  # a repeated tap
    # Withdrawn, Binh may ask again.
    state = ask(state, "binh").state
    assert names(state) == ["an", "chi", "binh"]
    out = queue.remove(state, state.queue[0].id, T0)
    assert out.state.get(state.queue[0].id).status is RequestStatus.REMOVED  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        queue.remove(state, "nope", T0)


def test_give_end_and_speech_log() -> None:
    state = ask(ask(fresh(), "an").state, "binh").state
    state = queue.set_settings(state, 60, None, T0).state
    out = queue.give(state, None, T0)
    assert out.event is not None and out.event.action is FloorAction.GIVEN
    state = out.state
    assert state.current is not None and state.current.participant_id == "an"
    assert (state.speech_started_at, state.speech_limit) == (T0, 60)
    assert names(state) == ["binh"]
    with pytest.raises(Conflict):  # speaking: the chair ends it, nobody withdraws it
        queue.withdraw(state, state.current.id, T0)
    out = queue.end(state, T0 + 75 * S)
    assert out.speech is not None
    assert (out.speech.seconds, out.speech.limit, out.speech.overrun) == (75, 60, 15)
    assert out.speech.participant_id == "an" and out.speech.agenda_item_id == ITEM
    state = out.state
    assert state.current is None and state.speech_started_at is None
    assert not queue.end(state, T0 + 80 * S).changed  # ended already
    with pytest.raises(Conflict):
        queue.give(state, out.speech.request_id, T0)  # done: no longer open


def test_give_while_speaking_ends_the_speech_and_chosen_override() -> None:
    state = ask(ask(ask(fresh(), "an").state, "binh").state, "chi").state
    state = queue.give(state, None, T0).state
    chi = state.queue[1].id
    out = queue.give(state, chi, T0 + 30 * S, limit=None)
    assert out.speech is not None and out.speech.participant_id == "an"
    assert out.speech.seconds == 30 and out.speech.overrun == 0
    state = out.state
    assert state.current is not None and state.current.participant_id == "chi"
    assert state.speech_limit is None
    assert names(state) == ["binh"]
    assert state.get(out.speech.request_id).status is RequestStatus.DONE  # type: ignore[union-attr]
    # More time for Chi; then nobody waiting after Binh.
    assert queue.set_speech_limit(state, 300, T0).state.speech_limit == 300
    with pytest.raises(Invalid):
        queue.set_speech_limit(state, 5, T0)
    state = queue.give(state, None, T0 + 40 * S).state
    with pytest.raises(Conflict) as info:
        queue.give(state, None, T0 + 50 * S)
    assert info.value.code == "queue_empty"
    with pytest.raises(Conflict):
        queue.set_speech_limit(queue.end(state, T0).state, 60, T0)


def test_reorder() -> None:
    state = fresh()
    for who in ("an", "binh", "chi"):
        state = ask(state, who).state
    ids = [r.id for r in state.queue]
    out = queue.reorder(state, [ids[2], ids[0], ids[1]], T0)
    assert names(out.state) == ["chi", "an", "binh"] and out.state.version == state.version + 1
    assert not queue.reorder(out.state, [ids[2], ids[0], ids[1]], T0).changed
    for stale in ([ids[0], ids[1]], [*ids, "x"], [ids[0], ids[0], ids[1]]):
        with pytest.raises(Conflict) as info:
            queue.reorder(state, stale, T0)
        assert info.value.code == "queue_changed"
    # A point of order goes after the points of order at the top, not after one the
    # chair moved down.
    state = ask(out.state, "dung", SpeechKind.POINT_OF_ORDER, subject="a").state
    ids = [r.id for r in state.queue]
    state = queue.reorder(state, [*ids[1:], ids[0]], T0).state
    state = ask(state, "em", SpeechKind.POINT_OF_ORDER, subject="b").state
    assert names(state) == ["em", "chi", "an", "binh", "dung"]


def test_closed_list_and_per_item_limit() -> None:
    state = queue.set_list_closed(ask(fresh(), "an").state, True, T0).state
    assert state.list_closed
    assert not queue.set_list_closed(state, True, T0).changed
    with pytest.raises(Conflict) as info:
        ask(state, "binh")
    assert info.value.code == "list_closed"
    # A point of order is still taken.
    state = ask(state, "binh", SpeechKind.POINT_OF_ORDER, subject="Close?").state
    state = queue.set_list_closed(state, False, T0).state

    state = queue.set_settings(state, 180, 2, T0).state
    an = next(r.id for r in state.queue if r.participant_id == "an")
    state = queue.end(queue.give(state, an, T0).state, T0).state  # An's first speech
    second = ask(state, "an")  # the second request: within the limit
    assert second.request is not None
    state = queue.end(queue.give(second.state, second.request.id, T0).state, T0).state
    with pytest.raises(Conflict) as info:
        ask(state, "an")
    assert info.value.code == "request_limit"
    assert ask(state, "an", item=AgendaItemId("j" * 26)).changed  # another item
    # A withdrawn request does not count.
    limited = queue.set_settings(state, 180, 1, T0).state
    chi = ask(limited, "chi")
    assert chi.request is not None
    other = queue.withdraw(chi.state, chi.request.id, T0).state
    assert ask(other, "chi").changed
    with pytest.raises(Invalid) as info:
        queue.set_settings(state, 180, 0, T0)
    assert (info.value.code, info.value.params) == ("bad_request_limit", {"low": 1, "high": 100})
    with pytest.raises(Invalid) as info:
        queue.set_settings(state, 5, None, T0)
    assert (info.value.code, info.value.params) == (
        "bad_speaking_time",
        {"low": 10, "high": 4 * 3600},
    )
    assert not queue.set_settings(state, 180, 2, T0).changed
