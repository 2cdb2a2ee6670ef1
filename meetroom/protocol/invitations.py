"""API bodies of invitations by e-mail and of the calendar feed."""

from __future__ import annotations

from typing import Literal

import msgspec

from meetroom.protocol.api import Request
from meetroom.protocol.formats import Instant


class InvitationSend(Request):
    # all: everyone who can get e-mail; not_invited: those not sent one yet.
    to: Literal["all", "not_invited"] = "not_invited"


class InvitationResultOut(msgspec.Struct):
    participant_id: str
    name: str
    # queued | no_email | guest | already_invited
    result: str


class DeliveryOut(msgspec.Struct, omit_defaults=True):
    participant_id: str
    name: str
    # invitation | update | cancellation; none: nothing was ever sent
    kind: str | None = None
    # queued | sent | failed | no_email | guest
    status: str = ""
    attempts: int = 0
    last_error: str = ""
    queued_at: Instant | None = None
    sent_at: Instant | None = None


class CalendarFeedOut(msgspec.Struct):
    url: str
