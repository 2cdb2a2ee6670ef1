"""Delivery over SMTP (aiosmtplib): plain, STARTTLS or implicit TLS, with an optional
login. Failures come back as `DeliveryError`, temporary or permanent, so the outbox
knows whether to try again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosmtplib

from meetroom.mail.message import build_message, sender_address
from meetroom.records.mail import OutgoingMail

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "tls"]


class DeliveryError(Exception):
    """The mail was not accepted. Permanent: the server refused it for good (5xx)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: Security = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "MeetRoom <meetroom@example.gov.vn>"
    timeout_seconds: float = 30.0


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, mail: OutgoingMail, now: datetime) -> None:
        s = self.settings
        message = build_message(mail, s.sender, now)
        try:
            await aiosmtplib.send(
                message,
                sender=sender_address(s.sender).addr_spec,
                recipients=[mail.recipient],
                hostname=s.host,
                port=s.port,
                use_tls=s.security == "tls",
                start_tls=True if s.security == "starttls" else False,
                username=s.username or None,
                password=s.password or None,
                timeout=s.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise DeliveryError(text[:500], permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(_describe(exc), permanent=500 <= exc.code < 600) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_describe(exc)) from exc
        logger.info("mail %s sent to %s", mail.id, mail.recipient)


def _describe(exc: Exception) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"{exc.code} {exc.message}"
    else:
        text = str(exc).strip() or exc.__class__.__name__
    return text[:500]
