"""The SMTP sender against a real SMTP server (aiosmtpd): what arrives, and which
failures are worth retrying."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import icalendar
import pytest

from meetroom.mail.smtp import DeliveryError, Security, SmtpSender, SmtpSettings
from meetroom.records.mail import MailAttachment, OutgoingMail
from tests.mailserver import MailServer, attachment_named, free_port, html_body, text_body

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def mail(recipient: str = "lan@example.vn") -> OutgoingMail:
    return OutgoingMail(
        id="01JTESTMAIL0000000000000000",
        recipient=recipient,
        recipient_name="Nguyễn Thị Lan",
        subject="Giấy mời họp: Họp giao ban, 1 thg 12, 2026",
        text="Kính gửi chị Lan,\nhttp://meet.lan/j/abc\n",
        html="<p>Kính gửi chị Lan,</p>",
        attachments=(MailAttachment("invite.ics", "text/calendar", ICS, (("method", "REQUEST"),)),),
        created_at=NOW,
    )


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


def sender(port: int, security: Security = "none") -> SmtpSender:
    return SmtpSender(
        SmtpSettings(
            host="127.0.0.1",
            port=port,
            security=security,
            sender="Văn phòng <vp@example.gov.vn>",
            timeout_seconds=5,
        )
    )


async def test_a_mail_arrives_with_text_html_and_the_calendar_file(smtp: MailServer) -> None:
    await sender(smtp.port).send(mail(), NOW)
    [message] = await smtp.inbox.wait_for(1)
    assert smtp.inbox.envelopes == [("vp@example.gov.vn", ["lan@example.vn"])]
    assert message["Subject"] == "Giấy mời họp: Họp giao ban, 1 thg 12, 2026"
    assert message["To"].addresses[0].display_name == "Nguyễn Thị Lan"
    assert message["From"].addresses[0].addr_spec == "vp@example.gov.vn"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "01JTESTMAIL" in message["Message-ID"]
    assert "http://meet.lan/j/abc" in text_body(message)
    assert "Kính gửi chị Lan" in html_body(message)
    content_type, data = attachment_named(message, ".ics")
    assert content_type.startswith("text/calendar") and 'method="REQUEST"' in content_type
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "REQUEST"


async def test_a_server_that_is_down_is_a_temporary_failure() -> None:
    with pytest.raises(DeliveryError) as caught:
        await sender(free_port()).send(mail(), NOW)
    assert not caught.value.permanent


async def test_a_refused_recipient_is_a_permanent_failure(smtp: MailServer) -> None:
    smtp.inbox.refuse.add("nobody@example.vn")
    with pytest.raises(DeliveryError) as caught:
        await sender(smtp.port).send(mail("nobody@example.vn"), NOW)
    assert caught.value.permanent and "550" in str(caught.value)
    assert smtp.inbox.count() == 0


async def test_starttls_demanded_of_a_server_without_it_fails(smtp: MailServer) -> None:
    with pytest.raises(DeliveryError):
        await sender(smtp.port, security="starttls").send(mail(), NOW)
    assert smtp.inbox.count() == 0
