"""argon2id password hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Passwords:
    def __init__(self, time_cost: int = 3, memory_cost: int = 64 * 1024) -> None:
        # argon2-cffi's defaults are the RFC 9106 "low memory" profile of argon2id.
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self._light = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def hash_generated(self, password: str) -> str:
        """For a password this server generated (96 random bits or more): guessing it
        is hopeless whatever the work factor, so a light one lets an import of
        thousands of users finish in seconds. The first sign-in rehashes it with the
        full parameters (`needs_rehash`)."""
        return self._light.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
