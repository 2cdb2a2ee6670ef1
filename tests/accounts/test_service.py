"""Accounts: passwords, lock-out, sessions, API tokens (on the embedded store)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from meetroom.accounts.service import generate_password
from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthenticated
from meetroom.records.accounts import AccountRole, Principal
from meetroom.server.context import Services


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> AsyncIterator[Services]:
    settings = await make_settings(
        "sqlite", login_max_failures=3, login_failure_window_seconds=600, login_lockout_seconds=120
    )
    async with open_services(settings, clock=clock) as svc:
        yield svc


async def test_create_user_rules(services: Services) -> None:
    accounts = services.accounts
    user, generated = await accounts.create_user("Alice", "", AccountRole.SECRETARY)
    assert user.username == "alice" and user.display_name == "alice"
    assert generated and len(generated) >= 12 and user.must_change_password
    user2, none = await accounts.create_user(
        "bob", "Bob", AccountRole.DELEGATE, password="bobpass99"
    )
    assert none is None and not user2.must_change_password
    with pytest.raises(Conflict):
        await accounts.create_user("ALICE", "x", AccountRole.GUEST)
    for bad in ["a", "-x", "has space", "ü" * 3]:
        with pytest.raises(Invalid):
            await accounts.create_user(bad, "x", AccountRole.GUEST)
    with pytest.raises(Invalid) as info:
        await accounts.create_user("carol", "x", AccountRole.GUEST, password="short")
    assert info.value.code == "password_too_short"
    with pytest.raises(Invalid):
        await accounts.create_user("dave", "x", AccountRole.GUEST, locale="fr")


async def test_ensure_admin_once(services: Services) -> None:
    created = await services.accounts.ensure_admin(None)
    assert created is not None
    admin, password = created
    assert password and admin.must_change_password and admin.role is AccountRole.ADMIN
    assert await services.accounts.ensure_admin("whatever1") is None


async def test_wrong_password_and_lockout(services: Services, clock: SettableClock) -> None:
    accounts = services.accounts
    await accounts.create_user("alice", "Alice", AccountRole.DELEGATE, password="alicepass1")
    for _ in range(2):
        with pytest.raises(Unauthenticated) as info:
            await accounts.authenticate("alice", "nope", "10.0.0.1")
        assert info.value.code == "bad_credentials"
    # Third failure (max 3) locks the address out.
    with pytest.raises(RateLimited) as locked:
        await accounts.authenticate("nobody", "nope", "10.0.0.1")
    assert locked.value.retry_after == 120
    # While locked, even the right password is refused from that address...
    with pytest.raises(RateLimited):
        await accounts.authenticate("alice", "alicepass1", "10.0.0.1")
    # ...but not from another one.
    assert (await accounts.authenticate("alice", "alicepass1", "10.0.0.2")).username == "alice"
    clock.advance(timedelta(seconds=121))
    assert (await accounts.authenticate("alice", "alicepass1", "10.0.0.1")).username == "alice"


async def test_failures_outside_the_window_do_not_add_up(
    services: Services, clock: SettableClock
) -> None:
    accounts = services.accounts
    await accounts.create_user("alice", "Alice", AccountRole.DELEGATE, password="alicepass1")
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await accounts.authenticate("alice", "nope", "10.0.0.9")
        clock.advance(timedelta(seconds=601))


async def test_success_resets_the_count(services: Services) -> None:
    accounts = services.accounts
    await accounts.create_user("alice", "Alice", AccountRole.DELEGATE, password="alicepass1")
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await accounts.authenticate("alice", "nope", "10.0.0.3")
        with pytest.raises(Unauthenticated):
            await accounts.authenticate("alice", "nope", "10.0.0.3")
        await accounts.authenticate("alice", "alicepass1", "10.0.0.3")


async def test_disabled_account(services: Services) -> None:
    accounts = services.accounts
    user, _ = await accounts.create_user("alice", "A", AccountRole.DELEGATE, password="alicepass1")
    await accounts.users.save_user(dataclasses.replace(user, disabled=True), accounts.clock.now())
    with pytest.raises(Forbidden) as info:
        await accounts.authenticate("alice", "alicepass1", "10.0.0.4")
    assert info.value.code == "account_disabled"


async def test_sessions(services: Services, clock: SettableClock) -> None:
    accounts = services.accounts
    user, _ = await accounts.create_user("alice", "A", AccountRole.DELEGATE, password="alicepass1")
    cookie, session = await accounts.start_session(user, "1.1.1.1", "test")
    who = await accounts.principal_for_session(cookie)
    assert who is not None and who.user == user and who.session_id == session.id
    assert await accounts.principal_for_session(cookie + "x") is None
    clock.advance(timedelta(hours=12, seconds=1))
    assert await accounts.principal_for_session(cookie) is None
    cookie, _ = await accounts.start_session(user, "1.1.1.1", "test")
    await accounts.end_session(cookie)
    assert await accounts.principal_for_session(cookie) is None


async def test_change_password_signs_out_other_devices(services: Services) -> None:
    accounts = services.accounts
    user, _ = await accounts.create_user("alice", "A", AccountRole.DELEGATE, password="alicepass1")
    here, here_session = await accounts.start_session(user, "1", "phone")
    there, _ = await accounts.start_session(user, "2", "laptop")
    me = Principal(user=user, session_id=here_session.id)
    with pytest.raises(Invalid) as info:
        await accounts.change_password(me, "wrong", "newpass123")
    assert info.value.code == "wrong_current_password"
    with pytest.raises(Invalid):
        await accounts.change_password(me, "alicepass1", "short")
    await accounts.change_password(me, "alicepass1", "newpass123")
    assert await accounts.principal_for_session(here) is not None
    assert await accounts.principal_for_session(there) is None
    assert await accounts.authenticate("alice", "newpass123", "3")
    with pytest.raises(Unauthenticated):
        await accounts.authenticate("alice", "alicepass1", "3")


async def test_api_tokens(services: Services) -> None:
    accounts = services.accounts
    user, _ = await accounts.create_user("alice", "A", AccountRole.SECRETARY, password="alicepass1")
    token = await accounts.create_api_token("alice", "script")
    assert token.startswith("mrt_")
    who = await accounts.principal_for_api_token(token)
    assert who is not None and who.user == user and who.via_api_token
    assert await accounts.principal_for_api_token(token[:-1]) is None
    with pytest.raises(Exception, match="no user named"):
        await accounts.create_api_token("nobody")


async def test_email_and_time_zone(services: Services) -> None:
    accounts = services.accounts
    user, _ = await accounts.create_user(
        "erin", "Erin", AccountRole.DELEGATE, email=" erin@example.org ", time_zone="Europe/Paris"
    )
    assert user.email == "erin@example.org" and user.time_zone == "Europe/Paris"
    assert (await accounts.get_user(user.id)).email == "erin@example.org"
    with pytest.raises(Invalid) as info:
        await accounts.create_user("fay", "Fay", AccountRole.DELEGATE, email="not-an-address")
    assert info.value.code == "bad_email"
    me = Principal(user=user)
    with pytest.raises(Invalid) as info:
        await accounts.update_profile(me, time_zone="Mars/Olympus")
    assert info.value.code == "bad_time_zone"
    # "" leaves a field as it is; None clears it.
    changed = await accounts.update_profile(me, time_zone="Asia/Ho_Chi_Minh")
    assert changed.time_zone == "Asia/Ho_Chi_Minh" and changed.email == "erin@example.org"
    cleared = await accounts.update_profile(Principal(user=changed), email=None, time_zone=None)
    stored = await accounts.get_user(user.id)
    assert cleared == stored and stored.email is None and stored.time_zone is None


async def test_the_password_work_factor_is_a_setting(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock
) -> None:
    light = await make_settings("sqlite", password_time_cost=2, password_memory_kib=9216)
    async with open_services(light, clock=clock) as svc:
        user, _ = await svc.accounts.create_user(
            "gia", "Gia", AccountRole.DELEGATE, password="gia-pass-123"
        )
        assert "m=9216,t=2," in str(await svc.accounts.users.get_password_hash(user.id))
    # Raised later: the next sign-in rehashes the password with the new factor.
    stronger = await make_settings("sqlite", password_time_cost=3, password_memory_kib=9216)
    async with open_services(stronger, clock=clock) as svc:
        await svc.accounts.authenticate("gia", "gia-pass-123", "10.0.0.1")
        assert "m=9216,t=3," in str(await svc.accounts.users.get_password_hash(user.id))


def test_generated_passwords_start_with_a_letter_or_digit() -> None:
    # One in 32 of token_urlsafe's would start with "-" or "_": a spreadsheet formula in
    # the passwords file (escaped there, so wrong to type) and an option on a command line.
    passwords = [generate_password() for _ in range(2000)]
    assert all(p[0].isalnum() and len(p) == 16 for p in passwords)
    assert len(set(passwords)) == len(passwords)
