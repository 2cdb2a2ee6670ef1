"""Who may do what in a live session (live/checks.py): turn everyone's pages, moderate,
take presenting over, draw on the shared layer, and on which pages."""

from __future__ import annotations

import pytest

from meetroom.errors import Forbidden, NotFound
from meetroom.ids import MeetingId
from meetroom.protocol import live as p
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.sessions.live.checks import (
    check_layer,
    check_page,
    may_present,
    require_moderator,
    require_organiser,
)
from meetroom.sessions.live.meeting import Connection, LiveMeeting
from tests.sessions.live.parts import Pages, viewer

MEETING = MeetingId("m1")
chair = viewer("p:an", MeetingRole.CHAIR)
secretary = viewer("p:sec", MeetingRole.SECRETARY, Grant.MODERATOR)
delegate = viewer("p:hoa")
annotator = viewer("p:binh", MeetingRole.DELEGATE, Grant.CAN_ANNOTATE_SHARED)


def meeting(presenter: str | None = None, shared_open: bool = False) -> LiveMeeting:
    live = LiveMeeting(MEETING)
    live.state = p.PresenterState(presenter=presenter, shared_open=shared_open)
    return live


def test_only_the_presenter_turns_everyones_pages() -> None:
    assert may_present(meeting("p:hoa"), delegate)
    assert not may_present(meeting("p:hoa"), chair)  # the chair too hands over first
    assert not may_present(meeting(None), chair)


def test_moderating_and_taking_over_need_the_moderator_grant() -> None:
    for allowed in (chair, secretary):
        require_moderator(allowed)
        require_organiser(allowed)
    # The presenter's grant alone is not moderating.
    for refused in (delegate, annotator, viewer("p:x", MeetingRole.DELEGATE, Grant.CAN_PRESENT)):
        with pytest.raises(Forbidden) as caught:
            require_moderator(refused)
        assert caught.value.code == "not_moderator"
        with pytest.raises(Forbidden) as caught:
            require_organiser(refused)
        assert caught.value.code == "not_organiser"


def test_the_shared_layer_is_for_the_chair_and_the_presenter_unless_opened() -> None:
    closed = meeting(presenter="p:an")
    check_layer(closed, chair, "shared")
    check_layer(closed, annotator, "shared")  # given the grant
    with pytest.raises(Forbidden) as caught:
        check_layer(closed, delegate, "shared")
    assert caught.value.code == "shared_layer_closed"
    check_layer(closed, delegate, "private")  # one's own layer, always

    check_layer(meeting(presenter="p:hoa"), delegate, "shared")  # presenting
    check_layer(meeting(presenter="p:an", shared_open=True), delegate, "shared")


async def test_a_page_must_be_one_of_the_documents_asked_once_a_connection() -> None:
    documents = Pages(d1=3, d2=1)
    connection = Connection(delegate, lambda envelope: None)
    for page in (1, 3):
        await check_page(documents, connection, MEETING, "d1", page)
    for page in (0, 4):
        with pytest.raises(NotFound) as caught:
            await check_page(documents, connection, MEETING, "d1", page)
        assert caught.value.code == "page_not_found" and caught.value.params == {"page": page}
    await check_page(documents, connection, MEETING, "d2", 1)
    assert documents.asked == ["d1", "d2"]  # then known to the connection
    assert connection.pages == {"d1": 3, "d2": 1}

    with pytest.raises(NotFound):  # one the viewer may not see: refused, not remembered
        await check_page(documents, connection, MEETING, "d3", 1)
    assert "d3" not in connection.pages
    # Forgotten (the document's access list changed): asked again.
    connection.pages.clear()
    await check_page(documents, connection, MEETING, "d1", 2)
    assert documents.asked == ["d1", "d2", "d3", "d1"]
