"""Starting and ending login sessions: shared by the pages and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from meetroom.meetings.join_links import JoinedParticipant
from meetroom.records.accounts import User
from meetroom.server.context import AUTH, client_address, services
from meetroom.server.middlewares import SESSION_COOKIE, csrf_token_for, set_cookie


@dataclass(frozen=True, slots=True)
class NewSession:
    cookie: str
    expires_at: datetime
    # The CSRF token that goes with the new cookie (the old one no longer matches).
    csrf_token: str

    def attach(self, request: web.Request, response: web.StreamResponse) -> None:
        max_age = int((self.expires_at - services(request).accounts.clock.now()).total_seconds())
        set_cookie(request, response, SESSION_COOKIE, self.cookie, max_age=max(max_age, 1))


async def sign_in(request: web.Request, username: str, password: str) -> tuple[User, NewSession]:
    accounts = services(request).accounts
    address = client_address(request)
    user = await accounts.authenticate(username, password, address)
    # A session cookie the browser already had is dropped: no session fixation.
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await accounts.end_session(old)
    cookie, session = await accounts.start_session(
        user, address, request.headers.get("User-Agent", "")
    )
    return user, NewSession(cookie, session.expires_at, csrf_token_for(request, cookie))


async def redeem_join_link(request: web.Request, token: str) -> JoinedParticipant:
    """Who the join link admits, where, until when; a clear error if it does not."""
    return await services(request).meetings.links.redeem(token)


def signed_in_as_another(request: web.Request, joined: JoinedParticipant) -> str | None:
    """The name this browser is signed in under, when following the link would sign
    that someone else out (another account, or a guest of another participant); None
    when it is not signed in, or already is the link's participant."""
    auth = request[AUTH]
    if not auth.cookie_authenticated:
        return None
    current = auth.principal
    if current.user is not None:
        if current.user.id == joined.participant.user_id:
            return None
        return current.user.display_name or current.user.username
    if current.participant is not None and current.participant.id != joined.participant.id:
        return current.participant.name
    return None


async def start_join_session(request: web.Request, joined: JoinedParticipant) -> NewSession | None:
    """The new meeting-only session of a followed join link, or None when the browser
    is already signed in as that participant's own account (which sees the meeting
    anyway, and should not be signed out of everything else). A session of someone
    else is ended, and recorded as their sign-out."""
    svc = services(request)
    current = request[AUTH].principal.user
    if current is not None and current.id == joined.participant.user_id:
        return None
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        switching = signed_in_as_another(request, joined) is not None
        await svc.accounts.end_session(old, request[AUTH].principal if switching else None)
    cookie, session = await svc.accounts.start_join_session(
        joined.participant,
        joined.expires_at,
        client_address(request),
        request.headers.get("User-Agent", ""),
    )
    return NewSession(cookie, session.expires_at, csrf_token_for(request, cookie))


async def sign_out(request: web.Request, response: web.StreamResponse) -> None:
    cookie = request[AUTH].session_cookie
    if cookie:
        await services(request).accounts.end_session(cookie, request[AUTH].principal)
    response.del_cookie(SESSION_COOKIE, path="/")
