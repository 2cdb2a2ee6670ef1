"""Accounts, login sessions, API tokens and login-failure counters in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, ParticipantId, UserId
from meetroom.records.accounts import (
    AccountRole,
    ApiToken,
    LoginFailures,
    User,
    UserWithSecret,
    WebSession,
)
from meetroom.store.database import Database
from meetroom.store.schema import api_tokens, login_failures, participants, users, web_sessions


def _user(row: Any) -> User:
    return User(
        id=UserId(row.id),
        username=row.username,
        display_name=row.display_name,
        role=AccountRole(row.role),
        locale=row.locale,
        disabled=row.disabled,
        must_change_password=row.must_change_password,
        created_at=row.created_at,
        email=row.email,
        time_zone=row.time_zone,
    )


def _session(row: Any) -> WebSession:
    return WebSession(
        id=row.id,
        user_id=UserId(row.user_id) if row.user_id else None,
        meeting_id=MeetingId(row.meeting_id) if row.meeting_id else None,
        participant_id=ParticipantId(row.participant_id) if row.participant_id else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        link_version=row.link_version,
    )


class SqlUserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_user(self, user: User, password_hash: str) -> None:
        values = {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "password_hash": password_hash,
            "locale": user.locale,
            "disabled": user.disabled,
            "must_change_password": user.must_change_password,
            "created_at": user.created_at,
            "updated_at": user.created_at,
            "email": user.email,
            "time_zone": user.time_zone,
        }
        try:
            async with self.db.begin() as conn:
                await conn.execute(users.insert().values(values))
        except IntegrityError:
            raise Conflict(
                "username_taken",
                N_("The username {username} is already taken."),
                username=user.username,
            ) from None

    async def get_user(self, user_id: UserId) -> User | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(users.select().where(users.c.id == user_id))).first()
        return _user(row) if row else None

    async def get_user_by_username(self, username: str) -> UserWithSecret | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(users.select().where(users.c.username == username))).first()
        return UserWithSecret(_user(row), row.password_hash) if row else None

    async def get_password_hash(self, user_id: UserId) -> str | None:
        async with self.db.connect() as conn:
            value = await conn.scalar(sa.select(users.c.password_hash).where(users.c.id == user_id))
        return str(value) if value is not None else None

    async def list_users(self) -> list[User]:
        async with self.db.connect() as conn:
            rows = await conn.execute(users.select().order_by(users.c.username))
        return [_user(r) for r in rows]

    async def count_users(self, role: AccountRole | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(users)
        if role is not None:
            query = query.where(users.c.role == role.value, users.c.disabled.is_(False))
        async with self.db.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def save_user(self, user: User, now: datetime) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                users.update()
                .where(users.c.id == user.id)
                .values(
                    display_name=user.display_name,
                    role=user.role.value,
                    locale=user.locale,
                    disabled=user.disabled,
                    must_change_password=user.must_change_password,
                    email=user.email,
                    time_zone=user.time_zone,
                    updated_at=now,
                )
            )

    async def set_password(
        self, user_id: UserId, password_hash: str, must_change: bool, now: datetime
    ) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(
                    password_hash=password_hash, must_change_password=must_change, updated_at=now
                )
            )


class SqlSessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_session(self, session: WebSession, address: str, user_agent: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                web_sessions.insert().values(
                    id=session.id,
                    user_id=session.user_id,
                    meeting_id=session.meeting_id,
                    participant_id=session.participant_id,
                    address=address[:64],
                    user_agent=user_agent[:300],
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                    link_version=session.link_version,
                )
            )

    async def get_session(self, session_id: str, now: datetime) -> WebSession | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    web_sessions.select().where(
                        web_sessions.c.id == session_id, web_sessions.c.expires_at > now
                    )
                )
            ).first()
        return _session(row) if row else None

    async def delete_session(self, session_id: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(web_sessions.delete().where(web_sessions.c.id == session_id))

    async def delete_user_sessions(self, user_id: UserId, keep: str | None = None) -> None:
        # Their join links' sessions too (a tablet that joined by the link of a
        # participant who is this user): the same person.
        theirs = sa.select(participants.c.id).where(participants.c.user_id == user_id)
        query = web_sessions.delete().where(
            sa.or_(web_sessions.c.user_id == user_id, web_sessions.c.participant_id.in_(theirs))
        )
        if keep is not None:
            query = query.where(web_sessions.c.id != keep)
        async with self.db.begin() as conn:
            await conn.execute(query)

    async def purge_expired(self, now: datetime) -> int:
        async with self.db.begin() as conn:
            result = await conn.execute(
                web_sessions.delete().where(web_sessions.c.expires_at <= now)
            )
        return int(result.rowcount or 0)

    async def create_api_token(self, token: ApiToken, token_hash: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                api_tokens.insert().values(
                    id=token.id,
                    user_id=token.user_id,
                    name=token.name,
                    token_hash=token_hash,
                    created_at=token.created_at,
                )
            )

    async def use_api_token(self, token_hash: str, now: datetime) -> ApiToken | None:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(api_tokens.select().where(api_tokens.c.token_hash == token_hash))
            ).first()
            if row is None:
                return None
            await conn.execute(
                api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now)
            )
        return ApiToken(
            id=row.id,
            user_id=UserId(row.user_id),
            name=row.name,
            created_at=row.created_at,
            last_used_at=now,
        )

    async def get_login_failures(self, address: str) -> LoginFailures | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    login_failures.select().where(login_failures.c.address == address)
                )
            ).first()
        if row is None:
            return None
        return LoginFailures(row.address, row.failures, row.window_start, row.locked_until)

    async def put_login_failures(self, record: LoginFailures) -> None:
        values = {
            "failures": record.failures,
            "window_start": record.window_start,
            "locked_until": record.locked_until,
        }
        async with self.db.begin() as conn:
            updated = await conn.execute(
                login_failures.update()
                .where(login_failures.c.address == record.address)
                .values(values)
            )
            if not updated.rowcount:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            login_failures.insert().values(address=record.address, **values)
                        )
                except IntegrityError:
                    # Another request inserted it first; its count is as good as ours.
                    pass

    async def clear_login_failures(self, address: str) -> None:
        async with self.db.begin() as conn:
            await conn.execute(login_failures.delete().where(login_failures.c.address == address))
