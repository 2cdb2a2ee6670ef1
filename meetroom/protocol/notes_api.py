"""JSON bodies of the notes' API: the secretary's notes and conclusions per agenda item,
action items, each person's tasks, and the decisions list (see docs/api.md, "Notes,
action items and decisions"). The socket's messages for the same are in
`protocol.notes`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.api import Id, Request
from meetroom.protocol.formats import NOT_BLANK, Day, Instant
from meetroom.protocol.votes import ResultView

# As the domain's bounds (meetroom/minutes/notes.py), which check them again and say why.
NotesText = Annotated[str, msgspec.Meta(max_length=100_000)]
ConclusionText = Annotated[str, msgspec.Meta(max_length=20_000)]
ActionTitle = Annotated[str, msgspec.Meta(max_length=500, extra_json_schema={"pattern": NOT_BLANK})]
OwnerName = Annotated[str, msgspec.Meta(max_length=200)]
Revision = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
ActionStatusName = Literal["open", "done"]

# -- notes and conclusions ----------------------------------------------------------------


class NotesIn(Request):
    """A save of one item's notes and/or conclusion (a field left out stays as it is)
    over `revision`, the one the editor started from (0: nothing saved yet). Another
    save meanwhile: 409 `notes_conflict`, its details the stored text and revision."""

    revision: Revision
    notes: NotesText | UnsetType = UNSET
    conclusion: ConclusionText | UnsetType = UNSET


class ItemNotesOut(msgspec.Struct):
    item_id: str  # an agenda item's id, or "general"
    notes: str
    conclusion: str
    revision: int  # 0: nothing saved yet
    updated_at: Instant | None
    updated_by_name: str


class NotesItemOut(msgspec.Struct):
    """An agenda item (or the general part) with its notes."""

    item_id: str  # an agenda item's id, or "general"
    position: int  # from 1; 0 for the general part
    title: str  # "" for the general part
    notes: ItemNotesOut


class PersonOut(msgspec.Struct):
    id: str
    name: str


class MeetingNotes(msgspec.Struct):
    meeting_id: str
    participants: list[PersonOut]  # who may own an action item, by name
    items: list[NotesItemOut]  # the general part first, then the agenda in its order


# -- action items -------------------------------------------------------------------------


class ActionIn(Request):
    """An action item (PUT: all of it again). The owner is a participant of the meeting
    (`owner_participant_id`; their name is the meeting's) or free text (`owner_name`),
    or nobody; `due`: a date (YYYY-MM-DD), or null."""

    title: ActionTitle
    item_id: Id | None = None  # an agenda item of the meeting; null: the general part
    owner_participant_id: Id | None = None
    owner_name: OwnerName = ""
    due: Day | None = None


class ActionOut(msgspec.Struct):
    id: str
    meeting_id: str
    item_id: str | None
    title: str
    owner_participant_id: str | None
    owner_name: str
    may_mark: bool  # the caller may mark it done or open (its owner, or a moderator)
    due: Day | None
    status: ActionStatusName
    created_at: Instant
    updated_at: Instant
    done_at: Instant | None
    done_by_name: str


class MeetingActions(msgspec.Struct):
    meeting_id: str
    actions: list[ActionOut]  # as made


class MyActionOut(msgspec.Struct):
    action: ActionOut
    meeting_title: str
    item_title: str  # "" for the general part
    overdue: bool  # open, and due before today (the server's time zone)


class MyActions(msgspec.Struct):
    actions: list[MyActionOut]  # the earliest due first, those without a date last


# -- decisions ----------------------------------------------------------------------------


class VoteDecisionOut(msgspec.Struct):
    vote_id: str
    title: str
    secret: bool
    closed_at: Instant | None
    passed: bool
    result: ResultView
    # option id -> label, for a vote among options ("choice")
    labels: dict[str, str]


class ItemDecisionsOut(msgspec.Struct):
    item_id: str  # an agenda item's id, or "general"
    position: int  # from 1; 0 for the general part
    title: str
    conclusion: str
    votes: list[VoteDecisionOut]  # closed votes, in the order they closed
    actions: list[ActionOut]


class MeetingDecisions(msgspec.Struct):
    meeting_id: str
    title: str
    items: list[ItemDecisionsOut]  # the general part first when it holds anything
