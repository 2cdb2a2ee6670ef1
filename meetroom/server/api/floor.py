"""The speakers' queue and the speech log over the API. Every change goes through the
live floor (`services.floor`), which tells every socket client of the meeting, on
every node, as the meeting socket's own messages do; the floor's service checks who
may do it (the chair's actions need the `moderator` grant)."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from meetroom.errors import N_, NotFound
from meetroom.ids import AgendaItemId, MeetingId, new_id
from meetroom.protocol.codec import UNSET
from meetroom.protocol.floor_api import (
    AskIn,
    FloorOut,
    FloorSettingsIn,
    GiveIn,
    OrderIn,
    SpeakerOut,
    SpeechLog,
    SpeechOut,
)
from meetroom.records.floor import FloorState, RequestStatus, SpeakerRequest, SpeechKind
from meetroom.server.api.registry import Endpoint, json_response
from meetroom.server.context import principal, services
from meetroom.server.csv_files import csv_attachment, csv_cell
from meetroom.server.floor_access import floor_actor
from meetroom.server.paths import path_id
from meetroom.sessions.floor.queue import DEFAULT
from meetroom.sessions.floor.timer import WARNING_SECONDS


def speaker_out(r: SpeakerRequest) -> SpeakerOut:
    return SpeakerOut(
        id=r.id, participant_id=r.participant_id, name=r.name, kind=r.kind.value,
        subject=r.subject, agenda_item_id=r.agenda_item_id, asked_at=r.asked_at,
        status=r.status.value, position=r.position if r.status is RequestStatus.WAITING else 0,
        mic_consent=r.mic_consent, closed_at=r.closed_at,
    )  # fmt: skip


def floor_out(state: FloorState, request: web.Request) -> FloorOut:
    current = state.current
    closed = (r for r in state.requests if not r.is_open)
    done = sorted(closed, key=lambda r: (r.closed_at or r.asked_at, r.id))
    return FloorOut(
        meeting_id=state.meeting_id, version=state.version,
        now=services(request).meetings.clock.now(),
        current=speaker_out(current) if current is not None else None,
        started_at=state.speech_started_at if current is not None else None,
        limit=state.speech_limit if current is not None else None,
        queue=[speaker_out(r) for r in state.queue], done=[speaker_out(r) for r in done],
        list_closed=state.list_closed, default_limit=state.default_limit,
        per_person_limit=state.per_person_limit, warning_seconds=WARNING_SECONDS,
    )  # fmt: skip


async def get_speakers(request: web.Request) -> FloorOut:
    svc = services(request)
    access = await svc.meetings.open(principal(request), path_id(request, MeetingId))
    return floor_out(await svc.floor.floor.state(access.meeting.id), request)


async def ask(request: web.Request, body: AskIn) -> web.Response:
    """201 with the new request; 200 with the same one for a repeated `client_id`."""
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    outcome = await services(request).floor.ask(
        actor, meeting_id, client_id=body.client_id or new_id(), kind=SpeechKind(body.kind),
        subject=body.subject, mic_consent=body.mic_consent,
        agenda_item_id=AgendaItemId(body.agenda_item_id) if body.agenda_item_id else None,
    )  # fmt: skip
    assert outcome.request is not None
    return json_response(speaker_out(outcome.request), 201 if outcome.changed else 200)


async def withdraw(request: web.Request) -> None:
    """The person who asked withdraws; the chair removes someone else's request."""
    svc = services(request)
    request_id = request.match_info["request_id"]
    meeting_id = await svc.floor.floor.store.meeting_of(request_id)
    if meeting_id is None:
        raise NotFound("request_not_found", N_("No such request to speak."))
    actor = await floor_actor(request, meeting_id)
    await svc.floor.withdraw(actor, meeting_id, request_id)


async def give(request: web.Request, body: GiveIn) -> FloorOut:
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    limit = DEFAULT if body.limit is UNSET else body.limit
    outcome = await services(request).floor.give(actor, meeting_id, body.request_id, limit)
    return floor_out(outcome.state, request)


async def end(request: web.Request) -> FloorOut:
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    return floor_out((await services(request).floor.end(actor, meeting_id)).state, request)


async def reorder(request: web.Request, body: OrderIn) -> FloorOut:
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    outcome = await services(request).floor.reorder(actor, meeting_id, body.order)
    return floor_out(outcome.state, request)


async def settings(request: web.Request, body: FloorSettingsIn) -> FloorOut:
    """The fields given, all or nothing: the settings, the list, the current speech's
    time (one refused: none is changed)."""
    svc = services(request)
    meeting_id = path_id(request, MeetingId)
    actor = await floor_actor(request, meeting_id)
    outcome = await svc.floor.adjust(
        actor, meeting_id,
        default_limit=DEFAULT if body.default_limit is UNSET else body.default_limit,
        per_person_limit=DEFAULT if body.per_person_limit is UNSET else body.per_person_limit,
        list_closed=None if body.list_closed is UNSET else body.list_closed,
        speech_limit=DEFAULT if body.speech_limit is UNSET else body.speech_limit,
    )  # fmt: skip
    return floor_out(outcome.state, request)


async def speeches(request: web.Request) -> SpeechLog:
    svc = services(request)
    who = principal(request)
    access = await svc.meetings.open(who, path_id(request, MeetingId))
    meeting_id = access.meeting.id
    titles = {item.id: item.title for item in await svc.agenda.items(who, meeting_id)}
    return SpeechLog(
        meeting_id=meeting_id,
        speeches=[
            SpeechOut(
                request_id=s.request_id,
                participant_id=s.participant_id,
                name=s.name,
                agenda_item_id=s.agenda_item_id,
                agenda_item_title=titles.get(s.agenda_item_id, "") if s.agenda_item_id else "",
                kind=s.kind.value,
                started_at=s.started_at,
                seconds=s.seconds,
                limit=s.limit,
                overrun=s.overrun,
            )  # fmt: skip
            for s in await svc.floor.floor.speeches(meeting_id)
        ],
    )


CSV_HEADER = ["name", "agenda_item", "kind", "started_at", "seconds", "limit", "overrun"]


async def speeches_csv(request: web.Request) -> web.Response:
    log = await speeches(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for s in log.speeches:
        writer.writerow(
            [
                csv_cell(s.name), csv_cell(s.agenda_item_title), s.kind,
                s.started_at.isoformat(timespec="seconds"), s.seconds,
                "" if s.limit is None else s.limit, s.overrun,
            ]
        )  # fmt: skip
    return csv_attachment(out.getvalue(), f"speeches-{log.meeting_id}.csv")


M = "/api/meetings/{meeting_id}"
ENDPOINTS = [
    Endpoint(
        "GET",
        M + "/speakers",
        get_speakers,
        "The floor: the current speaker and their time, the queue in order, the settings "
        "(the meeting's participants)",
        "floor",
        response=FloorOut,
    ),
    Endpoint(
        "POST",
        M + "/speakers",
        ask,
        "Ask to speak (a participant; not an observer). A repeated client_id answers "
        "200 with the same request",
        "floor",
        body=AskIn,
        response=SpeakerOut,
        status=201,
        also={200: SpeakerOut},
    ),
    Endpoint(
        "DELETE",
        "/api/speakers/{request_id}",
        withdraw,
        "Withdraw one's own request to speak; the chair removes anyone's",
        "floor",
        status=204,
        errors=(409,),
        path_schemas={"request_id": {"type": "string", "minLength": 1, "maxLength": 64}},
    ),
    Endpoint(
        "POST",
        M + "/floor/give",
        give,
        "Give the floor (the chair): to request_id, or the next in the queue",
        "floor",
        body=GiveIn,
        response=FloorOut,
    ),
    Endpoint(
        "POST",
        M + "/floor/end",
        end,
        "End the current speech (the chair); it goes into the speech log",
        "floor",
        response=FloorOut,
    ),
    Endpoint(
        "PUT",
        M + "/speakers/order",
        reorder,
        "Reorder the queue (the chair): every waiting request's id, first first",
        "floor",
        body=OrderIn,
        response=FloorOut,
    ),
    Endpoint(
        "PUT",
        M + "/floor",
        settings,
        "Close or reopen the list, change the current speech's time, the default time "
        "and the requests per person and agenda item (the chair)",
        "floor",
        body=FloorSettingsIn,
        response=FloorOut,
    ),
    Endpoint(
        "GET",
        M + "/speeches",
        speeches,
        "The speech log: who spoke, on which agenda item, when, how long, the overrun",
        "floor",
        response=SpeechLog,
    ),
    Endpoint(
        "GET",
        M + "/speeches.csv",
        speeches_csv,
        "The speech log as CSV (UTF-8)",
        "floor",
        media_type="text/csv",
    ),
]
