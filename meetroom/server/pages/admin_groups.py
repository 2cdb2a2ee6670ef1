"""The administrators' group pages: the list, and a form for a group's name,
description and members."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from meetroom.accounts.service import require_account_role
from meetroom.errors import Category, MeetRoomError
from meetroom.ids import GroupId, UserId
from meetroom.records.accounts import AccountRole, Group
from meetroom.server.bodies import read_form
from meetroom.server.context import principal, services
from meetroom.server.pages.forms import redirect, refusal
from meetroom.server.paths import path_id
from meetroom.server.render import render

routes = web.RouteTableDef()


def _values(group: Group | None) -> dict[str, Any]:
    if group is None:
        return {"name": "", "description": "", "members": set()}
    return {"name": group.name, "description": group.description, "members": set(group.members)}


@routes.get("/admin/groups")
async def group_list(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    svc = services(request)
    groups = await svc.groups.list(who)
    names = {u.id: u.display_name for u in await svc.user_admin.list_users(who)}
    return render(
        request,
        "admin/groups.html",
        groups=groups,
        names=names,
        notice=request.query.get("notice"),
    )


async def _form(
    request: web.Request, group: Group | None, status: int = 200, **extra: Any
) -> web.Response:
    who = principal(request)
    context: dict[str, Any] = {
        "group": group,
        "values": _values(group),
        "users": await services(request).user_admin.list_users(who),
        "notice": request.query.get("notice"),
    }
    context.update(extra)
    return render(request, "admin/group_form.html", status=status, **context)


async def _typed(request: web.Request) -> dict[str, Any]:
    data = await read_form(request)
    return {
        "name": str(data.get("name", "")),
        "description": str(data.get("description", "")),
        "members": {UserId(str(u)) for u in data.getall("members", [])},
    }


@routes.get("/admin/groups/new")
async def group_new(request: web.Request) -> web.StreamResponse:
    require_account_role(principal(request), AccountRole.ADMIN)
    return await _form(request, None)


async def _save(request: web.Request, group: Group | None) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    typed = await _typed(request)
    svc = services(request).groups
    try:
        if group is None:
            group = await svc.create(who, typed["name"], typed["description"], typed["members"])
        else:
            await svc.update(who, group.id, **typed)
    except MeetRoomError as exc:
        refused = refusal(request, exc, (Category.INVALID, Category.CONFLICT))
        return await _form(
            request, group, status=refused.status, values=typed, error=refused.message
        )
    raise redirect(f"/admin/groups/{group.id}?notice=saved")


@routes.post("/admin/groups/new")
async def group_create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@routes.get("/admin/groups/{group_id}")
async def group_edit(request: web.Request) -> web.StreamResponse:
    who = principal(request)
    require_account_role(who, AccountRole.ADMIN)
    return await _form(request, await services(request).groups.get(who, path_id(request, GroupId)))


@routes.post("/admin/groups/{group_id}")
async def group_update(request: web.Request) -> web.StreamResponse:
    group = await services(request).groups.get(principal(request), path_id(request, GroupId))
    return await _save(request, group)


@routes.post("/admin/groups/{group_id}/delete")
async def group_delete(request: web.Request) -> web.StreamResponse:
    await services(request).groups.delete(principal(request), path_id(request, GroupId))
    raise redirect("/admin/groups?notice=group_deleted")
