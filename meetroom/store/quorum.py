"""The roll in SQL: the quorum rule, its log, attendance marked by hand, and who the
voting members are (from the participants' grants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import MeetingId, ParticipantId
from meetroom.records.floor import (
    AttendanceMark,
    HandMark,
    QuorumChange,
    QuorumKind,
    QuorumRule,
    QuorumState,
)
from meetroom.records.meetings import Grant
from meetroom.store.database import Database
from meetroom.store.meetings import decode_grants
from meetroom.store.schema import attendance_marks, participants, quorum_log, quorum_rules


def _change(row: Any) -> QuorumChange:
    return QuorumChange(
        meeting_id=MeetingId(row.meeting_id), seq=int(row.seq), at=row.at,
        rule=QuorumRule(QuorumKind(row.kind), row.value), present=int(row.present),
        members=int(row.members), required=int(row.required), reached=bool(row.reached),
    )  # fmt: skip


def _mark(row: Any) -> HandMark:
    return HandMark(
        meeting_id=MeetingId(row.meeting_id), participant_id=ParticipantId(row.participant_id),
        state=AttendanceMark(row.state), reason=row.reason, set_by=row.set_by,
        set_by_name=row.set_by_name, set_at=row.set_at,
    )  # fmt: skip


async def _lock_rule(conn: Any, meeting_id: MeetingId, now: datetime) -> None:
    """Hold the meeting's rule row (made with the default rule if missing) until the
    transaction ends: the quorum's log is appended one entry at a time."""
    for attempt in range(2):
        if conn.dialect.name == "postgresql":
            found = await conn.scalar(
                sa.select(quorum_rules.c.meeting_id)
                .where(quorum_rules.c.meeting_id == meeting_id)
                .with_for_update()
            )
        else:  # a write takes SQLite's lock before anything is read
            result = await conn.execute(
                quorum_rules.update()
                .where(quorum_rules.c.meeting_id == meeting_id)
                .values(kind=quorum_rules.c.kind)
            )
            found = result.rowcount or None
        if found is not None or attempt:
            return
        try:
            async with conn.begin_nested():
                await conn.execute(
                    quorum_rules.insert().values(
                        meeting_id=meeting_id,
                        kind=QuorumKind.MAJORITY.value,
                        value=None,
                        updated_at=now,
                    )  # fmt: skip
                )
        except IntegrityError:
            pass  # made meanwhile by another node: lock it on the second pass


class SqlQuorumStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rule(self, meeting_id: MeetingId) -> QuorumRule:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    quorum_rules.select().where(quorum_rules.c.meeting_id == meeting_id)
                )
            ).first()
        return QuorumRule(QuorumKind(row.kind), row.value) if row else QuorumRule()

    async def set_rule(self, meeting_id: MeetingId, rule: QuorumRule, now: datetime) -> None:
        async with self.db.begin() as conn:
            await _lock_rule(conn, meeting_id, now)
            await conn.execute(
                quorum_rules.update()
                .where(quorum_rules.c.meeting_id == meeting_id)
                .values(kind=rule.kind.value, value=rule.value, updated_at=now)
            )

    async def marks(self, meeting_id: MeetingId) -> dict[ParticipantId, HandMark]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                attendance_marks.select().where(attendance_marks.c.meeting_id == meeting_id)
            )
        return {ParticipantId(r.participant_id): _mark(r) for r in rows}

    async def set_mark(self, mark: HandMark) -> None:
        key = sa.and_(
            attendance_marks.c.meeting_id == mark.meeting_id,
            attendance_marks.c.participant_id == mark.participant_id,
        )
        values = {
            "state": mark.state.value, "reason": mark.reason, "set_by": mark.set_by,
            "set_by_name": mark.set_by_name, "set_at": mark.set_at,
        }  # fmt: skip
        async with self.db.begin() as conn:
            # Under the rule's lock, so that two marks of one person end as the later.
            await _lock_rule(conn, mark.meeting_id, mark.set_at)
            done = await conn.execute(attendance_marks.update().where(key).values(values))
            if not done.rowcount:
                await conn.execute(
                    attendance_marks.insert().values(
                        meeting_id=mark.meeting_id, participant_id=mark.participant_id, **values
                    )
                )

    async def log(
        self, meeting_id: MeetingId, state: QuorumState, at: datetime
    ) -> QuorumChange | None:
        async with self.db.begin() as conn:
            await _lock_rule(conn, meeting_id, at)
            last = (
                await conn.execute(
                    quorum_log.select()
                    .where(quorum_log.c.meeting_id == meeting_id)
                    .order_by(quorum_log.c.seq.desc())
                    .limit(1)
                )
            ).first()
            if last is not None:
                before = _change(last)
                if (before.rule, before.members, before.present, before.required,
                        before.reached) == (state.rule, state.members, state.present,
                                            state.required, state.reached):  # fmt: skip
                    return None
            change = QuorumChange(
                meeting_id=meeting_id, seq=(last.seq + 1) if last else 1, at=at, rule=state.rule,
                present=state.present, members=state.members, required=state.required,
                reached=state.reached,
            )  # fmt: skip
            await conn.execute(
                quorum_log.insert().values(
                    meeting_id=meeting_id,
                    seq=change.seq,
                    at=at,
                    kind=state.rule.kind.value,
                    value=state.rule.value,
                    present=state.present,
                    members=state.members,
                    required=state.required,
                    reached=state.reached,
                )  # fmt: skip
            )
        return change

    async def changes(self, meeting_id: MeetingId) -> list[QuorumChange]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                quorum_log.select()
                .where(quorum_log.c.meeting_id == meeting_id)
                .order_by(quorum_log.c.seq)
            )
        return [_change(r) for r in rows]


class SqlVotingMembers:
    """The floor's view of the participants' table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def voting_members(self, meeting_id: MeetingId) -> frozenset[ParticipantId]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                sa.select(participants.c.id, participants.c.grants).where(
                    participants.c.meeting_id == meeting_id
                )
            )
        return frozenset(
            ParticipantId(r.id) for r in rows if Grant.CAN_VOTE in decode_grants(r.grants)
        )

    async def is_participant(self, meeting_id: MeetingId, participant_id: ParticipantId) -> bool:
        async with self.db.connect() as conn:
            found = await conn.scalar(
                sa.select(participants.c.id).where(
                    participants.c.meeting_id == meeting_id, participants.c.id == participant_id
                )
            )
        return found is not None
