"""A meeting's live session as one node holds it (live/meeting.py): operations applied
strictly in order and delivered to this node's clients, the stored presenter state."""

from __future__ import annotations

import json

import pytest

from meetroom.bus import Envelope
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.sessions.live.meeting import (
    Connection,
    LiveMeeting,
    apply_op,
    deliver_local,
    stored_state,
)
from tests.sessions.live.parts import Ops, connect, viewer

A = "p:a"


def test_a_presenter_stored_before_presenters_were_keyed() -> None:
    assert stored_state({"presenter": "abc", "shared_open": True}) == p.PresenterState(
        presenter="p:abc", shared_open=True
    )
    assert stored_state({"presenter": "u:admin"}).presenter == "u:admin"
    assert stored_state({}).presenter is None


def test_operations_are_applied_in_sequence_and_delivered_with_what_they_are_about() -> None:
    meeting, ops = LiveMeeting(MeetingId("m1")), Ops()
    meeting.documents = {"d1": None, "d2": None}
    inbox = connect(meeting, viewer(A))
    stroke = ops.stroke(A, "a1", layer="private", document_id="d2")
    envelope = apply_op(meeting, stroke, origin="tablet-1")
    assert envelope is not None and meeting.last_seq == 1
    assert (envelope.seq, envelope.audience, envelope.origin, envelope.document_id) == (
        1, frozenset({A}), "tablet-1", "d2",
    )  # fmt: skip
    undo = apply_op(meeting, ops.undo(A, "a1"))
    assert undo is not None and undo.document_id == "d2"  # its target's
    assert [m["type"] for m in inbox.got] == ["added", "removed"]

    ops.stroke(A, "gap")  # numbered 3, not heard of here
    with pytest.raises(AssertionError):  # never applied out of order
        apply_op(meeting, ops.stroke(A, "a4"))
    assert meeting.last_seq == 2 and "a4" not in meeting.annotations.every


def test_what_another_node_encoded_is_delivered_as_it_is_about_here() -> None:
    meeting, ops = LiveMeeting(MeetingId("m1")), Ops()
    meeting.documents = {"d1": None, "d2": None}
    inbox = connect(meeting, viewer(A))
    meeting.annotations.apply(first := ops.stroke(A, "a1", document_id="d2"))
    meeting.last_seq = first.seq
    heard = Envelope(b'{"type":"removed","seq":2,"op_id":"a1","by":"x"}', seq=2, node="b",
                     document_id="elsewhere")  # fmt: skip
    delivered = apply_op(meeting, ops.erase(A, "a1"), heard=heard)
    assert delivered is not None and delivered.data == heard.data
    assert delivered.document_id == "d2"  # as this node sees it
    assert inbox.of("removed") and "a1" not in meeting.annotations.visible
    # An operation no client needs to hear of (the nodes still count it).
    assert apply_op(meeting, ops.erase(A, "nothing"), heard=Envelope(b"", seq=3)) is None
    assert meeting.last_seq == 3 and len(inbox.got) == 1


def test_one_failing_connection_does_not_stop_delivery_to_the_others() -> None:
    meeting = LiveMeeting(MeetingId("m1"))

    def broken(envelope: Envelope) -> None:
        raise RuntimeError("socket gone")

    meeting.connections["broken"] = Connection(viewer("p:x"), broken)
    inbox = connect(meeting, viewer(A))
    deliver_local(meeting, Envelope(json.dumps({"type": "pong"}).encode()))
    assert inbox.of("pong")


def test_the_moderators_connected() -> None:
    meeting = LiveMeeting(MeetingId("m1"))
    connect(meeting, viewer("p:an", MeetingRole.CHAIR))
    connect(meeting, viewer("p:sec", MeetingRole.SECRETARY, Grant.MODERATOR), "sec-1")
    connect(meeting, viewer("p:sec", MeetingRole.SECRETARY, Grant.MODERATOR), "sec-2")
    connect(meeting, viewer("p:hoa", MeetingRole.DELEGATE, Grant.CAN_ANNOTATE_SHARED))
    assert meeting.moderators() == frozenset({"p:an", "p:sec"})
