"""Who sees what of the documents a live session talks about (live/visibility.py):
events, the welcome, the presenter's place and the chair's presence list filtered by
each document's access list; what a change of the lists tells those connected."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from meetroom.bus import Envelope
from meetroom.bus.local import LocalBus
from meetroom.ids import MeetingId, ParticipantId
from meetroom.protocol import live as p
from meetroom.protocol.codec import replace
from meetroom.records.accounts import AccountRole
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.sessions.live.meeting import LiveMeeting
from meetroom.sessions.live.visibility import (
    Visibility,
    annotations_for,
    presence_for,
    presented,
    shown_to,
    state_for,
    visible_in,
)
from tests.sessions.live.parts import Ops, Pages, account, connect, viewer

chair = viewer("p:an", MeetingRole.CHAIR)
secretary = viewer("p:sec", MeetingRole.SECRETARY, Grant.MODERATOR)
hoa = viewer("p:hoa")
binh = viewer("p:binh")
admin = account("u:admin")
# Everyone sees "open"; "few" is Hoa's (and the preparers'); "new" was added a moment ago
# on another node and is not in the table yet.
TABLE: dict[str, frozenset[str] | None] = {"open": None, "few": frozenset({"p:hoa"})}


def meeting_with(table: dict[str, frozenset[str] | None] = TABLE) -> LiveMeeting:
    meeting = LiveMeeting(MeetingId("m1"))
    meeting.documents = dict(table)
    return meeting


def test_who_sees_which_document() -> None:
    for everything in (chair, secretary, admin):
        assert all(visible_in(TABLE, everything, d) for d in ("open", "few", "new"))
    assert [d for d in ("open", "few", "new") if visible_in(TABLE, hoa, d)] == ["open", "few"]
    assert [d for d in ("open", "few", "new") if visible_in(TABLE, binh, d)] == ["open"]
    # An account that may no longer manage meetings sees by the lists like anyone.
    assert not visible_in(TABLE, account("u:del", AccountRole.DELEGATE), "few")


def test_an_event_about_a_document_reaches_only_those_who_may_see_it() -> None:
    meeting = meeting_with()
    about = Envelope(b"added", document_id="few", unseen=b"instead")
    assert shown_to(meeting, hoa, about) == b"added"
    assert shown_to(meeting, binh, about) == b"instead"
    assert shown_to(meeting, binh, Envelope(b"added", document_id="few")) is None
    assert shown_to(meeting, binh, Envelope(b"chat")) == b"chat"  # about no document


def test_the_presenter_on_a_document_one_may_not_see_is_shown_nowhere() -> None:
    meeting = meeting_with()
    on_few = p.PresenterState(where=p.Where(document_id="few", page=4), presenter="p:an",
                              presenter_name="Chair", follow_epoch=2)  # fmt: skip
    meeting.state = on_few
    assert state_for(meeting, hoa) == on_few
    hidden = state_for(meeting, binh)
    assert hidden.hidden and hidden.where == p.Where()
    assert (hidden.presenter, hidden.follow_epoch) == ("p:an", 2)  # the rest as it is

    envelope = presented(on_few)
    assert envelope.document_id == "few"
    assert json.loads(shown_to(meeting, hoa, envelope) or b"")["state"]["where"]["page"] == 4
    told = json.loads(shown_to(meeting, binh, envelope) or b"")
    assert told["state"]["hidden"] and "where" not in told["state"]
    assert presented(p.PresenterState()).document_id is None  # no document: for everyone


def test_the_welcome_holds_the_annotations_on_the_documents_one_sees() -> None:
    meeting, ops = meeting_with(), Ops()
    for op in (
        ops.stroke("p:an", "on-open", document_id="open"),
        ops.stroke("p:an", "on-few", document_id="few"),
        ops.stroke("p:hoa", "hoa-private", document_id="few", layer="private"),
        ops.stroke("p:binh", "binh-private", document_id="few", layer="private"),
        ops.stroke("p:an", "on-new", document_id="new"),
    ):
        meeting.annotations.apply(op)

    def ids(who: object) -> list[str]:
        return [a.op_id for a in annotations_for(meeting, who)]  # type: ignore[arg-type]

    assert ids(hoa) == ["on-open", "on-few", "hoa-private"]
    # Binh's own private stroke on a document taken from him stays out of sight.
    assert ids(binh) == ["on-open"]
    assert ids(chair) == ["on-open", "on-few", "on-new"]


def test_the_chair_sees_where_people_are_only_on_documents_they_may_see() -> None:
    meeting = meeting_with()
    helper = viewer("p:binh", MeetingRole.DELEGATE, Grant.MODERATOR)  # a moderator, not on "few"
    connect(meeting, chair)
    connect(meeting, helper)
    connect(meeting, hoa)
    people = [
        p.PresenceEntry(participant="p:hoa", name="Hoa", role="delegate", connections=1,
                        following=False, where=p.Where(document_id="few", page=2)),
        p.PresenceEntry(participant="p:an", name="Chair", role="chair", connections=1,
                        following=True, where=p.Where(document_id="open")),
    ]  # fmt: skip
    envelopes = presence_for(meeting, people, frozenset({"p:an", "p:binh"}))
    by_audience = {e.audience: json.loads(e.data)["people"] for e in envelopes}
    assert set(by_audience) == {frozenset({"p:an"}), frozenset({"p:binh"})}
    assert by_audience[frozenset({"p:an"})][0]["where"]["document_id"] == "few"
    for_binh = by_audience[frozenset({"p:binh"})]
    assert "where" not in for_binh[0] and for_binh[0]["participant"] == "p:hoa"
    assert for_binh[1]["where"]["document_id"] == "open"
    # Moderators who see the same documents share one encoding.
    connect(meeting, secretary)
    envelopes = presence_for(meeting, people, frozenset({"p:an", "p:sec"}))
    assert [e.audience for e in envelopes] == [frozenset({"p:an", "p:sec"})]


@pytest.fixture
async def held() -> AsyncIterator[tuple[Visibility, Pages, LiveMeeting]]:
    documents = Pages(open=3, few=5)
    documents.access["few"] = frozenset({ParticipantId("hoa")})
    meeting = LiveMeeting(MeetingId("m1"))
    visibility = Visibility(documents, LocalBus(), {meeting.id: meeting})
    meeting.documents = await visibility.table(meeting.id)
    yield visibility, documents, meeting
    visibility.close()


async def test_a_document_taken_away_and_given_tells_those_connected(
    held: tuple[Visibility, Pages, LiveMeeting],
) -> None:
    visibility, documents, meeting = held
    assert meeting.documents == TABLE
    ops = Ops()
    for op in (
        ops.stroke("p:an", "shared-on-few", document_id="few"),
        ops.stroke("p:hoa", "hoa-private", document_id="few", layer="private"),
        # Drawn by Binh while he had it (a chair then, say).
        ops.stroke("p:binh", "binh-private", document_id="few", layer="private"),
        ops.stroke("p:an", "shared-on-open", document_id="open"),
    ):
        meeting.annotations.apply(op)
    meeting.state = p.PresenterState(where=p.Where(document_id="few", page=2), presenter="p:an")
    to_chair, to_hoa, to_binh = (connect(meeting, who) for who in (chair, hoa, binh))
    hoa_tablet = meeting.connections["p:hoa"]
    hoa_tablet.pages.update({"few": 5, "open": 3})
    start = p.StrokeStart(op_id="s1", document_id="few", page=1, layer="private")
    hoa_tablet.drawing.update({"s1": start, "s2": replace(start, op_id="s2", document_id="open")})

    documents.access["few"] = frozenset({ParticipantId("binh")})
    await visibility.refresh(meeting.id)
    assert [m["type"] for m in to_hoa.got] == ["document_hidden", "presented"]
    assert to_hoa.got[0]["document_id"] == "few" and to_hoa.got[1]["state"]["hidden"]
    assert list(hoa_tablet.drawing) == ["s2"]  # the stroke on it ends; the other goes on
    assert hoa_tablet.pages == {"open": 3}  # its next stroke there is checked again
    assert [m["type"] for m in to_binh.got] == ["document_shown", "presented"]
    shown = to_binh.got[0]
    assert [a["op_id"] for a in shown["annotations"]] == ["shared-on-few", "binh-private"]
    assert to_binh.got[1]["state"]["where"]["page"] == 2
    assert to_chair.got == []  # the chair sees every document throughout

    documents.access["few"] = None  # to everyone
    await visibility.refresh(meeting.id)
    back = to_hoa.of("document_shown")
    assert [a["op_id"] for a in back[0]["annotations"]] == ["shared-on-few", "hoa-private"]
    assert len(to_binh.of("document_shown")) == 1  # Binh had it already: nothing new
    assert to_chair.got == []

    await visibility.refresh(meeting.id)  # nothing changed: nothing told
    assert len(to_hoa.got) == 4 and len(to_binh.got) == 2


async def test_a_chair_made_a_delegate_loses_the_documents_restricted_to_others(
    held: tuple[Visibility, Pages, LiveMeeting],
) -> None:
    visibility, _, meeting = held
    was_chair = viewer("p:binh", MeetingRole.CHAIR)
    to_binh = connect(meeting, was_chair)
    connection = meeting.connections["p:binh"]
    connection.pages["few"] = 5
    connection.viewer = viewer("p:binh")
    visibility.viewers_changed(meeting, {"p:binh": was_chair})
    assert [(m["type"], m["document_id"]) for m in to_binh.got] == [("document_hidden", "few")]
    assert connection.pages == {}
