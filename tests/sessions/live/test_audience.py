"""Who an unstored event reaches (`reaches`): everyone, the viewer keys it names, and,
for the audience `MODERATORS`, whoever has the `moderator` grant as their connection
has it now (so that every node resolves it against its own connections)."""

from __future__ import annotations

from meetroom.records.accounts import Principal
from meetroom.records.meetings import Grant
from meetroom.sessions.live.meeting import MODERATORS, Viewer, reaches


def viewer(key: str, *grants: Grant) -> Viewer:
    return Viewer(key, key, "delegate", frozenset(grants), Principal())


def test_the_audience_of_an_event() -> None:
    chair, delegate = viewer("p:chair", Grant.MODERATOR), viewer("p:delegate", Grant.CAN_VOTE)
    assert reaches(None, chair) and reaches(None, delegate)
    assert reaches(frozenset({"p:delegate"}), delegate)
    assert not reaches(frozenset({"p:delegate"}), chair)
    to_moderators = frozenset({MODERATORS})
    assert reaches(to_moderators, chair) and not reaches(to_moderators, delegate)
    assert reaches(to_moderators | {"p:delegate"}, delegate)
    assert reaches(to_moderators, viewer("u:admin", *Grant))
