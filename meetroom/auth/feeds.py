"""Secret addresses of calendar feeds: a keyed digest of the user and a nonce, so the
store keeps only the nonce and the token's digest, and a new nonce revokes the old
address."""

from __future__ import annotations

import secrets

from meetroom.auth.tokens import derive, token_digest


class FeedTokenSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token(self, user_id: str, nonce: str) -> str:
        return derive(self._secret, "calendar-feed", f"{user_id}:{nonce}")[:40]

    def digest(self, token: str) -> str:
        return token_digest(token)

    def new_nonce(self) -> str:
        return secrets.token_hex(16)
