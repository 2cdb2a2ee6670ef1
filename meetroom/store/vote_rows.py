"""Rows of the votes' tables and back: the JSON columns (options, quorum states, the
result, a ballot's choice) and the vote's row."""

from __future__ import annotations

import json
from typing import Any

from meetroom.ids import AgendaItemId, DocumentId, MeetingId, VoteId
from meetroom.records.floor import QuorumKind, QuorumRule, QuorumState
from meetroom.records.votes import (
    Choice,
    Result,
    TieBreak,
    TieRule,
    Vote,
    VoteKind,
    VoteOption,
    VoteRule,
    VoteStatus,
)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_choice(choice: Choice) -> str:
    return _json(list(choice))


def decode_choice(text: str) -> Choice:
    return tuple(str(c) for c in json.loads(text))


def _quorum(q: QuorumState | None) -> str | None:
    if q is None:
        return None
    return _json({
        "kind": q.rule.kind.value, "value": q.rule.value, "members": q.members,
        "present": q.present, "required": q.required, "reached": q.reached,
    })  # fmt: skip


def _quorum_state(text: str | None) -> QuorumState | None:
    if text is None:
        return None
    d = json.loads(text)
    return QuorumState(
        rule=QuorumRule(QuorumKind(d["kind"]), d["value"]), members=int(d["members"]),
        present=int(d["present"]), required=int(d["required"]), reached=bool(d["reached"]),
    )  # fmt: skip


def encode_result(r: Result) -> str:
    return _json({
        "counts": [[c, n] for c, n in r.counts], "ballots": r.ballots, "base": r.base,
        "required": r.required, "passed": r.passed, "elected": list(r.elected),
        "tie": r.tie.value,
    })  # fmt: skip


def decode_result(text: str) -> Result:
    d = json.loads(text)
    return Result(
        counts=tuple((str(c), int(n)) for c, n in d["counts"]), ballots=int(d["ballots"]),
        base=int(d["base"]), required=int(d["required"]), passed=bool(d["passed"]),
        elected=tuple(d["elected"]), tie=TieBreak(d["tie"]),
    )  # fmt: skip


def vote_values(v: Vote) -> dict[str, Any]:
    """Every column but `result` (written by the close alone)."""
    return {
        "id": v.id, "meeting_id": v.meeting_id, "agenda_item_id": v.agenda_item_id,
        "document_id": v.document_id, "title": v.title, "kind": v.kind.value,
        "options": _json([{"id": o.id, "label": o.label} for o in v.options]),
        "max_choices": v.max_choices, "secret": v.secret, "rule": v.rule.value,
        "tie": v.tie.value, "duration_seconds": v.duration_seconds,
        "require_quorum": v.require_quorum, "status": v.status.value,
        "created_by": v.created_by, "created_at": v.created_at, "opened_at": v.opened_at,
        "closes_at": v.closes_at, "closed_at": v.closed_at,
        "quorum_open": _quorum(v.quorum_at_open), "quorum_close": _quorum(v.quorum_at_close),
        "override_reason": v.override_reason, "board_head": v.board_head,
        "rerun_of": v.rerun_of,
    }  # fmt: skip


def vote(row: Any) -> Vote:
    return Vote(
        id=VoteId(row.id), meeting_id=MeetingId(row.meeting_id),
        agenda_item_id=AgendaItemId(row.agenda_item_id) if row.agenda_item_id else None,
        document_id=DocumentId(row.document_id) if row.document_id else None,
        title=row.title, kind=VoteKind(row.kind),
        options=tuple(VoteOption(o["id"], o["label"]) for o in json.loads(row.options)),
        max_choices=int(row.max_choices), secret=bool(row.secret), rule=VoteRule(row.rule),
        tie=TieRule(row.tie), duration_seconds=row.duration_seconds,
        require_quorum=bool(row.require_quorum), status=VoteStatus(row.status),
        created_by=row.created_by, created_at=row.created_at, opened_at=row.opened_at,
        closes_at=row.closes_at, closed_at=row.closed_at,
        quorum_at_open=_quorum_state(row.quorum_open),
        quorum_at_close=_quorum_state(row.quorum_close),
        override_reason=row.override_reason, board_head=row.board_head,
        rerun_of=VoteId(row.rerun_of) if row.rerun_of else None,
    )  # fmt: skip
