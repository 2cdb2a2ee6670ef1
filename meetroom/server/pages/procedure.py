"""The meeting's procedure on its page, for the secretary and the chair: the quorum
rule (none, more than half, two thirds, at least N voting members), the default
speaking time and the requests a person may make per agenda item, shown on the
meeting page (the form's route is in `procedure_form`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.status import READ_ONLY
from meetroom.records.floor import QuorumKind
from meetroom.server.api.roll import roll_of
from meetroom.server.context import services
from meetroom.server.floor_access import floor_actor


async def procedure_context(request: web.Request, access: MeetingAccess) -> dict[str, Any]:
    """For the meeting page: the rule and the floor's settings, and whether the viewer
    may change them (the chair and secretary, those who manage meetings; until the
    meeting ended)."""
    floor = services(request).floor
    rule = await floor.roll.rule(access.meeting.id)
    state = await floor.floor.state(access.meeting.id)
    moderator = (await floor_actor(request, access.meeting.id)).moderator
    may_change = moderator and access.meeting.status not in READ_ONLY
    roll = None
    if may_change:
        found = await roll_of(services(request), access.meeting)
        roll = [
            {"participant": p, "mark": found.of(p.id), "hand": found.marks.get(p.id)}
            for p in found.participants
            if found.listed(p.id) or p.id in found.presences
        ]
    return {
        "roll": roll,
        "procedure": {
            "rule": rule.kind.value,
            "value": rule.value,
            "default_minutes": _minutes(state.default_limit),
            "per_person_limit": state.per_person_limit,
            "may_change": may_change,
            "rules": [k.value for k in QuorumKind],
        },
    }


def _minutes(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds / 60:.1f}"
