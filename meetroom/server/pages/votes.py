"""The meeting's votes on its page, for the chair and the secretary (the `moderator`
grant, or an account that manages meetings): votes prepared ahead per agenda item, the
meeting's default rule, the proxies, and every vote's result with the CSV of them all.
The forms' routes are in `votes_form`; the meeting room's Votes tab does the same on
the API (web/static/js/votes/chair.js)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from meetroom.ids import MeetingId
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.status import READ_ONLY
from meetroom.records.meetings import Grant, MeetingRole
from meetroom.records.votes import TieRule, Vote, VoteDefaults, VoteKind, VoteRule, VoteStatus
from meetroom.server.context import principal, services
from meetroom.sessions.votes.counting import choices_of
from meetroom.sessions.votes.live import vote_actor
from meetroom.sessions.votes.service import VoteActor

# Rows of option fields a form shows at least (blank ones are left out when saved).
OPTION_ROWS = 3


async def page_actor(request: web.Request, meeting_id: MeetingId) -> VoteActor:
    """Who acts, as the meeting socket and the API see them (NotFound or Forbidden
    for someone who may not open the meeting)."""
    return vote_actor(await services(request).live.viewer(principal(request), meeting_id))


@dataclass(frozen=True, slots=True)
class Count:
    choice: str  # "yes", "no", "abstain" or an option id
    label: str  # an option's label ("" for the yes/no words: the template names them)
    count: int
    percent: float


def form_values(vote: Vote | None, defaults: VoteDefaults) -> dict[str, Any]:
    """A vote form's fields: a draft's, else a new vote's (the meeting's default rule)."""
    if vote is None:
        return {
            "title": "", "kind": VoteKind.YES_NO_ABSTAIN.value, "options": [""] * OPTION_ROWS,
            "max_choices": "1", "secret": False, "rule": defaults.rule.value,
            "tie": defaults.tie.value, "duration": "", "duration_unit": "minutes",
            "require_quorum": defaults.require_quorum, "item_id": "",
        }  # fmt: skip
    seconds = vote.duration_seconds
    minutes = seconds is not None and seconds % 60 == 0
    labels = [o.label for o in vote.options]
    return {
        "title": vote.title, "kind": vote.kind.value,
        "options": labels + [""] * max(1, OPTION_ROWS - len(labels)),
        "max_choices": str(vote.max_choices), "secret": vote.secret, "rule": vote.rule.value,
        "tie": vote.tie.value,
        "duration": "" if seconds is None else str(seconds // 60 if minutes else seconds),
        "duration_unit": "minutes" if minutes or seconds is None else "seconds",
        "require_quorum": vote.require_quorum, "item_id": vote.agenda_item_id or "",
    }  # fmt: skip


def typed_values(form: dict[str, Any]) -> dict[str, Any]:
    """What was typed into a refused vote form, to show it again as it was."""
    options = [str(o) for o in form.get("options", [])]
    return {
        "title": form.get("title", ""), "kind": form.get("kind", ""),
        "options": options + [""] * max(1, OPTION_ROWS - len(options)),
        "max_choices": form.get("max_choices", "1"), "secret": bool(form.get("secret")),
        "rule": form.get("rule", ""), "tie": form.get("tie", ""),
        "duration": form.get("duration", ""),
        "duration_unit": form.get("duration_unit", "minutes"),
        "require_quorum": bool(form.get("require_quorum")), "item_id": form.get("item_id", ""),
    }  # fmt: skip


async def votes_context(request: web.Request, access: MeetingAccess) -> dict[str, Any]:
    """For the meeting page: the votes with their results, the default rule and the
    proxies; the forms only for the chair's powers, until the meeting ended."""
    svc = services(request)
    service = svc.votes.votes
    meeting = access.meeting
    actor = await page_actor(request, meeting.id)
    may_change = actor.moderator and meeting.status not in READ_ONLY
    defaults = await service.defaults(meeting.id)
    people = await service.meetings.list_participants(meeting.id)
    names = {p.id: p.name for p in people}
    agenda = await svc.agenda.items(principal(request), meeting.id)
    items = {item.id: (number, item.title) for number, item in enumerate(agenda, start=1)}
    rows: list[dict[str, Any]] = []
    for vote in await service.of_meeting(meeting.id):
        result = await service.result(vote)
        labels = {o.id: o.label for o in vote.options}
        counts = (
            [Count(c, labels.get(c, ""), result.count(c), result.percent(c))
             for c in choices_of(vote)]
            if result is not None else []
        )  # fmt: skip
        rows.append({
            "vote": vote,
            "result": result,
            "counts": counts,
            "elected": [labels.get(o, o) for o in result.elected] if result else [],
            "item": items.get(vote.agenda_item_id) if vote.agenda_item_id else None,
            "values": form_values(vote, defaults) if vote.status is VoteStatus.DRAFT else None,
        })  # fmt: skip
    return {
        "votes": {
            "may_change": may_change,
            "rows": rows,
            "closed": [r for r in rows if r["result"] is not None],
            "defaults": defaults,
            "new": form_values(None, defaults),
            "rules": [r.value for r in VoteRule],
            "ties": [t.value for t in TieRule],
            "kinds": [k.value for k in VoteKind],
            "proxies": [
                {
                    "principal_id": p.principal_id,
                    "principal": names.get(p.principal_id, ""),
                    "proxy": names.get(p.proxy_id, ""),
                }
                for p in await service.proxies(meeting.id)
            ],  # fmt: skip
            # Who may hand a vote on (those who vote), and who may carry one (anyone
            # but an observer): the service says why any other pair is refused.
            "principals": [p for p in people if Grant.CAN_VOTE in p.grants],
            "carriers": [p for p in people if p.role is not MeetingRole.OBSERVER],
        },
    }
