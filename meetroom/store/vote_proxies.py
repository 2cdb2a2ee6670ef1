"""A meeting's proxies (who votes for whom) and its default rule for votes, in SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.errors import N_, Conflict
from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.votes import Proxy, TieRule, VoteDefaults, VoteRule
from meetroom.store.database import Database
from meetroom.store.schema import vote_defaults, vote_proxies


def _proxy(row: Any) -> Proxy:
    return Proxy(
        meeting_id=MeetingId(row.meeting_id), principal_id=ParticipantId(row.principal_id),
        proxy_id=ParticipantId(row.proxy_id), set_by=row.set_by, set_at=row.set_at,
    )  # fmt: skip


class SqlProxyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def proxies(self, meeting_id: MeetingId) -> list[Proxy]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                vote_proxies.select()
                .where(vote_proxies.c.meeting_id == meeting_id)
                .order_by(vote_proxies.c.set_at, vote_proxies.c.principal_id)
            )
        return [_proxy(r) for r in rows]

    async def add(self, proxy: Proxy) -> None:
        """Record a proxy. Conflict `proxy_exists` when the principal has one already,
        `proxy_chain` when the proxy votes through someone else or the principal holds
        someone's vote (checked in the same transaction, under the insert's key)."""
        try:
            async with self.db.begin() as conn:
                await conn.execute(
                    vote_proxies.insert().values(
                        meeting_id=proxy.meeting_id,
                        principal_id=proxy.principal_id,
                        proxy_id=proxy.proxy_id,
                        set_by=proxy.set_by,
                        set_at=proxy.set_at,
                    )  # fmt: skip
                )
                chained = await conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(vote_proxies)
                    .where(
                        vote_proxies.c.meeting_id == proxy.meeting_id,
                        sa.or_(
                            vote_proxies.c.principal_id == proxy.proxy_id,
                            vote_proxies.c.proxy_id == proxy.principal_id,
                        ),
                    )
                )
                if chained:
                    raise Conflict(
                        "proxy_chain",
                        N_("A proxy cannot vote through someone else, nor hand on votes it holds."),
                    )
        except IntegrityError:
            raise Conflict(
                "proxy_exists", N_("This participant already has a proxy in this meeting.")
            ) from None

    async def remove(self, meeting_id: MeetingId, principal_id: ParticipantId) -> Proxy | None:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    vote_proxies.select().where(
                        vote_proxies.c.meeting_id == meeting_id,
                        vote_proxies.c.principal_id == principal_id,
                    )
                )
            ).first()
            if row is None:
                return None
            await conn.execute(
                vote_proxies.delete().where(
                    vote_proxies.c.meeting_id == meeting_id,
                    vote_proxies.c.principal_id == principal_id,
                )
            )
        return _proxy(row)

    async def held_by(self, meeting_id: MeetingId, proxy_id: ParticipantId) -> list[ParticipantId]:
        """The principals whose votes `proxy_id` casts."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(vote_proxies.c.principal_id)
                .where(
                    vote_proxies.c.meeting_id == meeting_id,
                    vote_proxies.c.proxy_id == proxy_id,
                )
                .order_by(vote_proxies.c.principal_id)
            )
        return [ParticipantId(r.principal_id) for r in rows]

    async def defaults(self, meeting_id: MeetingId) -> VoteDefaults:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    vote_defaults.select().where(vote_defaults.c.meeting_id == meeting_id)
                )
            ).first()
        if row is None:
            return VoteDefaults()
        return VoteDefaults(VoteRule(row.rule), TieRule(row.tie), bool(row.require_quorum))

    async def set_defaults(self, meeting_id: MeetingId, defaults: VoteDefaults) -> None:
        values = {
            "rule": defaults.rule.value, "tie": defaults.tie.value,
            "require_quorum": defaults.require_quorum,
        }  # fmt: skip
        async with self.db.begin() as conn:
            done = await conn.execute(
                vote_defaults.update()
                .where(vote_defaults.c.meeting_id == meeting_id)
                .values(values)
            )
            if not done.rowcount:
                await conn.execute(vote_defaults.insert().values(meeting_id=meeting_id, **values))
