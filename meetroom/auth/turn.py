"""Time-limited TURN credentials for coturn's `use-auth-secret` (the "TURN REST API"):
the username is `expiry:participant`, the password the base64 HMAC-SHA1 of the
username under the secret shared with the TURN server, which checks both without
asking MeetRoom."""

from __future__ import annotations

import base64
import hashlib
import hmac


def turn_credentials(secret: str, participant: str, now: float, ttl: int) -> tuple[str, str]:
    """(username, password), valid until `now + ttl` (Unix seconds)."""
    username = f"{int(now) + ttl}:{participant}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()
