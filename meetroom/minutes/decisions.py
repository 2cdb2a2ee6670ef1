"""The decisions list of a meeting: per agenda item, its conclusion, the results of its
closed votes and its action items; pure (the service reads the record)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from meetroom.ids import AgendaItemId
from meetroom.records.documents import AgendaItem
from meetroom.records.minutes import ActionItem, ItemNotes
from meetroom.records.votes import Result, Vote, VoteStatus


@dataclass(frozen=True, slots=True)
class VoteDecision:
    vote: Vote
    result: Result


@dataclass(frozen=True, slots=True)
class ItemDecisions:
    """One agenda item's decisions; `agenda_item_id` None: the general part."""

    agenda_item_id: AgendaItemId | None
    position: int  # as numbered in the agenda, from 1; 0 for the general part
    title: str  # "" for the general part
    conclusion: str
    votes: tuple[VoteDecision, ...]
    actions: tuple[ActionItem, ...]

    @property
    def empty(self) -> bool:
        return not (self.conclusion or self.votes or self.actions)


def decisions_of(
    items: Sequence[AgendaItem],
    notes: Sequence[ItemNotes],
    votes: Sequence[tuple[Vote, Result | None]],
    actions: Sequence[ActionItem],
) -> list[ItemDecisions]:
    """Every agenda item in its order, the general part first when it holds anything
    (the votes and action items of an item no longer on the agenda go there; its
    conclusion went with it). Votes: the closed ones, in the order they closed."""
    known = {item.id for item in items}

    def key(item_id: AgendaItemId | None) -> AgendaItemId | None:
        return item_id if item_id in known else None

    conclusions = {n.agenda_item_id: n.conclusion for n in notes if key(n.agenda_item_id)
                   == n.agenda_item_id}  # fmt: skip
    closed = sorted(
        ((v, r) for v, r in votes if v.status is VoteStatus.CLOSED and r is not None),
        key=lambda vr: (vr[0].closed_at is None, vr[0].closed_at, vr[0].id),
    )
    by_item: dict[AgendaItemId | None, list[VoteDecision]] = {}
    for vote, result in closed:
        by_item.setdefault(key(vote.agenda_item_id), []).append(VoteDecision(vote, result))
    tasks: dict[AgendaItemId | None, list[ActionItem]] = {}
    for action in actions:
        tasks.setdefault(key(action.agenda_item_id), []).append(action)

    def section(item_id: AgendaItemId | None, position: int, title: str) -> ItemDecisions:
        return ItemDecisions(
            agenda_item_id=item_id, position=position, title=title,
            conclusion=conclusions.get(item_id, ""), votes=tuple(by_item.get(item_id, ())),
            actions=tuple(tasks.get(item_id, ())),
        )  # fmt: skip

    general = section(None, 0, "")
    ordered = [section(item.id, index, item.title) for index, item in enumerate(items, start=1)]
    return ([] if general.empty else [general]) + ordered
