"""Join-link tokens (and the JWTs of earlier versions), opaque tokens, the secret key,
argon2id hashes."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from meetroom.auth.passwords import Argon2Passwords
from meetroom.auth.tokens import (
    JoinClaims,
    JoinLinkSigner,
    JoinLinkTokens,
    derive,
    load_or_create_secret,
    token_digest,
)
from meetroom.errors import Forbidden, Invalid
from meetroom.ids import MeetingId, ParticipantId

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CLAIMS = JoinClaims(
    meeting_id=MeetingId("m1"),
    participant_id=ParticipantId("p1"),
    grants=("can_publish", "can_vote"),
    link_version=3,
    expires_at=int((NOW + timedelta(hours=1)).timestamp()),
)


def test_short_join_link_tokens() -> None:
    tokens = JoinLinkTokens(b"secret")
    token = tokens.token("p1", "n1")
    assert len(token) == 26 and set(token) <= set("0123456789abcdefghjkmnpqrstvwxyz")
    assert tokens.token("p1", "n1") == token  # shown again from the same nonce
    others = {
        tokens.token("p2", "n1"),
        tokens.token("p1", "n2"),
        JoinLinkTokens(b"other").token("p1", "n1"),
    }
    assert token not in others and len(others) == 3
    assert tokens.new_nonce() != tokens.new_nonce()
    assert tokens.digest(token) == token_digest(token) != token


def test_join_link_tokens_as_typed() -> None:
    canonical = JoinLinkTokens.canonical
    assert canonical("0123456789abcdefghjkmnpqrs") == "0123456789abcdefghjkmnpqrs"
    assert canonical(" 0123-4567 89AB CDEF\tGHJK MNPQ RS\n") == "0123456789abcdefghjkmnpqrs"
    assert canonical("o1i3456789abcdefghjkmnpqrL") == "0113456789abcdefghjkmnpqr1"
    for bad in ("", "0123456789abcdefghjkmnpqr", "0123456789abcdefghjkmnpqrsa", "u" * 26, "é" * 26):
        assert canonical(bad) is None, bad


def test_join_link_round_trip() -> None:
    signer = JoinLinkSigner(b"secret")
    token = signer.sign(CLAIMS, NOW)
    assert signer.verify(token, NOW) == CLAIMS
    payload = jwt.decode(token, options={"verify_signature": False})
    assert (
        payload["mid"] == "m1"
        and payload["sub"] == "p1"
        and payload["grants"]
        == [
            "can_publish",
            "can_vote",
        ]
    )


def test_expired_link() -> None:
    signer = JoinLinkSigner(b"secret")
    token = signer.sign(CLAIMS, NOW)
    with pytest.raises(Forbidden) as info:
        signer.verify(token, NOW + timedelta(hours=1))
    assert info.value.code == "join_link_expired"


@pytest.mark.parametrize("how", ["payload", "signature", "truncated", "other-key", "none-alg"])
def test_tampered_link(how: str) -> None:
    signer = JoinLinkSigner(b"secret")
    token = signer.sign(CLAIMS, NOW)
    header, payload, signature = token.split(".")
    if how == "payload":
        forged = jwt.encode({"mid": "m2"}, "x" * 32, algorithm="HS256").split(".")[1]
        token = f"{header}.{forged}.{signature}"
    elif how == "signature":
        token = f"{header}.{payload}.{signature[:-4]}AAAA"
    elif how == "truncated":
        token = token[: len(token) // 2]
    elif how == "other-key":
        token = JoinLinkSigner(b"another").sign(CLAIMS, NOW)
    else:
        token = jwt.encode(
            {"mid": "m1", "sub": "p1", "aud": "meetroom-join", "iss": "meetroom", "exp": 2**40},
            None,
            algorithm="none",
        )
    with pytest.raises(Invalid) as info:
        signer.verify(token, NOW)
    assert info.value.code == "join_link_invalid"


def test_secret_is_created_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_secret("", tmp_path)
    assert len(first) == 64
    assert load_or_create_secret("", tmp_path) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert load_or_create_secret("configured", tmp_path) == b"configured"


def test_digests() -> None:
    assert token_digest("a") != token_digest("b") and len(token_digest("a")) == 64
    assert derive(b"k", "csrf", "x") != derive(b"k", "other", "x")
    assert derive(b"k", "csrf", "x") != derive(b"k2", "csrf", "x")


def test_argon2id() -> None:
    passwords = Argon2Passwords()
    hashed = passwords.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "correct horse")
    assert not passwords.verify(hashed, "wrong horse")
    assert not passwords.verify("not a hash", "x")
    assert not passwords.needs_rehash(hashed)
    assert Argon2Passwords(time_cost=2).needs_rehash(hashed)
