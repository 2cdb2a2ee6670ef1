"""The quorum and attendance marked by hand, over the API: the live quorum and its log
for the meeting's participants; the rule and the marks for its chair and secretary
(the `moderator` grant) or an account that manages meetings."""

from __future__ import annotations

from aiohttp import web

from meetroom.ids import MeetingId, ParticipantId
from meetroom.protocol.floor_api import (
    AttendanceMarkIn,
    AttendanceMarkOut,
    QuorumChangeOut,
    QuorumLog,
    QuorumOut,
    QuorumRuleIn,
)
from meetroom.records.floor import AttendanceMark, HandMark, QuorumKind, QuorumRule, QuorumState
from meetroom.server.api.registry import Endpoint
from meetroom.server.context import principal, services
from meetroom.server.floor_access import floor_actor
from meetroom.server.paths import path_id


def quorum_out(state: QuorumState) -> QuorumOut:
    return QuorumOut(
        rule=state.rule.kind.value, value=state.rule.value, members=state.members,
        present=state.present, required=state.required, reached=state.reached,
    )  # fmt: skip


def mark_out(mark: HandMark) -> AttendanceMarkOut:
    return AttendanceMarkOut(
        participant_id=mark.participant_id, state=mark.state.value,
        reason=mark.reason, set_by_name=mark.set_by_name, set_at=mark.set_at,
    )  # fmt: skip


async def get_quorum(request: web.Request) -> QuorumOut:
    svc = services(request)
    access = await svc.meetings.open(principal(request), path_id(request, MeetingId))
    return quorum_out(await svc.floor.roll.quorum(access.meeting.id))


async def quorum_log(request: web.Request) -> QuorumLog:
    svc = services(request)
    access = await svc.meetings.open(principal(request), path_id(request, MeetingId))
    changes = await svc.floor.roll.changes(access.meeting.id)
    return QuorumLog(
        meeting_id=access.meeting.id,
        changes=[
            QuorumChangeOut(
                at=c.at,
                rule=c.rule.kind.value,
                value=c.rule.value,
                members=c.members,
                present=c.present,
                required=c.required,
                reached=c.reached,
            )  # fmt: skip
            for c in changes
        ],
    )


async def set_quorum_rule(request: web.Request, body: QuorumRuleIn) -> QuorumOut:
    svc = services(request)
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    await svc.floor.set_rule(actor, meeting_id, QuorumRule(QuorumKind(body.rule), body.value))
    return quorum_out(await svc.floor.roll.quorum(meeting_id))


async def mark_attendance(request: web.Request, body: AttendanceMarkIn) -> AttendanceMarkOut:
    svc = services(request)
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    mark = await svc.floor.mark(
        actor, meeting_id, path_id(request, ParticipantId), AttendanceMark(body.state), body.reason
    )
    return mark_out(mark)


M = "/api/meetings/{meeting_id}"
ENDPOINTS = [
    Endpoint(
        "GET",
        M + "/quorum",
        get_quorum,
        "The live quorum: voting members present, required by the rule, reached or not "
        "(the meeting's participants)",
        "floor",
        response=QuorumOut,
    ),
    Endpoint(
        "GET",
        M + "/quorum/log",
        quorum_log,
        "Each change of the quorum's state while the meeting was in progress, for the minutes",
        "floor",
        response=QuorumLog,
    ),
    Endpoint(
        "PUT",
        M + "/quorum",
        set_quorum_rule,
        "Choose the quorum rule (the chair or secretary)",
        "floor",
        body=QuorumRuleIn,
        response=QuorumOut,
    ),
    Endpoint(
        "PUT",
        M + "/attendance/{participant_id}",
        mark_attendance,
        "Mark a participant present, excused (with a reason) or absent by hand "
        "(the chair or secretary)",
        "floor",
        body=AttendanceMarkIn,
        response=AttendanceMarkOut,
    ),
]
