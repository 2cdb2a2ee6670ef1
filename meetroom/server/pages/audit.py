"""The audit log page (/admin/audit, admins only): filter, page through, export as
CSV, verify the chain. It only reads: no page changes or removes an entry."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from meetroom.accounts.audit import AuditPage, ChainCheck, ChainProblem
from meetroom.accounts.audit_export import parse_filter
from meetroom.accounts.service import require_account_role
from meetroom.errors import N_, Category, MeetRoomError
from meetroom.records.accounts import AccountRole
from meetroom.records.audit import AuditAction
from meetroom.server.api.audit import before_cursor, stream_csv
from meetroom.server.context import SETTINGS, principal, services
from meetroom.server.pages.forms import refusal
from meetroom.server.render import gettext_for, render

routes = web.RouteTableDef()

PAGE_SIZE = 50
FIELDS = ("from", "to", "actor", "target_type", "target_id", "address")
TARGET_TYPES = ("user", "meeting", "document", "room", "group", "vote")

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.LOGIN: N_("Signed in"),
    AuditAction.LOGIN_FAILED: N_("Failed sign-in"),
    AuditAction.LOGOUT: N_("Signed out"),
    AuditAction.USER_CREATED: N_("User created"),
    AuditAction.USER_CHANGED: N_("User changed"),
    AuditAction.ROLE_CHANGED: N_("Role changed"),
    AuditAction.USER_DISABLED: N_("User disabled"),
    AuditAction.USER_ENABLED: N_("User enabled"),
    AuditAction.PASSWORD_CHANGED: N_("Password changed"),
    AuditAction.PASSWORD_RESET: N_("Password reset"),
    AuditAction.SIGNED_OUT_EVERYWHERE: N_("Signed out everywhere"),
    AuditAction.USERS_IMPORTED: N_("Users imported"),
    AuditAction.GROUP_CREATED: N_("Group created"),
    AuditAction.GROUP_CHANGED: N_("Group changed"),
    AuditAction.GROUP_DELETED: N_("Group deleted"),
    AuditAction.ROOM_CREATED: N_("Room created"),
    AuditAction.ROOM_CHANGED: N_("Room changed"),
    AuditAction.ROOM_DELETED: N_("Room deleted"),
    AuditAction.MEETING_CREATED: N_("Meeting created"),
    AuditAction.MEETING_CHANGED: N_("Meeting changed"),
    AuditAction.MEETING_DELETED: N_("Meeting deleted"),
    AuditAction.MEETING_STATUS_CHANGED: N_("Meeting status changed"),
    AuditAction.PARTICIPANT_ADDED: N_("Participant added"),
    AuditAction.PARTICIPANT_CHANGED: N_("Participant changed"),
    AuditAction.PARTICIPANT_REMOVED: N_("Participant removed"),
    AuditAction.JOIN_LINK_REISSUED: N_("Join link replaced"),
    AuditAction.DOCUMENT_UPLOADED: N_("Document uploaded"),
    AuditAction.DOCUMENT_VIEWED: N_("Document viewed"),
    AuditAction.DOCUMENT_DOWNLOADED: N_("Document downloaded"),
    AuditAction.DOCUMENT_CHANGED: N_("Document changed"),
    AuditAction.DOCUMENT_DELETED: N_("Document deleted"),
    AuditAction.AUDIT_KEYED: N_("Audit log keyed"),
    AuditAction.VOTE_OPENED: N_("Vote opened"),
    AuditAction.VOTE_QUORUM_OVERRIDDEN: N_("Vote opened without quorum"),
    AuditAction.VOTE_CLOSED: N_("Vote closed"),
    AuditAction.VOTE_CANCELLED: N_("Vote cancelled"),
    AuditAction.PROXY_SET: N_("Proxy recorded"),
    AuditAction.PROXY_REMOVED: N_("Proxy removed"),
    AuditAction.MINUTES_APPROVED: N_("Minutes approved"),
    AuditAction.MINUTES_FROZEN: N_("Minutes frozen"),
    AuditAction.MINUTES_SIGNED: N_("Minutes signed"),
    AuditAction.MINUTES_VERSION_STARTED: N_("New version of the minutes"),
}

PROBLEMS = {
    ChainProblem.GAP: N_("Entry {seq} is missing: entries were deleted."),
    ChainProblem.EDITED: N_("Entry {seq} was changed after it was written."),
    ChainProblem.RELINKED: N_(
        "Entry {seq} does not follow the entry before it: an entry was deleted or inserted."
    ),
    ChainProblem.ANCHOR_MISSING: N_("The kept hash is not in the chain."),
    ChainProblem.TRUNCATED: N_(
        "The log ends before its last entry recorded outside the database: "
        "entries from {seq} on were removed."
    ),
    ChainProblem.REWRITTEN: N_(
        "Entry {seq} is not the entry recorded outside the database: the log was rewritten."
    ),
    ChainProblem.HEAD_MISSING: N_(
        "The log's last entry recorded outside the database is missing or unreadable."
    ),
    ChainProblem.KEY_MISMATCH: N_("The audit key is not the key the log was sealed with."),
}


def _query(values: dict[str, Any], **extra: Any) -> str:
    pairs = [(k, v) for k, v in values.items() if k != "action" and v]
    pairs += [("action", a) for a in values.get("action", [])]
    pairs += [(k, v) for k, v in extra.items() if v is not None]
    return urlencode(pairs)


def _label(request: web.Request, action: str) -> str:
    try:
        return gettext_for(request, ACTION_LABELS[AuditAction(action)])
    except (KeyError, ValueError):
        return action


@routes.get("/admin/audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    settings = request.app[SETTINGS]
    zone = zoneinfo.ZoneInfo(settings.timezone)
    values: dict[str, Any] = {f: request.query.get(f, "") for f in FIELDS}
    values["action"] = [a for a in request.query.getall("action", []) if a]
    error = None
    page = AuditPage([], None)
    try:
        flt = parse_filter(request.query, values["action"], settings.timezone)
        before = before_cursor(request.query.get("before"))
        page = await services(request).audit.search(who, flt, before, PAGE_SIZE)
    except MeetRoomError as exc:
        error = refusal(request, exc, (Category.INVALID,)).message
    check: ChainCheck | None = None
    problem = None
    if request.query.get("verify"):
        check = await services(request).audit.verify_as(who)
        if check.problem:
            problem = gettext_for(request, PROBLEMS[check.problem], seq=check.broken_seq)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return render(
        request,
        "admin/audit.html",
        status=400 if error else 200,
        entries=page.entries,
        values=values,
        error=error,
        actions=[(a.value, gettext_for(request, label)) for a, label in ACTION_LABELS.items()],
        target_types=TARGET_TYPES,
        label=lambda action: _label(request, action),
        local=local,
        details=lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True) if d else "",
        filters=_query(values),
        next_url=(
            f"/admin/audit?{_query(values, before=page.next_before)}"
            if page.next_before is not None
            else None
        ),
        check=check,
        problem=problem,
    )


@routes.get("/admin/audit.csv")
async def audit_csv(request: web.Request) -> web.StreamResponse:
    return await stream_csv(request)
