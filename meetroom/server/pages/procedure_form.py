"""The form of the meeting's procedure (see `procedure`): the quorum rule and the
floor's settings, saved through the floor so that every open client is told."""

from __future__ import annotations

import math

from aiohttp import web

from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.floor import AttendanceMark, QuorumKind, QuorumRule
from meetroom.server.context import services
from meetroom.server.floor_access import floor_actor
from meetroom.server.pages.forms import form_fields, redirect, refusal
from meetroom.server.pages.meetings import render_detail
from meetroom.server.paths import path_id
from meetroom.sessions.floor.quorum import check_rule

routes = web.RouteTableDef()


def _whole(form: dict[str, str], name: str, field: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", N_("{field}: enter a whole number."), field=field) from None


def _seconds(form: dict[str, str], name: str) -> int | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None  # no limit
    try:
        minutes = float(text)
        if not math.isfinite(minutes):
            raise ValueError(text)
    except ValueError:
        raise Invalid(
            "bad_number", N_("{field}: enter a number of minutes, e.g. 3 or 1.5."),
            field=N_("Speaking time"),
        ) from None  # fmt: skip
    # Its range is the floor's (in seconds), checked as it is saved.
    return round(minutes * 60)


@routes.post("/meetings/{meeting_id}/procedure")
async def save_procedure(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    svc = services(request)
    form = await form_fields(request)
    actor = await floor_actor(request, meeting_id)
    try:
        try:
            kind = QuorumKind(form.get("rule", ""))
        except ValueError:
            raise Invalid("bad_quorum", N_("Choose a quorum rule.")) from None
        value = _whole(form, "value", "N") if kind is QuorumKind.AT_LEAST else None
        default = _seconds(form, "default_minutes")
        per_person = _whole(form, "per_person_limit", "per_person_limit")
        rule = check_rule(QuorumRule(kind, value))  # before anything is saved
        await svc.floor.set_settings(
            actor, meeting_id, default_limit=default, per_person_limit=per_person
        )
        await svc.floor.set_rule(actor, meeting_id, rule)
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT), status=400)
        return await render_detail(
            request, meeting_id, status=refused.status, procedure_error=refused.message
        )
    raise redirect(f"/meetings/{meeting_id}?notice=procedure_saved#procedure")


@routes.post("/meetings/{meeting_id}/attendance/{participant_id}")
async def mark_attendance(request: web.Request) -> web.StreamResponse:
    """The secretary or chair marks someone present, excused (with a reason) or absent."""
    meeting_id = path_id(request, MeetingId)
    participant_id = path_id(request, ParticipantId)
    svc = services(request)
    form = await form_fields(request)
    actor = await floor_actor(request, meeting_id)
    try:
        try:
            state = AttendanceMark(form.get("state", ""))
        except ValueError:
            raise Invalid("bad_attendance", N_("Choose present, excused or absent.")) from None
        await svc.floor.mark(
            actor, meeting_id, participant_id, state,
            form.get("reason", ""),
        )  # fmt: skip
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT), status=400)
        return await render_detail(
            request, meeting_id, status=refused.status, roll_error=refused.message
        )
    raise redirect(f"/meetings/{meeting_id}?notice=attendance_marked#roll")
