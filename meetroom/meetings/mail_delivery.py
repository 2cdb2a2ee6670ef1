"""The outbox's sender: a background task that delivers queued mail, retrying after
1, 5 and 30 minutes before giving up, so that an SMTP outage loses nothing. Each mail
is taken with a lease, so that two nodes never send the same mail twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Protocol

from meetroom.clock import Clock
from meetroom.mail.smtp import DeliveryError
from meetroom.records.mail import OutgoingMail, QueuedMail

logger = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
# How long a sender may hold a mail before another may take it (a crashed sender).
LEASE = timedelta(minutes=5)
BATCH = 20
# How often the task looks for due mail when nothing wakes it (real seconds).
POLL_SECONDS = 15.0
# Sent mail keeps its record, but its body (a personal join link) only this long;
# looked at hourly.
KEEP_CONTENTS = timedelta(days=30)
FORGET_EVERY = timedelta(hours=1)


class DeliveryOutbox(Protocol):
    async def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[QueuedMail]: ...
    async def mark_sent(self, mail_id: str, attempts: int, now: datetime) -> None: ...
    async def mark_retry(
        self, mail_id: str, attempts: int, error: str, next_attempt_at: datetime
    ) -> None: ...
    async def mark_failed(self, mail_id: str, attempts: int, error: str) -> None: ...
    async def forget_contents(self, sent_before: datetime) -> int: ...


class MailTransport(Protocol):
    async def send(self, mail: OutgoingMail, now: datetime) -> None: ...


class MailDelivery:
    def __init__(self, outbox: DeliveryOutbox, transport: MailTransport, clock: Clock) -> None:
        self.outbox = outbox
        self.transport = transport
        self.clock = clock
        self._wake = asyncio.Event()
        self._forgotten_at: datetime | None = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """One pass: send every mail that is due; returns how many were sent."""
        sent = 0
        while True:
            now = self.clock.now()
            batch = await self.outbox.claim_due(now, now + LEASE, BATCH)
            for queued in batch:
                sent += await self._deliver(queued)
            if len(batch) < BATCH:
                return sent

    async def _deliver(self, queued: QueuedMail) -> int:
        attempts = queued.attempts + 1
        mail = queued.mail
        try:
            await self.transport.send(mail, self.clock.now())
        except DeliveryError as exc:
            error = str(exc)
            if exc.permanent or attempts > len(RETRY_DELAYS):
                logger.warning("mail %s to %s failed for good: %s", mail.id, mail.recipient, error)
                await self.outbox.mark_failed(mail.id, attempts, error)
            else:
                retry_at = self.clock.now() + RETRY_DELAYS[attempts - 1]
                logger.info("mail %s to %s not sent (%s); again at %s", mail.id,
                            mail.recipient, error, retry_at.isoformat())  # fmt: skip
                await self.outbox.mark_retry(mail.id, attempts, error, retry_at)
            return 0
        await self.outbox.mark_sent(mail.id, attempts, self.clock.now())
        return 1

    async def _forget_old_contents(self) -> None:
        now = self.clock.now()
        if self._forgotten_at is None or now - self._forgotten_at >= FORGET_EVERY:
            self._forgotten_at = now
            forgotten = await self.outbox.forget_contents(now - KEEP_CONTENTS)
            if forgotten:
                logger.info("blanked the contents of %d mail(s) sent long ago", forgotten)

    async def run(self) -> None:
        """Until cancelled: deliver what is due, then wait for a wake-up or the poll."""
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
                await self._forget_old_contents()
            except Exception:
                logger.exception("mail delivery pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
