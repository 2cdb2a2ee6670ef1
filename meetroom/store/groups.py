"""Groups of users in SQL, and creating many users at once (the CSV import)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import GroupId, UserId
from meetroom.records.accounts import Group, User
from meetroom.store.database import Database
from meetroom.store.schema import group_members, groups, users
from meetroom.store.users import _user


def _name_taken(name: str) -> Conflict:
    return Conflict("group_name_taken", N_("There is already a group named {name}."), name=name)


def _group(row: Any, members: frozenset[UserId]) -> Group:
    return Group(
        id=GroupId(row.id),
        name=row.name,
        description=row.description,
        members=members,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _members(conn: Any, group_ids: list[str]) -> dict[str, frozenset[UserId]]:
    found: dict[str, set[UserId]] = defaultdict(set)
    if group_ids:
        rows = await conn.execute(
            sa.select(group_members.c.group_id, group_members.c.user_id).where(
                group_members.c.group_id.in_(group_ids)
            )
        )
        for r in rows:
            found[r.group_id].add(UserId(r.user_id))
    return {g: frozenset(found.get(g, ())) for g in group_ids}


async def _put_members(conn: Any, group_id: GroupId, members: frozenset[UserId]) -> None:
    await conn.execute(group_members.delete().where(group_members.c.group_id == group_id))
    if members:
        await conn.execute(
            group_members.insert(),
            [{"group_id": group_id, "user_id": u} for u in sorted(members)],
        )


class SqlGroupStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_group(self, group: Group) -> None:
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    groups.insert().values(
                        id=group.id,
                        name=group.name,
                        description=group.description,
                        created_at=group.created_at,
                        updated_at=group.updated_at,
                    )
                )
                await _put_members(conn, group.id, group.members)
        except IntegrityError:
            raise _name_taken(group.name) from None

    async def get_group(self, group_id: GroupId) -> Group | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(groups.select().where(groups.c.id == group_id))).first()
            if row is None:
                return None
            members = await _members(conn, [row.id])
        return _group(row, members[row.id])

    async def list_groups(self) -> list[Group]:
        async with self.db.connect() as conn:
            rows = list(await conn.execute(groups.select().order_by(groups.c.name, groups.c.id)))
            members = await _members(conn, [r.id for r in rows])
        return [_group(r, members[r.id]) for r in rows]

    async def groups_of(self, user_id: UserId) -> list[Group]:
        async with self.db.connect() as conn:
            rows = list(
                await conn.execute(
                    groups.select()
                    .where(
                        groups.c.id.in_(
                            sa.select(group_members.c.group_id).where(
                                group_members.c.user_id == user_id
                            )
                        )
                    )
                    .order_by(groups.c.name)
                )
            )
            members = await _members(conn, [r.id for r in rows])
        return [_group(r, members[r.id]) for r in rows]

    async def save_group(self, group: Group) -> bool:
        """Saves the name, description and the whole member list."""
        try:
            async with self.db.begin() as conn:
                result = await conn.execute(
                    groups.update()
                    .where(groups.c.id == group.id)
                    .values(
                        name=group.name,
                        description=group.description,
                        updated_at=group.updated_at,
                    )
                )
                if not result.rowcount:
                    return False
                await _put_members(conn, group.id, group.members)
        except IntegrityError:
            raise _name_taken(group.name) from None
        return True

    async def delete_group(self, group_id: GroupId) -> bool:
        async with self.db.begin() as conn:
            await conn.execute(group_members.delete().where(group_members.c.group_id == group_id))
            result = await conn.execute(groups.delete().where(groups.c.id == group_id))
        return bool(result.rowcount)

    async def members(self, group_id: GroupId) -> list[User] | None:
        """The group's members (disabled ones too), by name; None: no such group."""
        async with self.db.connect() as conn:
            exists = await conn.scalar(sa.select(groups.c.id).where(groups.c.id == group_id))
            if exists is None:
                return None
            rows = await conn.execute(
                users.select()
                .join(group_members, group_members.c.user_id == users.c.id)
                .where(group_members.c.group_id == group_id)
                .order_by(users.c.display_name, users.c.username)
            )
        return [_user(r) for r in rows]

    async def import_users(
        self, new_users: list[tuple[User, str]], memberships: dict[UserId, frozenset[GroupId]]
    ) -> None:
        """Every user and membership in one transaction: all or nothing."""
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role.value,
                "password_hash": password_hash,
                "locale": u.locale,
                "disabled": u.disabled,
                "must_change_password": u.must_change_password,
                "created_at": u.created_at,
                "updated_at": u.created_at,
                "email": u.email,
                "time_zone": u.time_zone,
            }
            for u, password_hash in new_users
        ]
        links = [{"group_id": g, "user_id": u} for u, gs in memberships.items() for g in sorted(gs)]
        try:
            async with self.db.begin() as conn:
                if rows:
                    await conn.execute(users.insert(), rows)
                if links:
                    await conn.execute(group_members.insert(), links)
        except IntegrityError:
            # Which name was taken meanwhile is worth saying: the admin previews again.
            taken = await self._taken([u.username for u, _ in new_users])
            raise Conflict(
                "username_taken",
                N_("The username {username} is already taken."),
                username=", ".join(taken) or "?",
            ) from None

    async def _taken(self, usernames: list[str]) -> list[str]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(users.c.username).where(users.c.username.in_(usernames))
            )
        return sorted(r.username for r in rows)
