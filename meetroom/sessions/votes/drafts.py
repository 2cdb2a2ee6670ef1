"""What a vote may be prepared as: the checks of a new or edited vote's settings, with
an error that names the field, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass

from meetroom.errors import N_, Invalid
from meetroom.ids import AgendaItemId, DocumentId
from meetroom.records.votes import TieRule, VoteDefaults, VoteKind, VoteOption, VoteRule

TITLE_MAX = 300
LABEL_MAX = 200
OPTIONS_MAX = 100
DURATION_MIN = 10  # seconds: shorter, nobody could read the question
DURATION_MAX = 24 * 3600
REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class VoteDraft:
    """A vote as the chair or secretary prepares it; None: the meeting's default."""

    title: str
    kind: VoteKind = VoteKind.YES_NO_ABSTAIN
    options: tuple[str, ...] = ()  # labels, for CHOICE
    max_choices: int = 1
    secret: bool = False
    rule: VoteRule | None = None
    tie: TieRule | None = None
    duration_seconds: int | None = None
    require_quorum: bool | None = None
    agenda_item_id: AgendaItemId | None = None
    document_id: DocumentId | None = None


@dataclass(frozen=True, slots=True)
class CheckedDraft:
    title: str
    kind: VoteKind
    options: tuple[VoteOption, ...]
    max_choices: int
    secret: bool
    rule: VoteRule
    tie: TieRule
    duration_seconds: int | None
    require_quorum: bool


def option_id(n: int) -> str:
    """The id of the n-th option (from 1), as ballots name it."""
    return f"o{n}"


def _options(draft: VoteDraft) -> tuple[tuple[VoteOption, ...], int]:
    if draft.kind is not VoteKind.CHOICE:
        if draft.options:
            raise Invalid(
                "options_not_allowed", N_("Only a vote among options (kind “choice”) has options.")
            )
        if draft.max_choices != 1:
            raise Invalid("max_choices_not_allowed", N_("Only an election has several choices."))
        return (), 1
    labels = [label.strip() for label in draft.options]
    if not 2 <= len(labels) <= OPTIONS_MAX:
        raise Invalid(
            "options_count", N_("A vote among options needs 2 to {most} options."),
            most=OPTIONS_MAX,
        )  # fmt: skip
    for label in labels:
        if not label:
            raise Invalid("option_empty", N_("An option has no text."))
        if len(label) > LABEL_MAX:
            raise Invalid(
                "option_too_long", N_("An option may have at most {most} characters."),
                most=LABEL_MAX,
            )  # fmt: skip
    if len({label.casefold() for label in labels}) != len(labels):
        raise Invalid("option_repeated", N_("Two options have the same text."))
    if not 1 <= draft.max_choices <= len(labels):
        raise Invalid(
            "bad_max_choices", N_("Each ballot may choose from 1 to {most} options."),
            most=len(labels),
        )  # fmt: skip
    options = tuple(VoteOption(option_id(n), label) for n, label in enumerate(labels, 1))
    return options, draft.max_choices


def check_draft(draft: VoteDraft, defaults: VoteDefaults) -> CheckedDraft:
    title = " ".join(draft.title.split())
    if not title:
        raise Invalid("title_required", N_("The vote needs a question."))
    if len(title) > TITLE_MAX:
        raise Invalid(
            "title_too_long", N_("The question may have at most {most} characters."),
            most=TITLE_MAX,
        )  # fmt: skip
    options, max_choices = _options(draft)
    duration = draft.duration_seconds
    if duration is not None and not DURATION_MIN <= duration <= DURATION_MAX:
        raise Invalid(
            "bad_duration",
            N_("The countdown must be between {least} seconds and {most} hours."),
            least=DURATION_MIN, most=DURATION_MAX // 3600,
        )  # fmt: skip
    tie = draft.tie or defaults.tie
    if draft.secret and tie is TieRule.CHAIR:
        if draft.tie is TieRule.CHAIR:
            raise Invalid(
                "tie_chair_secret",
                N_("In a secret vote the chair's ballot is not known: a tie cannot be "
                   "decided by it. Choose that a tie fails."),
            )  # fmt: skip
        tie = TieRule.FAILS  # the meeting's default cannot apply to a secret vote
    return CheckedDraft(
        title=title, kind=draft.kind, options=options, max_choices=max_choices,
        secret=draft.secret, rule=draft.rule or defaults.rule, tie=tie,
        duration_seconds=duration,
        require_quorum=defaults.require_quorum if draft.require_quorum is None
        else draft.require_quorum,
    )  # fmt: skip


def check_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        raise Invalid(
            "reason_too_long", N_("The reason may have at most {most} characters."),
            most=REASON_MAX,
        )  # fmt: skip
    return reason
