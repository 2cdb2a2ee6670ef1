"""Join links in SQL: each participant's live link (its token's digest and nonce), and
the revoked ones, kept so that following them says why they no longer work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.meetings import JoinLink
from meetroom.store.database import Database
from meetroom.store.schema import join_links


def _link(row: Any) -> JoinLink:
    return JoinLink(
        token_hash=row.token_hash,
        meeting_id=MeetingId(row.meeting_id),
        participant_id=ParticipantId(row.participant_id) if row.participant_id else None,
        nonce=row.nonce,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _values(link: JoinLink) -> dict[str, Any]:
    return {
        "token_hash": link.token_hash,
        "meeting_id": link.meeting_id,
        "participant_id": link.participant_id,
        "nonce": link.nonce,
        "created_at": link.created_at,
        "revoked_at": link.revoked_at,
    }


class SqlJoinLinkStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def live_links(self, meeting_id: MeetingId) -> list[JoinLink]:
        """The meeting's links that work (one per participant at most)."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(join_links).where(
                    join_links.c.meeting_id == meeting_id,
                    join_links.c.participant_id.is_not(None),
                )
            )
            return [_link(r) for r in rows]

    async def add_link(self, link: JoinLink) -> bool:
        """False if the participant has a live link already (made meanwhile elsewhere)."""
        try:
            async with self.db.begin() as conn:
                await conn.execute(join_links.insert().values(_values(link)))
        except IntegrityError:
            return False
        return True

    async def replace_link(self, link: JoinLink, now: datetime) -> None:
        """Revoke the participant's live link, if any, and make `link` the live one, in
        one transaction: the old token stops working on every node at once."""
        assert link.participant_id is not None
        async with self.db.begin() as conn:
            await conn.execute(
                join_links.update()
                .where(join_links.c.participant_id == link.participant_id)
                .values(participant_id=None, nonce=None, revoked_at=now)
            )
            await conn.execute(join_links.insert().values(_values(link)))

    async def find_link(self, token_hash: str) -> JoinLink | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(join_links).where(join_links.c.token_hash == token_hash)
                )
            ).first()
        return _link(row) if row else None
