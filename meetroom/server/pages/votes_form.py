"""The forms of the meeting page's Votes section (see `votes`): a vote prepared or its
draft edited, a draft cancelled, the meeting's default rule, proxies added and removed.
Each goes through the same `VoteService` as the API (a cancel through `LiveVotes`, so
that open meeting rooms are told). A refused form is shown again where it was, with
what was typed and the reason."""

from __future__ import annotations

import math
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDictProxy

from meetroom.errors import N_, Category, Invalid, MeetRoomError, NotFound
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, VoteId
from meetroom.records.votes import TieRule, VoteDefaults, VoteKind, VoteRule
from meetroom.server.bodies import read_form
from meetroom.server.context import services
from meetroom.server.pages.forms import redirect, refusal
from meetroom.server.pages.meetings import render_detail
from meetroom.server.pages.votes import page_actor, typed_values
from meetroom.server.paths import path_id
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import require_moderator

routes = web.RouteTableDef()

# What a form explains in place; anything else (not the chair: 403) goes to the edge.
SHOWN = (Category.INVALID, Category.CONFLICT)
RULE_MISSING = N_("Choose a rule.")
TIE_MISSING = N_("Choose what a tie does.")


def _text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _fields(form: MultiDictProxy[Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: _text(form, name) for name in (
        "title", "kind", "max_choices", "secret", "rule", "tie", "duration", "duration_unit",
        "require_quorum", "item_id",
    )}  # fmt: skip
    fields["options"] = [o for o in form.getall("option", []) if isinstance(o, str)]
    return fields


E = TypeVar("E", VoteKind, VoteRule, TieRule)


def _choice(kind: type[E], text: str, message: str) -> E:
    try:
        return kind(text)
    except ValueError:
        raise Invalid(f"bad_{kind.__name__.lower()}", message) from None


def _countdown(fields: dict[str, Any]) -> int | None:
    text = fields["duration"].strip().replace(",", ".")
    if not text:
        return None  # the chair closes it
    try:
        amount = float(text)
        if not math.isfinite(amount):
            raise ValueError(text)
    except ValueError:
        raise Invalid(
            "bad_duration_number", N_("Countdown: enter a number, e.g. 90 seconds or 2 minutes.")
        ) from None
    # Its range is the service's, checked with the rest of the vote.
    return round(amount * 60) if fields["duration_unit"] != "seconds" else round(amount)


def parse_draft(fields: dict[str, Any]) -> VoteDraft:
    kind = _choice(VoteKind, fields["kind"], N_("Choose the kind of vote."))
    choice = kind is VoteKind.CHOICE
    max_choices = 1
    if choice:
        try:
            max_choices = int(fields["max_choices"].strip() or "1")
        except ValueError:
            raise Invalid(
                "bad_max_choices_number", N_("Choices per ballot: enter a whole number.")
            ) from None
    return VoteDraft(
        title=fields["title"],
        kind=kind,
        # The option fields stay in the form, hidden, for the other kinds.
        options=tuple(o.strip() for o in fields["options"] if o.strip()) if choice else (),
        max_choices=max_choices,
        secret=bool(fields["secret"]),
        rule=_choice(VoteRule, fields["rule"], RULE_MISSING) if fields["rule"] else None,
        tie=_choice(TieRule, fields["tie"], TIE_MISSING) if fields["tie"] else None,
        duration_seconds=_countdown(fields),
        require_quorum=bool(fields["require_quorum"]),
        agenda_item_id=AgendaItemId(fields["item_id"]) if fields["item_id"] else None,
    )


async def _refused(
    request: web.Request, exc: MeetRoomError, form: str, typed: dict[str, Any] | None = None,
    shown: tuple[Category, ...] = SHOWN,
) -> web.StreamResponse:  # fmt: skip
    refused = refusal(request, exc, shown, status=400)
    return await render_detail(
        request, path_id(request, MeetingId), status=refused.status,
        vote_error={"form": form, "message": refused.message}, vote_typed=typed or {},
    )  # fmt: skip


def _done(meeting_id: MeetingId, notice: str, anchor: str = "votes") -> web.HTTPSeeOther:
    return redirect(f"/meetings/{meeting_id}?notice={notice}#{anchor}")


@routes.post("/meetings/{meeting_id}/votes")
async def create_vote(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    require_moderator(actor)  # before the form: a delegate is refused, not corrected
    fields = _fields(await read_form(request))
    try:
        draft = parse_draft(fields)
        await services(request).votes.votes.create(actor, meeting_id, draft)
    except MeetRoomError as exc:
        return await _refused(request, exc, "new", typed_values(fields))
    raise _done(meeting_id, "vote_prepared")


async def _vote_of(request: web.Request, meeting_id: MeetingId) -> VoteId:
    vote_id = VoteId(request.match_info["vote_id"])
    vote = await services(request).votes.votes.get(vote_id)
    if vote.meeting_id != meeting_id:
        raise NotFound("vote_not_found", N_("No such vote."))
    return vote_id


@routes.post("/meetings/{meeting_id}/votes/{vote_id}/edit")
async def edit_vote(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    require_moderator(actor)
    vote_id = await _vote_of(request, meeting_id)
    fields = _fields(await read_form(request))
    try:
        draft = parse_draft(fields)
        await services(request).votes.votes.update(actor, vote_id, draft)
    except MeetRoomError as exc:
        return await _refused(request, exc, vote_id, typed_values(fields))
    raise _done(meeting_id, "vote_saved")


@routes.post("/meetings/{meeting_id}/votes/{vote_id}/cancel")
async def cancel_vote(request: web.Request) -> web.StreamResponse:
    """A draft not wanted any more (kept, marked cancelled; it may be run again)."""
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    require_moderator(actor)
    vote_id = await _vote_of(request, meeting_id)
    form = await read_form(request)
    try:
        await services(request).votes.cancel(actor, vote_id, _text(form, "reason"))
    except MeetRoomError as exc:
        return await _refused(request, exc, vote_id)
    raise _done(meeting_id, "vote_cancelled")


@routes.post("/meetings/{meeting_id}/vote-defaults")
async def save_defaults(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    require_moderator(actor)
    form = await read_form(request)
    try:
        defaults = VoteDefaults(
            rule=_choice(VoteRule, _text(form, "rule"), RULE_MISSING),
            tie=_choice(TieRule, _text(form, "tie"), TIE_MISSING),
            require_quorum=bool(_text(form, "require_quorum")),
        )
        await services(request).votes.votes.set_defaults(actor, meeting_id, defaults)
    except MeetRoomError as exc:
        return await _refused(request, exc, "defaults")
    raise _done(meeting_id, "vote_defaults_saved", "vote-defaults")


@routes.post("/meetings/{meeting_id}/proxies")
async def add_proxy(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    require_moderator(actor)
    form = await read_form(request)
    typed = {"principal_id": _text(form, "principal_id"), "proxy_id": _text(form, "proxy_id")}
    try:
        if not typed["principal_id"] or not typed["proxy_id"]:
            raise Invalid("proxy_missing", N_("Choose who hands on their vote, and to whom."))
        await services(request).votes.votes.add_proxy(
            actor, meeting_id, ParticipantId(typed["principal_id"]),
            ParticipantId(typed["proxy_id"]),
        )  # fmt: skip
    except MeetRoomError as exc:
        # Someone removed from the meeting meanwhile is explained here too.
        return await _refused(request, exc, "proxies", typed, (*SHOWN, Category.NOT_FOUND))
    raise _done(meeting_id, "proxy_added", "proxies")


@routes.post("/meetings/{meeting_id}/proxies/{participant_id}/delete")
async def remove_proxy(request: web.Request) -> web.StreamResponse:
    meeting_id = path_id(request, MeetingId)
    actor = await page_actor(request, meeting_id)
    try:
        await services(request).votes.votes.remove_proxy(
            actor, meeting_id, path_id(request, ParticipantId)
        )
    except MeetRoomError as exc:
        return await _refused(request, exc, "proxies", None, (*SHOWN, Category.NOT_FOUND))
    raise _done(meeting_id, "proxy_removed", "proxies")
