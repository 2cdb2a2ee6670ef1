"""The minutes' refusals, each with its code (the API's error codes)."""

from __future__ import annotations

from meetroom.errors import N_, Conflict
from meetroom.records.minutes import MinutesStatus, MinutesVersion


def frozen() -> Conflict:
    return Conflict(
        "minutes_frozen",
        N_("The minutes of this meeting are approved: their text can no longer change "
           "(unless a new version is made)."),
    )  # fmt: skip


def not_frozen() -> Conflict:
    return Conflict(
        "minutes_not_frozen",
        N_("The minutes are not approved yet: they are frozen once the chair and the "
           "secretary have approved them."),
    )  # fmt: skip


def stale(current: MinutesVersion) -> Conflict:
    return Conflict(
        "minutes_conflict",
        N_("The minutes were changed meanwhile: reload them, then make your change again."),
        details={"revision": current.revision, "version": current.version},
    )


def not_drafted() -> Conflict:
    return Conflict(
        "minutes_not_drafted",
        N_("The minutes are drafted when the meeting ends."),
    )


def require_draft(version: MinutesVersion, revision: int | None = None) -> None:
    """A draft, at `revision` if one is named."""
    if version.status is MinutesStatus.FROZEN:
        raise frozen()
    if revision is not None and revision != version.revision:
        raise stale(version)
