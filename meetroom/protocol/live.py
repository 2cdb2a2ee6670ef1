"""The meeting WebSocket: every message is a Struct in one tagged union per direction
(the `type` field), and the first message of a client is `hello` with the protocol
version it speaks.

Coordinates of strokes and notes are page-relative: x and y from 0 to 1 of the page's
width and height, so that a stroke lands on the same spot at any zoom or screen size.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

PROTOCOL_VERSION = 1
# Bounds the page's script keeps to as well (it gets them with the page data, see
# server/pages/live_protocol.py): points in one stroke, characters in a note or a chat.
MAX_POINTS = 2000
MAX_TEXT = 2000

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
OpId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PageNo = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
Unit = Annotated[float, msgspec.Meta(ge=-0.5, le=1.5)]
Point = tuple[Unit, Unit]
Points = Annotated[list[Point], msgspec.Meta(max_length=MAX_POINTS)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Layer = Literal["shared", "private"]
Tool = Literal["pen", "highlighter", "line", "arrow"]


class Viewport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The visible part of the page: top-left corner (page-relative) and zoom (1 = fit)."""

    x: Unit = 0.0
    y: Unit = 0.0
    zoom: Annotated[float, msgspec.Meta(ge=1.0, le=8.0)] = 1.0


class Where(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A place in the meeting: agenda item, document, page, viewport."""

    document_id: Id | None = None
    page: PageNo = 1
    item_id: Id | None = None
    viewport: Viewport = Viewport()


# -- client to server --------------------------------------------------------------------


class ClientMessage(msgspec.Struct, tag_field="type", forbid_unknown_fields=True):
    pass


class Hello(ClientMessage, tag="hello"):
    version: int
    # The last sequence number this client saw: it receives what came after, once.
    last_seq: int = 0
    # What the client runs on, for the attendance record.
    device: Literal["tablet", "browser"] = "browser"


class Present(ClientMessage, tag="present"):
    """The presenter turns to a place; following tablets go there."""

    where: Where


class Browse(ClientMessage, tag="browse"):
    """Where this client is, and whether it follows the presenter (for presence)."""

    following: bool
    where: Where | None = None


class ForceFollow(ClientMessage, tag="force_follow"):
    """The chair brings every tablet back to the presenter."""


class HandOver(ClientMessage, tag="hand_over"):
    """The chair gives presentation to a participant (or back to the chair with null)."""

    participant_id: Id | None


class TakeOver(ClientMessage, tag="take_over"):
    """An organiser (the chair, the secretary, an admin or secretary account) takes
    presenting over from whoever presents, after confirming it on their page; `where`:
    the place they present at once (where their own page is)."""

    where: Where | None = None


class OpenShared(ClientMessage, tag="open_shared"):
    """The chair lets everyone draw on the shared layer (or not)."""

    open: bool


class StrokeStart(ClientMessage, tag="stroke_start"):
    op_id: OpId
    document_id: Id
    page: PageNo
    layer: Layer
    tool: Tool = "pen"
    color: Color = "#1c2430"
    width: Annotated[float, msgspec.Meta(gt=0, le=0.1)] = 0.003
    points: Points = []


class StrokePoints(ClientMessage, tag="stroke_points"):
    """More points of a stroke being drawn: shown live, stored with the stroke's end."""

    op_id: OpId
    points: Points


class StrokeEnd(ClientMessage, tag="stroke_end"):
    """The pen is lifted: the whole stroke, stored then acknowledged.

    It carries every point, so that a stroke drawn offline (or whose start was lost)
    is complete on its own; `stroke_start`/`stroke_points` only show it being drawn."""

    op_id: OpId
    document_id: Id
    page: PageNo
    layer: Layer
    tool: Tool
    color: Color
    width: Annotated[float, msgspec.Meta(gt=0, le=0.1)]
    points: Annotated[list[Point], msgspec.Meta(min_length=1, max_length=20_000)]


class AddNote(ClientMessage, tag="note"):
    op_id: OpId
    document_id: Id
    page: PageNo
    layer: Layer
    x: Unit
    y: Unit
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]
    color: Color = "#fff4a3"


class Erase(ClientMessage, tag="erase"):
    """Remove a whole stroke or note (one's own, or on the shared layer if allowed)."""

    op_id: OpId
    target: OpId


class Undo(ClientMessage, tag="undo"):
    """Take back one's own last stroke or note that is still there."""

    op_id: OpId


class Redo(ClientMessage, tag="redo"):
    """Bring back what one's own last undo took away."""

    op_id: OpId


class ChatSend(ClientMessage, tag="chat"):
    """A chat message to everyone in the meeting, kept with it."""

    op_id: OpId
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]


class Ping(ClientMessage, tag="ping"):
    pass


class Reference(msgspec.Struct):
    """What an error about a message refers to, read without parsing all of it."""

    type: str | None = None
    op_id: str | None = None


ClientMessages = (
    Hello | Present | Browse | ForceFollow | HandOver | TakeOver | OpenShared | StrokeStart
    | StrokePoints | StrokeEnd | AddNote | Erase | Undo | Redo | ChatSend | Ping
)  # fmt: skip


# -- server to client --------------------------------------------------------------------


class ServerMessage(msgspec.Struct, tag_field="type", omit_defaults=True):
    pass


class Annotation(msgspec.Struct, frozen=True, omit_defaults=True):
    """A stored stroke or note, as every client draws it."""

    op_id: str
    author: str
    document_id: str
    page: int
    layer: Layer
    kind: Literal["stroke", "note"]
    tool: Tool = "pen"
    color: str = "#1c2430"
    width: float = 0.003
    points: list[Point] = []
    x: float = 0.0
    y: float = 0.0
    text: str = ""


class PresenterState(msgspec.Struct, frozen=True, omit_defaults=True):
    where: Where = Where()
    # Who presents, the only one whose page turns move the others: "p:<participant id>"
    # or "u:<user id>" (an organiser's account), as `Welcome.you`; null: nobody (a
    # meeting with neither chair nor secretary, until an organiser takes over).
    presenter: str | None = None
    presenter_name: str = ""
    shared_open: bool = False
    # Bumped by "everyone back to the presenter".
    follow_epoch: int = 0
    # The presenter shows a document this client may not see: `where` is left out (the
    # page says so instead of following). Only in what is sent, never stored.
    hidden: bool = False


class Welcome(ServerMessage, tag="welcome"):
    version: int
    you: str
    name: str
    role: str
    grants: list[str]
    state: PresenterState
    # The meeting's sequence number when the replay below ends.
    seq: int
    # True: the events after `hello.last_seq` follow. False: the client starts afresh
    # from `annotations`, the visible annotations now (also when it asked to resume
    # from further back than the server replays: see sessions/live/snapshot.py).
    resumed: bool = False
    annotations: list[Annotation] = []
    # True: more of the visible annotations follow, in `annotations_page` messages (the
    # last with `more` false); the client shows them once it has them all.
    more: bool = False
    chat: list[ChatMessage] = []  # on a fresh start, the latest (CHAT_IN_WELCOME)
    # The meeting's lifecycle status (draft | scheduled | in_progress | ended | archived).
    status: str = ""
    # Nothing can be changed (ended, archived): no drawing, no chat, no page turns. A
    # delegate of a meeting not opened yet (scheduled) waits: the same for them.
    read_only: bool = False


class AnnotationsPage(ServerMessage, tag="annotations_page"):
    """More of the welcome's annotations (a long meeting's do not fit in one message);
    nothing else comes between the welcome and the last page."""

    annotations: list[Annotation]
    more: bool = False


class Added(ServerMessage, tag="added"):
    seq: int
    annotation: Annotation


class Removed(ServerMessage, tag="removed"):
    seq: int
    op_id: str
    # What removed it (an erase or an undo), so that its author can redo.
    by: str


class Restored(ServerMessage, tag="restored"):
    seq: int
    annotation: Annotation


class Presented(ServerMessage, tag="presented"):
    state: PresenterState


class Drawing(ServerMessage, tag="drawing"):
    """Points of a stroke still being drawn (not stored yet, no sequence number)."""

    op_id: str
    author: str
    document_id: str = ""
    page: int = 0
    layer: Layer = "shared"
    tool: Tool = "pen"
    color: str = "#1c2430"
    width: float = 0.003
    points: list[Point] = []


class Ack(ServerMessage, tag="ack"):
    op_id: str
    seq: int
    # For an erase, undo or redo: the annotation it removed or brought back.
    target: str | None = None


class PresenceEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    participant: str
    name: str
    role: str
    connections: int
    following: bool
    where: Where | None = None
    # May present and lead (the chair, the secretary, an admin).
    moderator: bool = False


class Presence(ServerMessage, tag="presence"):
    people: list[PresenceEntry]


class Error(ServerMessage, tag="error"):
    code: str
    message: str
    # The op_id (or message type) the error is about.
    ref: str | None = None


class Pong(ServerMessage, tag="pong"):
    pass


class ChatMessage(ServerMessage, tag="chat"):
    seq: int
    op_id: str
    author: str
    name: str
    text: str
    at: str  # ISO 8601, UTC


class DocumentHidden(ServerMessage, tag="document_hidden"):
    """A document this client could see was taken away from it (its access list no
    longer has them, or it was deleted): nothing more about it comes, strokes on it are
    refused, and the page closes it and forgets its annotations."""

    document_id: str


class DocumentShown(ServerMessage, tag="document_shown"):
    """A document this client could not see was given to it: the annotations on it
    that it sees (as in `Welcome.annotations`); what follows comes live."""

    document_id: str
    annotations: list[Annotation] = []


class MeetingStatusChanged(ServerMessage, tag="meeting_status"):
    """The meeting was opened, closed ("meeting closed": the tablets turn read-only and
    the video room is closed), reopened or archived."""

    status: str
    # As in `Welcome`, for the receiving client.
    read_only: bool = False


class Rights(ServerMessage, tag="rights"):
    """What this client may do changed while it is connected (a new meeting role or
    grants, e.g. a chair demoted to observer): from now on the server checks these, and
    the page shows only what they allow. The fields are those of `Welcome`."""

    role: str
    grants: list[str]
    name: str = ""
    read_only: bool = False


ServerMessages = (
    Welcome
    | AnnotationsPage
    | Added
    | Removed
    | Restored
    | Presented
    | Drawing
    | Ack
    | Presence
    | Error
    | Pong
    | ChatMessage
    | MeetingStatusChanged
    | DocumentHidden
    | DocumentShown
    | Rights
)
