"""The rules of a meeting's lifecycle that other modules check: who sees a draft,
what an ended or archived meeting still allows. The transitions themselves are in
`meetroom.meetings.lifecycle`."""

from __future__ import annotations

from meetroom.errors import N_, Conflict
from meetroom.meetings.roles import PREPARER_ROLES
from meetroom.records.meetings import Meeting, MeetingStatus, Participant

S = MeetingStatus

# Once opened, a meeting's time is a fact, no longer a plan.
STARTED = frozenset({S.IN_PROGRESS, S.ENDED, S.ARCHIVED})
# Nothing of these changes (agenda, documents, annotations, chat, pages) but reopening.
READ_ONLY = frozenset({S.ENDED, S.ARCHIVED})


def may_see(meeting: Meeting, me: Participant | None, manages: bool) -> bool:
    """A draft is for those who prepare it: administrators and secretaries, and the
    meeting's own chair and secretary."""
    if meeting.status is not S.DRAFT:
        return True
    return manages or (me is not None and me.role in PREPARER_ROLES)


def read_only_live(status: MeetingStatus, moderator: bool) -> bool:
    """Whether a viewer of the live session may only look: everyone once the meeting
    ended. Before it is opened nothing is refused (the tablets show that the chair has
    not opened it yet, and attendance does not count), so that meetings made before
    the lifecycle existed, and clients that know nothing of it, go on working."""
    return status in READ_ONLY


def require_live_write(status: MeetingStatus, moderator: bool) -> None:
    if read_only_live(status, moderator):
        raise read_only_error(status)


def read_only_error(status: MeetingStatus) -> Conflict:
    if status is S.ARCHIVED:
        return Conflict(
            "meeting_archived", N_("This meeting is archived: it can be read, not changed.")
        )
    return Conflict(
        "meeting_ended",
        N_("This meeting has ended: it can be read, not changed, unless it is reopened."),
    )


def require_writable(meeting: Meeting) -> None:
    """Refuse changes to what an ended or archived meeting keeps (agenda, documents,
    annotations, chat, page turns)."""
    if meeting.status in READ_ONLY:
        raise read_only_error(meeting.status)


def check_change(meeting: Meeting, updated: Meeting) -> None:
    """Refuse a change of an archived meeting, and a new time for a started one."""
    if meeting.status is S.ARCHIVED:
        raise read_only_error(meeting.status)
    if meeting.status in STARTED and (updated.starts_at, updated.ends_at) != (
        meeting.starts_at,
        meeting.ends_at,
    ):
        raise Conflict(
            "meeting_started",
            N_("The meeting has been opened: its time can no longer be changed."),
            details={"status": meeting.status.value},
        )


def check_delete(meeting: Meeting) -> None:
    """A meeting in progress is closed before it is deleted (its tablets are in it)."""
    if meeting.status is S.IN_PROGRESS:
        raise Conflict(
            "meeting_in_progress", N_("The meeting is in progress: close it before deleting it.")
        )
