"""Identifier types.

IDs are 26-character lowercase strings: a millisecond timestamp then randomness, so
they sort by creation time, are unique across nodes without a sequence, and cannot
be guessed from a neighbour.
"""

from __future__ import annotations

import secrets
import time
from typing import NewType

UserId = NewType("UserId", str)
MeetingId = NewType("MeetingId", str)
ParticipantId = NewType("ParticipantId", str)
AgendaItemId = NewType("AgendaItemId", str)
DocumentId = NewType("DocumentId", str)
RoomId = NewType("RoomId", str)
GroupId = NewType("GroupId", str)
VoteId = NewType("VoteId", str)

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id() -> str:
    return _base32(time.time_ns() // 1_000_000, 10) + _base32(secrets.randbits(80), 16)


def looks_like_id(value: str) -> bool:
    return len(value) == 26 and all(c in _ALPHABET for c in value)
