"""Bodies of the JSON API under /api/. The OpenAPI document is generated from these,
and the same types decode what the server accepts, so the two cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.records import AccountRole, Grant, MeetingRole

Text300 = Annotated[str, msgspec.Meta(max_length=300)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
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


class UserCreate(Request):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    role: AccountRole = AccountRole.DELEGATE
    # Omitted: a random password is generated and returned once.
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    locale: str | None = None


class UserCreated(msgspec.Struct, omit_defaults=True):
    user: UserOut
    generated_password: str | None = None


class ProfileUpdate(Request):
    display_name: Name | UnsetType = UNSET
    # null clears the preference (the browser's language is used again).
    locale: str | None | UnsetType = UNSET


class PasswordChange(Request):
    current_password: Annotated[str, msgspec.Meta(max_length=1024)]
    new_password: Annotated[str, msgspec.Meta(max_length=1024)]


class WhoAmI(msgspec.Struct, omit_defaults=True):
    user: UserOut | None = None
    # Set when signed in through a join link (confined to this meeting).
    meeting_id: str | None = None
    participant: ParticipantOut | None = None
    csrf_token: str | None = None


# -- meetings -------------------------------------------------------------------


class MeetingCreate(Request):
    title: Text300
    # ISO 8601; a time without an offset is read in the server's time zone.
    starts_at: datetime
    ends_at: datetime
    description: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    location: Text300 = ""


class MeetingUpdate(Request):
    title: Text300 | UnsetType = UNSET
    starts_at: datetime | UnsetType = UNSET
    ends_at: datetime | UnsetType = UNSET
    description: Annotated[str, msgspec.Meta(max_length=20000)] | UnsetType = UNSET
    location: Text300 | UnsetType = UNSET


class MeetingOut(msgspec.Struct):
    id: str
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    # The caller's own role in this meeting, if they take part.
    my_role: MeetingRole | None
    can_manage: bool
    url: str


class ParticipantCreate(Request):
    # Either an existing user's id, or a guest's name (or both, to rename the user here).
    user_id: Id | None = None
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    role: MeetingRole = MeetingRole.DELEGATE
    # Omitted: the role's default grants.
    grants: list[Grant] | None = None


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
    join_expires_at: datetime | None = None


class MeetingDetail(msgspec.Struct):
    meeting: MeetingOut
    participants: list[ParticipantOut]
