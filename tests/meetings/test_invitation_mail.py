"""The words of invitations, and their calendar events, without a server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import icalendar

from meetroom.meetings.calendar_events import EventInfo, Person, event_lines, vcalendar
from meetroom.meetings.invitation_mail import MailFacts, compose
from meetroom.records.mail import MailKind
from meetroom.server.i18n import Catalogs
from meetroom.server.mail_texts import CatalogMailTexts

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
END = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def facts(kind: MailKind = MailKind.INVITATION, **fields: object) -> MailFacts:
    values: dict[str, object] = {
        "kind": kind, "locale": "en", "zone": "Asia/Ho_Chi_Minh", "recipient_name": "Lan",
        "title": "Budget <2027> & staff", "starts_at": START, "ends_at": END,
        "location": "Room 301", "agenda": ("Budget", "Staff"),
        "join_url": "https://meet.lan/j/abc?x=1&y=2", "link_expires_at": END,
    }  # fmt: skip
    values.update(fields)
    return MailFacts(**values)  # type: ignore[arg-type]


class Plain:
    """English as written, times as ISO text: to see what goes where."""

    def translate(self, locale: str, message: str, params: Mapping[str, object]) -> str:
        return message.format(**params)

    def when(self, value: datetime, locale: str, zone: str, part: str = "datetime") -> str:
        return value.isoformat() if part == "datetime" else f"{part}:{value.date()}"


def test_an_invitation_says_what_when_where_and_how_to_join() -> None:
    body = compose(Plain(), facts())
    assert body.subject == "Invitation: Budget <2027> & staff, 2026-12-01T02:00:00+00:00"
    assert "When: 2026-12-01T02:00:00+00:00 – time:2026-12-01 (Asia/Ho_Chi_Minh)" in body.text
    assert "Where: Room 301" in body.text and "  2. Staff" in body.text
    assert "https://meet.lan/j/abc?x=1&y=2" in body.text
    # The HTML escapes what people typed and loads nothing from anywhere.
    assert "Budget &lt;2027&gt; &amp; staff" in body.html and "<2027>" not in body.html
    assert 'href="https://meet.lan/j/abc?x=1&amp;y=2"' in body.html
    assert "<img" not in body.html and "src=" not in body.html


def test_a_cancellation_has_no_link_and_no_agenda() -> None:
    body = compose(Plain(), facts(MailKind.CANCELLATION, join_url="", link_expires_at=None))
    assert body.subject.startswith("Cancelled: ")
    assert "is cancelled" in body.text and "Staff" not in body.text and "/j/" not in body.html
    removed = compose(Plain(), facts(MailKind.CANCELLATION, join_url="", removed=True))
    assert "You no longer take part" in removed.text


def test_vietnamese_from_the_catalogs() -> None:
    body = compose(CatalogMailTexts(Catalogs()), facts(locale="vi"))
    assert body.subject.startswith("Giấy mời họp: Budget <2027> & staff, ")
    assert "Kính gửi Lan," in body.text and "Thời gian:" in body.text
    assert "thg 12" in body.subject  # the date in Vietnamese


def test_events_with_people_parse_back() -> None:
    event = EventInfo(
        uid="m1@meet.lan", sequence=3, stamp=START, starts_at=START, ends_at=END,
        title="Họp; quý 1, 2027", location="Phòng 301", url="https://meet.lan/j/abc",
        organizer=Person('Văn phòng "Bộ"', "vp@meet.lan"),
        attendee=Person("Nguyễn Thị Lan, Phó phòng", "lan@meet.lan"),
    )  # fmt: skip
    text = vcalendar([event_lines(event)], method="REQUEST")
    cal = icalendar.Calendar.from_ical(text)
    assert cal["METHOD"] == "REQUEST"
    [parsed] = cal.walk("VEVENT")
    assert str(parsed["SUMMARY"]) == "Họp; quý 1, 2027"
    assert parsed["ATTENDEE"].params["CN"] == "Nguyễn Thị Lan, Phó phòng"
    assert parsed["ORGANIZER"].params["CN"] == "Văn phòng 'Bộ'"
    assert str(parsed["ATTENDEE"]) == "mailto:lan@meet.lan"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
