"""Receipts and voter tokens: deterministic per ballot id (a resend gets the same
receipt), different across votes, ballot ids and secrets, and unrelated to each other."""

from __future__ import annotations

import re
import uuid

import pytest

from meetroom.errors import Invalid
from meetroom.ids import VoteId
from meetroom.sessions.votes.receipts import (
    check_ballot_id,
    new_secret,
    normalise_receipt,
    receipt,
    receipt_hash,
    voter_token,
)

from .sample import VOTE

SECRET = b"s" * 32
BALLOT = "0b6f8f8e-3c1d-4c59-9a57-3f2e1d0c9b8a"


def test_a_receipt_is_a_short_code_and_the_same_for_a_resent_ballot() -> None:
    code = receipt(SECRET, VOTE, BALLOT)
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}", code)
    assert receipt(SECRET, VOTE, BALLOT) == code
    assert receipt(SECRET, VOTE, BALLOT.upper()) == code  # the same UUID


def test_receipts_differ_across_votes_ballots_and_secrets() -> None:
    codes = {
        receipt(SECRET, VOTE, BALLOT),
        receipt(SECRET, VoteId("w" * 26), BALLOT),
        receipt(SECRET, VOTE, str(uuid.uuid4())),
        receipt(new_secret(), VOTE, BALLOT),
    }
    assert len(codes) == 4
    many = {receipt(SECRET, VOTE, str(uuid.uuid4())) for _ in range(2000)}
    assert len(many) == 2000


def test_the_voter_token_is_deterministic_and_not_the_receipt() -> None:
    token = voter_token(SECRET, VOTE, BALLOT)
    assert token == voter_token(SECRET, VOTE, BALLOT)
    assert token != voter_token(SECRET, VOTE, str(uuid.uuid4()))
    assert token != voter_token(new_secret(), VOTE, BALLOT)
    code = receipt(SECRET, VOTE, BALLOT)
    # Neither is derived from the other: the token shares nothing with the receipt,
    # its hash or its bytes.
    assert token not in (receipt_hash(code), code)
    assert normalise_receipt(code).replace("-", "").lower() not in token


def test_a_typed_receipt_is_found_again() -> None:
    code = receipt(SECRET, VOTE, BALLOT)
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_receipt(sloppy) == code
    assert receipt_hash(sloppy) == receipt_hash(code)
    assert len(receipt_hash(code)) == 64
    for bad in ("", "ABCDE", code + "X", code.replace(code[0], "!")):
        with pytest.raises(Invalid) as info:
            normalise_receipt(bad)
        assert info.value.code == "bad_receipt"


def test_a_ballot_id_is_a_uuid() -> None:
    assert check_ballot_id(BALLOT.upper()) == BALLOT
    for bad in ("", "ballot-1", "x" * 36):
        with pytest.raises(Invalid) as info:
            check_ballot_id(bad)
        assert info.value.code == "bad_ballot_id"
    with pytest.raises(Invalid):
        receipt(SECRET, VOTE, "not a uuid")
