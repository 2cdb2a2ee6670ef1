"""Who is asking (session cookie or bearer token), in which language, and CSRF checks."""

from __future__ import annotations

import dataclasses
import hmac
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from meetroom.auth.tokens import derive, new_opaque_token
from meetroom.errors import N_, Forbidden, Unauthenticated
from meetroom.records.accounts import Principal
from meetroom.server.bodies import read_form
from meetroom.server.context import (
    AUTH,
    CSRF_TOKEN,
    LOCALE,
    SETTINGS,
    RequestAuth,
    base_url,
    client_address,
    is_api,
    is_https,
    services,
)
from meetroom.server.i18n import LANG_COOKIE, choose_locale

SESSION_COOKIE = "mr_session"
# Seeds the CSRF token of visitors who are not signed in (the login form).
ANON_COOKIE = "mr_anon"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def secure_cookies(request: web.Request) -> bool:
    mode = request.app[SETTINGS].secure_cookies
    return mode == "always" or (mode == "auto" and is_https(request))


def set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
    )


def csrf_token_for(request: web.Request, seed: str) -> str:
    return derive(services(request).secret, "csrf", seed)


def _locale(request: web.Request, account_locale: str | None) -> str:
    return choose_locale(
        account_locale,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language", ""),
        request.app[SETTINGS].default_locale,
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    svc = services(request)
    # The language is known before any error can be raised, so errors are translated too.
    request[LOCALE] = _locale(request, None)
    if request.path.startswith("/static/"):
        # Public files: no session lookup (two queries) for every stylesheet and icon.
        request[AUTH] = RequestAuth(Principal(), None, False)
        request[CSRF_TOKEN] = ""
        return await handler(request)
    principal = Principal()
    cookie = request.cookies.get(SESSION_COOKIE)
    cookie_authenticated = False
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        found = None
        if scheme.lower() == "bearer" and token.strip():
            found = await svc.accounts.principal_for_api_token(token.strip())
        if found is None:
            raise Unauthenticated("bad_token", N_("The API token is not valid."))
        principal = found
    elif cookie:
        found = await svc.accounts.principal_for_session(cookie)
        if found is not None:
            principal = found
            cookie_authenticated = True

    principal = dataclasses.replace(
        principal, address=client_address(request), origin=base_url(request)
    )
    request[AUTH] = RequestAuth(principal, cookie, cookie_authenticated)
    if principal.user is not None and principal.user.locale:
        request[LOCALE] = _locale(request, principal.user.locale)

    anon_seed = None
    if cookie:
        seed = cookie
    else:
        anon_seed = request.cookies.get(ANON_COOKIE) or new_opaque_token()
        seed = anon_seed
    request[CSRF_TOKEN] = csrf_token_for(request, seed)

    response = await handler(request)
    if (
        anon_seed is not None
        and request.cookies.get(ANON_COOKIE) != anon_seed
        and not is_api(request)
    ):
        set_cookie(request, response, ANON_COOKIE, anon_seed)
    return response


# What a user who must change their password may still reach.
_PASSWORD_CHANGE_PATHS = frozenset(
    {"/account/password", "/logout", "/lang", "/api/me", "/api/me/password", "/api/auth/logout"}
)


@web.middleware
async def password_change_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A user signed in with a one-time password changes it before anything else,
    on the pages and through the API alike (API tokens are made by an admin, on purpose)."""
    principal = request[AUTH].principal
    user = principal.user
    if (
        user is not None
        and user.must_change_password
        and not principal.via_api_token
        and not request.path.startswith("/static/")
        and request.path not in _PASSWORD_CHANGE_PATHS
    ):
        if is_api(request):
            raise Forbidden(
                "password_change_required",
                N_("Choose a new password first (POST /api/me/password)."),
            )
        raise web.HTTPSeeOther("/account/password?first=1")
    return await handler(request)


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unsafe requests that a browser could be tricked into sending must prove they
    come from our own pages: every form post, and every cookie-authenticated API call."""
    if request.method in SAFE_METHODS or request.match_info.http_exception is not None:
        # Safe, or the address has no such route (404) or method (405 with Allow),
        # which the router answers without running anything.
        return await handler(request)
    auth = request[AUTH]
    needs_token = not is_api(request) or auth.cookie_authenticated
    if needs_token:
        check_origin(request)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.content_type == "application/x-www-form-urlencoded":
            form = await read_form(request)
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        elif sent is None and request.content_type == "multipart/form-data":
            # Uploads are streamed, not read into memory first: the page form sends the
            # token in its action URL instead of a form field.
            sent = request.query.get(CSRF_FIELD)
        expected = request[CSRF_TOKEN]
        if not sent or not hmac.compare_digest(sent, expected):
            raise Forbidden(
                "csrf_failed",
                N_(
                    "The form was not accepted because its security token is missing or "
                    "outdated. Reload the page and try again."
                ),
            )
    return await handler(request)


def check_origin(request: web.Request) -> None:
    """A request that names where it comes from must come from this server's pages.
    `Origin: null` (a sandboxed frame, a local file, a data: page, a redirect through
    another site) is refused too: any site can send it. Our own pages never do, as
    their Referrer-Policy is same-origin (no-referrer would make browsers send null on
    every form post, see edge.add_security_headers)."""
    origin = request.headers.get("Origin")
    if not origin:
        return
    if origin == "null":
        raise Forbidden(
            "bad_origin",
            N_("Requests from a page whose address the browser hides (Origin: null) are not "
               "accepted. Open MeetRoom at its own address and try again."),
        )  # fmt: skip
    allowed = {base_url(request).lower(), f"{request.scheme}://{request.host}".lower()}
    parts = urlsplit(origin)
    if f"{parts.scheme}://{parts.netloc}".lower() not in allowed:
        raise Forbidden("bad_origin", N_("Requests from another site are not accepted."))
