"""An outgoing mail as a MIME message: a plain-text and an HTML alternative, and
attachments (the invitation's `.ics`)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from meetroom.records.mail import OutgoingMail


def sender_address(sender: str) -> Address:
    """`MeetRoom <meetroom@example.gov.vn>` or a bare address."""
    name, addr = parseaddr(sender)
    return Address(display_name=name, addr_spec=addr)


def build_message(mail: OutgoingMail, sender: str, now: datetime) -> EmailMessage:
    origin = sender_address(sender)
    message = EmailMessage()
    message["From"] = origin
    message["To"] = Address(display_name=mail.recipient_name, addr_spec=mail.recipient)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    # One id per queued mail: a retried delivery is recognisably the same message.
    message["Message-ID"] = make_msgid(idstring=mail.id, domain=origin.domain or None)
    # Tells mail servers and vacation responders not to answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if maintype != "text":
            raise ValueError(f"only text attachments are supported: {attachment.content_type}")
        message.add_attachment(
            attachment.content,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    return message
