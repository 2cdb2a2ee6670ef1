"""Bodies of the JSON API under /api/. The OpenAPI document is generated from these,
and the same types decode what the server accepts, so the two cannot drift apart."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.bounds import MAX_SEATS, MIN_PASSWORD_LENGTH
from meetroom.protocol.formats import (
    NOT_BLANK,
    Email,
    Instant,
    Locale,
    Moment,
    TimeZoneName,
)
from meetroom.protocol.recurrence import RecurrenceIn, RecurrenceOut
from meetroom.records.accounts import AccountRole
from meetroom.records.documents import Classification, FileStatus
from meetroom.records.meetings import Grant, MeetingRole

Text300 = Annotated[str, msgspec.Meta(max_length=300)]
# Stripped, then refused if blank.
Title = Annotated[str, msgspec.Meta(max_length=300, extra_json_schema={"pattern": NOT_BLANK})]
Name = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, extra_json_schema={"pattern": NOT_BLANK})
]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
# The schema's further constraints that the domain checks (it says why in its message).
NewPassword = Annotated[
    str, msgspec.Meta(max_length=1024, extra_json_schema={"minLength": MIN_PASSWORD_LENGTH})
]
# Letters may be capitals: they are lowered.
Username = Annotated[
    str,
    msgspec.Meta(max_length=64, extra_json_schema={"pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$"}),
]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(msgspec.Struct):
    error: ErrorBody


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    version: str
    database: str | None = None
    node: str | None = None
    bus: str | None = None  # "local" (one node), "ok", or "down" (reconnecting)


# -- accounts -------------------------------------------------------------------


class LoginRequest(Request):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class UserOut(msgspec.Struct):
    id: str
    username: str
    display_name: str
    role: AccountRole
    locale: str | None
    must_change_password: bool
    disabled: bool
    email: str | None = None
    time_zone: str | None = None


class UserCreate(Request):
    username: Username
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    role: AccountRole = AccountRole.DELEGATE
    # Omitted: a random password is generated and returned once.
    password: NewPassword | None = None
    locale: Locale | None = None
    email: Email | None = None
    # An IANA zone (Asia/Ho_Chi_Minh); null: the server's.
    time_zone: TimeZoneName | None = None


class UserCreated(msgspec.Struct, omit_defaults=True):
    user: UserOut
    generated_password: str | None = None


class ProfileUpdate(Request):
    display_name: Name | UnsetType = UNSET
    # null clears the preference (the browser's language is used again).
    locale: Locale | None | UnsetType = UNSET
    # null clears them: no e-mail; the server's time zone.
    email: Email | None | UnsetType = UNSET
    time_zone: TimeZoneName | None | UnsetType = UNSET


class PasswordChange(Request):
    current_password: Password
    new_password: NewPassword


class WhoAmI(msgspec.Struct, omit_defaults=True):
    user: UserOut | None = None
    # Set when signed in through a join link (confined to this meeting).
    meeting_id: str | None = None
    participant: ParticipantOut | None = None
    csrf_token: str | None = None


# -- meetings -------------------------------------------------------------------


class MeetingCreate(Request):
    title: Title
    # ISO 8601, years 1970 to 2200; a time without an offset is read in the server's
    # time zone.
    starts_at: Moment
    ends_at: Moment
    description: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    location: Text300 = ""
    # A room to book (GET /api/rooms); null: none. An overlapping booking of the same
    # room is refused with 409 room_taken naming the other meeting.
    room_id: Id | None = None
    # How it repeats (a series); null: once.
    recurrence: RecurrenceIn | None = None
    # draft (seen only by those who prepare it, join links not working yet) or scheduled.
    status: Literal["draft", "scheduled"] = "scheduled"


class MeetingUpdate(Request):
    title: Title | UnsetType = UNSET
    starts_at: Moment | UnsetType = UNSET
    ends_at: Moment | UnsetType = UNSET
    description: Annotated[str, msgspec.Meta(max_length=20000)] | UnsetType = UNSET
    location: Text300 | UnsetType = UNSET
    # null: give the room up.
    room_id: Id | None | UnsetType = UNSET
    # null: no longer repeats (its exceptions are dropped).
    recurrence: RecurrenceIn | None | UnsetType = UNSET


class MeetingOut(msgspec.Struct):
    id: str
    title: str
    description: str
    location: str
    starts_at: Instant
    ends_at: Instant
    created_at: Instant
    updated_at: Instant
    # The caller's own role in this meeting, if they take part.
    my_role: MeetingRole | None
    can_manage: bool
    url: str
    room_id: str | None = None
    # A series: how it repeats, and the same as RFC 5545 RRULE text.
    recurrence: RecurrenceOut | None = None
    rrule: str | None = None
    # draft | scheduled | in_progress | ended | archived (POST …/publish, /open, …).
    status: str = "scheduled"
    opened_at: Instant | None = None
    closed_at: Instant | None = None
    archived_at: Instant | None = None
    # The transitions the caller may make now (publish, unpublish, open, close, …).
    transitions: list[str] = []


class ParticipantCreate(Request):
    # Either an existing user's id, or a guest's name (or both, to rename the user here).
    user_id: Id | None = None
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    role: MeetingRole = MeetingRole.DELEGATE
    # Omitted: the role's default grants.
    grants: list[Grant] | None = None
    # Instead of user_id: invite a group (GET /api/groups); answers with the list of
    # participants added (its enabled members not yet taking part).
    group_id: Id | None = None


class ParticipantUpdate(Request):
    name: Name | UnsetType = UNSET
    role: MeetingRole | UnsetType = UNSET
    grants: list[Grant] | UnsetType = UNSET


class ParticipantOut(msgspec.Struct, omit_defaults=True):
    id: str
    meeting_id: str
    user_id: str | None
    name: str
    role: MeetingRole
    grants: list[Grant]
    # Only shown to those who manage the meeting.
    join_url: str | None = None
    join_expires_at: Instant | None = None


class MeetingDetail(msgspec.Struct):
    meeting: MeetingOut
    participants: list[ParticipantOut]


# -- rooms ----------------------------------------------------------------------

# "HH:MM", 24-hour, in the server's time zone.
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEATS)]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7)]
Weekdays = Annotated[list[Weekday], msgspec.Meta(extra_json_schema={"minItems": 1})]


class RoomCreate(Request):
    name: Name
    location: Text300 = ""
    seats: Count | None = None
    # Tablets the room holds for delegates.
    tablets: Count = 0
    # The room has a video conferencing endpoint (camera, screen, microphones).
    has_video_endpoint: bool = False
    # A virtual-only room is never taken: any number of meetings may book it at once.
    virtual_only: bool = False
    # Hours when it may be booked (both or neither); null: any time.
    available_from: ClockTime | None = None
    available_until: ClockTime | None = None
    # ISO weekdays it may be booked on: 1 = Monday … 7 = Sunday.
    available_days: Weekdays = msgspec.field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    # User ids who may book it (admins always may); null: everyone who manages meetings.
    bookers: list[Id] | None = None


class RoomUpdate(Request):
    name: Name | UnsetType = UNSET
    location: Text300 | UnsetType = UNSET
    seats: Count | None | UnsetType = UNSET
    tablets: Count | UnsetType = UNSET
    has_video_endpoint: bool | UnsetType = UNSET
    virtual_only: bool | UnsetType = UNSET
    available_from: ClockTime | None | UnsetType = UNSET
    available_until: ClockTime | None | UnsetType = UNSET
    available_days: Weekdays | UnsetType = UNSET
    bookers: list[Id] | None | UnsetType = UNSET


class RoomOut(msgspec.Struct):
    id: str
    name: str
    location: str
    seats: int | None
    tablets: int
    has_video_endpoint: bool
    virtual_only: bool
    available_from: str | None
    available_until: str | None
    available_days: list[int]
    bookers: list[str] | None
    # Whether the caller may book it.
    can_book: bool


# -- agenda and documents ---------------------------------------------------------

Notes = Annotated[str, msgspec.Meta(max_length=20000)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]


class AgendaItemCreate(Request):
    title: Title
    presenter: Annotated[str, msgspec.Meta(max_length=200)] = ""
    duration_minutes: Minutes | None = None
    notes: Notes = ""


class AgendaItemUpdate(Request):
    title: Title | UnsetType = UNSET
    presenter: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType = UNSET
    duration_minutes: Minutes | None | UnsetType = UNSET
    notes: Notes | UnsetType = UNSET


class AgendaOrder(Request):
    # Every item of the meeting, once, in the new order.
    item_ids: list[Id]


class DocumentOrder(Request):
    # Documents of the meeting, in the new order, all put under this item (or none).
    document_ids: list[Id]


class OutlineOut(msgspec.Struct):
    title: str
    # 1-based; null when the bookmark points nowhere in the document.
    page: int | None
    level: int


class FontOut(msgspec.Struct):
    """A font the file names without embedding it, and what its pages were drawn with."""

    font: str
    replacement: str
    # Letters the replacement has no glyph for: not shown on the pages.
    missing: str


class DocumentOut(msgspec.Struct, omit_defaults=True):
    id: str
    meeting_id: str
    agenda_item_id: str | None
    position: int
    title: str
    filename: str
    classification: Classification
    allow_download: bool
    # processing | ready | rejected
    status: FileStatus
    pages: int
    pages_done: int
    sha256: str
    size_bytes: int
    outline: list[OutlineOut]
    # e.g. "javascript", "embedded_files": present in the file, never run or served.
    warnings: list[str]
    # Fonts the file names without embedding them (found as its pages are rendered).
    fonts: list[FontOut]
    can_download: bool
    can_download_original: bool
    # /api/documents/{id}/pages/{n}?w=1600 for page n (1-based).
    pages_url: str
    pdf_url: str
    # Why a rejected file was refused (in the caller's language), and the code.
    reason: str | None = None
    reason_code: str | None = None
    # Participants allowed (null: all); shown to the chair and secretary only.
    access: list[str] | None = None
    # The warning shown with the document about `fonts` (in the caller's language).
    font_warning: str | None = None


class DocumentUpdate(Request):
    title: Annotated[str, msgspec.Meta(max_length=500)] | UnsetType = UNSET
    classification: Classification | UnsetType = UNSET
    allow_download: bool | UnsetType = UNSET
    agenda_item_id: Id | None | UnsetType = UNSET
    # Participant ids; null: every participant of the meeting.
    access: list[Id] | None | UnsetType = UNSET


class UploadForm(msgspec.Struct):
    """multipart/form-data: one PDF in `file`; the other fields are optional."""

    file: Annotated[str, msgspec.Meta(extra_json_schema={"format": "binary"})]
    agenda_item_id: str | None = None
    classification: Classification = Classification.NORMAL
    allow_download: bool = False
    title: str | None = None


class AgendaItemOut(msgspec.Struct):
    id: str
    meeting_id: str
    # 1, 2, 3… in agenda order.
    number: int
    title: str
    presenter: str
    duration_minutes: int | None
    notes: str
    documents: list[DocumentOut]


class AgendaOut(msgspec.Struct):
    items: list[AgendaItemOut]
    # Documents of the meeting not attached to an item.
    unattached: list[DocumentOut]


class AuditEntryOut(msgspec.Struct):
    # page_view | download | download_original
    action: str
    page: int | None
    viewer_name: str
    viewer_user_id: str | None
    viewer_participant_id: str | None
    trace_code: str | None
    address: str
    at: Instant


class TraceOut(msgspec.Struct):
    code: str
    document_id: str
    viewer_name: str
    # "u:<user id>" or "p:<participant id>"
    viewer: str
    day: str
    first_shown_at: Instant
