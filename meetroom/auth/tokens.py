"""Join links (signed, expiring JWTs) and opaque bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jwt

from meetroom.errors import N_, Forbidden, Invalid
from meetroom.ids import MeetingId, ParticipantId

JOIN_AUDIENCE = "meetroom-join"
ISSUER = "meetroom"


@dataclass(frozen=True, slots=True)
class JoinClaims:
    meeting_id: MeetingId
    participant_id: ParticipantId
    grants: tuple[str, ...]
    link_version: int
    expires_at: int


class JoinLinkSigner:
    """HS256 JWTs carrying meeting id, participant id and grants."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"join-links", hashlib.sha256).digest()

    def sign(self, claims: JoinClaims, issued_at: datetime) -> str:
        payload = {
            "iss": ISSUER,
            "aud": JOIN_AUDIENCE,
            "sub": claims.participant_id,
            "mid": claims.meeting_id,
            "grants": list(claims.grants),
            "v": claims.link_version,
            "iat": int(issued_at.timestamp()),
            "exp": claims.expires_at,
        }
        return jwt.encode(payload, self._key, algorithm="HS256")

    def verify(self, token: str, now: datetime) -> JoinClaims:
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=JOIN_AUDIENCE,
                issuer=ISSUER,
                options={
                    "require": ["exp", "sub", "mid", "aud", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            raise Invalid(
                "join_link_invalid",
                N_("This join link is not valid. It may have been copied incompletely or altered."),
            ) from None
        # Checked here rather than by PyJWT so the clock is the caller's (testable).
        if int(payload["exp"]) <= int(now.timestamp()):
            raise Forbidden(
                "join_link_expired",
                N_("This join link has expired. Ask the meeting's secretary for a new one."),
            )
        grants = payload.get("grants", [])
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise Invalid("join_link_invalid", N_("This join link is not valid."))
        return JoinClaims(
            meeting_id=MeetingId(str(payload["mid"])),
            participant_id=ParticipantId(str(payload["sub"])),
            grants=tuple(grants),
            link_version=int(payload.get("v", 1)),
            expires_at=int(payload["exp"]),
        )


def new_opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the store keeps instead of a session cookie or API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive(secret: bytes, purpose: str, value: str) -> str:
    """A keyed digest for one purpose (e.g. a CSRF token bound to a session)."""
    key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def load_or_create_secret(configured: str, data_dir: Path) -> bytes:
    """The configured secret, else one kept in `<data_dir>/secret_key` (created once, 0600)."""
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write aside, then link into place: two processes starting at once agree on one key.
        tmp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()
