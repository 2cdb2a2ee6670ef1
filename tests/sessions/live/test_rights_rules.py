"""Which rights changes lower someone, and which connections a change re-checks
(live/rights.py; the re-checking itself, across nodes, is in test_rights.py)."""

from __future__ import annotations

import dataclasses

import pytest

from meetroom.clock import SettableClock
from meetroom.ids import MeetingId, ParticipantId, UserId
from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant, MeetingRole, Participant
from meetroom.sessions.live.meeting import Connection, LiveMeeting
from meetroom.sessions.live.rights import ROLE_RANK, _matches, lowered
from tests.sessions.live.parts import account, viewer

HOA = Participant(ParticipantId("hoa"), MeetingId("m1"), UserId("u-hoa"), "Hoa",
                  MeetingRole.DELEGATE, frozenset({Grant.CAN_VOTE}), 1,
                  SettableClock().now())  # fmt: skip


def changed(**fields: object) -> Participant:
    return dataclasses.replace(HOA, **fields)  # type: ignore[arg-type]


def test_a_lower_role_or_a_grant_taken_away_lowers() -> None:
    assert lowered(HOA, changed(role=MeetingRole.GUEST))
    assert lowered(HOA, changed(grants=frozenset()))
    # Another grant for one taken away is still lower: the one taken counts.
    assert lowered(HOA, changed(grants=frozenset({Grant.CAN_PRESENT})))
    assert not lowered(HOA, changed(role=MeetingRole.CHAIR))
    assert not lowered(HOA, changed(grants=frozenset({Grant.CAN_VOTE, Grant.MODERATOR})))
    assert not lowered(HOA, changed(name="Hoa Nguyễn", link_version=2))
    assert set(ROLE_RANK) == set(MeetingRole)  # every role has a rank


@pytest.mark.parametrize(
    ("change", "who"),
    [
        ({"meeting": "m1", "participant": "hoa"}, {"hoa-link", "hoa-account"}),
        ({"meeting": "m2", "participant": "hoa"}, set()),
        ({"meeting": "m1"}, {"hoa-link", "hoa-account", "binh", "admin"}),
        ({"user": "u-hoa"}, {"hoa-link", "hoa-account"}),
        ({"user": "admin"}, {"admin"}),
        ({}, {"hoa-link", "hoa-account", "binh", "admin"}),
    ],
)
def test_a_change_re_checks_the_connections_it_concerns(
    change: dict[str, str], who: set[str]
) -> None:
    meeting = LiveMeeting(MeetingId("m1"))
    by_link = dataclasses.replace(viewer("p:hoa"), principal=Principal(participant=HOA))
    signed_in = dataclasses.replace(  # Hoa's account, signed in, in the meeting as Hoa
        by_link, principal=dataclasses.replace(account("u:u-hoa").principal, participant=None)
    )
    connections = {
        "hoa-link": by_link, "hoa-account": signed_in, "binh": viewer("p:binh"),
        "admin": account("u:admin"),
    }  # fmt: skip
    matching = {
        name
        for name, seen in connections.items()
        if _matches(change, meeting, Connection(seen, lambda envelope: None))
    }
    assert matching == who
