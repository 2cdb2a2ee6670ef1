"""The speakers' queue as a state machine: each step takes the floor's state and gives
the next one (with its version one higher) and the event to tell, or refuses with an
error. Pure: no store, no clock, no rights (the service checks who may do what).

Rules:
- one open request (waiting or speaking) per person; a repeated client id is the same
  request (a double tap, a resend after reconnecting), from whoever sent it first;
- a point of order goes to the top, after the points of order already waiting there,
  in the order asked; it needs a subject, and is taken even when the list is closed
  and beyond the per-item limit (it is about the procedure, not the item);
- the per-item limit counts a person's requests on the agenda item that were not
  withdrawn or removed (waiting, speaking or done);
- giving the floor while someone speaks ends their speech first (its log entry is
  made), as the chair's "next speaker" button means;
- withdrawing, removing or ending what is already closed changes nothing (a repeated
  tap); nobody is cut off when their time is up: the chair ends the speech."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from datetime import datetime

from meetroom.errors import N_, Conflict, Invalid, NotFound
from meetroom.ids import AgendaItemId, ParticipantId
from meetroom.records.floor import (
    FloorAction,
    FloorEvent,
    FloorState,
    Outcome,
    RequestStatus,
    SpeakerRequest,
    Speech,
    SpeechKind,
)

SUBJECT_MAX = 200
LIMIT_RANGE = (10, 4 * 3600)  # seconds of a speech
PER_PERSON_RANGE = (1, 100)
CLIENT_ID_MAX = 64


def _unchanged(state: FloorState, request: SpeakerRequest | None = None) -> Outcome:
    return Outcome(state, None, request)


def _next(
    state: FloorState,
    action: FloorAction,
    now: datetime,
    *,
    request: SpeakerRequest | None = None,
    speech: Speech | None = None,
    **changes: object,
) -> Outcome:
    new = dataclasses.replace(state, version=state.version + 1, updated_at=now, **changes)  # type: ignore[arg-type]
    if request is not None:
        request = new.get(request.id) or request
    return Outcome(new, FloorEvent(action, new.version, request, speech), request, speech)


def _replace(
    requests: Sequence[SpeakerRequest], changed: Sequence[SpeakerRequest]
) -> tuple[SpeakerRequest, ...]:
    by_id = {r.id: r for r in changed}
    known = {r.id for r in requests}
    return tuple(by_id.get(r.id, r) for r in requests) + tuple(
        r for r in changed if r.id not in known
    )


def _renumbered(queue: Sequence[SpeakerRequest]) -> list[SpeakerRequest]:
    """The waiting requests in this order, positions 1..n."""
    return [
        r if r.position == i else dataclasses.replace(r, position=i)
        for i, r in enumerate(queue, start=1)
    ]


def _find(state: FloorState, request_id: str) -> SpeakerRequest:
    found = state.get(request_id)
    if found is None:
        raise NotFound("request_not_found", N_("This request to speak does not exist."))
    return found


def ask(
    state: FloorState,
    *,
    request_id: str,
    client_id: str,
    participant_id: ParticipantId,
    name: str,
    kind: SpeechKind,
    subject: str = "",
    agenda_item_id: AgendaItemId | None = None,
    mic_consent: bool = False,
    now: datetime,
) -> Outcome:
    """A participant asks to speak. `request_id` is the new request's id, used only if
    `client_id` is new."""
    if not 1 <= len(client_id) <= CLIENT_ID_MAX:
        raise Invalid("bad_client_id", N_("The request's client id is missing or too long."))
    for earlier in state.requests:
        if earlier.client_id == client_id:
            if earlier.participant_id != participant_id:
                raise Conflict("client_id_taken", N_("This client id is already used."))
            return _unchanged(state, earlier)
    subject = subject.strip()
    if kind is SpeechKind.POINT_OF_ORDER:
        if not subject:
            raise Invalid("subject_missing", N_("A point of order needs a short subject."))
        if len(subject) > SUBJECT_MAX:
            raise Invalid(
                "subject_too_long",
                N_("The subject may have at most {most} characters."),
                most=SUBJECT_MAX,
            )
    else:
        subject = ""
        if state.list_closed:
            raise Conflict("list_closed", N_("The list of speakers is closed."))
    mine = [r for r in state.requests if r.participant_id == participant_id]
    for r in mine:
        if r.is_open:
            raise Conflict(
                "already_asked",
                N_("You have already asked to speak."),
                details={"request_id": r.id},
            )
    limit = state.per_person_limit
    if limit is not None and kind is not SpeechKind.POINT_OF_ORDER:
        counted = [
            r for r in mine
            if r.agenda_item_id == agenda_item_id and r.kind is not SpeechKind.POINT_OF_ORDER
            and r.status not in (RequestStatus.WITHDRAWN, RequestStatus.REMOVED)
        ]  # fmt: skip
        if len(counted) >= limit:
            raise Conflict(
                "request_limit",
                N_("You may ask to speak at most {limit} times on this item."),
                limit=limit,
            )
    new = SpeakerRequest(
        id=request_id, client_id=client_id, meeting_id=state.meeting_id,
        participant_id=participant_id, name=name, kind=kind, subject=subject,
        agenda_item_id=agenda_item_id, asked_at=now, mic_consent=mic_consent, position=0,
    )  # fmt: skip
    queue = state.queue
    at = len(queue)
    if kind is SpeechKind.POINT_OF_ORDER:
        at = 0
        while at < len(queue) and queue[at].kind is SpeechKind.POINT_OF_ORDER:
            at += 1
    queue.insert(at, new)
    requests = _replace(state.requests, _renumbered(queue))
    return _next(state, FloorAction.ASKED, now, request=new, requests=requests)


def _close(
    state: FloorState,
    request_id: str,
    status: RequestStatus,
    action: FloorAction,
    now: datetime,
) -> Outcome:
    request = _find(state, request_id)
    if request.status is RequestStatus.SPEAKING:
        raise Conflict("request_speaking", N_("This person has the floor: end the speech instead."))
    if request.status is not RequestStatus.WAITING:
        return _unchanged(state, request)
    closed = dataclasses.replace(request, status=status, closed_at=now)
    queue = [r for r in state.queue if r.id != request_id]
    requests = _replace(state.requests, [closed, *_renumbered(queue)])
    return _next(state, action, now, request=closed, requests=requests)


def withdraw(state: FloorState, request_id: str, now: datetime) -> Outcome:
    """The person who asked takes their request back (the service checks it is theirs)."""
    return _close(state, request_id, RequestStatus.WITHDRAWN, FloorAction.WITHDRAWN, now)


def remove(state: FloorState, request_id: str, now: datetime) -> Outcome:
    """The chair takes a request off the queue."""
    return _close(state, request_id, RequestStatus.REMOVED, FloorAction.REMOVED, now)


def reorder(state: FloorState, order: Sequence[str], now: datetime) -> Outcome:
    """The chair puts the waiting requests in this order: all of them, each once; a
    queue that changed meanwhile is refused, so that the chair sees it first."""
    queue = state.queue
    if sorted(order) != sorted(r.id for r in queue) or len(set(order)) != len(order):
        raise Conflict(
            "queue_changed",
            N_("The list of speakers changed meanwhile; look at it again."),
            details={"version": state.version},
        )
    if list(order) == [r.id for r in queue]:
        return _unchanged(state)
    by_id = {r.id: r for r in queue}
    requests = _replace(state.requests, _renumbered([by_id[i] for i in order]))
    return _next(state, FloorAction.REORDERED, now, requests=requests)


def set_list_closed(state: FloorState, closed: bool, now: datetime) -> Outcome:
    if state.list_closed == closed:
        return _unchanged(state)
    action = FloorAction.CLOSED if closed else FloorAction.REOPENED
    return _next(state, action, now, list_closed=closed)


def _check_range(value: int | None, bounds: tuple[int, int], code: str, message: str) -> None:
    low, high = bounds
    if value is not None and not low <= value <= high:
        raise Invalid(code, message, low=low, high=high)


def _check_limit(seconds: int | None) -> None:
    _check_range(
        seconds, LIMIT_RANGE, "bad_speaking_time",
        N_("Speaking time is between {low} and {high} seconds."),
    )  # fmt: skip


def set_settings(
    state: FloorState, default_limit: int | None, per_person_limit: int | None, now: datetime
) -> Outcome:
    """The meeting's default speaking time and the per-item limit of requests per
    person (None: no limit); a speech under way keeps its time."""
    _check_limit(default_limit)
    _check_range(
        per_person_limit, PER_PERSON_RANGE, "bad_request_limit",
        N_("The limit of requests per person is between {low} and {high}."),
    )  # fmt: skip
    if (state.default_limit, state.per_person_limit) == (default_limit, per_person_limit):
        return _unchanged(state)
    return _next(
        state, FloorAction.SETTINGS, now,
        default_limit=default_limit, per_person_limit=per_person_limit,
    )  # fmt: skip


def _ended(state: FloorState, now: datetime) -> tuple[tuple[SpeakerRequest, ...], Speech | None]:
    """The requests with the current speech done, and its log entry."""
    current = state.current
    if current is None or state.speech_started_at is None:
        return state.requests, None
    seconds = max(0, int((now - state.speech_started_at).total_seconds()))
    limit = state.speech_limit
    speech = Speech(
        meeting_id=state.meeting_id, request_id=current.id,
        participant_id=current.participant_id, name=current.name,
        agenda_item_id=current.agenda_item_id, kind=current.kind,
        started_at=state.speech_started_at, seconds=seconds, limit=limit,
        overrun=max(0, seconds - limit) if limit is not None else 0,
    )  # fmt: skip
    done = dataclasses.replace(current, status=RequestStatus.DONE, closed_at=now)
    return _replace(state.requests, [done]), speech


def end(state: FloorState, now: datetime) -> Outcome:
    """The chair ends the current speech (nobody speaking: nothing changes)."""
    requests, speech = _ended(state, now)
    if speech is None:
        return _unchanged(state)
    return _next(
        state, FloorAction.ENDED, now, request=state.current, speech=speech,
        requests=requests, current_id=None, speech_started_at=None, speech_limit=None,
    )  # fmt: skip


class Default(enum.Enum):
    """The meeting's default speaking time, where a limit is left out."""

    DEFAULT = "default"


DEFAULT = Default.DEFAULT


def give(
    state: FloorState,
    request_id: str | None,
    now: datetime,
    limit: int | None | Default = DEFAULT,
) -> Outcome:
    """Give the floor to a waiting request (None: the first in the queue), for `limit`
    seconds (None: no limit; left out: the meeting's default)."""
    if not isinstance(limit, Default):
        _check_limit(limit)
    if request_id is None:
        queue = state.queue
        if not queue:
            raise Conflict("queue_empty", N_("Nobody is waiting to speak."))
        chosen = queue[0]
    else:
        chosen = _find(state, request_id)
        if chosen.status is RequestStatus.SPEAKING:
            return _unchanged(state, chosen)
        if chosen.status is not RequestStatus.WAITING:
            raise Conflict("request_closed", N_("This request to speak is no longer open."))
    requests, speech = _ended(state, now)
    speaking = dataclasses.replace(chosen, status=RequestStatus.SPEAKING)
    rest = [r for r in state.queue if r.id != chosen.id]
    requests = _replace(requests, [speaking, *_renumbered(rest)])
    seconds = state.default_limit if isinstance(limit, Default) else limit
    return _next(
        state, FloorAction.GIVEN, now, request=speaking, speech=speech, requests=requests,
        current_id=speaking.id, speech_started_at=now, speech_limit=seconds,
    )  # fmt: skip


def set_speech_limit(state: FloorState, seconds: int | None, now: datetime) -> Outcome:
    """The chair gives the current speaker more (or less) time, or no limit."""
    if state.current is None:
        raise Conflict("nobody_speaking", N_("Nobody has the floor."))
    _check_limit(seconds)
    if state.speech_limit == seconds:
        return _unchanged(state)
    return _next(state, FloorAction.TIME_CHANGED, now, request=state.current, speech_limit=seconds)
