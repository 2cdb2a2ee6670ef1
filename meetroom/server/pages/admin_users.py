"""The administrators' user pages: the list (search, filters), new and edit forms,
disabling, password resets, and the CSV import (upload, preview, confirm, result)."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

from aiohttp import web

from meetroom.accounts.admin import UserFilter
from meetroom.accounts.csv_import import COLUMNS, ImportPreview
from meetroom.accounts.service import require_account_role
from meetroom.config import SUPPORTED_LOCALES
from meetroom.errors import N_, Category, Invalid, MeetRoomError
from meetroom.ids import UserId
from meetroom.records.accounts import AccountRole, User
from meetroom.server.api.users_admin import password_rows, passwords_csv, read_csv_body
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import form_fields, redirect, refusal
from meetroom.server.paths import path_id
from meetroom.server.render import render

routes = web.RouteTableDef()

FORM_ERRORS = (Category.INVALID, Category.CONFLICT, Category.NOT_FOUND)
# The largest file a confirm form may carry back, uncompressed.
MAX_IMPORT_BYTES = 4 * 1024 * 1024


def _admin(request: web.Request) -> None:
    require_account_role(principal(request), AccountRole.ADMIN)


def _values(user: User | None) -> dict[str, str]:
    if user is None:
        return {
            "username": "", "display_name": "", "role": AccountRole.DELEGATE.value,
            "email": "", "locale": "", "time_zone": "", "password": "",
        }  # fmt: skip
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "email": user.email or "",
        "locale": user.locale or "",
        "time_zone": user.time_zone or "",
    }


def _role(value: str) -> AccountRole:
    try:
        return AccountRole(value)
    except ValueError:
        raise Invalid("unknown_role", N_("Choose a role from the list.")) from None


# -- list and forms ----------------------------------------------------------------


@routes.get("/admin/users")
async def user_list(request: web.Request) -> web.StreamResponse:
    query = request.query
    role = query.get("role", "")
    state = query.get("status", "")
    where = UserFilter(
        text=query.get("q", ""),
        role=AccountRole(role) if role in set(AccountRole) else None,
        disabled={"active": False, "disabled": True}.get(state),
    )
    users = await services(request).user_admin.list_users(principal(request), where)
    return render(
        request,
        "admin/users.html",
        users=users,
        roles=list(AccountRole),
        q=where.text,
        role=role,
        state=state,
        notice=query.get("notice"),
    )


async def _form(
    request: web.Request, user: User | None, status: int = 200, **extra: Any
) -> web.Response:
    context: dict[str, Any] = {
        "form_user": user,
        "values": _values(user),
        "roles": list(AccountRole),
        "locales": SUPPORTED_LOCALES,
        "notice": request.query.get("notice"),
    }
    context.update(extra)
    return render(request, "admin/user_form.html", status=status, **context)


@routes.get("/admin/users/new")
async def user_new(request: web.Request) -> web.StreamResponse:
    _admin(request)
    return await _form(request, None)


@routes.post("/admin/users/new")
async def user_create(request: web.Request) -> web.StreamResponse:
    _admin(request)
    form = await form_fields(request)
    try:
        user, generated = await services(request).user_admin.create_user(
            principal(request),
            form.get("username", ""),
            form.get("display_name", ""),
            _role(form.get("role", "")),
            password=form.get("password") or None,
            locale=form.get("locale") or None,
            email=form.get("email") or None,
            time_zone=form.get("time_zone") or None,
        )
    except MeetRoomError as exc:
        refused = refusal(request, exc, FORM_ERRORS)
        typed = {**_values(None), **form, "password": ""}
        return await _form(
            request, None, status=refused.status, values=typed, error=refused.message
        )
    if generated:
        return render(request, "admin/user_password.html", form_user=user, password=generated)
    raise redirect(f"/admin/users/{user.id}?notice=user_created")


# -- CSV import ------------------------------------------------------------------


@routes.get("/admin/users/import")
async def import_form(request: web.Request) -> web.StreamResponse:
    _admin(request)
    return render(request, "admin/users_import.html", columns=COLUMNS, preview=None)


def _pack(data: bytes) -> str:
    """The file, carried by the preview page's confirm form byte for byte (a textarea
    would change its line ends) and compressed to stay under the request limit."""
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def _unpack(packed: str) -> bytes:
    try:
        unzip = zlib.decompressobj()
        data = unzip.decompress(base64.b64decode(packed, validate=True), MAX_IMPORT_BYTES)
    except (binascii.Error, zlib.error, ValueError):
        raise Invalid(
            "bad_import_form", N_("The form was damaged; upload the file again.")
        ) from None
    if unzip.unconsumed_tail:
        raise Invalid("bad_import_form", N_("The form was damaged; upload the file again."))
    return data


def _preview_page(
    request: web.Request, preview: ImportPreview, data: bytes, status: int = 200, **extra: Any
) -> web.Response:
    return render(
        request,
        "admin/users_import.html",
        status=status,
        columns=COLUMNS,
        preview=preview,
        shown_columns=preview.columns or COLUMNS,
        errors_by_line=preview.errors_by_line(),
        file_errors=[e for e in preview.errors if e.line not in {r.line for r in preview.rows}],
        packed=_pack(data) if preview.ok else "",
        **extra,
    )


@routes.post("/admin/users/import")
async def import_preview(request: web.Request) -> web.StreamResponse:
    _admin(request)
    try:
        data = await read_csv_body(request)
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID,))
        return render(
            request,
            "admin/users_import.html",
            status=refused.status,
            columns=COLUMNS,
            preview=None,
            error=refused.message,
        )
    preview = await services(request).user_import.preview(principal(request), data)
    return _preview_page(request, preview, data, status=200 if preview.ok else 400)


@routes.post("/admin/users/import/confirm")
async def import_confirm(request: web.Request) -> web.StreamResponse:
    _admin(request)
    form = await form_fields(request)
    data = _unpack(form.get("file_data", ""))
    importer = services(request).user_import
    try:
        created = await importer.confirm(principal(request), data, form.get("token", ""))
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.CONFLICT,))
        preview = await importer.preview(principal(request), data)
        return _preview_page(request, preview, data, status=refused.status, error=refused.message)
    download = base64.b64encode(passwords_csv(password_rows(created)).encode("utf-8"))
    return render(
        request,
        "admin/users_imported.html",
        created=created,
        download="data:text/csv;charset=utf-8;base64," + download.decode("ascii"),
    )


# Routes with {user_id} come after /admin/users/import, which they would match.


@routes.get("/admin/users/{user_id}")
async def user_edit(request: web.Request) -> web.StreamResponse:
    user = await services(request).user_admin.get_user(principal(request), path_id(request, UserId))
    groups = await services(request).groups.groups_of(principal(request), user.id)
    return await _form(request, user, groups=groups)


@routes.post("/admin/users/{user_id}")
async def user_update(request: web.Request) -> web.StreamResponse:
    admin = services(request).user_admin
    user = await admin.get_user(principal(request), path_id(request, UserId))
    form = await form_fields(request)
    try:
        await admin.update_user(
            principal(request),
            user.id,
            display_name=form.get("display_name", ""),
            role=_role(form.get("role", "")),
            locale=form.get("locale") or None,
            email=form.get("email") or None,
            time_zone=form.get("time_zone") or None,
        )
    except MeetRoomError as exc:
        refused = refusal(request, exc, FORM_ERRORS)
        typed = {**_values(user), **form}
        return await _form(
            request, user, status=refused.status, values=typed, error=refused.message,
            groups=await services(request).groups.groups_of(principal(request), user.id),
        )  # fmt: skip
    raise redirect(f"/admin/users/{user.id}?notice=saved")


async def _action(request: web.Request, action: str) -> web.StreamResponse:
    admin = services(request).user_admin
    who = principal(request)
    user_id = path_id(request, UserId)
    try:
        if action == "disable":
            await admin.disable(who, user_id)
        else:
            await admin.enable(who, user_id)
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.CONFLICT,))
        user = await admin.get_user(who, user_id)
        return await _form(
            request, user, status=refused.status, error=refused.message,
            groups=await services(request).groups.groups_of(who, user.id),
        )  # fmt: skip
    raise redirect(f"/admin/users/{user_id}?notice=user_{action}d")


@routes.post("/admin/users/{user_id}/disable")
async def user_disable(request: web.Request) -> web.StreamResponse:
    return await _action(request, "disable")


@routes.post("/admin/users/{user_id}/enable")
async def user_enable(request: web.Request) -> web.StreamResponse:
    return await _action(request, "enable")


@routes.post("/admin/users/{user_id}/sign-out")
async def user_sign_out(request: web.Request) -> web.StreamResponse:
    user = await services(request).user_admin.sign_out(principal(request), path_id(request, UserId))
    raise redirect(f"/admin/users/{user.id}?notice=user_signed_out")


@routes.post("/admin/users/{user_id}/reset-password")
async def user_reset_password(request: web.Request) -> web.StreamResponse:
    admin = services(request).user_admin
    who = principal(request)
    password = await admin.reset_password(who, path_id(request, UserId))
    user = await admin.get_user(who, path_id(request, UserId))
    # Rendered, not redirected to: the password is shown this once and kept nowhere.
    return render(request, "admin/user_password.html", form_user=user, password=password)
