"""Administering accounts: edits, roles, disabling, password resets, the guard rails
that keep an active administrator, and the audit trail of each change."""

from __future__ import annotations

import pytest

from meetroom.accounts.admin import UserFilter
from meetroom.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from meetroom.ids import UserId
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction
from tests.accounts.admin import Admin


async def test_edit_user_and_audit(admin: Admin) -> None:
    user, password = await admin.users.create_user(admin.actor, "Lan", "Lan", AccountRole.DELEGATE)
    assert password and user.must_change_password
    assert admin.audit.records[-1].action is AuditAction.USER_CREATED
    assert admin.audit.records[-1].target_id == user.id
    admin.audit.clear()

    updated = await admin.users.update_user(
        admin.actor,
        user.id,
        display_name=" Nguyễn Thị Lan ",
        role=AccountRole.SECRETARY,
        locale="vi",
        email="lan@example.gov.vn",
        time_zone="Asia/Ho_Chi_Minh",
    )
    assert updated.display_name == "Nguyễn Thị Lan" and updated.role is AccountRole.SECRETARY
    assert await admin.services.accounts.get_user(user.id) == updated
    role, changed = admin.audit.records
    assert role.action is AuditAction.ROLE_CHANGED and role.actor == "boss"
    assert role.details == {"old": "delegate", "new": "secretary"}
    assert changed.action is AuditAction.USER_CHANGED
    assert changed.details == {"fields": ["display_name", "locale", "email", "time_zone"]}

    # Nothing changed: nothing recorded. None clears the optional fields.
    admin.audit.clear()
    await admin.users.update_user(admin.actor, user.id, display_name="Nguyễn Thị Lan")
    assert admin.audit.records == []
    cleared = await admin.users.update_user(admin.actor, user.id, email=None, locale=None)
    assert cleared.email is None and cleared.locale is None

    for bad, code in [
        ({"email": "not-an-address"}, "bad_email"),
        ({"locale": "fr"}, "bad_locale"),
        ({"time_zone": "Mars/Base"}, "bad_time_zone"),
        ({"display_name": "  "}, "bad_name"),
        ({"username": "other"}, "unknown_field"),
    ]:
        with pytest.raises(Invalid) as info:
            await admin.users.update_user(admin.actor, user.id, **bad)
        assert info.value.code == code
    with pytest.raises(NotFound):
        await admin.users.update_user(admin.actor, UserId("nobody"), display_name="x")


async def test_disable_ends_sessions_and_sign_in(admin: Admin) -> None:
    accounts = admin.services.accounts
    user, _ = await admin.users.create_user(
        admin.actor, "minh", "Minh", AccountRole.DELEGATE, password="minh-pass-1"
    )
    cookie, _ = await accounts.start_session(user, "10.0.0.1", "test")
    token = await accounts.create_api_token("minh")
    assert await accounts.principal_for_session(cookie) is not None

    disabled = await admin.users.disable(admin.actor, user.id)
    assert disabled.disabled
    assert admin.audit.actions()[-1] is AuditAction.USER_DISABLED
    assert await accounts.principal_for_session(cookie) is None
    assert await accounts.principal_for_api_token(token) is None
    with pytest.raises(Forbidden) as info:
        await accounts.authenticate("minh", "minh-pass-1", "10.0.0.1")
    assert info.value.code == "account_disabled"
    # The session is gone for good, not just refused while disabled.
    await admin.users.enable(admin.actor, user.id)
    assert admin.audit.actions()[-1] is AuditAction.USER_ENABLED
    assert await accounts.principal_for_session(cookie) is None
    assert await accounts.principal_for_api_token(token) is not None
    assert (await accounts.authenticate("minh", "minh-pass-1", "10.0.0.1")).id == user.id


async def test_reset_password(admin: Admin) -> None:
    accounts = admin.services.accounts
    user, _ = await admin.users.create_user(
        admin.actor, "hoa", "Hoa", AccountRole.CHAIR, password="hoa-pass-12"
    )
    cookie, _ = await accounts.start_session(user, "10.0.0.1", "test")
    temporary = await admin.users.reset_password(admin.actor, user.id)
    assert len(temporary) >= 12
    assert admin.audit.records[-1].action is AuditAction.PASSWORD_RESET
    assert admin.audit.records[-1].target_id == user.id
    assert await accounts.principal_for_session(cookie) is None
    with pytest.raises(Unauthenticated):
        await accounts.authenticate("hoa", "hoa-pass-12", "10.0.0.2")
    signed_in = await accounts.authenticate("hoa", temporary, "10.0.0.3")
    assert signed_in.must_change_password


async def test_guard_rails_keep_an_admin(admin: Admin) -> None:
    me = admin.actor
    assert me.user is not None
    for attempt in (
        admin.users.disable(me, me.user.id),
        admin.users.update_user(me, me.user.id, role=AccountRole.SECRETARY),
    ):
        with pytest.raises(Conflict) as info:
            await attempt
        assert info.value.code in ("cannot_disable_self", "cannot_demote_self")

    other, _ = await admin.users.create_user(
        me, "deputy", "Deputy", AccountRole.ADMIN, password="deputy-pass"
    )
    deputy = Principal(user=other)
    # Two admins: one may demote the other, which leaves the last one.
    await admin.users.update_user(deputy, me.user.id, role=AccountRole.SECRETARY)
    # Now the deputy is the last active admin: neither self-demotion nor anyone else...
    with pytest.raises(Conflict) as info:
        await admin.users.update_user(deputy, other.id, role=AccountRole.DELEGATE)
    assert info.value.code == "cannot_demote_self"
    # ...nor another admin acting on what they saw before being demoted (a race).
    for stale in (
        admin.users.update_user(me, other.id, role=AccountRole.DELEGATE),
        admin.users.disable(me, other.id),
    ):
        with pytest.raises(Conflict) as info:
            await stale
        assert info.value.code == "last_admin"
        assert "deputy" in str(info.value)

    # A third admin who is disabled does not count as active.
    third, _ = await admin.users.create_user(
        deputy, "third", "Third", AccountRole.ADMIN, password="third-pass1"
    )
    await admin.users.disable(deputy, third.id)
    with pytest.raises(Conflict) as info:
        await admin.users.disable(me, other.id)
    assert info.value.code == "last_admin"
    await admin.users.enable(deputy, third.id)
    await admin.users.disable(Principal(user=third), other.id)  # fine: "third" remains


async def test_only_admins(admin: Admin) -> None:
    secretary, _ = await admin.users.create_user(
        admin.actor, "sec", "Sec", AccountRole.SECRETARY, password="sec-pass-12"
    )
    who = Principal(user=secretary)
    assert admin.actor.user is not None
    target = admin.actor.user.id
    for call in (
        admin.users.list_users(who),
        admin.users.update_user(who, target, display_name="x"),
        admin.users.disable(who, target),
        admin.users.enable(who, target),
        admin.users.reset_password(who, target),
        admin.users.create_user(who, "new", "New", AccountRole.GUEST),
    ):
        with pytest.raises(Forbidden):
            await call


async def test_search_and_filter(admin: Admin) -> None:
    a, _ = await admin.users.create_user(
        admin.actor, "tuan", "Lê Anh Tuấn", AccountRole.DELEGATE, email="tuan@so.gov.vn",
        password="tuan-pass-1",
    )  # fmt: skip
    b, _ = await admin.users.create_user(
        admin.actor, "mai", "Phạm Mai", AccountRole.SECRETARY, password="mai-pass-12"
    )
    await admin.users.disable(admin.actor, b.id)

    async def names(**where: object) -> list[str]:
        found = await admin.users.list_users(admin.actor, UserFilter(**where))  # type: ignore[arg-type]
        return [u.username for u in found]

    assert await names(text="tuấn") == ["tuan"]
    assert await names(text="SO.GOV") == ["tuan"]
    assert await names(role=AccountRole.SECRETARY) == ["mai"]
    assert await names(disabled=True) == ["mai"]
    assert await names(disabled=False) == ["boss", "tuan"]
    assert a.id != b.id
