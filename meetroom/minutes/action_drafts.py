"""What an action item may be written as: the checks of a new or changed one, with an
error that names the field, before anything is stored (the owner, a participant, and
the agenda item are checked against the meeting by `NotesService`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid
from meetroom.ids import AgendaItemId, ParticipantId

ACTION_TITLE_MAX = 500
OWNER_NAME_MAX = 200  # as the column


@dataclass(frozen=True, slots=True)
class ActionDraft:
    """An action item as the secretary writes it. The owner is a participant
    (`owner_participant_id`; their name is taken from the meeting) or free text
    (`owner_name`), or nobody."""

    title: str
    agenda_item_id: AgendaItemId | None = None
    owner_participant_id: ParticipantId | None = None
    owner_name: str = ""
    due: date | None = None


def too_long(code: str, field: str, limit: int) -> Invalid:
    return Invalid(
        code, N_("{field} is too long (at most {limit} characters)."),
        details={"field": field}, field=field, limit=limit,
    )  # fmt: skip


def check_draft(draft: ActionDraft) -> ActionDraft:
    """The draft as stored (title and owner's name stripped), or Invalid naming why."""
    title = draft.title.strip()
    if not title:
        raise Invalid(
            "action_title_required", N_("Give the action item a title."),
            details={"field": "title"},
        )  # fmt: skip
    if len(title) > ACTION_TITLE_MAX:
        raise too_long("action_title_too_long", "title", ACTION_TITLE_MAX)
    owner_name = draft.owner_name.strip()
    if len(owner_name) > OWNER_NAME_MAX:
        raise too_long("owner_too_long", "owner", OWNER_NAME_MAX)
    if draft.due is not None:
        in_range(draft.due, "due")
    return replace(draft, title=title, owner_name=owner_name)
