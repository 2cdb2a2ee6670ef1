"""Invitations by e-mail and their delivery; the caller's calendar feed address; and
the feed itself (`/calendar/<token>.ics`, no sign-in: calendar applications poll it)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from aiohttp import web

from meetroom.ids import MeetingId
from meetroom.meetings.invitations import Delivery
from meetroom.protocol.invitations import (
    CalendarFeedOut,
    DeliveryOut,
    InvitationResultOut,
    InvitationSend,
)
from meetroom.records.meetings import Participant
from meetroom.server.api.registry import Endpoint
from meetroom.server.context import base_url, principal, services
from meetroom.server.paths import path_id


def uid_host(request: web.Request) -> str:
    """The host part of event UIDs: the same in the feed, the e-mails and the `.ics`."""
    return urlsplit(base_url(request)).hostname or request.host.split(":")[0]


async def send_invitations(request: web.Request, body: InvitationSend) -> list[InvitationResultOut]:
    results = await services(request).invitations.send(
        principal(request), path_id(request, MeetingId), only_new=body.to == "not_invited"
    )
    return [InvitationResultOut(r.participant.id, r.participant.name, r.outcome) for r in results]


def delivery_out(p: Participant, d: Delivery | None, has_email: bool) -> DeliveryOut:
    out = DeliveryOut(participant_id=p.id, name=p.name)
    if d is not None:
        out.kind = d.kind.value
        out.status = d.status.value
        out.attempts = d.attempts
        out.last_error = d.last_error
        out.queued_at = d.created_at
        out.sent_at = d.sent_at
    elif p.user_id is None:
        out.status = "guest"
    elif not has_email:
        out.status = "no_email"
    return out


async def deliveries_for(request: web.Request, meeting_id: MeetingId) -> list[DeliveryOut]:
    svc = services(request)
    who = principal(request)
    found = await svc.invitations.deliveries(who, meeting_id)
    result = []
    for p in await svc.meetings.participants.all(who, meeting_id):
        user = await svc.meetings.users.get_user(p.user_id) if p.user_id else None
        result.append(delivery_out(p, found.get(p.id), bool(user and user.email)))
    return result


async def list_deliveries(request: web.Request) -> list[DeliveryOut]:
    return await deliveries_for(request, path_id(request, MeetingId))


async def my_feed(request: web.Request) -> CalendarFeedOut:
    path = await services(request).calendar_feed.feed_path(principal(request))
    return CalendarFeedOut(url=base_url(request) + path)


async def reset_my_feed(request: web.Request) -> CalendarFeedOut:
    path = await services(request).calendar_feed.reset(principal(request))
    return CalendarFeedOut(url=base_url(request) + path)


async def calendar_feed(request: web.Request) -> web.StreamResponse:
    feed = await services(request).calendar_feed.feed(
        request.match_info["token"], base_url(request), uid_host(request)
    )
    modified = feed.last_modified.astimezone(UTC).replace(microsecond=0)
    headers = {
        "ETag": feed.etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        # The address is the secret: no shared cache may keep it.
        "Cache-Control": "private, no-cache",
    }
    if _not_modified(request, feed.etag, modified):
        return web.Response(status=304, headers=headers)
    return web.Response(
        text=feed.text, content_type="text/calendar", charset="utf-8", headers=headers
    )


def _not_modified(request: web.Request, etag: str, modified: datetime) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in [t.strip() for t in match.split(",")] or match.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


M = "/api/meetings/{meeting_id}"
ENDPOINTS = [
    Endpoint(
        "POST",
        M + "/invitations",
        send_invitations,
        "E-mail the participants their invitation (to: all, or not_invited); answers "
        "per participant: queued, no_email, guest, already_invited",
        "invitations",
        body=InvitationSend,
        response=list[InvitationResultOut],
        errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "GET",
        M + "/invitations",
        list_deliveries,
        "What became of each participant's latest mail about the meeting",
        "invitations",
        response=list[DeliveryOut],
        errors=(401, 403, 404),
    ),
    Endpoint(
        "GET",
        "/api/me/calendar-feed",
        my_feed,
        "The caller's private calendar feed address (iCalendar, for calendar apps)",
        "invitations",
        response=CalendarFeedOut,
        errors=(401,),
    ),
    Endpoint(
        "POST",
        "/api/me/calendar-feed",
        reset_my_feed,
        "A new calendar feed address; the old one stops working",
        "invitations",
        response=CalendarFeedOut,
        errors=(401,),
    ),
]
