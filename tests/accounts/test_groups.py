"""Groups: who manages them, unique names, members, and the audit trail."""

from __future__ import annotations

import pytest

from meetroom.errors import Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import GroupId, UserId
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction
from tests.accounts.admin import Admin


async def test_group_lifecycle(admin: Admin) -> None:
    accounts = admin.services.accounts
    an, _ = await accounts.create_user("an", "An", AccountRole.DELEGATE, "an-pass-123")
    binh, _ = await accounts.create_user("binh", "Bình", AccountRole.DELEGATE, "binh-pass-1")
    groups = admin.groups
    group = await groups.create(admin.actor, " Phòng Tài chính ", "Finance", [an.id])
    assert group.name == "Phòng Tài chính" and group.members == {an.id}
    assert admin.audit.records[-1].action is AuditAction.GROUP_CREATED
    assert admin.audit.records[-1].target_type == "group"

    with pytest.raises(Conflict) as info:  # names are unique regardless of case
        await groups.create(admin.actor, "PHÒNG TÀI CHÍNH")
    assert info.value.code == "group_name_taken"
    for bad in ("", "a|b", "x" * 201):
        with pytest.raises(Invalid):
            await groups.create(admin.actor, bad)
    with pytest.raises(Invalid) as info:
        await groups.create(admin.actor, "Ghosts", members=[UserId("nobody")])
    assert info.value.code == "user_not_found"

    changed = await groups.update(admin.actor, group.id, members=[an.id, binh.id])
    assert changed.members == {an.id, binh.id}
    record = admin.audit.records[-1]
    assert record.action is AuditAction.GROUP_CHANGED
    assert record.details == {"fields": [], "added": [binh.id], "removed": []}
    changed = await groups.remove_members(admin.actor, group.id, [an.id])
    assert changed.members == {binh.id}
    changed = await groups.update(admin.actor, group.id, name="Finance dept.", description="")
    assert admin.audit.records[-1].details == {"fields": ["name", "description"]}
    assert [g.name for g in await groups.groups_of(admin.actor, binh.id)] == ["Finance dept."]
    assert [u.username for u in await groups.members(admin.actor, group.id)] == ["binh"]

    # A secretary sees groups (to invite them) but does not change them.
    sec, _ = await accounts.create_user("sec", "Sec", AccountRole.SECRETARY, "sec-pass-12")
    secretary = Principal(user=sec)
    assert [g.id for g in await groups.list(secretary)] == [group.id]
    for call in (
        groups.create(secretary, "Mine"),
        groups.update(secretary, group.id, name="Mine"),
        groups.delete(secretary, group.id),
    ):
        with pytest.raises(Forbidden):
            await call
    with pytest.raises(Forbidden):
        await groups.list(Principal(user=an))

    await groups.delete(admin.actor, group.id)
    assert admin.audit.records[-1].action is AuditAction.GROUP_DELETED
    with pytest.raises(NotFound):
        await groups.get(admin.actor, group.id)
    with pytest.raises(NotFound):
        await groups.delete(admin.actor, GroupId("nothing"))
    # The members stay.
    assert (await accounts.get_user(binh.id)).username == "binh"
