"""The meeting page's Votes section, against a real server: the chair (or an organiser)
prepares votes per agenda item and edits the drafts, sets the meeting's default rule,
records and removes proxies; a refused form is shown again with what was typed and
the reason, nothing saved; a delegate sees no forms and is refused (403); after the
votes, the results table with the link to the CSV."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from meetroom.ids import MeetingId, ParticipantId, VoteId
from meetroom.records.votes import Vote, VoteStatus
from meetroom.sessions.votes.service import VoteActor
from tests.clients import ADMIN_PASSWORD, Api, Site, login
from tests.server.forms import post_form, signed_in
from tests.server.meetings import Room, create_meeting


@pytest.fixture
async def room(site: Site) -> Room:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    return Room(site, await create_meeting(site, csrf, "Votes"), "", csrf)


def page_of(room: Room) -> str:
    return f"/meetings/{room.id}"


async def votes_of(room: Room) -> list[Vote]:
    return await room.site.services.votes.votes.of_meeting(MeetingId(room.id))


async def participants(room: Room) -> dict[str, str]:
    found = await Api(room.site.client, room.csrf).get(f"/api/meetings/{room.id}/participants")
    return {p["name"]: p["id"] for p in found}


async def agenda_item(room: Room, title: str) -> str:
    api = Api(room.site.client, room.csrf)
    item = await api.post(f"/api/meetings/{room.id}/agenda", {"title": title}, status=201)
    return str(item["id"])


def vote_form(**fields: Any) -> dict[str, Any]:
    """The new-vote form as a browser posts it (unchecked boxes are left out)."""
    form: dict[str, Any] = {
        "title": "Approve the budget", "kind": "yes_no_abstain", "option": ["", "", ""],
        "max_choices": "1", "rule": "cast_majority", "tie": "fails", "duration": "",
        "duration_unit": "minutes", "item_id": "",
    }  # fmt: skip
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


async def post(client: TestClient, page: str, action: str, form: dict[str, Any]) -> Any:
    """A form with repeated fields (the options) posted as a list of pairs."""
    token_resp = await client.get(page)
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', await token_resp.text())
    assert token, await token_resp.text()
    pairs = [("_csrf", token.group(1))]
    for key, value in form.items():
        pairs += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return await client.post(action, data=pairs, allow_redirects=False)


async def test_the_chair_prepares_and_edits_votes_per_agenda_item(room: Room) -> None:
    budget = await agenda_item(room, "Budget 2031")
    board = await agenda_item(room, "Board election")
    admin = await signed_in(room.site)
    page = page_of(room)
    text = await (await admin.get(page)).text()
    assert 'id="votes"' in text and "No votes yet." in text
    assert f'action="{page}/votes"' in text and "2. Board election" in text

    form = vote_form(item_id=budget, duration="1.5", secret="1", require_quorum="1")
    resp = await post(admin, page, f"{page}/votes", form)
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"].endswith("?notice=vote_prepared#votes")
    form = vote_form(
        title="Elect two members", kind="choice", option=["Lan", "Minh", " ", "Hoa"],
        max_choices="2", item_id=board, duration="45", duration_unit="seconds", tie="chair",
    )  # fmt: skip
    assert (await post(admin, page, f"{page}/votes", form)).status == 303

    first, second = sorted(await votes_of(room), key=lambda v: v.created_at)
    assert (first.title, first.kind.value, first.agenda_item_id) == (
        "Approve the budget", "yes_no_abstain", budget,
    )  # fmt: skip
    assert first.secret and first.require_quorum and first.duration_seconds == 90
    assert [o.label for o in second.options] == ["Lan", "Minh", "Hoa"]  # the blank left out
    assert (second.max_choices, second.duration_seconds, second.tie.value) == (2, 45, "chair")
    assert not second.secret and not second.require_quorum

    text = await (await admin.get(f"{page}?notice=vote_prepared")).text()
    assert "The vote was prepared." in text
    assert "Item 1: Budget 2031" in text and "Item 2: Board election" in text
    assert "up to 2 per ballot" in text and "countdown 1:30" in text
    # Each draft's own form, filled in with it.
    assert f'action="{page}/votes/{second.id}/edit"' in text
    assert 'value="Hoa"' in text and 'value="45"' in text

    edit = vote_form(title="Approve the budget as amended", kind="yes_no", rule="members_majority")
    resp = await post(admin, page, f"{page}/votes/{first.id}/edit", edit)
    assert resp.status == 303 and resp.headers["Location"].endswith("notice=vote_saved#votes")
    edited = await room.site.services.votes.votes.get(first.id)
    assert (edited.title, edited.kind.value, edited.rule.value) == (
        "Approve the budget as amended", "yes_no", "members_majority",
    )  # fmt: skip
    assert not edited.secret and edited.duration_seconds is None and edited.agenda_item_id is None

    resp = await post(admin, page, f"{page}/votes/{second.id}/cancel", {"reason": ""})
    assert resp.status == 303
    assert (await room.site.services.votes.votes.get(second.id)).status is VoteStatus.CANCELLED
    text = await (await admin.get(page)).text()
    assert f'action="{page}/votes/{second.id}/edit"' not in text  # no longer a draft


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "The vote needs a question."),
        ({"kind": "choice", "option": ["Only one", "", ""]}, "needs 2 to 100 options"),
        ({"kind": "choice", "option": ["A", "a", ""]}, "Two options have the same text."),
        ({"kind": "choice", "option": ["A", "B"], "max_choices": "3"}, "from 1 to 2 options"),
        ({"kind": "choice", "option": ["A", "B"], "max_choices": "x"}, "enter a whole number"),
        ({"secret": "1", "tie": "chair"}, "In a secret vote the chair"),
        ({"duration": "abc"}, "Countdown: enter a number"),
        ({"duration": "5", "duration_unit": "seconds"}, "between 10 seconds and 24 hours"),
        ({"kind": "sometimes"}, "Choose the kind of vote."),
        ({"rule": "loudest"}, "Choose a rule."),
        ({"item_id": "nope"}, "This meeting has no such agenda item."),
    ],
)
async def test_a_refused_vote_form_keeps_what_was_typed(
    room: Room, fields: dict[str, Any], message: str
) -> None:
    admin = await signed_in(room.site)
    page = page_of(room)
    form = vote_form(title="Typed question 42", option=["Typed option", "", ""])
    form.update(fields)
    resp = await post(admin, page, f"{page}/votes", form)
    text = await resp.text()
    assert resp.status == 400 and message in text, text[-3000:]
    assert 'role="alert"' in text and '<details class="vote-new" open>' in text
    if fields.get("title") is None:
        assert "Typed question 42</textarea>" in text
    if "option" not in fields:
        assert 'value="Typed option"' in text
    assert await votes_of(room) == []


async def test_a_refused_edit_is_shown_on_that_vote(room: Room) -> None:
    admin = await signed_in(room.site)
    page = page_of(room)
    assert (await post(admin, page, f"{page}/votes", vote_form())).status == 303
    (vote,) = await votes_of(room)
    form = vote_form(title="Changed question", kind="choice", option=["A", "", ""])
    resp = await post(admin, page, f"{page}/votes/{vote.id}/edit", form)
    text = await resp.text()
    assert resp.status == 400 and "needs 2 to 100 options" in text
    assert '<details class="vote-edit" open>' in text and "Changed question</textarea>" in text
    assert (await room.site.services.votes.votes.get(vote.id)).title == "Approve the budget"
    # Another meeting's vote is not this page's.
    other = await create_meeting(room.site, room.csrf, "Other")
    resp = await post(admin, page, f"/meetings/{other}/votes/{vote.id}/edit", vote_form())
    assert resp.status == 404


async def test_the_default_rule_applies_to_new_votes(room: Room) -> None:
    admin = await signed_in(room.site)
    page = page_of(room)
    text = await (await admin.get(page)).text()
    assert f'action="{page}/vote-defaults"' in text
    form = {"rule": "members_two_thirds", "tie": "chair", "require_quorum": "1"}
    resp = await post_form(admin, page, f"{page}/vote-defaults", form)
    assert resp.status == 303 and resp.headers["Location"].endswith("#vote-defaults")
    defaults = await room.site.services.votes.votes.defaults(MeetingId(room.id))
    assert (defaults.rule.value, defaults.tie.value, defaults.require_quorum) == (
        "members_two_thirds", "chair", True,
    )  # fmt: skip
    text = await (await admin.get(f"{page}?notice=vote_defaults_saved")).text()
    assert "The default rule was saved" in text
    # The new vote's form starts from the default.
    new_form = text[text.index('<details class="vote-new"') :]
    assert 'name="rule" value="members_two_thirds" checked' in new_form
    assert 'name="tie" value="chair" checked' in new_form
    assert 'name="require_quorum" value="1" checked' in new_form

    resp = await post_form(admin, page, f"{page}/vote-defaults", {"rule": "x", "tie": "fails"})
    assert resp.status == 400 and "Choose a rule." in await resp.text()
    defaults = await room.site.services.votes.votes.defaults(MeetingId(room.id))
    assert defaults.rule.value == "members_two_thirds"


async def test_proxies_added_refused_and_removed(room: Room) -> None:
    for name in ("An", "Bình", "Chi", "Dũng"):
        await room.person(name, "delegate")
    await room.person("Observer", "observer")
    ids = await participants(room)
    admin = await signed_in(room.site)
    page = page_of(room)
    text = await (await admin.get(page)).text()
    assert 'id="proxies"' in text and "No proxies." in text
    proxies = f"{page}/proxies"

    form = {"principal_id": ids["An"], "proxy_id": ids["Bình"]}
    resp = await post_form(admin, page, proxies, form)
    assert resp.status == 303 and resp.headers["Location"].endswith("notice=proxy_added#proxies")
    text = await (await admin.get(page)).text()
    assert re.search(r'<tr data-proxy="[^"]+">\s*<td>An</td><td>Bình</td>', text)

    for form, message in (
        ({"principal_id": ids["An"], "proxy_id": ids["Chi"]}, "already has a proxy"),
        ({"principal_id": ids["Chi"], "proxy_id": ids["An"]}, "cannot vote through someone else"),
        ({"principal_id": ids["Bình"], "proxy_id": ids["Dũng"]}, "nor hand on votes it holds"),
        ({"principal_id": ids["Chi"], "proxy_id": ids["Chi"]}, "cannot be their own proxy"),
        ({"principal_id": ids["Chi"], "proxy_id": ids["Observer"]}, "An observer cannot"),
        ({"principal_id": ids["Chi"], "proxy_id": ""}, "Choose who hands on their vote"),
        ({"principal_id": ids["Chi"], "proxy_id": "nobody"}, "No such participant"),
    ):
        resp = await post_form(admin, page, proxies, form)
        text = await resp.text()
        assert resp.status == 400 and message in text, (form, text[-2000:])
        assert 'role="alert"' in text
        # What was chosen stays chosen.
        assert f'<option value="{form["principal_id"]}" selected>' in text
    found = await room.site.services.votes.votes.proxies(MeetingId(room.id))
    assert [(p.principal_id, p.proxy_id) for p in found] == [(ids["An"], ids["Bình"])]

    resp = await post_form(admin, page, f"{proxies}/{ids['An']}/delete", {})
    assert resp.status == 303 and resp.headers["Location"].endswith("notice=proxy_removed#proxies")
    assert await room.site.services.votes.votes.proxies(MeetingId(room.id)) == []
    resp = await post_form(admin, page, f"{proxies}/{ids['An']}/delete", {})
    assert resp.status == 400 and "has no proxy" in await resp.text()


async def test_a_delegate_gets_no_forms_and_is_refused(room: Room) -> None:
    api = Api(room.site.client, room.csrf)
    user = await api.post(
        "/api/users",
        {"username": "dana", "display_name": "Dana", "password": "dana-pass-123",
         "role": "delegate"},
    status=201)  # fmt: skip
    await api.post(
        f"/api/meetings/{room.id}/participants",
        {"user_id": user["user"]["id"], "role": "delegate"}, status=201,
    )  # fmt: skip
    await room.person("Bình", "delegate")
    ids = await participants(room)
    admin = await signed_in(room.site)
    page = page_of(room)
    assert (await post(admin, page, f"{page}/votes", vote_form())).status == 303
    (vote,) = await votes_of(room)

    dana = await signed_in(room.site, "dana", "dana-pass-123")
    resp = await dana.get(page)
    text = await resp.text()
    assert resp.status == 200 and 'id="votes"' in text and "Approve the budget" in text
    assert "<form" not in text[text.index('id="votes"') :].split('id="vote-results"')[0].replace(
        '<form method="post" action="/logout"', ""
    )
    assert "vote-defaults" in text and "More yes than no" in text  # the rule, to read
    for action, form in (
        (f"{page}/votes", vote_form()),
        (f"{page}/votes/{vote.id}/edit", vote_form(title="Hijacked")),
        (f"{page}/votes/{vote.id}/cancel", {}),
        (f"{page}/vote-defaults", {"rule": "members_majority", "tie": "fails"}),
        (f"{page}/proxies", {"principal_id": ids["Dana"], "proxy_id": ids["Bình"]}),
    ):
        resp = await post(dana, page, action, form)
        assert resp.status == 403, (action, resp.status)
    # One who joined by link (no meeting page of their own) is refused the same.
    binh = room.browsers["Bình"]
    resp = await post_form(binh, f"/m/{room.id}", f"{page}/votes", {"title": "x"})
    assert resp.status == 403
    (same,) = await votes_of(room)
    assert same.title == "Approve the budget" and same.status is VoteStatus.DRAFT
    assert await room.site.services.votes.votes.proxies(MeetingId(room.id)) == []
    defaults = await room.site.services.votes.votes.defaults(MeetingId(room.id))
    assert defaults.rule.value == "cast_majority"


async def test_the_results_after_the_meeting(room: Room) -> None:
    chair_browser = await room.person("Chair", "chair")
    chair, _ = await room.tablet(chair_browser)
    await room.person("An", "delegate")
    ids = await participants(room)
    admin = await signed_in(room.site)
    page = page_of(room)
    form = vote_form(title="Adopt the minutes", kind="yes_no")
    assert (await post(admin, page, f"{page}/votes", form)).status == 303
    (vote,) = await votes_of(room)
    api = Api(room.site.client, room.csrf)
    await api.post(f"/api/meetings/{room.id}/open")
    votes = room.site.services.votes
    chair_actor = VoteActor(
        f"p:{ids['Chair']}", "Chair", ParticipantId(ids["Chair"]), moderator=True, can_vote=True
    )
    await votes.open(chair_actor, VoteId(vote.id))
    an = VoteActor(f"p:{ids['An']}", "An", ParticipantId(ids["An"]), moderator=False, can_vote=True)
    await votes.cast(chair_actor, VoteId(vote.id), "7f1c1f5e-4b8e-4d35-9a55-0d5b1f0e6a01", "yes")
    await votes.cast(an, VoteId(vote.id), "7f1c1f5e-4b8e-4d35-9a55-0d5b1f0e6a02", "no")
    await votes.close(chair_actor, VoteId(vote.id))
    await api.post(f"/api/meetings/{room.id}/close")

    text = await (await admin.get(page)).text()
    results = text[text.index('id="vote-results"') :]
    assert "Adopt the minutes" in results and "2 ballots" in results
    assert re.search(r'data-choice="yes">Yes: <strong>1</strong>', results)
    assert re.search(r'data-choice="no">No: <strong>1</strong>', results)
    assert "A tie: the motion fails." in results and "Not passed" in results
    assert f'href="/api/meetings/{room.id}/votes.csv"' in results
    csv = await admin.get(f"/api/meetings/{room.id}/votes.csv")
    assert csv.status == 200 and "Adopt the minutes" in await csv.text()
    # The meeting ended: no forms any more, the results stay.
    assert f'action="{page}/votes"' not in text and f'action="{page}/proxies"' not in text
    await chair.close()
