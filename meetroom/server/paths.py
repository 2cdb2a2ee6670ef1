"""The ids in URL paths, typed: every route names an id's parameter the same way
(`{meeting_id}`, `{room_id}`, ...), so handlers ask for the type and get the value."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import TypeVar

from aiohttp import web

from meetroom.ids import (
    AgendaItemId,
    DocumentId,
    GroupId,
    MeetingId,
    ParticipantId,
    RoomId,
    UserId,
    VoteId,
)
from meetroom.records.minutes import ActionItemId

IdT = TypeVar("IdT", bound=str)

# Id type -> the name of its path parameter in the routes.
PARAMETER: MappingProxyType[object, str] = MappingProxyType({
    MeetingId: "meeting_id",
    ParticipantId: "participant_id",
    AgendaItemId: "item_id",
    DocumentId: "document_id",
    RoomId: "room_id",
    UserId: "user_id",
    GroupId: "group_id",
    VoteId: "vote_id",
    ActionItemId: "action_id",
})  # fmt: skip


def path_id(request: web.Request, kind: Callable[[str], IdT]) -> IdT:
    """`path_id(request, MeetingId)`: the `{meeting_id}` of the request's path."""
    return kind(request.match_info[PARAMETER[kind]])
