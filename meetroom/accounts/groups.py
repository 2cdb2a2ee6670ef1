"""Groups of users (a department, a committee), invited to a meeting as a whole.
Administrators manage them; those who manage meetings see them to invite them."""

from __future__ import annotations

import builtins
import dataclasses
import logging
from collections.abc import Iterable

from meetroom.accounts.ports import GroupStore, UserStore
from meetroom.accounts.service import require_account_role
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Invalid, NotFound
from meetroom.ids import GroupId, UserId, new_id
from meetroom.records.accounts import AccountRole, Group, Principal, User
from meetroom.records.audit import AuditAction, AuditTrail

logger = logging.getLogger(__name__)

MAX_NAME = 200
MAX_DESCRIPTION = 1000
# Who may see the groups (to invite one): those who manage meetings.
VIEWERS = (AccountRole.ADMIN, AccountRole.SECRETARY)


class GroupService:
    def __init__(
        self, groups: GroupStore, users: UserStore, clock: Clock, audit: AuditTrail
    ) -> None:
        self.groups = groups
        self.users = users
        self.clock = clock
        self.audit = audit

    async def list(self, actor: Principal) -> list[Group]:
        require_account_role(actor, *VIEWERS)
        return await self.groups.list_groups()

    async def get(self, actor: Principal, group_id: GroupId) -> Group:
        require_account_role(actor, *VIEWERS)
        return await self._group(group_id)

    async def groups_of(self, actor: Principal, user_id: UserId) -> builtins.list[Group]:
        require_account_role(actor, *VIEWERS)
        return await self.groups.groups_of(user_id)

    async def members(self, actor: Principal, group_id: GroupId) -> builtins.list[User]:
        """The group's members, by name."""
        group = await self.get(actor, group_id)
        people = [u for u in await self.users.list_users() if u.id in group.members]
        return sorted(people, key=lambda u: (u.display_name.casefold(), u.username))

    async def create(
        self,
        actor: Principal,
        name: str,
        description: str = "",
        members: Iterable[UserId] = (),
    ) -> Group:
        require_account_role(actor, AccountRole.ADMIN)
        now = self.clock.now()
        group = Group(
            id=GroupId(new_id()),
            name=_name(name),
            description=_description(description),
            members=await self._members(members),
            created_at=now,
            updated_at=now,
        )
        await self._check_name_free(group)
        await self.groups.create_group(group)
        await self._record(
            actor,
            AuditAction.GROUP_CREATED,
            group,
            {"name": group.name, "members": len(group.members)},
        )
        return group

    async def update(
        self,
        actor: Principal,
        group_id: GroupId,
        *,
        name: str | None = None,
        description: str | None = None,
        members: Iterable[UserId] | None = None,
    ) -> Group:
        """Change what is given; `members` replaces the whole list."""
        require_account_role(actor, AccountRole.ADMIN)
        group = await self._group(group_id)
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = _name(name)
        if description is not None:
            changes["description"] = _description(description)
        if members is not None:
            changes["members"] = await self._members(members)
        updated = dataclasses.replace(group, **changes)  # type: ignore[arg-type]
        if updated == group:
            return group
        updated = dataclasses.replace(updated, updated_at=self.clock.now())
        await self._check_name_free(updated)
        if not await self.groups.save_group(updated):
            raise _not_found()
        details: dict[str, object] = {
            "fields": [
                f for f in ("name", "description") if getattr(group, f) != getattr(updated, f)
            ]
        }
        if updated.members != group.members:
            details["added"] = sorted(updated.members - group.members)
            details["removed"] = sorted(group.members - updated.members)
        await self._record(actor, AuditAction.GROUP_CHANGED, updated, details)
        return updated

    async def add_members(
        self, actor: Principal, group_id: GroupId, user_ids: Iterable[UserId]
    ) -> Group:
        group = await self.get(actor, group_id)
        return await self.update(actor, group_id, members=group.members | set(user_ids))

    async def remove_members(
        self, actor: Principal, group_id: GroupId, user_ids: Iterable[UserId]
    ) -> Group:
        group = await self.get(actor, group_id)
        return await self.update(actor, group_id, members=group.members - set(user_ids))

    async def delete(self, actor: Principal, group_id: GroupId) -> None:
        """Deletes the group; its members and the meetings it was invited to stay."""
        require_account_role(actor, AccountRole.ADMIN)
        group = await self._group(group_id)
        if not await self.groups.delete_group(group_id):
            raise _not_found()
        await self._record(actor, AuditAction.GROUP_DELETED, group, {"name": group.name})

    async def _group(self, group_id: GroupId) -> Group:
        group = await self.groups.get_group(group_id)
        if group is None:
            raise _not_found()
        return group

    async def _members(self, user_ids: Iterable[UserId]) -> frozenset[UserId]:
        wanted = frozenset(user_ids)
        for user_id in sorted(wanted):
            if await self.users.get_user(user_id) is None:
                raise Invalid(
                    "user_not_found", N_("There is no user with the id {id}."), id=user_id
                )
        return wanted

    async def _check_name_free(self, group: Group) -> None:
        """Names are unique regardless of case, so a CSV file's `groups` cell finds one."""
        key = group.name.casefold()
        for other in await self.groups.list_groups():
            if other.id != group.id and other.name.casefold() == key:
                raise Conflict(
                    "group_name_taken",
                    N_("There is already a group named {name}."),
                    name=other.name,
                )

    async def _record(
        self, actor: Principal, action: AuditAction, group: Group, details: dict[str, object]
    ) -> None:
        await self.audit.record(
            actor, action, target_type="group", target_id=group.id, details=details
        )
        logger.info("group %r: %s", group.name, action.value)


def _not_found() -> NotFound:
    return NotFound("group_not_found", N_("No such group."))


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid("bad_group_name", N_("A group's name has 1 to 200 characters."))
    if "|" in name or ";" in name:
        # They separate group names in the CSV import's `groups` cell.
        raise Invalid("bad_group_name_char", N_("A group's name cannot contain | or ;."))
    return name


def _description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            "description_too_long", N_("The description is too long (1000 characters at most).")
        )
    return description
