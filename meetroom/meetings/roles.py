"""What each meeting role may do by default."""

from __future__ import annotations

from meetroom.records.accounts import AccountRole
from meetroom.records.meetings import Grant, MeetingRole

DEFAULT_GRANTS: dict[MeetingRole, frozenset[Grant]] = {
    MeetingRole.CHAIR: frozenset(Grant),
    MeetingRole.SECRETARY: frozenset(
        {Grant.CAN_PUBLISH, Grant.CAN_ANNOTATE_SHARED, Grant.CAN_PRESENT, Grant.MODERATOR}
    ),
    MeetingRole.DELEGATE: frozenset({Grant.CAN_PUBLISH, Grant.CAN_VOTE}),
    MeetingRole.GUEST: frozenset({Grant.CAN_PUBLISH}),
    MeetingRole.OBSERVER: frozenset(),
}

# Accounts that prepare meetings: they see and change every meeting.
MANAGER_ROLES = frozenset({AccountRole.ADMIN, AccountRole.SECRETARY})


# Meeting roles that prepare their meeting's agenda and documents.
PREPARER_ROLES = frozenset({MeetingRole.CHAIR, MeetingRole.SECRETARY})


def default_grants(role: MeetingRole) -> frozenset[Grant]:
    return DEFAULT_GRANTS[role]
