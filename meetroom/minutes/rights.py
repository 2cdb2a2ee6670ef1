"""Who may do what with a meeting's minutes. The caller has let the actor into the
meeting (a participant, or an account that manages meetings); these rules decide the
rest, from the actor and the meeting's participants as they are now.

- The draft is read and edited by the moderators: the chair's powers (the `moderator`
  grant: the chair and the secretary by default) and the accounts that manage
  meetings, as for preparing votes. Once sent for comments, the meeting's participants
  read it too, and comment until the deadline.
- Frozen minutes are read by every participant and by those who manage meetings.
- The chair and the secretary approve (the participants with those roles). A role
  nobody in the meeting has (a meeting without a secretary in its list, say) is
  approved by the meeting's organiser: an account that manages meetings (an
  administrator or a secretary account).
- The frozen PDF is signed by the role the `minutes_signer` setting names, chosen the
  same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from meetroom.errors import N_, Forbidden, NotFound
from meetroom.ids import ParticipantId, UserId
from meetroom.records.accounts import Principal
from meetroom.records.meetings import MeetingRole, Participant
from meetroom.records.minutes import MinutesStatus, MinutesVersion

APPROVERS = (MeetingRole.CHAIR, MeetingRole.SECRETARY)


@dataclass(frozen=True, slots=True)
class MinutesActor:
    """Who acts, as the server knows them (the API's or a page's caller)."""

    person: str  # "p:<participant id>" or "u:<user id>"
    name: str
    participant_id: ParticipantId | None  # None: an account not in the meeting's list
    role: MeetingRole | None  # their role in the meeting (None: not in its list)
    moderator: bool  # the `moderator` grant, or an account that manages meetings
    manager: bool  # an account that manages meetings (administrator, secretary)
    user_id: UserId | None = None
    username: str = ""  # their account's (a kept certificate is found by it)
    principal: Principal | None = None


def not_found() -> NotFound:
    return NotFound("minutes_not_found", N_("These minutes do not exist."))


def require_moderator(actor: MinutesActor) -> None:
    if not actor.moderator:
        raise Forbidden("not_moderator", N_("Only the meeting's chair or secretary can do this."))


def may_read(actor: MinutesActor, version: MinutesVersion) -> bool:
    if version.status is MinutesStatus.FROZEN or actor.moderator:
        return True
    return version.comments_until is not None and actor.participant_id is not None


def holds(actor: MinutesActor, role: MeetingRole, people: Sequence[Participant]) -> bool:
    """Whether the actor acts as the meeting's `role` (chair or secretary) for the
    minutes: they have it, or nobody has it and they manage meetings."""
    if actor.role is role:
        return True
    return actor.manager and not any(p.role is role for p in people)


def approver_roles(actor: MinutesActor, people: Sequence[Participant]) -> list[MeetingRole]:
    return [role for role in APPROVERS if holds(actor, role, people)]


def require_signer(actor: MinutesActor, signer: str, people: Sequence[Participant]) -> None:
    role = MeetingRole(signer)
    if not holds(actor, role, people):
        raise Forbidden(
            "not_signer",
            N_("Only the meeting's chair signs its minutes.")
            if role is MeetingRole.CHAIR
            else N_("Only the meeting's secretary signs its minutes."),
        )
