"""The floor in SQL: its state (one row per meeting), the requests to speak and the
speech log.

Every change runs in one transaction holding the meeting's `floor_state` row (SELECT
… FOR UPDATE on PostgreSQL; on SQLite a write to it first, which takes the database's
write lock): so changes of one meeting's floor happen one at a time on every node
sharing the database, each seeing the one before, and two delegates asking at the same
instant are queued in the order the database granted the lock. The domain's rules
(one open request per person, a client id once per meeting) are also constraints
here, so that nothing that skipped the lock can break them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from meetroom.ids import AgendaItemId, MeetingId, ParticipantId
from meetroom.records.floor import (
    FloorState,
    Outcome,
    RequestStatus,
    SpeakerRequest,
    Speech,
    SpeechKind,
)
from meetroom.store.database import Database
from meetroom.store.schema import floor_state, speaker_requests, speeches

logger = logging.getLogger(__name__)


def _request(row: Any) -> SpeakerRequest:
    return SpeakerRequest(
        id=row.id, client_id=row.client_id, meeting_id=MeetingId(row.meeting_id),
        participant_id=ParticipantId(row.participant_id), name=row.name,
        kind=SpeechKind(row.kind), subject=row.subject,
        agenda_item_id=AgendaItemId(row.agenda_item_id) if row.agenda_item_id else None,
        asked_at=row.asked_at, mic_consent=bool(row.mic_consent), position=int(row.position),
        status=RequestStatus(row.status), closed_at=row.closed_at,
    )  # fmt: skip


def _request_values(r: SpeakerRequest) -> dict[str, Any]:
    return {
        "id": r.id, "meeting_id": r.meeting_id, "client_id": r.client_id,
        "participant_id": r.participant_id, "name": r.name, "kind": r.kind.value,
        "subject": r.subject, "agenda_item_id": r.agenda_item_id, "asked_at": r.asked_at,
        "mic_consent": r.mic_consent, "position": r.position, "status": r.status.value,
        "closed_at": r.closed_at,
    }  # fmt: skip


def _speech(row: Any) -> Speech:
    return Speech(
        meeting_id=MeetingId(row.meeting_id), request_id=row.request_id,
        participant_id=ParticipantId(row.participant_id), name=row.name,
        agenda_item_id=AgendaItemId(row.agenda_item_id) if row.agenda_item_id else None,
        kind=SpeechKind(row.kind), started_at=row.started_at, seconds=int(row.seconds),
        limit=row.limit_seconds, overrun=int(row.overrun),
    )  # fmt: skip


def _state_values(s: FloorState) -> dict[str, Any]:
    return {
        "version": s.version, "current_id": s.current_id,
        "speech_started_at": s.speech_started_at, "speech_limit": s.speech_limit,
        "default_limit": s.default_limit, "per_person_limit": s.per_person_limit,
        "list_closed": s.list_closed, "updated_at": s.updated_at,
    }  # fmt: skip


async def _read(conn: Any, meeting_id: MeetingId, lock: bool) -> FloorState:
    query = floor_state.select().where(floor_state.c.meeting_id == meeting_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    rows = await conn.execute(
        speaker_requests.select()
        .where(speaker_requests.c.meeting_id == meeting_id)
        .order_by(speaker_requests.c.asked_at, speaker_requests.c.id)
    )
    requests = tuple(_request(r) for r in rows)
    if row is None:
        return FloorState(meeting_id=meeting_id, requests=requests)
    return FloorState(
        meeting_id=meeting_id, version=int(row.version), requests=requests,
        current_id=row.current_id, speech_started_at=row.speech_started_at,
        speech_limit=row.speech_limit, default_limit=row.default_limit,
        per_person_limit=row.per_person_limit, list_closed=bool(row.list_closed),
        updated_at=row.updated_at,
    )  # fmt: skip


async def _lock(conn: Any, meeting_id: MeetingId) -> None:
    """Make the meeting's floor row if it has none, and (SQLite) take the write lock
    before reading anything: a read first would be refused on upgrading to a write if
    another node wrote meanwhile."""
    if conn.dialect.name == "sqlite":
        done = await conn.execute(
            floor_state.update()
            .where(floor_state.c.meeting_id == meeting_id)
            .values(version=floor_state.c.version)
        )
        if done.rowcount:
            return
    else:
        found = await conn.scalar(
            sa.select(floor_state.c.meeting_id)
            .where(floor_state.c.meeting_id == meeting_id)
            .with_for_update()
        )
        if found is not None:
            return
    try:
        async with conn.begin_nested():
            await conn.execute(
                floor_state.insert().values(
                    meeting_id=meeting_id, **_state_values(FloorState(meeting_id=meeting_id))
                )
            )
    except IntegrityError:
        pass  # another node's first change made the row meanwhile: wait for its lock
    if conn.dialect.name == "postgresql":
        await conn.execute(
            sa.select(floor_state.c.meeting_id)
            .where(floor_state.c.meeting_id == meeting_id)
            .with_for_update()
        )


class SqlFloorStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, meeting_id: MeetingId) -> FloorState:
        # One transaction, so that the state row and the requests agree.
        async with self.db.begin() as conn:
            return await _read(conn, meeting_id, lock=False)

    async def change(self, meeting_id: MeetingId, step: Callable[[FloorState], Outcome]) -> Outcome:
        async with self.db.begin() as conn:
            await _lock(conn, meeting_id)
            before = await _read(conn, meeting_id, lock=True)
            outcome = step(before)
            if not outcome.changed:
                return outcome
            after = outcome.state
            await conn.execute(
                floor_state.update()
                .where(floor_state.c.meeting_id == meeting_id)
                .values(_state_values(after))
            )
            await _write_requests(conn, before, after)
            if outcome.speech is not None:
                await conn.execute(speeches.insert().values(_speech_values(outcome.speech)))
        return outcome

    async def meeting_of(self, request_id: str) -> MeetingId | None:
        async with self.db.connect() as conn:
            found = await conn.scalar(
                sa.select(speaker_requests.c.meeting_id).where(speaker_requests.c.id == request_id)
            )
        return MeetingId(found) if found else None

    async def speeches(self, meeting_id: MeetingId) -> list[Speech]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                speeches.select()
                .where(speeches.c.meeting_id == meeting_id)
                .order_by(speeches.c.started_at, speeches.c.request_id)
            )
        return [_speech(r) for r in rows]


def _speech_values(s: Speech) -> dict[str, Any]:
    return {
        "meeting_id": s.meeting_id, "request_id": s.request_id,
        "participant_id": s.participant_id, "name": s.name,
        "agenda_item_id": s.agenda_item_id, "kind": s.kind.value, "started_at": s.started_at,
        "seconds": s.seconds, "limit_seconds": s.limit, "overrun": s.overrun,
    }  # fmt: skip


async def _write_requests(conn: Any, before: FloorState, after: FloorState) -> None:
    """Store the requests that are new or changed. Closing ones first: a request that
    closes and one of the same person that opens in the same change never meet in
    the one-open-request index."""
    changed = [r for r in after.requests if before.get(r.id) != r]
    changed.sort(key=lambda r: r.is_open)
    for r in changed:
        values = _request_values(r)
        if before.get(r.id) is None:
            await conn.execute(speaker_requests.insert().values(values))
        else:
            await conn.execute(
                speaker_requests.update().where(speaker_requests.c.id == r.id).values(values)
            )
