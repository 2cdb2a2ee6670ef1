"""Each user's private calendar feed, read as a calendar application would (no
sign-in, the icalendar parser, ETag and Last-Modified), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import icalendar
import pytest

from meetroom.records.accounts import AccountRole
from tests.clients import ADMIN_PASSWORD, Api, Site, page_csrf

pytestmark = pytest.mark.dates


def path_of(site: Site, url: str) -> str:
    base = site.url("/").rstrip("/")
    assert url.startswith(base + "/calendar/") and url.endswith(".ics"), url
    return url.removeprefix(base)


def events(raw: bytes) -> dict[str, icalendar.Component]:
    cal = icalendar.Calendar.from_ical(raw)
    return {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}


async def test_the_feed_holds_exactly_my_meetings(any_site: Site) -> None:
    site = any_site
    admin = site.client
    api = await Api.sign_in(admin, "admin", ADMIN_PASSWORD)
    accounts = site.services.accounts
    lan, _ = await accounts.create_user("lan", "Lan", AccountRole.DELEGATE, password="lan-pass-123")
    bob, _ = await accounts.create_user("bob", "Bob", AccountRole.DELEGATE, password="bob-pass-123")
    room = await api.post("/api/rooms", {"name": "Phòng 301", "location": "Nhà A"}, status=201)
    now = site.clock.now().replace(microsecond=0)

    async def meeting(title: str, days: float, **fields: Any) -> str:
        start = now + timedelta(days=days)
        body = {"title": title, "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(), **fields}  # fmt: skip
        return str((await api.post("/api/meetings", body, status=201))["id"])

    async def add(mid: str, user_id: str) -> str:
        p = await api.post(f"/api/meetings/{mid}/participants", {"user_id": user_id}, status=201)
        return str(p["id"])

    mine = await meeting("Giao ban; tuần 1", 3, room_id=room["id"], description="Ghi chú")
    removed_later = await meeting("Nhân sự", 4)
    deleted_later = await meeting("Ngân sách", 5)
    past = await meeting("Tổng kết", -10)
    long_ago = await meeting("Năm ngoái", -60)
    far = await meeting("Kế hoạch 2 năm", 500)
    others = await meeting("Của Bob", 3.5)
    for mid in (mine, removed_later, deleted_later, past, long_ago, far):
        await add(mid, lan.id)
    removed_pid = (await api.get(f"/api/meetings/{removed_later}/participants"))[0]["id"]
    await add(others, bob.id)

    # Lan's address, from her account.
    browser = await site.new_client()
    lan_api = await Api.sign_in(browser, "lan", "lan-pass-123")
    url = (await lan_api.get("/api/me/calendar-feed"))["url"]
    assert (await lan_api.get("/api/me/calendar-feed"))["url"] == url
    page = await (await browser.get("/account")).text()
    assert url in page and "Reset link" in page

    # A calendar application fetches it without signing in.
    app = await site.new_client()
    resp = await app.get(path_of(site, url))
    assert resp.status == 200 and resp.content_type == "text/calendar"
    assert resp.charset == "utf-8" and "private" in resp.headers["Cache-Control"]
    raw = await resp.read()
    found = events(raw)
    # From 30 days ago to a year ahead; not others' meetings.
    assert set(found) == {mine, removed_later, deleted_later, past}
    event = found[mine]
    assert str(event["SUMMARY"]) == "Giao ban; tuần 1"
    assert str(event["LOCATION"]) == "Phòng 301, Nhà A"
    assert event.decoded("DTSTART") == (now + timedelta(days=3)).astimezone(UTC)
    assert event["STATUS"] == "CONFIRMED" and "LAST-MODIFIED" in event
    assert str(event["UID"]).endswith("@127.0.0.1")
    link = str(event["URL"])
    assert "/j/" in link and link in str(event["DESCRIPTION"])
    assert "Ghi chú" in str(event["DESCRIPTION"])
    first_sequence = int(event["SEQUENCE"])
    # The join link in it works.
    joiner = await site.new_client()
    resp = await joiner.get(link.removeprefix(site.url("/").rstrip("/")), allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{mine}"

    # Polling is cheap: unchanged, it answers 304 to the ETag and to Last-Modified.
    resp = await app.get(path_of(site, url))
    etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
    assert (await app.get(path_of(site, url), headers={"If-None-Match": etag})).status == 304
    assert (await app.get(path_of(site, url),
                          headers={"If-Modified-Since": modified})).status == 304  # fmt: skip

    # Changes: a new title (higher SEQUENCE), Lan removed from one meeting, another
    # deleted: both stay as cancelled events, so that her calendar drops them.
    site.clock.advance(timedelta(minutes=5))
    await api.patch(f"/api/meetings/{mine}", {"title": "Giao ban (dời)"})
    await api.delete(f"/api/meetings/{removed_later}/participants/{removed_pid}", status=204)
    await api.delete(f"/api/meetings/{deleted_later}", status=204)
    resp = await app.get(path_of(site, url), headers={"If-None-Match": etag})
    assert resp.status == 200 and resp.headers["ETag"] != etag
    assert (await app.get(path_of(site, url),
                          headers={"If-Modified-Since": modified})).status == 200  # fmt: skip
    found = events(await resp.read())
    assert set(found) == {mine, removed_later, deleted_later, past}
    assert str(found[mine]["SUMMARY"]) == "Giao ban (dời)"
    assert int(found[mine]["SEQUENCE"]) > first_sequence
    for gone in (removed_later, deleted_later):
        assert found[gone]["STATUS"] == "CANCELLED"
        assert int(found[gone]["SEQUENCE"]) > 0
    assert found[mine]["STATUS"] == "CONFIRMED"
    # Bob's feed has his meeting only.
    bob_client = await site.new_client()
    bob_api = await Api.sign_in(bob_client, "bob", "bob-pass-123")
    bob_url = (await bob_api.get("/api/me/calendar-feed"))["url"]
    assert set(events(await (await app.get(path_of(site, bob_url))).read())) == {others}

    # Added again, the meeting is back as confirmed.
    await api.post(f"/api/meetings/{removed_later}/participants", {"user_id": lan.id}, status=201)
    found = events(await (await app.get(path_of(site, url))).read())
    assert found[removed_later]["STATUS"] == "CONFIRMED"

    # After 30 days the cancellation is gone.
    site.clock.advance(timedelta(days=31))
    found = events(await (await app.get(path_of(site, url))).read())
    assert deleted_later not in found and removed_later in found


async def test_a_reset_address_and_a_wrong_one_find_nothing(any_site: Site) -> None:
    site = any_site
    await site.services.accounts.create_user(
        "lan", "Lan", AccountRole.DELEGATE, password="lan-pass-123"
    )
    browser = site.client
    lan_api = await Api.sign_in(browser, "lan", "lan-pass-123")
    old = path_of(site, (await lan_api.get("/api/me/calendar-feed"))["url"])
    app = await site.new_client()
    assert (await app.get(old)).status == 200

    new = path_of(site, (await lan_api.post("/api/me/calendar-feed"))["url"])
    assert new != old
    assert (await app.get(old)).status == 404
    assert (await app.get(new)).status == 200
    assert (await app.get("/calendar/0123456789abcdef0123456789abcdef01234567.ics")).status == 404
    assert (await app.get(new.replace(".ics", "x.ics"))).status == 404

    # The account page's button makes a new one too.
    token = await page_csrf(browser, "/account")
    resp = await browser.post("/account/calendar-feed", data={"_csrf": token},
                              allow_redirects=False)  # fmt: skip
    assert resp.status == 303 and "notice=feed_reset" in resp.headers["Location"]
    assert (await app.get(new)).status == 404
    newest = path_of(site, (await lan_api.get("/api/me/calendar-feed"))["url"])
    assert (await app.get(newest)).status == 200

    # No address without an account.
    assert (await app.get("/api/me/calendar-feed")).status == 401


async def test_a_series_in_the_feed_is_one_event_with_its_rule_and_exceptions(
    site: Site,
) -> None:
    """Started 60 days ago, it still runs: the feed keeps it, as one VEVENT with the
    RRULE, EXDATE for a cancelled occurrence and a RECURRENCE-ID event for a moved one,
    expanding to exactly the API's occurrences."""
    from dateutil.rrule import rrulestr

    admin = site.client
    api = await Api.sign_in(admin, "admin", ADMIN_PASSWORD)
    lan, _ = await site.services.accounts.create_user(
        "lan", "Lan", AccountRole.DELEGATE, password="lan-pass-123"
    )
    room = await api.post("/api/rooms", {"name": "Phòng 2"}, status=201)
    first = (site.clock.now() - timedelta(days=60)).replace(hour=2, minute=0, second=0,
                                                             microsecond=0)  # fmt: skip
    body = {"title": "Giao ban", "starts_at": first.isoformat(),
            "ends_at": (first + timedelta(hours=1)).isoformat(),
            "recurrence": {"freq": "weekly", "weekdays": [first.strftime("%a").upper()[:2]],
                           "count": 20}}  # fmt: skip
    mid = (await api.post("/api/meetings", body, status=201))["id"]
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": lan.id}, status=201)
    occurrences = await api.get(
        f"/api/meetings/{mid}/occurrences?from={first.date()}T00:00:00Z"
        f"&to={(first + timedelta(days=200)).date()}T00:00:00Z"
    )
    cancel, move = occurrences[10]["recurrence_id"], occurrences[11]["recurrence_id"]
    await api.delete(f"/api/meetings/{mid}/occurrences/{cancel}?scope=this", status=204)
    moved_start = first + timedelta(weeks=11, hours=5)
    await api.patch(f"/api/meetings/{mid}/occurrences/{move}", {
        "scope": "this", "starts_at": moved_start.isoformat(),
        "ends_at": (moved_start + timedelta(hours=1)).isoformat(),
        "title": "Giao ban (dời)", "room_id": room["id"],
    })  # fmt: skip

    browser = await site.new_client()
    lan_api = await Api.sign_in(browser, "lan", "lan-pass-123")
    url = (await lan_api.get("/api/me/calendar-feed"))["url"]
    raw = await (await (await site.new_client()).get(path_of(site, url))).read()
    cal = icalendar.Calendar.from_ical(raw)
    assert [z["TZID"] for z in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    vevents = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(mid)]
    [master] = [e for e in vevents if "RRULE" in e]
    [override] = [e for e in vevents if "RECURRENCE-ID" in e]
    assert len(vevents) == 2
    # The master's rule and EXDATE give every occurrence but the cancelled one.
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    excluded = {d.dt for x in [master["EXDATE"]] for d in x.dts}
    expanded = [d for d in rule if d not in excluded]
    # (The moved one's original time: its RECURRENCE-ID event replaces it.)
    expected = [o["recurrence_id"] for o in occurrences if o["recurrence_id"] != cancel]
    assert [d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for d in expanded] == expected
    assert len(expected) == 19 and "/j/" in str(master["URL"])
    # The moved one: its own time, title and room, naming the occurrence it replaces.
    assert override.decoded("DTSTART") == moved_start
    assert str(override["SUMMARY"]) == "Giao ban (dời)" and "Phòng 2" in str(override["LOCATION"])
    assert override.decoded("RECURRENCE-ID").astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") == move
