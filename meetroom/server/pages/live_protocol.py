"""The constants of the meeting socket that the page's script needs (protocol version,
close codes, limits), sent with the page data so that they are declared once, here in
Python, and never copied into the JavaScript."""

from __future__ import annotations

from typing import Any

from meetroom.errors import Category
from meetroom.protocol import live as p
from meetroom.server.edge import WS_CLOSE_CODE
from meetroom.server.live_socket import (
    CLOSE_FLOODING,
    CLOSE_LINK_REPLACED,
    CLOSE_REMOVED,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_SLOW,
    MAX_MESSAGE,
)
from meetroom.sessions.floor.queue import LIMIT_RANGE


def client_protocol() -> dict[str, Any]:
    """The `protocol` object of the live page data (web/static/js/live/socket.js)."""
    return {
        "version": p.PROTOCOL_VERSION,
        "max_message": MAX_MESSAGE,
        "max_points": p.MAX_POINTS,
        "max_text": p.MAX_TEXT,
        "close": {"too_slow": CLOSE_TOO_SLOW, "flooding": CLOSE_FLOODING},
        # The shortest and longest speaking time the floor takes, in seconds.
        "speech_seconds": list(LIMIT_RANGE),
        # Closed because this person's rights in the meeting ended: the page says why
        # and never reconnects. 4404: the meeting is gone (deleted), as good as removed.
        "ended": {
            str(CLOSE_SIGNED_OUT): "signed_out",
            str(CLOSE_REMOVED): "removed",
            str(WS_CLOSE_CODE[Category.NOT_FOUND]): "removed",
            str(CLOSE_LINK_REPLACED): "link_replaced",
        },
    }
