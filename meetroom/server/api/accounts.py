"""Sign-in, the caller's own account, and users."""

from __future__ import annotations

from aiohttp import web

from meetroom.accounts.service import require_account_role
from meetroom.ids import UserId
from meetroom.protocol.api import (
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    UserCreate,
    UserCreated,
    UserOut,
    WhoAmI,
)
from meetroom.protocol.codec import UNSET
from meetroom.records.accounts import AccountRole
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.api.views import participant_out, user_out
from meetroom.server.context import AUTH, CSRF_TOKEN, principal, services
from meetroom.server.paths import path_id
from meetroom.server.sessions import sign_in, sign_out


async def login(request: web.Request, body: LoginRequest) -> web.StreamResponse:
    user, session = await sign_in(request, body.username, body.password)
    response = json_response(WhoAmI(user=user_out(user), csrf_token=session.csrf_token))
    session.attach(request, response)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    response = web.Response(status=204)
    await sign_out(request, response)
    return response


async def whoami(request: web.Request) -> WhoAmI:
    who = principal(request)
    auth = request[AUTH]
    csrf = request[CSRF_TOKEN] if auth.cookie_authenticated else None
    if who.user is not None:
        return WhoAmI(user=user_out(who.user), csrf_token=csrf)
    assert who.participant is not None
    # Still checks that the meeting may be seen (a draft, or deleted, answers so).
    await services(request).meetings.open(who, who.participant.meeting_id)
    return WhoAmI(
        meeting_id=who.participant.meeting_id,
        participant=participant_out(request, who.participant),
        csrf_token=csrf,
    )


async def update_me(request: web.Request, body: ProfileUpdate) -> UserOut:
    accounts = services(request).accounts
    user = await accounts.update_profile(
        principal(request),
        display_name=None if body.display_name is UNSET else body.display_name,
        locale="" if body.locale is UNSET else body.locale,
        email="" if body.email is UNSET else (body.email or None),
        time_zone="" if body.time_zone is UNSET else body.time_zone,
    )
    return user_out(user)


async def change_password(request: web.Request, body: PasswordChange) -> None:
    await services(request).accounts.change_password(
        principal(request), body.current_password, body.new_password
    )


async def list_users(request: web.Request) -> list[UserOut]:
    users = await services(request).accounts.list_users(principal(request))
    return [user_out(u) for u in users]


async def create_user(request: web.Request, body: UserCreate) -> UserCreated:
    user, generated = await services(request).user_admin.create_user(
        principal(request),
        body.username,
        body.display_name,
        body.role,
        password=body.password,
        locale=body.locale,
        email=body.email,
        time_zone=body.time_zone,
    )
    return UserCreated(user=user_out(user), generated_password=generated)


async def get_user(request: web.Request) -> UserOut:
    require_account_role(principal(request), AccountRole.ADMIN, AccountRole.SECRETARY)
    return user_out(await services(request).accounts.get_user(path_id(request, UserId)))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/auth/login",
        login,
        "Sign in with a username and password; sets the session cookie",
        "auth",
        body=LoginRequest,
        response=WhoAmI,
        authenticated=False,
        errors=(400, 401, 403, 429),
    ),
    Endpoint(
        "POST",
        "/api/auth/logout",
        logout,
        "Sign out (ends the session)",
        "auth",
        status=204,
        authenticated=False,
    ),
    Endpoint("GET", "/api/me", whoami, "Who is signed in", "auth", response=WhoAmI, errors=(401,)),
    Endpoint(
        "PATCH",
        "/api/me",
        update_me,
        "Change one's own name or language",
        "auth",
        body=ProfileUpdate,
        response=UserOut,
        errors=(400, 401, 403),
    ),
    Endpoint(
        "POST",
        "/api/me/password",
        change_password,
        "Change one's own password",
        "auth",
        body=PasswordChange,
        status=204,
        errors=(400, 401, 403),
    ),
    Endpoint(
        "GET",
        "/api/users",
        list_users,
        "List user accounts (admin, secretary)",
        "users",
        response=list[UserOut],
        errors=(401, 403),
    ),
    Endpoint(
        "POST",
        "/api/users",
        create_user,
        "Create a user account (admin)",
        "users",
        body=UserCreate,
        response=UserCreated,
        status=201,
        errors=(400, 401, 403, 409),
    ),
    Endpoint(
        "GET",
        "/api/users/{user_id}",
        get_user,
        "One user account (admin, secretary)",
        "users",
        response=UserOut,
        errors=(401, 403, 404),
    ),
]
