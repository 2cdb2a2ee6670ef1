"""Join links (short opaque tokens; the JWTs of earlier versions still verify) and
opaque bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jwt

from meetroom.errors import N_, Forbidden, Invalid
from meetroom.ids import MeetingId, ParticipantId
from meetroom.private_files import create_private, private_dir

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
    """HS256 JWTs carrying meeting id, participant id and grants: the join links of
    earlier versions, still accepted until they expire (new links are JoinLinkTokens')."""

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


# Crockford's base32, lowercase: no i, l, o or u, so a token read aloud or typed from
# paper has no look-alikes.
_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"
_LOOK_ALIKES = str.maketrans({"i": "1", "l": "1", "o": "0", "-": None})
JOIN_TOKEN_BITS = 128
JOIN_TOKEN_LENGTH = 26  # ceil(128 / 5)


class JoinLinkTokens:
    """Short join-link tokens: HMAC(secret, participant id, nonce), 128 bits in 26
    characters of base32. The store keeps the nonce and the token's SHA-256 digest only,
    so a copy of the database yields no working link, yet the server can show a
    participant's link again (and a new nonce makes a new, unrelated link)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token(self, participant_id: str, nonce: str) -> str:
        mac = derive(self._secret, "join-link", f"{participant_id}:{nonce}")
        value = int(mac[: JOIN_TOKEN_BITS // 4], 16)
        chars = []
        for _ in range(JOIN_TOKEN_LENGTH):
            chars.append(_BASE32[value & 31])
            value >>= 5
        return "".join(reversed(chars))

    def digest(self, token: str) -> str:
        return token_digest(token)

    def new_nonce(self) -> str:
        return secrets.token_hex(16)

    @staticmethod
    def canonical(text: str) -> str | None:
        """The token as issued, from what was typed or scanned (any case, spaces or
        dashes, i/l for 1 and o for 0); None if it cannot be one."""
        token = "".join(text.split()).lower().translate(_LOOK_ALIKES)
        if len(token) != JOIN_TOKEN_LENGTH or not all(c in _BASE32 for c in token):
            return None
        return token


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
    private_dir(data_dir)
    if not path.exists():
        # Write aside, then link into place: two processes starting at once agree on one key.
        tmp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        with os.fdopen(create_private(tmp), "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()
