"""The receipt a voter gets for a ballot, and the token the list of who voted keeps.

Both are keyed hashes (HMAC-SHA256) of the vote's id and the ballot id the client
chose (a random UUID), under a secret the server keeps for the vote, with different
labels:

- receipt = HMAC(secret, "receipt" | vote id | ballot id), shown as 20 characters of
  Crockford base32 in groups of five; the board publishes only sha256(receipt);
- voter token = HMAC(secret, "voter" | vote id | ballot id), kept in the voter's row
  of the list of who voted.

A resent ballot (same ballot id, after a lost acknowledgement or from a second tab)
gets the same receipt, computed again: the server never stores the receipt, nor
anything that leads from a voter to a ballot. It recognises the resend by the voter
token: the same person with the same token is a resend; with another, a second ballot.

Why a secret vote stays unlinkable at rest: the voters' rows hold (participant, voter
token), the ballots' rows (choice, receipt hash), with no participant, time or
orderable id. The two values come from the same ballot id, but under different labels
of a keyed hash, so neither tells anything of the other. Knowing the whole database
*and* the secret still does not link a voter row to a ballot row: one would need the
ballot id, which only the voter's device knew (122 random bits: not to be guessed, so
a client must use a random UUID), and which is stored nowhere. Taking that device and
its ballot id links that one ballot, which is what a receipt is for. An operator of the
live server who records the requests as they arrive sees the ballot id beside the
voter, and so can link; that is not at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from meetroom.errors import N_, Invalid
from meetroom.ids import VoteId

SECRET_BYTES = 32
RECEIPT_CHARS = 20  # 100 bits
GROUP = 5

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = str.maketrans(_B32, _CROCKFORD)
# What people misread or mistype when copying a code: Crockford's decoding.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def check_ballot_id(ballot_id: str) -> str:
    """The client's ballot id, a UUID, in its canonical lowercase form (so that a
    resend spelled in capitals is the same ballot)."""
    try:
        return str(uuid.UUID(ballot_id))
    except (ValueError, AttributeError, TypeError):
        raise Invalid("bad_ballot_id", N_("The ballot id must be a UUID.")) from None


def _mac(secret: bytes, label: bytes, vote_id: VoteId, ballot_id: str) -> bytes:
    # NUL between the parts: no two (vote id, ballot id) pairs give the same message.
    message = b"\0".join((label, vote_id.encode(), check_ballot_id(ballot_id).encode()))
    return hmac.new(secret, message, hashlib.sha256).digest()


def receipt(secret: bytes, vote_id: VoteId, ballot_id: str) -> str:
    """The receipt code, e.g. "7F3KQ-9XM2A-B0CDE-RT5WZ"."""
    raw = base64.b32encode(_mac(secret, b"receipt", vote_id, ballot_id))
    code = raw.decode().translate(_TO_CROCKFORD)[:RECEIPT_CHARS]
    return "-".join(code[i : i + GROUP] for i in range(0, RECEIPT_CHARS, GROUP))


def normalise_receipt(typed: str) -> str:
    """A receipt as someone typed or pasted it (any case, spaces or dashes, O for 0, I
    or L for 1) in its shown form; refused if it cannot be one."""
    code = "".join(c for c in typed.upper() if c not in " -\t\n").translate(_TYPED)
    if len(code) != RECEIPT_CHARS or any(c not in _CROCKFORD for c in code):
        raise Invalid("bad_receipt", N_("A receipt code has {count} letters and digits."),
                      count=RECEIPT_CHARS)  # fmt: skip
    return "-".join(code[i : i + GROUP] for i in range(0, RECEIPT_CHARS, GROUP))


def receipt_hash(code: str) -> str:
    """What the board publishes of a receipt (hex sha256 of its shown form)."""
    return hashlib.sha256(normalise_receipt(code).encode()).hexdigest()


def voter_token(secret: bytes, vote_id: VoteId, ballot_id: str) -> str:
    """What the list of who voted keeps, to recognise a resend of the same ballot."""
    return _mac(secret, b"voter", vote_id, ballot_id).hex()
