"""Recurring meetings through the JSON API, on SQLite and PostgreSQL: series with
exceptions, their rooms and people, and two series racing for one room."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from meetroom.clock import SettableClock
from meetroom.records.accounts import AccountRole
from meetroom.store.recurrence import SqlSeriesWriter
from tests.clients import ADMIN_PASSWORD, Api, Site, Status, admin_api, login, page_csrf
from tests.server.meetings import add_room, admin_principal

pytestmark = pytest.mark.dates


@pytest.fixture
def clock() -> SettableClock:
    """The servers' clock, at 1 November 2026: the series below (December 2026 to June
    2027, over a change to summer time in Berlin) are in the future of it."""
    return SettableClock(datetime(2026, 11, 1, tzinfo=UTC))


SPRING = "from=2027-03-01T00:00:00Z&to=2027-06-01T00:00:00Z"
WEEKLY_BERLIN = {"freq": "weekly", "weekdays": ["MO", "WE"], "until": "2027-04-30",
                 "time_zone": "Europe/Berlin"}  # fmt: skip


async def create(
    api: Api, title: str, start: str, end: str, *, status: Status = 201, **body: Any
) -> Any:
    return await api.post(
        "/api/meetings", {"title": title, "starts_at": start, "ends_at": end, **body}, status=status
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def test_series_with_exceptions(any_site: Site) -> None:
    admin = await admin_api(any_site)
    room = await add_room(admin, "Hall")
    m = await create(
        admin, "Giao ban", "2027-03-22T09:00:00+01:00", "2027-03-22T10:00:00+01:00",
        room_id=room, recurrence=WEEKLY_BERLIN,
    )  # fmt: skip
    assert m["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270430T215959Z"
    assert m["recurrence"] == {
        "freq": "weekly", "interval": 1, "weekdays": ["MO", "WE"], "month_day": None,
        "nth": None, "weekday": None, "until": "2027-04-30", "count": None,
        "time_zone": "Europe/Berlin",
    }  # fmt: skip
    base = f"/api/meetings/{m['id']}/occurrences"
    occs = await admin.get(f"{base}?{SPRING}")
    assert len(occs) == 12
    # 09:00 in Berlin before and after 28 March: UTC moves by an hour.
    assert [o["recurrence_id"] for o in occs[:3]] == [
        "20270322T080000Z", "20270324T080000Z", "20270329T070000Z"
    ]  # fmt: skip

    # One occurrence moved and retitled; another cancelled.
    await admin.patch(
        f"{base}/20270324T080000Z",
        {"scope": "this", "starts_at": "2027-03-25T14:00:00+01:00", "title": "Moved"},
    )
    await admin.delete(f"{base}/20270329T070000Z?scope=this", status=204)
    occs = await admin.get(f"{base}?from=2027-03-22T00:00:00Z&to=2027-04-01T00:00:00Z")
    assert [(o["starts_at"], o["title"], o["cancelled"]) for o in occs] == [
        ("2027-03-22T08:00:00Z", "Giao ban", False),
        ("2027-03-25T13:00:00Z", "Moved", False),
        ("2027-03-29T07:00:00Z", "Giao ban", True),
        ("2027-03-31T07:00:00Z", "Giao ban", False),
    ]
    # Everyone's view leaves the cancelled one out.
    mine = await admin.get("/api/occurrences?from=2027-03-22T00:00:00Z&to=2027-04-01")
    assert [o["starts_at"] for o in mine] == [
        "2027-03-22T08:00:00Z", "2027-03-25T13:00:00Z", "2027-03-31T07:00:00Z"
    ]  # fmt: skip
    # Not an occurrence.
    body = await admin.delete(f"{base}/20270323T080000Z", status=404)
    assert body["error"]["code"] == "occurrence_not_found"
    await admin.delete(f"{base}/tomorrow", status=400)

    # This and following: from 12 April on at 10:00, in a new series with the people.
    user, _ = await any_site.services.accounts.create_user(
        "dung", "Dũng", AccountRole.DELEGATE, password="pass-word-1234"
    )
    await admin.post(f"/api/meetings/{m['id']}/participants", {"user_id": user.id}, status=201)
    after = await admin.patch(
        f"{base}/20270412T070000Z",
        {"scope": "following", "starts_at": "2027-04-12T10:00:00+02:00",
         "ends_at": "2027-04-12T11:00:00+02:00"},
    )  # fmt: skip
    assert after["id"] != m["id"] and after["starts_at"] == "2027-04-12T08:00:00Z"
    assert after["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270430T215959Z"
    detail = await admin.get(f"/api/meetings/{after['id']}")
    assert [p["user_id"] for p in detail["participants"]] == [user.id]
    before = await admin.get(f"/api/meetings/{m['id']}")
    assert before["meeting"]["recurrence"]["until"] == "2027-04-11"
    occs = await admin.get(f"{base}?{SPRING}")
    assert occs[-1]["starts_at"] == "2027-04-07T07:00:00Z"
    assert len(occs) == 6  # the cancelled and moved ones kept their exceptions

    # Cancel this and following: the new series ends before 21 April.
    await admin.delete(
        f"/api/meetings/{after['id']}/occurrences/20270421T080000Z?scope=following", status=204
    )
    occs = await admin.get(f"/api/meetings/{after['id']}/occurrences?{SPRING}")
    assert [o["starts_at"] for o in occs] == [
        "2027-04-12T08:00:00Z", "2027-04-14T08:00:00Z", "2027-04-19T08:00:00Z"
    ]  # fmt: skip
    # From the first occurrence, cancelling the following is deleting the meeting.
    body = await admin.delete(
        f"/api/meetings/{after['id']}/occurrences/20270412T080000Z?scope=following", status=400
    )
    assert body["error"]["code"] == "cancel_whole_series"

    # No longer repeating.
    single = await admin.patch(f"/api/meetings/{m['id']}", {"recurrence": None})
    assert single["rrule"] is None and single["recurrence"] is None


async def test_series_refusals(any_site: Site) -> None:
    admin = await admin_api(any_site)
    start, end = "2026-12-01T09:00:00+07:00", "2026-12-01T10:00:00+07:00"
    body = await create(admin, "x", start, end, recurrence={"freq": "daily"}, status=400)
    assert body["error"]["code"] == "series_unbounded"
    assert "end" in body["error"]["message"]
    await create(admin, "x", start, end, recurrence={"freq": "daily", "count": 501}, status=400)
    body = await create(
        admin, "x", start, end, recurrence={"freq": "weekly", "weekdays": ["FR"], "count": 3},
        status=400,
    )  # fmt: skip
    assert body["error"]["code"] == "start_not_in_rule"
    await create(admin, "x", start, end, recurrence={"freq": "yearly", "count": 3}, status=400)


async def test_rooms_and_people_of_series(any_site: Site) -> None:
    admin = await admin_api(any_site)
    room = await add_room(admin, "Hall")
    # A monthly series on the second Tuesday at 09:00 (Hanoi).
    series = await create(
        admin, "Monthly board", "2026-12-08T09:00:00+07:00", "2026-12-08T11:00:00+07:00",
        room_id=room, recurrence={"freq": "monthly", "nth": 2, "weekday": "TU", "count": 6},
    )  # fmt: skip
    # A single meeting on the series' 4th occurrence (9 March 2027): 409 naming it.
    body = await create(
        admin, "Clash", "2027-03-09T10:00:00+07:00", "2027-03-09T12:00:00+07:00", room_id=room,
        status=409,
    )  # fmt: skip
    assert body["error"]["code"] == "room_taken"
    assert body["error"]["details"] == {
        "meeting_id": series["id"], "title": "Monthly board",
        "starts_at": "2027-03-09T02:00:00+00:00", "ends_at": "2027-03-09T04:00:00+00:00",
        "recurrence_id": "2027-03-09T02:00:00+00:00",
    }  # fmt: skip
    assert "Monthly board" in body["error"]["message"]
    # The day before is free; so is that occurrence once cancelled.
    await create(
        admin, "Free", "2027-03-08T10:00:00+07:00", "2027-03-08T12:00:00+07:00", room_id=room
    )
    base = f"/api/meetings/{series['id']}/occurrences"
    await admin.delete(f"{base}/20270309T020000Z", status=204)
    single = await create(
        admin, "Now free", "2027-03-09T10:00:00+07:00", "2027-03-09T12:00:00+07:00", room_id=room
    )
    # A weekly series meeting that single meeting: refused, naming it.
    body = await create(
        admin, "Weekly", "2027-02-23T11:00:00+07:00", "2027-02-23T12:00:00+07:00",
        room_id=room, recurrence={"freq": "weekly", "count": 4}, status=409,
    )  # fmt: skip
    assert body["error"]["details"]["meeting_id"] == single["id"]
    # Moving one occurrence onto the single meeting: refused too.
    body = await admin.patch(
        f"{base}/20270413T020000Z", {"starts_at": "2027-03-09T11:00:00+07:00"}, status=409
    )
    assert body["error"]["details"]["title"] == "Now free"

    # A person in the series is busy at each of its occurrences.
    user, _ = await any_site.services.accounts.create_user(
        "dung", "Phạm Quốc Dũng", AccountRole.DELEGATE, password="pass-word-1234"
    )
    await admin.post(f"/api/meetings/{series['id']}/participants", {"user_id": user.id}, status=201)
    other = await create(admin, "Elsewhere", "2027-01-12T10:30:00+07:00",
                         "2027-01-12T11:30:00+07:00")  # fmt: skip
    body = await admin.post(
        f"/api/meetings/{other['id']}/participants", {"user_id": user.id}, status=409
    )
    assert body["error"]["code"] == "participant_busy"
    assert body["error"]["details"]["meeting_id"] == series["id"]
    assert body["error"]["details"]["recurrence_id"] == "2027-01-12T02:00:00+00:00"
    assert "Phạm Quốc Dũng" in body["error"]["message"]
    # And a series refused for a person busy in a single meeting at one of its times.
    lone = await create(admin, "Lone", "2027-06-02T09:00:00+07:00", "2027-06-02T09:30:00+07:00")
    await admin.post(f"/api/meetings/{lone['id']}/participants", {"user_id": user.id}, status=201)
    daily = await create(admin, "Daily", "2027-05-31T09:00:00+07:00",
                         "2027-05-31T09:15:00+07:00")  # fmt: skip
    await admin.post(f"/api/meetings/{daily['id']}/participants", {"user_id": user.id}, status=201)
    body = await admin.patch(
        f"/api/meetings/{daily['id']}", {"recurrence": {"freq": "daily", "count": 5}}, status=409
    )
    assert body["error"]["details"]["meeting_id"] == lone["id"]


async def test_simultaneous_series_in_one_room(
    any_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests at the same moment book overlapping series into one room: the lock
    on the room lets one through, the other gets 409 naming it. Each write waits a
    little after its check, so that without the lock both checks would pass."""
    insert = SqlSeriesWriter.create_meeting

    async def slow_insert(self: SqlSeriesWriter, meeting: Any) -> None:
        await asyncio.sleep(0.3)
        await insert(self, meeting)

    monkeypatch.setattr(SqlSeriesWriter, "create_meeting", slow_insert)
    admin = await admin_api(any_site)
    room = await add_room(admin, "Hall")
    clients = [await any_site.new_client() for _ in range(2)]
    apis = [await Api.sign_in(c, "admin", ADMIN_PASSWORD) for c in clients]
    # Weekly on Tuesdays from 1 December, and daily from 7 December: they meet on the 8th.
    either = (201, 409)  # (a 201 has the meeting, a 409 the error)
    results = await asyncio.gather(
        create(apis[0], "Weekly", "2026-12-01T09:00:00+07:00", "2026-12-01T10:00:00+07:00",
               room_id=room, recurrence={"freq": "weekly", "count": 10}, status=either),
        create(apis[1], "Daily", "2026-12-07T09:30:00+07:00", "2026-12-07T10:30:00+07:00",
               room_id=room, recurrence={"freq": "daily", "count": 10}, status=either),
    )  # fmt: skip
    [winner] = [body for body in results if "error" not in body]
    [loser] = [body for body in results if "error" in body]
    assert loser["error"]["code"] == "room_taken"
    assert loser["error"]["details"]["meeting_id"] == winner["id"]
    meetings = await admin.get("/api/meetings")
    assert [m["id"] for m in meetings if m["room_id"] == room] == [winner["id"]]


async def test_series_as_icalendar(site: Site) -> None:
    """The .ics of a series, read by a standard parser and expanded by dateutil, gives
    the same occurrences as the API: local times in the series' zone with its
    VTIMEZONE, RRULE, EXDATE for a cancelled one, RECURRENCE-ID for a moved one."""
    admin = await admin_api(site)
    room = await add_room(admin, "Hall", location="Nhà A")
    m = await create(
        admin, "Giao ban", "2027-03-22T09:00:00+01:00", "2027-03-22T10:00:00+01:00",
        room_id=room, recurrence=WEEKLY_BERLIN,
    )  # fmt: skip
    base = f"/api/meetings/{m['id']}/occurrences"
    await admin.delete(f"{base}/20270329T070000Z", status=204)
    await admin.patch(
        f"{base}/20270407T070000Z", {"starts_at": "2027-04-08T15:00:00+02:00", "title": "Moved"}
    )
    resp = await site.client.get(f"/api/meetings/{m['id']}/ics")
    assert resp.status == 200
    raw = await resp.read()
    cal = icalendar.Calendar.from_ical(raw)
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Berlin"
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    master, moved = cal.walk("VEVENT")
    start = master.decoded("DTSTART")
    assert start == datetime(2027, 3, 22, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert b"DTSTART;TZID=Europe/Berlin:20270322T090000" in raw
    assert str(master["LOCATION"]) == "Hall, Nhà A"
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    exdates = {d.dt for d in master["EXDATE"].dts}
    assert exdates == {datetime(2027, 3, 29, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))}
    rid = moved.decoded("RECURRENCE-ID")
    assert rid == datetime(2027, 4, 7, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(moved["SUMMARY"]) == "Moved" and str(moved["UID"]) == str(master["UID"])
    # What a calendar application would show, against the API's occurrences.
    shown = sorted(
        [d.astimezone(UTC) for d in rule if d not in exdates and d != rid]
        + [moved.decoded("DTSTART").astimezone(UTC)]
    )
    occs = await admin.get(f"{base}?{SPRING}")
    assert shown == [utc(o["starts_at"]) for o in occs if not o["cancelled"]]
    assert len(shown) == 11


async def test_repeating_from_the_meeting_form(site: Site) -> None:
    """The form's "Repeats" part makes a series, keeps what was typed on an error; the
    meeting page says how it repeats (in Vietnamese too) and cancels one occurrence."""
    site.clock.advance(datetime(2030, 3, 1, tzinfo=UTC) - site.clock.now())
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    token = await page_csrf(client, "/meetings/new")
    form = {
        "_csrf": token, "title": "Giao ban", "starts_at": "2030-03-04T09:00",
        "ends_at": "2030-03-04T10:00", "location": "", "description": "", "room_id": "",
        "repeat": "weekly", "repeat_interval": "1", "repeat_day_MO": "on",
        "repeat_day_WE": "on", "repeat_end": "until", "repeat_until": "2030-04-30",
        "repeat_count": "10", "repeat_monthly": "day",
    }  # fmt: skip
    resp = await client.post("/meetings/new", data={**form, "repeat_until": ""})
    assert resp.status == 400
    text = await resp.text()
    assert "A repeating meeting needs an end" in text
    assert 'name="repeat_day_WE" checked' in text and '<option value="weekly" selected' in text
    resp = await client.post("/meetings/new", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    path = resp.headers["Location"].split("?")[0]
    meeting_id = path.rsplit("/", 1)[1]
    text = await (await client.get(path)).text()
    assert "Repeats every week on Monday and Wednesday until 30 April 2030" in text
    assert text.count('<li class="occurrence') == 10
    # Cancel the second occurrence (Wednesday 6 March, 09:00 in Hanoi).
    resp = await client.post(
        f"{path}/occurrences/20300306T020000Z/cancel",
        data={"_csrf": token, "scope": "this"},
        allow_redirects=False,
    )
    assert resp.status == 303
    svc = site.services.meetings
    overrides = await svc.overrides_of(await admin_principal(site), meeting_id)
    assert [(o.recurrence_id.day, o.cancelled) for o in overrides] == [(6, True)]
    # The edit form shows the rule as it is.
    text = await (await client.get(f"{path}/edit")).text()
    assert 'name="repeat_day_MO" checked' in text and 'value="2030-04-30"' in text
    # In Vietnamese.
    text = await (await client.get(path, headers={"Accept-Language": "vi"})).text()
    assert "Lặp lại hằng tuần vào Thứ Hai và Thứ Tư đến ngày 30 tháng 4 2030" in text
