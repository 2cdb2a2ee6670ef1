"""What an administrator does to other people's accounts: create, edit, change the
role, disable and enable, reset the password. Each change goes to the audit trail.

Two guard rails keep the server administrable: an admin cannot disable or demote
themselves, and the last active admin can be neither disabled nor demoted.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from meetroom.accounts.ports import PasswordHasher, SessionStore, UserStore
from meetroom.accounts.service import (
    AccountService,
    _check_locale,
    check_email,
    check_time_zone,
    generate_password,
    require_account_role,
)
from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Invalid, NotFound
from meetroom.ids import UserId
from meetroom.records.accounts import AccountRole, Principal, User
from meetroom.records.audit import AuditAction, AuditTrail

logger = logging.getLogger(__name__)

MAX_NAME = 200
# The fields an admin may change with `update_user`.
EDITABLE = ("display_name", "role", "locale", "email", "time_zone")


@dataclass(frozen=True, slots=True)
class UserFilter:
    """What the user list is narrowed to; empty: everyone."""

    text: str = ""
    role: AccountRole | None = None
    # None: both; True: only disabled accounts; False: only active ones.
    disabled: bool | None = None

    def matches(self, user: User) -> bool:
        if self.role is not None and user.role is not self.role:
            return False
        if self.disabled is not None and user.disabled is not self.disabled:
            return False
        needle = self.text.strip().casefold()
        if not needle:
            return True
        haystack = (user.username, user.display_name, user.email or "")
        return any(needle in value.casefold() for value in haystack)


class UserAdmin:
    def __init__(
        self,
        accounts: AccountService,
        users: UserStore,
        sessions: SessionStore,
        passwords: PasswordHasher,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self.accounts = accounts
        self.users = users
        self.sessions = sessions
        self.passwords = passwords
        self.clock = clock
        self.audit = audit

    async def list_users(self, actor: Principal, where: UserFilter | None = None) -> list[User]:
        require_account_role(actor, AccountRole.ADMIN)
        found = await self.users.list_users()
        return [u for u in found if where is None or where.matches(u)]

    async def get_user(self, actor: Principal, user_id: UserId) -> User:
        require_account_role(actor, AccountRole.ADMIN)
        return await self._user(user_id)

    async def create_user(
        self,
        actor: Principal,
        username: str,
        display_name: str,
        role: AccountRole,
        *,
        password: str | None = None,
        locale: str | None = None,
        email: str | None = None,
        time_zone: str | None = None,
    ) -> tuple[User, str | None]:
        """A new account; returns it and the generated temporary password, if any."""
        require_account_role(actor, AccountRole.ADMIN)
        user, generated = await self.accounts.create_user(
            username,
            display_name,
            role,
            password=password,
            locale=locale,
            email=email,
            time_zone=time_zone,
            actor=actor,  # the account service records the creation
        )
        return user, generated

    async def update_user(self, actor: Principal, user_id: UserId, **changes: Any) -> User:
        """Change some of `EDITABLE`; a field left out stays as it is (None clears
        locale, email and time_zone)."""
        me = require_account_role(actor, AccountRole.ADMIN)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise Invalid("unknown_field", N_("Unknown field: {field}."), field=sorted(unknown)[0])
        user = await self._user(user_id)
        if "display_name" in changes:
            name = (changes["display_name"] or "").strip()
            if not name or len(name) > MAX_NAME:
                raise Invalid("bad_name", N_("The name must have 1 to 200 characters."))
            changes["display_name"] = name
        if "role" in changes:
            changes["role"] = AccountRole(changes["role"])
        if "locale" in changes:
            changes["locale"] = changes["locale"] or None
            _check_locale(changes["locale"])
        if "email" in changes:
            changes["email"] = check_email(changes["email"])
        if "time_zone" in changes:
            changes["time_zone"] = changes["time_zone"] or None
            check_time_zone(changes["time_zone"])
        updated = dataclasses.replace(user, **changes)
        if updated == user:
            return user
        if user.role is AccountRole.ADMIN and updated.role is not AccountRole.ADMIN:
            if user.id == me.id:
                raise Conflict(
                    "cannot_demote_self",
                    N_("You cannot take away your own administrator role."),
                )
            await self._keep_an_admin(user)
        await self.users.save_user(updated, self.clock.now())
        if updated.role is not user.role:
            await self._record(
                actor,
                AuditAction.ROLE_CHANGED,
                updated,
                {"old": user.role.value, "new": updated.role.value},
            )
        changed = [f for f in EDITABLE if f != "role" and getattr(user, f) != getattr(updated, f)]
        if changed:
            await self._record(actor, AuditAction.USER_CHANGED, updated, {"fields": changed})
        logger.info("user %s changed by %s: %s", user.username, me.username, sorted(changes))
        if updated.role is not user.role:
            # An administrator or secretary made a delegate no longer manages meetings.
            await self.accounts.rights_changed(user.id)
        return updated

    async def disable(self, actor: Principal, user_id: UserId) -> User:
        """The user can no longer sign in; their sessions end and their API tokens stop
        working (they work again once enabled)."""
        me = require_account_role(actor, AccountRole.ADMIN)
        user = await self._user(user_id)
        if user.id == me.id:
            raise Conflict("cannot_disable_self", N_("You cannot disable your own account."))
        if user.disabled:
            return user
        if user.role is AccountRole.ADMIN:
            await self._keep_an_admin(user)
        updated = dataclasses.replace(user, disabled=True)
        await self.users.save_user(updated, self.clock.now())
        await self.sessions.delete_user_sessions(user.id)
        await self._record(actor, AuditAction.USER_DISABLED, updated)
        logger.info("user %s disabled by %s", user.username, me.username)
        await self.accounts.rights_changed(user.id)
        return updated

    async def enable(self, actor: Principal, user_id: UserId) -> User:
        me = require_account_role(actor, AccountRole.ADMIN)
        user = await self._user(user_id)
        if not user.disabled:
            return user
        updated = dataclasses.replace(user, disabled=False)
        await self.users.save_user(updated, self.clock.now())
        await self._record(actor, AuditAction.USER_ENABLED, updated)
        logger.info("user %s enabled by %s", user.username, me.username)
        return updated

    async def reset_password(self, actor: Principal, user_id: UserId) -> str:
        """A new temporary password, shown once: the user must change it at the next
        sign-in. Every session of theirs ends."""
        me = require_account_role(actor, AccountRole.ADMIN)
        user = await self._user(user_id)
        password = generate_password()
        await self.users.set_password(
            user.id, self.passwords.hash(password), True, self.clock.now()
        )
        await self.sessions.delete_user_sessions(user.id)
        await self._record(actor, AuditAction.PASSWORD_RESET, user)
        logger.info("password of %s reset by %s", user.username, me.username)
        await self.accounts.rights_changed(user.id)
        return password

    async def sign_out(self, actor: Principal, user_id: UserId) -> User:
        """Every session of the user ends, on every device (a lost tablet, a shared
        computer): their open meeting pages close at once; they may sign in again."""
        me = require_account_role(actor, AccountRole.ADMIN)
        user = await self._user(user_id)
        await self.sessions.delete_user_sessions(user.id)
        await self._record(actor, AuditAction.SIGNED_OUT_EVERYWHERE, user)
        logger.info("user %s signed out everywhere by %s", user.username, me.username)
        await self.accounts.rights_changed(user.id)
        return user

    async def _user(self, user_id: UserId) -> User:
        user = await self.users.get_user(user_id)
        if user is None:
            raise NotFound("user_not_found", N_("No such user."))
        return user

    async def _keep_an_admin(self, user: User) -> None:
        """Refuse to leave the server without an active administrator."""
        if user.disabled:
            return
        if await self.users.count_users(AccountRole.ADMIN) <= 1:
            raise Conflict(
                "last_admin",
                N_(
                    "{username} is the last active administrator: make another user an "
                    "administrator first."
                ),
                username=user.username,
            )

    async def _record(
        self,
        actor: Principal,
        action: AuditAction,
        user: User,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self.audit.record(
            actor, action, target_type="user", target_id=user.id, details=details
        )
