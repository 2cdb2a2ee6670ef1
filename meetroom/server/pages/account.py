"""Sign-in, sign-out, one's own account, and the language switcher."""

from __future__ import annotations

from aiohttp import web

from meetroom.accounts.service import require_user
from meetroom.config import SUPPORTED_LOCALES
from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.server.context import principal, services
from meetroom.server.i18n import LANG_COOKIE
from meetroom.server.middlewares import SESSION_COOKIE, set_cookie
from meetroom.server.pages.forms import form_fields, redirect, refusal, safe_next
from meetroom.server.pages.invitations import feed_url
from meetroom.server.render import render
from meetroom.server.sessions import sign_in, sign_out

routes = web.RouteTableDef()

ONE_YEAR = 365 * 24 * 3600


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    raise redirect("/meetings" if principal(request).is_authenticated else "/login")


@routes.get("/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    if principal(request).user is not None:
        raise redirect(safe_next(request.query.get("next")))
    return render(request, "login.html", next=safe_next(request.query.get("next")), username="")


@routes.post("/login")
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    target = safe_next(form.get("next"))
    try:
        user, session = await sign_in(request, form.get("username", ""), form.get("password", ""))
    except MeetRoomError as exc:
        # Refused sign-ins: bad_credentials, account_disabled, login_locked.
        shown = (Category.UNAUTHENTICATED, Category.FORBIDDEN, Category.RATE_LIMITED)
        refused = refusal(request, exc, shown)
        response = render(
            request,
            "login.html",
            status=refused.status,
            next=target,
            username=form.get("username", ""),
            error=refused.message,
        )
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user.must_change_password:
        target = "/account/password?first=1"
    response = web.HTTPSeeOther(target)
    session.attach(request, response)
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/login")
    await sign_out(request, response)
    raise response


@routes.post("/account/sign-out-everywhere")
async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Every session of one's own ends, this one too (a tablet left behind)."""
    response = web.HTTPSeeOther("/login")
    await services(request).accounts.sign_out_everywhere(principal(request))
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/account")
async def account_form(request: web.Request) -> web.StreamResponse:
    user = require_user(principal(request))
    return render(
        request,
        "account.html",
        form_user=user,
        notice=request.query.get("notice"),
        feed_url=await feed_url(request),
    )


@routes.post("/account")
async def account_submit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    try:
        await services(request).accounts.update_profile(
            principal(request),
            display_name=form.get("display_name"),
            locale=form.get("locale") or None,
            # An empty field clears the address; a form without the field keeps it.
            email=(form["email"].strip() or None) if "email" in form else "",
        )
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID,))
        return render(
            request,
            "account.html",
            status=refused.status,
            form_user=require_user(principal(request)),
            display_name=form.get("display_name", ""),
            email=form.get("email", ""),
            error=refused.message,
        )
    raise redirect("/account?notice=saved")


@routes.get("/account/password")
async def password_form(request: web.Request) -> web.StreamResponse:
    require_user(principal(request))
    return render(request, "password.html", first=bool(request.query.get("first")))


@routes.post("/account/password")
async def password_submit(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    new, repeat = form.get("new_password", ""), form.get("new_password_repeat", "")
    try:
        if new != repeat:
            raise Invalid("passwords_differ", N_("The two new passwords are not the same."))
        await services(request).accounts.change_password(
            principal(request), form.get("current_password", ""), new
        )
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID,))
        return render(
            request,
            "password.html",
            status=refused.status,
            first=bool(form.get("first")),
            error=refused.message,
        )
    raise redirect("/meetings?notice=password_changed")


@routes.post("/lang")
async def switch_language(request: web.Request) -> web.StreamResponse:
    form = await form_fields(request)
    lang = form.get("lang", "")
    target = safe_next(form.get("next"), "/")
    if lang not in SUPPORTED_LOCALES:
        raise redirect(target)
    who = principal(request)
    if who.user is not None:
        await services(request).accounts.update_profile(who, locale=lang)
    response = web.HTTPSeeOther(target)
    set_cookie(request, response, LANG_COOKIE, lang, max_age=ONE_YEAR)
    raise response
