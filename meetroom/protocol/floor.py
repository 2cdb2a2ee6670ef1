"""The floor over the meeting WebSocket: asking to speak, the chair's queue, speaking
time, the quorum, and the microphone that follows the floor (see
`meetroom.sessions.floor`).

Every client gets the whole floor (`floor`) on joining and after every change, with
its version: a client keeps the highest version it has seen, so an older one arriving
late through another node changes nothing. Times are ISO 8601 in UTC; `now` is the
server's clock when the message was made, for the countdowns to correct the client's
own clock."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from meetroom.protocol.live import ClientMessage, Id, ServerMessage

Kind = Literal["ordinary", "point_of_order", "for", "against"]
Seconds = Annotated[int, msgspec.Meta(ge=0, le=24 * 3600)]
Subject = Annotated[str, msgspec.Meta(max_length=200)]
UNSET = msgspec.UNSET  # a field left out (FloorGive.limit: the default)

# -- client to server --------------------------------------------------------------------


class FloorAsk(ClientMessage, tag="floor_ask"):
    """Ask to speak. `client_id`: chosen by the client, so that a resend (a double tap,
    a reconnection) is the same request. `mic_consent`: MeetRoom may open their
    microphone in the video when they get the floor."""

    client_id: Id
    kind: Kind = "ordinary"
    subject: Subject = ""  # of a point of order (required there)
    agenda_item_id: Id | None = None
    mic_consent: bool = False


class FloorWithdraw(ClientMessage, tag="floor_withdraw"):
    """Take one's own request back (the chair: remove anyone's)."""

    request_id: Id


class FloorGive(ClientMessage, tag="floor_give"):
    """The chair gives the floor: to `request_id`, or to the next in the queue.
    `limit`: seconds for this speech (null: no limit); left out: the meeting's default."""

    request_id: Id | None = None
    limit: Seconds | None | msgspec.UnsetType = msgspec.UNSET


class FloorEnd(ClientMessage, tag="floor_end"):
    """The chair ends the current speech."""


class FloorRemove(ClientMessage, tag="floor_remove"):
    request_id: Id


class FloorReorder(ClientMessage, tag="floor_reorder"):
    """The chair's new order of the waiting requests (all of them, first first)."""

    order: Annotated[list[Id], msgspec.Meta(max_length=1000)]


class FloorListClosed(ClientMessage, tag="floor_list"):
    """The chair closes the list of speakers (only points of order are taken) or
    reopens it."""

    closed: bool


class FloorTime(ClientMessage, tag="floor_time"):
    """The chair changes the current speech's time (null: no limit)."""

    seconds: Seconds | None


class FloorSettings(ClientMessage, tag="floor_settings"):
    """The meeting's default speaking time and the requests a person may make per
    agenda item (null: no limit)."""

    default_limit: Seconds | None
    per_person_limit: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None


FloorClientMessages = (
    FloorAsk | FloorWithdraw | FloorGive | FloorEnd | FloorRemove | FloorReorder
    | FloorListClosed | FloorTime | FloorSettings
)  # fmt: skip


# -- server to client --------------------------------------------------------------------


class SpeakerView(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    person: str  # "p:<participant id>", as `Welcome.you`
    name: str
    kind: Kind
    asked_at: str
    position: int = 0  # in the queue, 1 first; 0 for the speaker
    subject: str = ""
    agenda_item_id: str | None = None
    mic_consent: bool = False


class FloorView(ServerMessage, tag="floor"):
    """The whole floor after a change (`action`, empty on joining)."""

    version: int
    now: str
    queue: list[SpeakerView] = []
    current: SpeakerView | None = None
    started_at: str | None = None  # of the current speech
    limit: int | None = None  # seconds of the current speech (null: no limit)
    default_limit: int | None = None
    per_person_limit: int | None = None
    list_closed: bool = False
    warning_seconds: int = 30  # the countdown warns this long before the end
    action: str = ""


class QuorumView(ServerMessage, tag="quorum"):
    """The live quorum: voting members present of all, and how many are required.
    `at`: when the server computed it (ISO 8601 UTC, to the microsecond): a client keeps
    the latest, as one computed earlier may arrive later (through another node)."""

    rule: str
    members: int
    present: int
    required: int
    reached: bool
    at: str = ""
    value: int | None = None  # N, for the rule "at_least"


class FloorAsked(ServerMessage, tag="floor_asked"):
    """The reply to `floor_ask`: the request is stored (again the same one for a
    repeated `client_id`)."""

    client_id: str
    request_id: str
    position: int


class FloorMic(ServerMessage, tag="floor_mic"):
    """To the speaker's devices: "open" their microphone in the video (they consented),
    "ask" them to unmute (they did not), or "close" it (their speech ended)."""

    action: Literal["open", "close", "ask"]
