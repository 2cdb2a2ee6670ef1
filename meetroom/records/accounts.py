"""Records of accounts: users, their sign-in sessions, API tokens and lock-outs, groups,
and the principal (who is asking)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from meetroom.ids import (
    GroupId,
    MeetingId,
    ParticipantId,
    UserId,
)
from meetroom.records.meetings import Grant, Participant


class AccountRole(enum.StrEnum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    CHAIR = "chair"
    DELEGATE = "delegate"
    GUEST = "guest"


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    display_name: str
    role: AccountRole
    locale: str | None
    disabled: bool
    must_change_password: bool
    created_at: datetime
    # Where invitations are mailed; None: no e-mail.
    email: str | None = None
    # IANA zone times are shown in; None: the server's.
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class UserWithSecret:
    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class WebSession:
    """A login: either a user's (all they may see) or a join link's (one meeting)."""

    id: str
    user_id: UserId | None
    meeting_id: MeetingId | None
    participant_id: ParticipantId | None
    created_at: datetime
    expires_at: datetime
    # A join link's session: the participant's link version it was opened with. A new
    # link (a higher version) ends it. None: a user's session, or one opened before
    # versions were recorded (it ends with the next new link all the same).
    link_version: int | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    user_id: UserId
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoginFailures:
    address: str
    failures: int
    window_start: datetime
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking. A join-link principal is confined to one meeting."""

    user: User | None = None
    participant: Participant | None = None
    session_id: str | None = None
    via_api_token: bool = False
    # Where the request came from (the client's address), for the audit log.
    address: str = ""
    # The server's address as this request reached it (e.g. https://meet.lan), for
    # links made on the principal's behalf, such as those in invitation e-mails.
    origin: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.participant is not None

    @property
    def meeting_scope(self) -> MeetingId | None:
        if self.user is None and self.participant is not None:
            return self.participant.meeting_id
        return None


@dataclass(frozen=True, slots=True)
class Group:
    """People invited together (a department, a committee)."""

    id: GroupId
    name: str
    description: str
    members: frozenset[UserId]
    created_at: datetime
    updated_at: datetime


class Connected(Protocol):
    """Someone in a meeting as the live session knows them (its `Viewer`): what the
    votes' and the notes' actors are made from."""

    @property
    def key(self) -> str: ...  # "p:<participant id>" or "u:<user id>"
    @property
    def name(self) -> str: ...
    @property
    def grants(self) -> frozenset[Grant]: ...
    @property
    def principal(self) -> Principal: ...


def participant_of(person: str) -> ParticipantId | None:
    """The participant of a person key ("p:<participant id>"); None for an account's."""
    kind, _, ident = person.partition(":")
    return ParticipantId(ident) if kind == "p" else None
