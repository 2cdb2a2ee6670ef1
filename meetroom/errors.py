"""Error categories.

Code anywhere raises a `MeetRoomError` with a category; the edge (one middleware in
`server/`) maps the category to an HTTP status, a JSON error, an HTML page or a
WebSocket close code. Messages are English msgids: the edge translates them, then
fills in `params`, so a message must be marked with `N_` where it is written.
"""

from __future__ import annotations

import enum
from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it here."""
    return message


class Category(enum.Enum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    TIMED_OUT = "timed_out"  # the client was too slow to send its request
    UNAVAILABLE = "unavailable"


class MeetRoomError(Exception):
    category: Category = Category.INVALID

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message.format(**params) if params else message)
        self.code = code
        self.message = message
        self.params = params
        self.retry_after = retry_after
        self.details = details or {}


class Invalid(MeetRoomError):
    category = Category.INVALID


class Unauthenticated(MeetRoomError):
    category = Category.UNAUTHENTICATED


class Forbidden(MeetRoomError):
    category = Category.FORBIDDEN


class NotFound(MeetRoomError):
    category = Category.NOT_FOUND


class Conflict(MeetRoomError):
    category = Category.CONFLICT


class TooLarge(MeetRoomError):
    category = Category.TOO_LARGE


class UnsupportedMediaType(MeetRoomError):
    """A body of a kind the address does not take (JSON where a file is expected…)."""

    category = Category.UNSUPPORTED_MEDIA_TYPE


class RateLimited(MeetRoomError):
    category = Category.RATE_LIMITED


class TimedOut(MeetRoomError):
    category = Category.TIMED_OUT


class Unavailable(MeetRoomError):
    category = Category.UNAVAILABLE


class ConfigError(Exception):
    """A setting has a bad value; raised at start, before anything is served."""
