"""A vote record to count, receipt and verify (a helper module, not a test module)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from meetroom.ids import MeetingId, VoteId
from meetroom.records.votes import TieRule, Vote, VoteKind, VoteOption, VoteRule, VoteStatus

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
VOTE = VoteId("v" * 26)


def make_vote(
    kind: VoteKind = VoteKind.YES_NO_ABSTAIN,
    rule: VoteRule = VoteRule.CAST_MAJORITY,
    tie: TieRule = TieRule.FAILS,
    *,
    options: str = "",
    max_choices: int = 1,
    **changes: Any,
) -> Vote:
    """A closed vote; `options` are one-letter option ids ("abc": options a, b, c)."""
    vote = Vote(
        id=VOTE, meeting_id=MeetingId("m" * 26), agenda_item_id=None, document_id=None,
        title="Thông qua dự thảo", kind=kind,
        options=tuple(VoteOption(o, f"Ứng viên {o.upper()}") for o in options),
        max_choices=max_choices, secret=True, rule=rule, tie=tie, duration_seconds=None,
        require_quorum=False, status=VoteStatus.CLOSED, created_by="u:chair", created_at=T0,
    )  # fmt: skip
    return dataclasses.replace(vote, **changes)


def ballots(**counts: int) -> list[tuple[str, ...]]:
    """yes=3, no=2 -> three ("yes",) and two ("no",)."""
    return [(choice,) for choice, n in counts.items() for _ in range(n)]
