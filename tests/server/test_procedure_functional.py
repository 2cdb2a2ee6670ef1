"""The meeting's procedure on its page (the quorum rule, the default speaking time and
the per-item limit), against a real server: saved by the chair or an organiser and
told at once to the open meeting rooms, shown read-only to the others, bad input
refused with the form shown again and nothing saved."""

from __future__ import annotations

import pytest

from tests.clients import ADMIN_PASSWORD, Api, Site, login
from tests.server.forms import post_form, signed_in
from tests.server.meetings import Room, create_meeting


@pytest.fixture
async def room(site: Site) -> Room:
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    return Room(site, await create_meeting(site, csrf, "Procedure"), "", csrf)


async def test_an_organiser_sets_the_rule_and_the_rooms_hear_it(room: Room) -> None:
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    for i in range(3):
        await room.person(f"Delegate {i}", "delegate")
    await chair.next_where("quorum", lambda m: m["members"] == 4)
    admin = await signed_in(room.site)
    page = f"/meetings/{room.id}"
    text = await (await admin.get(page)).text()
    assert 'id="procedure"' in text and 'value="majority" checked' in text
    assert 'name="default_minutes" inputmode="decimal" value="3"' in text  # 180 s

    form = {"rule": "at_least", "value": "2", "default_minutes": "1.5", "per_person_limit": "2"}
    resp = await post_form(admin, page, f"{page}/procedure", form)
    assert resp.status == 303 and resp.headers["Location"].endswith(
        "notice=procedure_saved#procedure"
    )
    floor = await chair.next_where("floor", lambda m: m.get("default_limit") == 90)
    assert floor["per_person_limit"] == 2
    told = await chair.next_where("quorum", lambda m: m["rule"] == "at_least")
    assert told["value"] == 2 and told["required"] == 2
    text = await (await admin.get(page)).text()
    assert 'value="at_least" checked' in text and 'value="1.5"' in text

    form = {"rule": "none", "value": "", "default_minutes": "", "per_person_limit": ""}
    assert (await post_form(admin, page, f"{page}/procedure", form)).status == 303
    state = await room.site.services.floor.floor.state(room.id)  # type: ignore[arg-type]
    assert state.default_limit is None and state.per_person_limit is None
    rule = await room.site.services.floor.roll.rule(room.id)  # type: ignore[arg-type]
    assert rule.kind.value == "none"
    await chair.close()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"rule": "at_least", "value": ""}, "needs N between 1 and"),
        ({"rule": "at_least", "value": "two"}, "enter a whole number"),
        ({"rule": "sometimes"}, "Choose a quorum rule"),
        ({"rule": "majority", "default_minutes": "abc"}, "enter a number of minutes"),
        ({"rule": "majority", "default_minutes": "0.05"}, "between 10 and 14400 seconds"),
        ({"rule": "majority", "default_minutes": "-3"}, "between 10 and 14400 seconds"),
        ({"rule": "majority", "default_minutes": "inf"}, "enter a number of minutes"),
        ({"rule": "majority", "per_person_limit": "0"}, "between 1 and 100"),
    ],
)
async def test_bad_input_is_refused_and_nothing_saved(
    room: Room, form: dict[str, str], message: str
) -> None:
    admin = await signed_in(room.site)
    page = f"/meetings/{room.id}"
    resp = await post_form(admin, page, f"{page}/procedure", form)
    text = await resp.text()
    assert resp.status == 400 and message in text, text[:2000]
    assert 'role="alert"' in text
    state = await room.site.services.floor.floor.state(room.id)  # type: ignore[arg-type]
    assert state.default_limit == 180 and state.per_person_limit is None
    rule = await room.site.services.floor.roll.rule(room.id)  # type: ignore[arg-type]
    assert rule.kind.value == "majority"


async def test_a_delegate_sees_the_procedure_but_cannot_change_it(room: Room) -> None:
    delegate = await room.person("Delegate", "delegate")
    page = f"/meetings/{room.id}"
    resp = await delegate.get(page, allow_redirects=False)
    # A delegate who joined by link has the meeting room, not the preparation page.
    assert resp.status == 303
    form = {"rule": "none", "_csrf": room.csrf}
    resp = await post_form(delegate, f"/m/{room.id}", f"{page}/procedure", form)
    assert resp.status == 403
    rule = await room.site.services.floor.roll.rule(room.id)  # type: ignore[arg-type]
    assert rule.kind.value == "majority"


async def test_attendance_marked_by_hand_on_the_page(room: Room) -> None:
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    await room.person("Anna", "delegate")
    await room.person("Guest", "guest")
    participants = await Api(room.site.client, room.csrf).get(
        f"/api/meetings/{room.id}/participants"
    )
    anna = next(p for p in participants if p["name"] == "Anna")
    guest = next(p for p in participants if p["name"] == "Guest")
    admin = await signed_in(room.site)
    page = f"/meetings/{room.id}"
    text = await (await admin.get(page)).text()
    assert 'id="roll"' in text and f'data-roll="{anna["id"]}"' in text
    assert f'data-roll="{guest["id"]}"' not in text  # neither votes nor is marked

    # An excuse before the meeting, with its reason.
    action = f"{page}/attendance/{anna['id']}"
    resp = await post_form(admin, page, action, {"state": "excused", "reason": "Công tác"})
    assert resp.status == 303 and resp.headers["Location"].endswith("#roll")
    text = await (await admin.get(page)).text()
    assert "Excused (by hand): Công tác" in text

    await Api(room.site.client, room.csrf).post(f"/api/meetings/{room.id}/open")
    await chair.next_where("quorum", lambda m: m["present"] == 1)
    resp = await post_form(admin, page, action, {"state": "present", "reason": ""})
    assert resp.status == 303
    reached = await chair.next_where("quorum", lambda m: m["present"] == 2)
    assert reached["members"] == 2 and reached["reached"] is True

    for form, status, message in (
        ({"state": "maybe"}, 400, "Choose present, excused or absent."),
        ({"state": "excused", "reason": "x" * 501}, 400, "at most 500 characters"),
    ):
        resp = await post_form(admin, page, action, form)
        assert resp.status == status and message in await resp.text()
    resp = await post_form(admin, page, f"{page}/attendance/nobody", {"state": "absent"})
    assert resp.status == 404
    delegate = room.browsers["Anna"]
    resp = await post_form(delegate, f"/m/{room.id}", action, {"state": "absent"})
    assert resp.status == 403
    marks = await room.site.services.floor.roll.marks(room.id)  # type: ignore[arg-type]
    assert [m.state.value for m in marks.values()] == ["present"]
    await chair.close()
