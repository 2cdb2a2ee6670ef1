"""User administration (admins): editing accounts, disabling, password resets, the
CSV import, and groups."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from aiohttp import web

from meetroom.accounts.csv_import import ImportedUser, ImportPreview
from meetroom.accounts.service import require_account_role
from meetroom.errors import N_, Invalid
from meetroom.ids import GroupId, UserId
from meetroom.protocol.admin import (
    GroupCreate,
    GroupMemberOut,
    GroupMembers,
    GroupOut,
    GroupUpdate,
    ImportedUserOut,
    ImportErrorOut,
    ImportForm,
    ImportPreviewOut,
    ImportResult,
    TemporaryPassword,
    UserUpdate,
)
from meetroom.protocol.api import UserOut
from meetroom.protocol.codec import UNSET
from meetroom.records.accounts import AccountRole, Group, Principal
from meetroom.server.api.registry import Endpoint, Query, json_response, text
from meetroom.server.api.views import user_out
from meetroom.server.bodies import next_part, open_multipart, part_bytes
from meetroom.server.context import principal, services
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for

# Header of the file of temporary passwords handed to the admin.
PASSWORD_COLUMNS = ("username", "display_name", "email", "temporary_password")


# -- accounts --------------------------------------------------------------------


async def update_user(request: web.Request, body: UserUpdate) -> UserOut:
    changes = {
        name: getattr(body, name)
        for name in UserUpdate.__struct_fields__
        if getattr(body, name) is not UNSET
    }
    user = await services(request).user_admin.update_user(
        principal(request), path_id(request, UserId), **changes
    )
    return user_out(user)


async def disable_user(request: web.Request) -> UserOut:
    user = await services(request).user_admin.disable(principal(request), path_id(request, UserId))
    return user_out(user)


async def enable_user(request: web.Request) -> UserOut:
    user = await services(request).user_admin.enable(principal(request), path_id(request, UserId))
    return user_out(user)


async def sign_out_user(request: web.Request) -> UserOut:
    user = await services(request).user_admin.sign_out(principal(request), path_id(request, UserId))
    return user_out(user)


async def reset_password(request: web.Request) -> TemporaryPassword:
    password = await services(request).user_admin.reset_password(
        principal(request), path_id(request, UserId)
    )
    return TemporaryPassword(temporary_password=password)


# -- CSV import ------------------------------------------------------------------


async def read_csv_body(request: web.Request) -> bytes:
    """The file: the body itself (text/csv), or the multipart field `file`."""
    if request.content_type.startswith("multipart/"):
        reader = await open_multipart(request)
        data = None
        # Read to the end: a body malformed after the file is refused whole.
        while (part := await next_part(reader)) is not None:
            if part.name == "file" and data is None:
                data = await part_bytes(part)
        if data is None:
            raise Invalid("file_required", N_("Choose a CSV file to import."))
        return data
    return await request.read()


def preview_out(request: web.Request, preview: ImportPreview) -> ImportPreviewOut:
    return ImportPreviewOut(
        rows=len(preview.rows),
        errors=[
            ImportErrorOut(
                line=e.line,
                column=e.column,
                code=e.code,
                message=gettext_for(request, e.message, **e.params),
            )
            for e in preview.errors
        ],
        token=preview.token,
    )


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def passwords_csv(rows: Sequence[Sequence[str]]) -> str:
    """The temporary passwords as a CSV file (UTF-8 with a BOM, which spreadsheets
    need to read Vietnamese names right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PASSWORD_COLUMNS)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


def password_rows(created: Sequence[ImportedUser]) -> list[tuple[str, str, str, str]]:
    return [(c.user.username, c.user.display_name, c.user.email or "", c.password) for c in created]


def csv_download(text: str, filename: str) -> web.Response:
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def import_users(request: web.Request) -> web.StreamResponse:
    importer = services(request).user_import
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    data = await read_csv_body(request)
    token = request.query.get("token")
    if token is None or request.query.get("dry_run") not in (None, "", "0", "false"):
        return json_response(preview_out(request, await importer.preview(who, data)))
    created = await importer.confirm(who, data, token)
    if request.query.get("format") == "csv":
        return csv_download(passwords_csv(password_rows(created)), "temporary-passwords.csv")
    result = ImportResult(
        created=[
            ImportedUserOut(
                user=user_out(c.user), temporary_password=c.password, groups=list(c.groups)
            )
            for c in created
        ]
    )
    return json_response(result, 201)


# -- groups ----------------------------------------------------------------------


async def group_out(request: web.Request, who: Principal, group: Group) -> GroupOut:
    members = await services(request).groups.members(who, group.id)
    return GroupOut(
        id=group.id,
        name=group.name,
        description=group.description,
        members=[
            GroupMemberOut(
                id=u.id, username=u.username, display_name=u.display_name, disabled=u.disabled
            )
            for u in members
        ],
    )


async def list_groups(request: web.Request) -> list[GroupOut]:
    who = principal(request)
    return [await group_out(request, who, g) for g in await services(request).groups.list(who)]


async def create_group(request: web.Request, body: GroupCreate) -> GroupOut:
    who = principal(request)
    group = await services(request).groups.create(
        who, body.name, body.description, [UserId(u) for u in body.members]
    )
    return await group_out(request, who, group)


async def get_group(request: web.Request) -> GroupOut:
    who = principal(request)
    return await group_out(
        request, who, await services(request).groups.get(who, path_id(request, GroupId))
    )


async def update_group(request: web.Request, body: GroupUpdate) -> GroupOut:
    who = principal(request)
    group = await services(request).groups.update(
        who,
        path_id(request, GroupId),
        name=None if body.name is UNSET else body.name,
        description=None if body.description is UNSET else body.description,
        members=None if body.members is UNSET else [UserId(u) for u in body.members],
    )
    return await group_out(request, who, group)


async def set_group_members(request: web.Request, body: GroupMembers) -> GroupOut:
    who = principal(request)
    group = await services(request).groups.update(
        who, path_id(request, GroupId), members=[UserId(u) for u in body.members]
    )
    return await group_out(request, who, group)


async def delete_group(request: web.Request) -> None:
    await services(request).groups.delete(principal(request), path_id(request, GroupId))


U = "/api/users/{user_id}"
G = "/api/groups/{group_id}"
ENDPOINTS = [
    Endpoint(
        "PATCH", U, update_user,
        "Change a user's name, role, language, e-mail or time zone (admin); an admin "
        "cannot demote themselves, nor the last active admin be demoted (409)", "users",
        body=UserUpdate, response=UserOut, errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "POST", U + "/disable", disable_user,
        "Disable a user (admin): they cannot sign in, their sessions end and their API "
        "tokens stop working", "users",
        response=UserOut, errors=(401, 403, 404, 409),
    ),
    Endpoint(
        "POST", U + "/enable", enable_user, "Enable a disabled user again (admin)", "users",
        response=UserOut, errors=(401, 403, 404),
    ),
    Endpoint(
        "POST", U + "/reset-password", reset_password,
        "Give a user a new temporary password, shown once (admin); their sessions end and "
        "they must change it at the next sign-in", "users",
        response=TemporaryPassword, errors=(401, 403, 404),
    ),
    Endpoint(
        "POST", U + "/sign-out", sign_out_user,
        "Sign a user out everywhere (admin): every session of theirs ends, and their open "
        "meeting pages close at once (WebSocket close code 4401)", "users",
        response=UserOut, errors=(401, 403, 404),
    ),
    Endpoint(
        "POST", "/api/users/import", import_users,
        "Import users from a CSV file (admin), sent as text/csv or in the multipart field "
        "file. Without token (or with dry_run=1): 200 with a preview of every error, "
        "nothing written ({rows, errors: [{line, column, code, message}], token}). With "
        "the preview's token and the same file: creates all users in one transaction "
        "(201) with their temporary passwords, or none (409)", "users",
        upload=ImportForm, raw_body=("text/csv",), response=ImportResult, status=201,
        also={200: ImportPreviewOut}, also_media=("text/csv",),
        errors=(400, 401, 403, 409, 413),
        query=(
            Query("dry_run", text(), "1: only preview (the default without token)"),
            Query("token", text(), "The preview's token: import the file"),
            Query("format", text(enum=["json", "csv"]),
                  "csv: answer with the temporary passwords as a CSV file"),
        ),
    ),
    Endpoint(
        "GET", "/api/groups", list_groups, "Groups of users (admin, secretary)", "groups",
        response=list[GroupOut], errors=(401, 403),
    ),
    Endpoint(
        "POST", "/api/groups", create_group, "Create a group (admin)", "groups",
        body=GroupCreate, response=GroupOut, status=201, errors=(400, 401, 403, 409),
    ),
    Endpoint(
        "GET", G, get_group, "A group and its members (admin, secretary)", "groups",
        response=GroupOut, errors=(401, 403, 404),
    ),
    Endpoint(
        "PATCH", G, update_group, "Change a group (admin)", "groups",
        body=GroupUpdate, response=GroupOut, errors=(400, 401, 403, 404, 409),
    ),
    Endpoint(
        "PUT", G + "/members", set_group_members, "Set a group's members (admin)", "groups",
        body=GroupMembers, response=GroupOut, errors=(400, 401, 403, 404),
    ),
    Endpoint(
        "DELETE", G, delete_group,
        "Delete a group (admin); its members and the meetings it was invited to stay",
        "groups", status=204, errors=(401, 403, 404),
    ),
]  # fmt: skip
