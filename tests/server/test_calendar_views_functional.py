"""The calendar pages and GET /api/calendar on a real server: meetings at the right
local times in the server's zone and in a user's own zone (a week with a DST change
too), rooms' closed hours shaded, who may book where, and the account page's time
zone field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from meetroom.clock import SettableClock
from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Api, Site, page_csrf
from tests.server.meetings import add_room

pytestmark = pytest.mark.dates

# The servers' clock starts here (the tests move it on): the dates below are fixed
# relative to it, for the weekdays and the change to summer time they need.
START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


VOID = {"input", "br", "link", "meta", "img", "hr", "source", "col", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parents: list[Element]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parents = parents
        self.text = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def inherited(self, name: str) -> str | None:
        """The attribute on the nearest enclosing element that has it."""
        for p in reversed(self.parents):
            if name in p.attrs:
                return p.attrs[name]
        return None


class Page(HTMLParser):
    """Every element of a page with its ancestors: enough to ask where a block is."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data

    def find(self, selector_class: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if selector_class in e.classes and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def block(self, meeting_id: str) -> Element:
        [block] = self.find("block", **{"data-meeting": meeting_id})
        return block

    def slot(self, room_id: str, local_start: str) -> Element:
        """The slot of a room at a local wall-clock time (week or day view)."""
        found = [
            e
            for e in self.find("slot", **{"data-local-start": local_start})
            if e.inherited("data-room") == room_id
        ]
        assert len(found) == 1, (room_id, local_start, len(found))
        return found[0]


class Viewer(Api):
    """A signed-in person who books meetings and looks at the calendar's pages."""

    async def meeting(self, title: str, start: str, end: str, room_id: str | None = None) -> str:
        body = await self.post(
            "/api/meetings",
            {"title": title, "starts_at": start, "ends_at": end, "room_id": room_id},
            status=201,
        )
        return str(body["id"])

    async def page(self, path: str, status: int = 200) -> Page:
        resp = await self.http.get(path)
        text = await resp.text()
        assert resp.status == status, text[:2000]
        return Page(text)


async def admin_api(site: Site) -> Viewer:
    return await Viewer.sign_in(site.client, "admin", ADMIN_PASSWORD)


async def user_api(
    site: Site, username: str, role: AccountRole, time_zone: str | None = None
) -> tuple[Viewer, str]:
    user, _ = await site.services.accounts.create_user(
        username,
        username.title(),
        role,
        password="pass-word-1234",
        must_change_password=False,
        time_zone=time_zone,
    )
    viewer = await Viewer.sign_in(await site.new_client(), username, "pass-word-1234")
    return viewer, user.id


async def december(site: Site) -> tuple[Viewer, dict[str, str]]:
    """Two rooms and three meetings in the week of Monday 30 November 2026; the clock
    at Wednesday 2 December, 12:00 in Hanoi."""
    site.clock.advance(datetime(2026, 12, 2, 5, 0, tzinfo=UTC) - site.clock.now())
    admin = await admin_api(site)
    ids = {
        "a": await add_room(
            admin, "Phòng A", available_from="08:00", available_until="17:00",
            available_days=[1, 2, 3, 4, 5],
        ),
        "b": await add_room(admin, "Phòng B"),
    }  # fmt: skip
    ids["budget"] = await admin.meeting(
        "Budget", "2026-12-01T09:00:00+07:00", "2026-12-01T10:30:00+07:00", ids["a"]
    )
    ids["staff"] = await admin.meeting(
        "Staff", "2026-12-03T14:00:00+07:00", "2026-12-03T15:00:00+07:00", ids["b"]
    )
    ids["late"] = await admin.meeting(
        "Late call", "2026-12-04T18:00:00+07:00", "2026-12-04T20:30:00+07:00"
    )
    return admin, ids


async def test_week_in_the_server_zone(site: Site) -> None:
    admin, ids = await december(site)
    resp = await site.client.get("/calendar", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/calendar/week"

    page = await admin.page("/calendar/week?date=2026-12-02")
    assert "Asia/Ho_Chi_Minh" in page.html
    # The late call (until 20:30) stretches the bars from 07:00-19:00 to 07:00-21:00:
    # 56 quarter hours.
    assert page.find("strip", **{"class": "strip cols-56 lanes-1"})
    budget = page.block(ids["budget"])
    assert budget.inherited("data-room") == ids["a"]
    assert budget.inherited("data-day") == "2026-12-01"
    assert budget.attrs["data-local-start"] == "2026-12-01T09:00"
    assert budget.attrs["data-local-end"] == "2026-12-01T10:30"
    assert {"cs-9", "ce-15"} <= budget.classes  # 09:00 and 10:30 on a grid from 07:00
    assert budget.attrs["href"] == f"/meetings/{ids['budget']}"
    staff = page.block(ids["staff"])
    assert staff.inherited("data-room") == ids["b"]
    assert staff.inherited("data-day") == "2026-12-03"
    late = page.block(ids["late"])
    assert late.inherited("data-room") == ""  # the lane of meetings without a room
    assert late.attrs["data-local-end"] == "2026-12-04T20:30"
    # The readable list under each bar names the meeting and its time.
    assert re.search(r"9:00\s*AM–10:30\s*AM</span> Budget", page.html)

    # Room A opens 08:00-17:00 on weekdays (the server's zone): shaded outside.
    assert "closed" in page.slot(ids["a"], "2026-12-03T07:30").classes
    assert "free" in page.slot(ids["a"], "2026-12-03T08:00").classes
    assert "closed" in page.slot(ids["a"], "2026-12-03T17:00").classes
    assert "closed" in page.slot(ids["a"], "2026-12-05T10:00").classes  # Saturday
    assert "free" in page.slot(ids["b"], "2026-12-05T10:00").classes
    # Before the clock (Wednesday 12:00) nothing is bookable; a held room is busy.
    assert "past" in page.slot(ids["a"], "2026-12-02T11:30").classes
    assert "free" in page.slot(ids["a"], "2026-12-02T12:00").classes
    assert "busy" in page.slot(ids["b"], "2026-12-03T14:30").classes
    free = page.slot(ids["b"], "2026-12-03T15:00")
    assert free.tag == "button"
    assert free.attrs["data-start"] == "2026-12-03T08:00:00+00:00"
    assert free.attrs["data-end"] == "2026-12-03T08:30:00+00:00"
    assert page.find("book-dialog")

    # Previous and next weeks, and a bad date.
    assert 'href="/calendar/week?date=2026-11-25"' in page.html
    assert 'href="/calendar/week?date=2026-12-09"' in page.html
    await admin.page("/calendar/week?date=2026-13-01", status=400)

    # Only one room: ?room=.
    only_a = await admin.page(f"/calendar/week?date=2026-12-02&room={ids['a']}")
    assert only_a.block(ids["budget"])
    assert not only_a.find("block", **{"data-meeting": ids["staff"]})
    rows = [e for e in only_a.elements if e.tag == "tr" and "data-room" in e.attrs]
    assert [r.attrs["data-room"] for r in rows] == [ids["a"]]


async def test_day_and_list_views(site: Site) -> None:
    admin, ids = await december(site)
    page = await admin.page("/calendar/day?date=2026-12-01")
    budget = page.block(ids["budget"])
    assert budget.inherited("data-room") == ids["a"]
    assert {"rs-9", "re-15"} <= budget.classes  # rows: quarter hours from 07:00
    assert not page.find("block", **{"data-meeting": ids["staff"]})  # another day
    # The whole of Tuesday is in the past: no slot to click.
    assert not page.find("free")

    page = await admin.page("/calendar/day?date=2026-12-04")
    assert page.block(ids["late"]).inherited("data-room") == ""
    assert "free" in page.slot("", "2026-12-04T20:30").classes  # the grid goes on to 21:00

    listing = await admin.page("/calendar/list?from=2026-11-30&to=2026-12-06")
    days = [e.text.strip() for e in listing.elements if "list-day" in e.classes]
    assert days == ["Tuesday, December 1, 2026", "Thursday, December 3, 2026",
                    "Friday, December 4, 2026"]  # fmt: skip
    items = [e for e in listing.elements if e.tag == "li" and "data-meeting" in e.attrs]
    assert [i.attrs["data-meeting"] for i in items] == [ids["budget"], ids["staff"], ids["late"]]
    assert "Phòng A" in items[0].text and "9:00" in items[0].text
    assert "No room" in items[2].text
    empty = await admin.page("/calendar/list?from=2026-12-07&to=2026-12-08")
    assert "No meetings in this period." in empty.html
    await admin.page("/calendar/list?from=2026-01-01&to=2026-12-31", status=400)


async def test_week_in_the_users_own_zone(site: Site) -> None:
    _, ids = await december(site)
    berlin, _ = await user_api(site, "berta", AccountRole.SECRETARY, time_zone="Europe/Berlin")
    page = await berlin.page("/calendar/week?date=2026-12-02")
    assert "Europe/Berlin" in page.html
    # 09:00 in Hanoi (UTC+7) is 03:00 in Berlin (UTC+1): the bars now start at 03:00.
    budget = page.block(ids["budget"])
    assert budget.attrs["data-local-start"] == "2026-12-01T03:00"
    assert {"cs-1", "ce-7"} <= budget.classes
    # Room A's hours, 08:00-17:00 in Hanoi, are 02:00-11:00 in Berlin.
    assert "free" in page.slot(ids["a"], "2026-12-03T10:30").classes
    assert "closed" in page.slot(ids["a"], "2026-12-03T11:00").classes
    # The meeting form reads and shows times in her zone too.
    form = await berlin.page(f"/meetings/{ids['budget']}/edit")
    assert 'value="2026-12-01T03:00"' in form.html
    assert "Times are in the Europe/Berlin time zone." in form.html


async def test_a_week_with_the_clocks_going_forward(site: Site) -> None:
    """Europe/Berlin moves from UTC+1 to UTC+2 at 02:00 on Sunday 29 March 2026."""
    admin = await admin_api(site)
    berlin, _ = await user_api(site, "berta", AccountRole.SECRETARY, time_zone="Europe/Berlin")
    monday = await admin.meeting("Monday", "2026-03-23T09:00:00+01:00", "2026-03-23T10:00:00+01:00")
    sunday = await admin.meeting("Sunday", "2026-03-29T09:00:00+02:00", "2026-03-29T10:00:00+02:00")
    page = await berlin.page("/calendar/week?date=2026-03-25")
    for meeting_id, day in ((monday, "2026-03-23"), (sunday, "2026-03-29")):
        block = page.block(meeting_id)
        assert block.inherited("data-day") == day
        assert block.attrs["data-local-start"] == f"{day}T09:00"
        assert {"cs-9", "ce-13"} <= block.classes, block.classes
    # The slots of Sunday are wall-clock half hours, in summer time.
    assert page.slot("", "2026-03-29T09:00").attrs["data-start"] == "2026-03-29T07:00:00+00:00"
    assert page.slot("", "2026-03-23T09:00").attrs["data-start"] == "2026-03-23T08:00:00+00:00"

    # A night meeting across the change: 01:30 to 04:00 on the wall clock, 1.5 hours.
    night = await admin.meeting("Night", "2026-03-29T00:30:00Z", "2026-03-29T02:00:00Z")
    day = await berlin.page("/calendar/day?date=2026-03-29")
    block = day.block(night)
    assert (block.attrs["data-local-start"], block.attrs["data-local-end"]) == (
        "2026-03-29T01:30",
        "2026-03-29T04:00",
    )
    assert {"rs-3", "re-13"} <= block.classes  # a grid from 01:00
    # 02:00-03:00 does not exist that night.
    assert "gap" in day.slot("", "2026-03-29T02:00").classes
    assert "gap" in day.slot("", "2026-03-29T02:30").classes
    assert day.slot("", "2026-03-29T03:00").attrs["data-start"] == "2026-03-29T01:00:00+00:00"


async def test_delegates_see_their_meetings_and_cannot_book(site: Site) -> None:
    admin, ids = await december(site)
    delegate, delegate_id = await user_api(site, "dan", AccountRole.DELEGATE)
    await admin.post(
        f"/api/meetings/{ids['staff']}/participants", {"user_id": delegate_id}, status=201
    )
    page = await delegate.page("/calendar/week?date=2026-12-02")
    assert page.block(ids["staff"])
    assert not page.find("block", **{"data-meeting": ids["budget"]})
    assert not [e for e in page.elements if e.tag == "button" and "slot" in e.classes]
    assert not page.find("book-dialog") and "calendar.js" not in page.html
    # Closed hours are still shaded for them.
    assert "closed" in page.slot(ids["a"], "2026-12-05T10:00").classes
    assert "view" in page.slot(ids["b"], "2026-12-05T10:00").classes
    entries = await delegate.get("/api/calendar?from=2026-11-30&to=2026-12-06")
    assert [e["meeting_id"] for e in entries] == [ids["staff"]]


async def test_a_secretary_books_only_rooms_she_may(site: Site) -> None:
    admin, ids = await december(site)
    secretary, secretary_id = await user_api(site, "sue", AccountRole.SECRETARY)
    other, _ = await user_api(site, "olga", AccountRole.SECRETARY)
    await admin.patch(f"/api/rooms/{ids['a']}", {"bookers": [secretary_id]})
    page = await other.page("/calendar/week?date=2026-12-02")
    assert "view" in page.slot(ids["a"], "2026-12-03T10:00").classes
    assert "free" in page.slot(ids["b"], "2026-12-03T10:00").classes
    dialog_rooms = [
        e.attrs["value"]
        for e in page.elements
        if e.tag == "option" and "book-dialog" in {p.attrs.get("id") for p in e.parents}
    ]
    assert dialog_rooms == ["", ids["b"]]
    page = await secretary.page("/calendar/week?date=2026-12-02")
    assert "free" in page.slot(ids["a"], "2026-12-03T10:00").classes


async def test_calendar_api(site: Site) -> None:
    admin, ids = await december(site)
    entries = await admin.get("/api/calendar?from=2026-12-01&to=2026-12-03")
    assert [e["meeting_id"] for e in entries] == [ids["budget"], ids["staff"]]
    assert entries[0]["starts_at"] == "2026-12-01T02:00:00Z"
    assert entries[0]["room_id"] == ids["a"] and entries[0]["url"] == f"/meetings/{ids['budget']}"
    entries = await admin.get(
        "/api/calendar?from=2026-12-03T15:00:00%2B07:00&to=2026-12-31&room=" + ids["b"]
    )
    assert entries == []
    body = await admin.get("/api/calendar?from=2026-12-01", status=400)
    assert body["error"]["code"] == "missing_field"
    body = await admin.get("/api/calendar?from=yesterday&to=2026-12-01", status=400)
    assert body["error"]["code"] == "bad_datetime"
    body = await admin.get("/api/calendar?from=2026-01-01&to=2028-01-01", status=400)
    assert body["error"]["code"] == "range_too_long"
    resp = await site.client.get("/api/openapi.json")
    assert "/api/calendar" in (await resp.json())["paths"]


async def test_more_options_prefills_the_meeting_form(site: Site) -> None:
    admin, ids = await december(site)
    page = await admin.page(
        f"/meetings/new?room_id={ids['b']}&starts_at=2026-12-03T10:00&ends_at=2026-12-03T11:00"
        "&title=From+the+calendar"
    )
    assert 'value="2026-12-03T10:00"' in page.html and 'value="2026-12-03T11:00"' in page.html
    assert 'value="From the calendar"' in page.html
    [chosen] = [
        e
        for e in page.elements
        if e.tag == "option" and "selected" in e.attrs and e.inherited("name") == "room_id"
    ]
    assert chosen.attrs["value"] == ids["b"]


async def test_account_time_zone(site: Site) -> None:
    user, _ = await user_api(site, "berta", AccountRole.SECRETARY)
    page = await user.page("/account")
    assert "Server default (Asia/Ho_Chi_Minh)" in page.html
    csrf = await page_csrf(user.http, "/account")

    async def post(**form: str) -> Any:
        return await user.http.post(
            "/account/time-zone", data={"_csrf": csrf, **form}, allow_redirects=False
        )

    resp = await post(time_zone="Europe/Berlin", time_zone_other="")
    assert resp.status == 303 and resp.headers["Location"] == "/account?notice=saved#time-zone"
    me = await user.get("/api/me")
    assert me["user"]["time_zone"] == "Europe/Berlin"
    page = await user.page("/account")
    [chosen] = [e for e in page.elements if e.tag == "option" and "selected" in e.attrs
                and e.inherited("name") == "time_zone"]  # fmt: skip
    assert chosen.attrs["value"] == "Europe/Berlin"

    # A typed name wins over the list; a name no one knows is refused, kept, explained.
    resp = await post(time_zone="", time_zone_other="Mars/Olympus_Mons")
    text = await resp.text()
    assert resp.status == 400
    assert "Unknown time zone Mars/Olympus_Mons" in text
    assert 'value="Mars/Olympus_Mons"' in text
    me = await user.get("/api/me")
    assert me["user"]["time_zone"] == "Europe/Berlin"

    resp = await post(time_zone="Asia/Ho_Chi_Minh", time_zone_other="America/Argentina/Salta")
    assert resp.status == 303
    me = await user.get("/api/me")
    assert me["user"]["time_zone"] == "America/Argentina/Salta"
    page = await user.page("/account")
    assert '<option value="America/Argentina/Salta" selected>' in page.html

    # Nothing chosen: back to the server's zone.
    resp = await post(time_zone="", time_zone_other="")
    assert resp.status == 303
    me = await user.get("/api/me")
    assert me["user"].get("time_zone") is None


async def test_a_series_shows_each_week_and_a_cancelled_occurrence_struck(site: Site) -> None:
    admin, ids = await december(site)
    series = await admin.post(
        "/api/meetings",
        {
            "title": "Giao ban",
            "starts_at": "2026-12-01T14:00:00+07:00",
            "ends_at": "2026-12-01T15:00:00+07:00",
            "room_id": ids["a"],
            "recurrence": {"freq": "weekly", "weekdays": ["TU"], "count": 4},
        },
        status=201,
    )
    await admin.delete(
        f"/api/meetings/{series['id']}/occurrences/20261215T070000Z?scope=this", status=(200, 204)
    )
    for day, cancelled in [("2026-12-08", False), ("2026-12-15", True), ("2026-12-22", False)]:
        block = (await admin.page(f"/calendar/week?date={day}")).block(series["id"])
        assert block.inherited("data-day") == day
        assert block.attrs["data-local-start"] == f"{day}T14:00"
        assert ("cancelled" in block.classes) is cancelled
    # After the last occurrence the series is gone from the calendar.
    page = await admin.page("/calendar/week?date=2026-12-29")
    assert not page.find("block", **{"data-meeting": series["id"]})
    # A cancelled occurrence does not hold the room: its slot can be booked.
    assert (
        "free"
        in (await admin.page("/calendar/week?date=2026-12-15"))
        .slot(ids["a"], "2026-12-15T14:00")
        .classes
    )
