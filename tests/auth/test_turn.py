"""TURN REST credentials as coturn's use-auth-secret checks them."""

from __future__ import annotations

import base64
import hashlib
import hmac

from meetroom.auth.turn import turn_credentials


def test_turn_credentials_are_what_coturn_checks() -> None:
    username, password = turn_credentials("north-secret", "p:01abc", now=1_800_000_000.7, ttl=3600)
    assert username == "1800003600:p:01abc"  # expiry first, then who
    # coturn: base64(HMAC-SHA1(static-auth-secret, username)).
    expected = hmac.new(b"north-secret", b"1800003600:p:01abc", hashlib.sha1).digest()
    assert base64.b64decode(password) == expected
    # Another secret, participant or time gives another password.
    assert turn_credentials("other", "p:01abc", 1_800_000_000, 3600)[1] != password
    assert turn_credentials("north-secret", "p:02", 1_800_000_000, 3600)[1] != password
