"""Invitations by e-mail, end to end: a real server, a real SMTP server (aiosmtpd on
127.0.0.1), on SQLite and PostgreSQL. What arrives, in whose language and time zone,
with a join link that works and a calendar file a standard parser reads; updates and
cancellations; an SMTP outage that loses nothing and sends nothing twice."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest

from meetroom.meetings.mail_delivery import MailDelivery
from meetroom.records.accounts import AccountRole
from meetroom.server.i18n import format_when
from tests.clients import Api, Site, admin_api, page_csrf
from tests.mailserver import MailServer, attachment_named, free_port, html_body, text_body
from tests.waiting import until

pytestmark = pytest.mark.dates

LINK = re.compile(r"https?://\S+/j/\S+")


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


async def user(site: Site, username: str, **fields: Any) -> str:
    created, _ = await site.services.accounts.create_user(
        username, fields.pop("name", username.title()), AccountRole.DELEGATE,
        password="delegate-pass-1", **fields,
    )  # fmt: skip
    return str(created.id)


def iso(value: datetime) -> str:
    return value.isoformat()


async def new_meeting(api: Api, site: Site, title: str = "Họp giao ban", **fields: Any) -> Any:
    start = (site.clock.now() + timedelta(days=7)).replace(microsecond=0)
    body = {"title": title, "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2)),
            "location": "Phòng 301", **fields}  # fmt: skip
    return await api.post("/api/meetings", body, status=201)


def calendar_of(message: EmailMessage) -> tuple[str, icalendar.Component, Any]:
    content_type, data = attachment_named(message, ".ics")
    cal = icalendar.Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    return content_type, cal, event


def to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


MakeSite = Callable[..., Awaitable[Site]]


@pytest.fixture
async def mail_site(make_site: MakeSite, backend: str, smtp: MailServer) -> AsyncIterator[Site]:
    yield await make_site(
        backend, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        smtp_from="Văn phòng <vanphong@example.gov.vn>",
    )  # fmt: skip


async def test_invitation_update_and_cancellation(mail_site: Site, smtp: MailServer) -> None:
    site = mail_site
    api = await admin_api(site)
    lan = await user(site, "lan", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    bob = await user(site, "bob", email="bob@example.org", time_zone="Europe/Paris")
    await user(site, "minh", name="Minh")  # no e-mail address
    meeting = await new_meeting(api, site)
    mid = meeting["id"]
    await api.post(f"/api/meetings/{mid}/agenda", {"title": "Ngân sách 2027"}, status=201)
    starts = datetime.fromisoformat(meeting["starts_at"])

    # Adding a participant with an account and an e-mail address sends one invitation.
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": lan}, status=201)
    [invitation] = await smtp.inbox.wait_for(1)
    assert to(invitation) == "lan@example.vn"
    assert smtp.inbox.envelopes[0][0] == "vanphong@example.gov.vn"
    # In her language (Vietnamese), at her time (the server's zone: she has none).
    when_vi = format_when(starts, "vi", "Asia/Ho_Chi_Minh")
    assert invitation["Subject"] == f"Giấy mời họp: Họp giao ban, {when_vi}"
    text = text_body(invitation)
    assert "Kính gửi Nguyễn Thị Lan," in text and "Phòng 301" in text
    assert "Ngân sách 2027" in text and "(Asia/Ho_Chi_Minh)" in text
    [link] = LINK.findall(text)
    assert link in html_body(invitation) and "<img" not in html_body(invitation)

    content_type, cal, event = calendar_of(invitation)
    assert 'method="REQUEST"' in content_type and cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{mid}@127.0.0.1"
    assert event.decoded("DTSTART") == starts.astimezone(UTC)
    assert str(event["URL"]) == link and str(event["LOCATION"]) == "Phòng 301"
    assert str(event["ATTENDEE"]) == "mailto:lan@example.vn"
    assert str(event["ORGANIZER"]) == "mailto:vanphong@example.gov.vn"
    first_sequence = int(event["SEQUENCE"])

    # The join link in the mail works: it signs its holder into the meeting.
    browser = await site.new_client()
    resp = await browser.get(link.removeprefix(site.url("/").rstrip("/")), allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/m/{mid}"
    me = await (await browser.get("/api/me")).json()
    assert me["meeting_id"] == mid and me["participant"]["name"] == "Nguyễn Thị Lan"

    # Bob has no language of his own (the server's default, English) and his own zone.
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": bob}, status=201)
    messages = await smtp.inbox.wait_for(2)
    when_en = format_when(starts, "en", "Europe/Paris")
    assert to(messages[1]) == "bob@example.org"
    assert messages[1]["Subject"] == f"Invitation: Họp giao ban, {when_en}"
    assert "(Europe/Paris)" in text_body(messages[1])

    # A guest typed by name and a user without an address get nothing; the meeting page
    # says why.
    await api.post(f"/api/meetings/{mid}/participants", {"name": "Khách"}, status=201)
    minh_p = await api.post(
        f"/api/meetings/{mid}/participants",
        {"user_id": (await site.services.accounts.get_by_username("minh")).id},
        status=201,
    )
    states = {d["name"]: d for d in await api.get(f"/api/meetings/{mid}/invitations")}
    assert states["Nguyễn Thị Lan"]["status"] == "sent"
    assert states["Nguyễn Thị Lan"]["kind"] == "invitation"
    assert states["Khách"]["status"] == "guest" and states["Minh"]["status"] == "no_email"
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    assert "Invitation sent" in page and "No e-mail address" in page
    assert "Send invitations to those not yet invited" in page

    # A new description alone is not worth a mail; a new time is: an update (same UID,
    # higher SEQUENCE) to everyone invited.
    site.clock.advance(timedelta(minutes=2))
    await api.patch(f"/api/meetings/{mid}", {"description": "Mang theo tài liệu"})
    later = starts + timedelta(hours=1)
    moved = {"starts_at": iso(later), "ends_at": iso(later + timedelta(hours=2))}
    await api.patch(f"/api/meetings/{mid}", moved)
    messages = await smtp.inbox.wait_for(4)
    updates = {to(m): m for m in messages[2:]}
    assert set(updates) == {"lan@example.vn", "bob@example.org"}
    assert updates["lan@example.vn"]["Subject"].startswith("Thay đổi: Họp giao ban")
    _, _, changed = calendar_of(updates["lan@example.vn"])
    assert changed["UID"] == event["UID"] and int(changed["SEQUENCE"]) > first_sequence
    assert changed.decoded("DTSTART") == later.astimezone(UTC)
    assert LINK.findall(text_body(updates["lan@example.vn"]))

    # Removing Bob cancels it for him; deleting the meeting cancels it for Lan.
    site.clock.advance(timedelta(minutes=2))
    people = await api.get(f"/api/meetings/{mid}/participants")
    bob_p = next(p for p in people if p["user_id"] == bob)
    await api.delete(f"/api/meetings/{mid}/participants/{bob_p['id']}", status=204)
    await api.delete(f"/api/meetings/{mid}/participants/{minh_p['id']}", status=204)
    messages = await smtp.inbox.wait_for(5)
    assert to(messages[4]) == "bob@example.org"
    assert messages[4]["Subject"].startswith("Cancelled: Họp giao ban")
    assert "You no longer take part" in text_body(messages[4])
    content_type, cal, cancel = calendar_of(messages[4])
    assert 'method="CANCEL"' in content_type and cal["METHOD"] == "CANCEL"
    assert cancel["STATUS"] == "CANCELLED" and cancel["UID"] == event["UID"]

    site.clock.advance(timedelta(minutes=2))
    await api.delete(f"/api/meetings/{mid}", status=204)
    messages = await smtp.inbox.wait_for(6)
    assert to(messages[5]) == "lan@example.vn"
    assert messages[5]["Subject"].startswith("Đã hủy: Họp giao ban")
    _, cal, cancel = calendar_of(messages[5])
    assert cal["METHOD"] == "CANCEL" and cancel["STATUS"] == "CANCELLED"
    assert int(cancel["SEQUENCE"]) > int(changed["SEQUENCE"])
    assert not LINK.findall(text_body(messages[5]))

    # Nothing more: no mail was queued twice, none is sent twice.
    assert site.services.mail is not None
    await site.services.mail.deliver_due()
    await asyncio.sleep(0.2)
    assert smtp.inbox.count() == 6


async def test_send_invitations_to_all_or_to_those_not_invited(
    mail_site: Site, smtp: MailServer
) -> None:
    site = mail_site
    api = await admin_api(site)
    lan = await user(site, "lan", email="lan@example.vn")
    minh = await user(site, "minh")
    mid = (await new_meeting(api, site))["id"]
    for body in ({"user_id": lan}, {"user_id": minh}, {"name": "Khách"}):
        await api.post(f"/api/meetings/{mid}/participants", body, status=201)
    await smtp.inbox.wait_for(1)

    results = await api.post(f"/api/meetings/{mid}/invitations", {})
    outcome = {r["name"]: r["result"] for r in results}
    assert outcome == {"Lan": "already_invited", "Minh": "no_email", "Khách": "guest"}
    results = await api.post(f"/api/meetings/{mid}/invitations", {"to": "all"})
    assert {r["name"]: r["result"] for r in results}["Lan"] == "queued"
    await smtp.inbox.wait_for(2)

    # The page's button does the same.
    csrf = await page_csrf(site.client, f"/meetings/{mid}")
    form = {"_csrf": csrf, "to": "all"}
    resp = await site.client.post(f"/meetings/{mid}/invitations", data=form, allow_redirects=False)
    assert resp.status == 303 and "notice=invitations_queued&n=1" in resp.headers["Location"]
    await smtp.inbox.wait_for(3)

    # Only those who manage meetings may send them.
    minh_client = await site.new_client()
    minh_api = await Api.sign_in(minh_client, "minh", "delegate-pass-1")
    await minh_api.post(f"/api/meetings/{mid}/invitations", {}, status=403)
    await asyncio.sleep(0.1)
    assert smtp.inbox.count() == 3


async def test_an_smtp_outage_loses_nothing_and_sends_nothing_twice(
    make_site: MakeSite, backend: str
) -> None:
    port = free_port()  # nothing listens there yet
    site = await make_site(backend, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    api = await admin_api(site)
    lan = await user(site, "lan", email="lan@example.vn")
    mid = (await new_meeting(api, site))["id"]
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": lan}, status=201)
    delivery = site.services.mail
    assert isinstance(delivery, MailDelivery)

    async def state() -> dict[str, Any]:
        [d] = await api.get(f"/api/meetings/{mid}/invitations")
        return dict(d)

    async def attempts(n: int) -> dict[str, Any]:
        current: dict[str, Any] = {}

        async def tried() -> dict[str, Any] | None:
            current.clear()
            current.update(await state())
            return dict(current) if current.get("attempts", 0) >= n else None

        return await until(tried, 10, lambda: f"no attempt {n}: {current}", interval=0.02)

    # The first try fails (the sender tried at once, in the background): still queued.
    first = await attempts(1)
    assert first["status"] == "queued" and first["last_error"]
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    assert "Not sent yet (will retry)" in page

    # The server comes up; nothing is due before the minute is over.
    server = MailServer(port).start()
    try:
        await delivery.deliver_due()
        assert server.inbox.count() == 0
        site.clock.advance(timedelta(seconds=61))
        await delivery.deliver_due()
        [message] = await server.inbox.wait_for(1)
        assert to(message) == "lan@example.vn"
        done = await state()
        assert done["status"] == "sent" and done["attempts"] == 2 and done["sent_at"]
        # Never twice: later passes find nothing to send.
        site.clock.advance(timedelta(hours=1))
        await delivery.deliver_due()
        await asyncio.sleep(0.2)
        assert server.inbox.count() == 1
    finally:
        server.stop()

    # Down for good: tried after 1, 5 and 30 minutes more, then marked failed.
    await api.post(f"/api/meetings/{mid}/invitations", {"to": "all"})
    await attempts(1)
    for number, wait in ((2, 1), (3, 5), (4, 30)):
        site.clock.advance(timedelta(minutes=wait, seconds=1))
        await delivery.deliver_due()
        await attempts(number)
    failed = await state()
    assert failed["status"] == "failed" and failed["attempts"] == 4
    site.clock.advance(timedelta(hours=2))
    await delivery.deliver_due()
    assert (await state())["attempts"] == 4
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    assert "Failed:" in page


async def test_without_an_smtp_server_nothing_is_queued(site: Site) -> None:
    api = await admin_api(site)
    lan = await user(site, "lan", email="lan@example.vn")
    mid = (await new_meeting(api, site))["id"]
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": lan}, status=201)
    await api.patch(f"/api/meetings/{mid}", {"title": "Đổi tên"})
    assert site.services.mail is None
    assert await site.services.invitations.outbox.states_for_meeting(mid) == []
    error = await api.post(f"/api/meetings/{mid}/invitations", {}, status=409)
    assert error["error"]["code"] == "mail_not_configured"
    page = await (await site.client.get(f"/meetings/{mid}")).text()
    assert "E-mail is not set up on this server" in page
    assert "Send invitations to all" not in page


async def test_a_draft_invites_nobody_until_it_is_published(
    mail_site: Site, smtp: MailServer
) -> None:
    site = mail_site
    api = await admin_api(site)
    lan = await user(site, "lan", email="lan@example.vn")
    mid = (await new_meeting(api, site, status="draft"))["id"]
    await api.post(f"/api/meetings/{mid}/participants", {"user_id": lan}, status=201)
    await api.post(f"/api/meetings/{mid}/invitations", {}, status=409)
    await asyncio.sleep(0.3)
    assert smtp.inbox.count() == 0
    published = await api.post(f"/api/meetings/{mid}/publish")
    assert published["status"] == "scheduled"
    [message] = await smtp.inbox.wait_for(1)
    assert to(message) == "lan@example.vn" and LINK.search(text_body(message))
    # Published once: asking again sends nothing new.
    results = await api.post(f"/api/meetings/{mid}/invitations", {})
    assert [r["result"] for r in results] == ["already_invited"]
