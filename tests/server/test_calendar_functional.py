"""A meeting as an iCalendar file, read back by a standard parser (the icalendar
package), as a calendar application would."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
import pytest

from tests.clients import ADMIN_PASSWORD, Site, login
from tests.dates import at, days_ahead, stamp

pytestmark = pytest.mark.dates


async def test_meeting_ics_parses_with_a_standard_parser(site: Site) -> None:
    client = site.client
    csrf = await login(client, "admin", ADMIN_PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    room = await (await client.post("/api/rooms", json={"name": "Phòng 301", "location": "Nhà A"},
                                    headers=headers)).json()  # fmt: skip
    description = "Chương trình: 1) ngân sách; 2) nhân sự, kế hoạch\nGhi chú: " + "dài " * 40
    day = days_ahead(site.clock.now(), 7)
    resp = await client.post(
        "/api/meetings",
        json={"title": "Họp giao ban; tuần 49, năm 2026", "description": description,
              "starts_at": stamp(day, 9), "ends_at": stamp(day, 10.5), "room_id": room["id"]},
        headers=headers,
    )  # fmt: skip
    meeting = await resp.json()
    resp = await client.get(f"/api/meetings/{meeting['id']}/ics")
    assert resp.status == 200 and resp.content_type == "text/calendar"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = await resp.read()
    # Every line ends with CRLF and none is longer than 75 octets (folded).
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long description is folded

    cal = icalendar.Calendar.from_ical(raw)
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Họp giao ban; tuần 49, năm 2026"
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == "Phòng 301, Nhà A"
    assert event.decoded("DTSTART") == at(day, 9).astimezone(UTC)
    assert event.decoded("DTEND") == at(day, 10.5).astimezone(UTC)
    assert str(event["UID"]).startswith(meeting["id"] + "@")
    assert str(event["URL"]).endswith(f"/meetings/{meeting['id']}")
    first_sequence = int(event["SEQUENCE"])

    # A change makes a later version of the same event (same UID, higher SEQUENCE).
    site.clock.advance(timedelta(seconds=90))
    await client.patch(f"/api/meetings/{meeting['id']}", json={"title": "Đổi giờ"},
                       headers=headers)  # fmt: skip
    again = icalendar.Calendar.from_ical(
        await (await client.get(f"/api/meetings/{meeting['id']}/ics")).read()
    )
    [changed] = again.walk("VEVENT")
    assert changed["UID"] == event["UID"] and str(changed["SUMMARY"]) == "Đổi giờ"
    assert int(changed["SEQUENCE"]) > first_sequence

    # Not for someone who cannot see the meeting.
    stranger = await site.new_client()
    assert (await stranger.get(f"/api/meetings/{meeting['id']}/ics")).status == 401
