"""API bodies of user administration: editing accounts, the CSV import, groups."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.api import Id, Name, Request, UserOut
from meetroom.protocol.formats import Email, Locale, TimeZoneName
from meetroom.records.accounts import AccountRole

Description = Annotated[str, msgspec.Meta(max_length=1000)]


class UserUpdate(Request):
    """Fields left out stay as they are; null clears locale, email and time_zone."""

    display_name: Name | UnsetType = UNSET
    role: AccountRole | UnsetType = UNSET
    locale: Locale | None | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    time_zone: TimeZoneName | None | UnsetType = UNSET


class TemporaryPassword(msgspec.Struct):
    # Shown once: the user must change it at the next sign-in.
    temporary_password: str


class ImportErrorOut(msgspec.Struct):
    # The file's line (the header is line 1; 0: the file as a whole).
    line: int
    # A column of the header, or "" for the whole line.
    column: str
    code: str
    # In the caller's language.
    message: str


class ImportPreviewOut(msgspec.Struct):
    # Users (data rows) read from the file.
    rows: int
    errors: list[ImportErrorOut]
    # Send it back with the same file to import it (POST /api/users/import?token=…).
    token: str


class ImportedUserOut(msgspec.Struct):
    user: UserOut
    # Shown once: the user must change it at the first sign-in.
    temporary_password: str
    groups: list[str]


class ImportResult(msgspec.Struct):
    created: list[ImportedUserOut]


class ImportForm(msgspec.Struct):
    """multipart/form-data: the CSV file in `file` (or send the body as text/csv)."""

    file: Annotated[str, msgspec.Meta(extra_json_schema={"format": "binary"})]


class GroupCreate(Request):
    name: Name
    description: Description = ""
    # User ids.
    members: list[Id] = msgspec.field(default_factory=list)


class GroupUpdate(Request):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    # Replaces the whole member list.
    members: list[Id] | UnsetType = UNSET


class GroupMembers(Request):
    # User ids: the whole member list.
    members: list[Id]


class GroupMemberOut(msgspec.Struct):
    id: str
    username: str
    display_name: str
    disabled: bool


class GroupOut(msgspec.Struct):
    id: str
    name: str
    description: str
    members: list[GroupMemberOut]
