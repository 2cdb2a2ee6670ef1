"""The first start with --demo, in each language of the server: the admin's name, the
demo meeting's texts and documents, its room, and the calendar that shows it."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from meetroom.__main__ import prepare
from meetroom.app import open_services
from meetroom.clock import SettableClock
from meetroom.config import Settings, bundled_path
from meetroom.demo import DEMO_TEXTS, demo_start
from meetroom.records.accounts import Principal
from tests.clients import ADMIN_PASSWORD, Site, login

# Meetings dated from the clock: run again 400 days ahead (make test-later).
pytestmark = pytest.mark.dates


ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# What each language's demo says, as a person reads it.
EXPECTED = {
    "en": {
        "admin": "Administrator",
        "title": "Demo: Quarterly review meeting",
        "room": ("Meeting room 1", "Building A, 2nd floor"),
        "agenda": [
            "Opening and approval of the agenda",
            "Report on the first-quarter budget",
            "Plan for digital meeting rooms",
            "Any other business",
        ],
        "documents": {
            ("Report on the first-quarter budget", "normal"): "first quarter the unit spent",
            ("Plan for digital meeting rooms", "confidential"): "CONFIDENTIAL",
        },
    },
    "vi": {
        "admin": "Quản trị viên",
        "title": "Họp mẫu: Sơ kết công tác quý",
        "room": ("Phòng họp số 1", "Tầng 2, nhà A"),
        "agenda": [
            "Khai mạc, thông qua chương trình họp",
            "Báo cáo ngân sách quý I",
            "Kế hoạch triển khai phòng họp số",
            "Các vấn đề khác",
        ],
        "documents": {
            ("Báo cáo ngân sách quý I", "normal"): "Trong quý I, đơn vị đã chi",
            ("Kế hoạch triển khai phòng họp số", "confidential"): "MẬT · chỉ dành cho",
        },
    },
}


def at_local(clock: SettableClock, hour: int, minute: int = 0) -> datetime:
    """Sets the clock to this time of the clock's own day, in the server's zone."""
    day = clock.now().astimezone(ZONE).date()
    target = datetime.combine(day, time(hour, minute), ZONE)
    clock.advance(target - clock.now())
    return target


@pytest.mark.parametrize("locale", ["en", "vi"])
async def test_first_start_with_the_demo_in_the_servers_language(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, locale: str
) -> None:
    expected = EXPECTED[locale]
    now = at_local(clock, 7, 40)
    settings = await make_settings("sqlite", default_locale=locale, admin_password="pw-123456")
    async with open_services(settings, clock=clock) as services:
        meeting = await prepare(services, demo=True)
        assert meeting is not None
        admin = await services.accounts.get_by_username("admin")
        assert admin.display_name == expected["admin"]
        who = Principal(user=admin)

        assert meeting.title == expected["title"]
        assert meeting.description == DEMO_TEXTS[locale].description
        assert meeting.starts_at == now.replace(hour=9, minute=0)
        room = await services.rooms.get(who, meeting.room_id)  # type: ignore[arg-type]
        assert (room.name, room.location) == expected["room"]
        assert [r.id for r in await services.rooms.list(who)] == [room.id]

        items = await services.agenda.items(who, meeting.id)
        assert [i.title for i in items] == expected["agenda"]
        views = await services.documents.for_meeting(who, meeting.id)
        assert {(v.title, v.document.classification.value) for v in views} == set(
            expected["documents"]
        )
        assert {v.document.agenda_item_id for v in views} == {items[1].id, items[2].id}
        people = await services.meetings.participants.all(who, meeting.id)
        assert sorted(p.role.value for p in people) == ["chair", "delegate", "guest"]
        folder = bundled_path("media") / "demo" / locale
        for view in views:
            words = expected["documents"][(view.title, view.document.classification.value)]
            assert words in pdf_text(folder / view.document.filename)

        # Once only; a forced copy books the room after the first one.
        assert await prepare(services, demo=True) is None
        copy = await prepare(services, demo=True, force_demo=True)
        assert copy is not None and copy.room_id == meeting.room_id
        assert copy.starts_at == meeting.ends_at


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


@pytest.mark.parametrize("locale", ["en", "vi"])
async def test_the_calendar_and_rooms_show_the_demo(
    make_site: Callable[..., Awaitable[Site]], clock: SettableClock, locale: str
) -> None:
    site = await make_site("sqlite", default_locale=locale)
    now = at_local(clock, 16, 25)
    meeting = await prepare(site.services, demo=True)
    assert meeting is not None and meeting.starts_at == now.replace(hour=17, minute=0)
    title, (room, _) = EXPECTED[locale]["title"], EXPECTED[locale]["room"]
    await login(site.client, "admin", ADMIN_PASSWORD)
    for path in ("/calendar/week", "/calendar/day", "/calendar/list", "/rooms"):
        resp = await site.client.get(path)
        assert resp.status == 200, path
        text = html.unescape(await resp.text())
        assert room in text, path
        if path != "/rooms":
            assert title in text, path


def test_the_demo_is_today() -> None:
    """At 09:00, or at the next full hour if later, and at 22:00 the latest: the
    calendar's week and day open on it, whatever the day."""
    day = datetime.now(ZONE).date()  # any day: the rule is the same on each

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), ZONE)

    assert demo_start(at(0, 5), ZONE) == at(9)
    assert demo_start(at(8, 59), ZONE) == at(9)
    assert demo_start(at(9, 0), ZONE) == at(10)
    assert demo_start(at(13, 20), ZONE) == at(14)
    assert demo_start(at(21, 30), ZONE) == at(22)
    assert demo_start(at(23, 30), ZONE) == at(22)
    utc = at(13, 20).astimezone(ZoneInfo("UTC"))
    assert demo_start(utc, ZONE) == at(14)
