"""The floor and the quorum as the clients get them (`protocol.floor`): the whole floor
after each change, and the quorum, each encoded once for every client."""

from __future__ import annotations

from datetime import datetime

from meetroom.protocol import floor as f
from meetroom.records.floor import FloorState, QuorumState, RequestStatus, SpeakerRequest
from meetroom.sessions.floor.timer import WARNING_SECONDS


def iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def speaker_view(request: SpeakerRequest) -> f.SpeakerView:
    return f.SpeakerView(
        id=request.id, person=f"p:{request.participant_id}", name=request.name,
        kind=request.kind.value, asked_at=iso(request.asked_at) or "",
        position=request.position if request.status is RequestStatus.WAITING else 0,
        subject=request.subject, agenda_item_id=request.agenda_item_id,
        mic_consent=request.mic_consent,
    )  # fmt: skip


def floor_view(state: FloorState, now: datetime, action: str = "") -> f.FloorView:
    current = state.current
    return f.FloorView(
        version=state.version, now=iso(now) or "",
        queue=[speaker_view(r) for r in state.queue],
        current=speaker_view(current) if current is not None else None,
        started_at=iso(state.speech_started_at) if current is not None else None,
        limit=state.speech_limit if current is not None else None,
        default_limit=state.default_limit, per_person_limit=state.per_person_limit,
        list_closed=state.list_closed, warning_seconds=WARNING_SECONDS, action=action,
    )  # fmt: skip


def quorum_view(state: QuorumState, at: datetime) -> f.QuorumView:
    return f.QuorumView(
        rule=state.rule.kind.value, value=state.rule.value, members=state.members,
        present=state.present, required=state.required, reached=state.reached,
        at=stamp(at),
    )  # fmt: skip


def stamp(at: datetime) -> str:
    """To the microsecond, always: clients compare these as strings."""
    return at.isoformat(timespec="microseconds").replace("+00:00", "Z")
