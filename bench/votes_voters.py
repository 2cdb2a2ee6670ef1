"""The load generator of `bench/votes.py`: one process holding many voters.

Each voter is a real WebSocket client (`fanout_tablets.TabletSocket`: RFC 6455 over
its own TCP connection) with a delegate's session cookie. It says hello, waits for its
welcome (which names it: `you`), then waits for the vote the parent prepared to be
told open (`vote`, status "open"). From the moment it sees it open, it

- sends `vote_cast` once, after a random delay in [0, window): a fresh uuid4 as
  `ballot_id` and a random choice, and keeps the time until its `vote_receipt`
  (the acknowledgement latency);
- sends a plain `ping`, after another random delay in [0, window), and keeps the time
  until its `pong`: the round trip of the same socket at the same load, the baseline
  the ballot's acknowledgement is compared to;
- with probability `resend` (the parent's), sends the same ballot again once it has
  the receipt, as a client does that lost the answer: the server must answer the same
  receipt, marked `resent`, and store nothing more.

Then it waits for the vote to be told closed with its result, and keeps that time.
Every time is CLOCK_MONOTONIC, which every process on the machine shares, so the
parent compares them with its own (the open and close requests).

Voter i (its index among all voters of the run) connects to node i % K of the K base
URLs, with that node's Origin.

The parent talks to it over a multiprocessing Pipe:
    child -> ("ready", connected, failed, seconds, errors, connected_by_node)
                                                        every voter welcomed
    child -> ("cast", answered, unanswered, last_answer)
                                                        every ballot, resend and ping
                                                        answered (or timed out)
    parent -> ("wait_closed", timeout)                  just before the close request
    child -> ("closed", missing, seconds)              every voter has the result
    child -> ("result", [per voter: dict])             what each voter sent and got
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import msgspec
import uvloop
from fanout_tablets import CONNECT_CONCURRENCY, _connect

CHOICES = ("yes", "no", "abstain")
WEIGHTS = (0.5, 0.35, 0.15)
# A ballot, resend or ping unanswered this long after it was sent counts as unanswered.
ANSWER_TIMEOUT = 60.0
# The parent opens the meeting, waits for the attendance, then opens the vote.
OPEN_TIMEOUT = 900.0


# Only the fields the benchmark reads; msgspec skips the rest of each message.
class _Result(msgspec.Struct):
    ballots: int = 0


class _Message(msgspec.Struct):
    type: str
    you: str = ""  # welcome
    id: str = ""  # vote
    status: str = ""  # vote
    result: _Result | None = None  # vote, once closed
    vote_id: str = ""  # vote_receipt, vote_count
    ballot_id: str = ""  # vote_receipt
    receipt: str = ""  # vote_receipt
    resent: bool = False  # vote_receipt
    code: str = ""  # error
    ref: str | None = None  # error


_decode = msgspec.json.Decoder(_Message).decode


@dataclass
class Voter:
    """One voter's socket and what it sent and got; the fields ending in `_t` are
    CLOCK_MONOTONIC seconds (0: not yet)."""

    index: int
    node: int
    vote_id: str
    state: Run
    you: str = ""
    sock: Any = None  # the TabletSocket, once welcomed
    welcomed: asyncio.Future[None] | None = None  # set by `receive` (fanout_tablets._connect)
    closed_by_server: int | None = None
    ballot_id: str = ""
    choice: str = ""
    open_t: float = 0.0  # the vote seen open
    cast_t: float = 0.0
    receipt_t: float = 0.0
    receipt: str = ""
    receipt_resent: bool = False  # the first answer said "resent": wrong
    resend: bool = False  # this voter sends its ballot twice
    resend_t: float = 0.0
    resend_receipt_t: float = 0.0
    resend_receipt: str = ""
    resend_flagged: bool = False  # the answer to the resend said "resent"
    ping_t: float = 0.0
    pong_t: float = 0.0
    closed_t: float = 0.0  # the vote seen closed, with its result
    closed_ballots: int = -1  # the result's ballot count as this voter was told it
    counts_seen: int = 0  # vote_count messages
    errors: list[str] = field(default_factory=list)  # error codes
    pending: int = 0  # answers awaited (ballot, resend, ping)

    def receive(self, data: bytes, t: float) -> None:
        m = _decode(data)
        kind = m.type
        if kind == "vote_receipt":
            if m.ballot_id != self.ballot_id:
                self.errors.append("foreign_receipt")
            elif not self.receipt_t:
                self.receipt_t, self.receipt, self.receipt_resent = t, m.receipt, m.resent
                self._answered()
                if self.resend:
                    self.state.loop.call_soon(self._send_again)
            elif self.resend_t and not self.resend_receipt_t:
                self.resend_receipt_t, self.resend_receipt = t, m.receipt
                self.resend_flagged = m.resent
                self._answered()
            else:
                self.errors.append("extra_receipt")
        elif kind == "vote_count":
            self.counts_seen += 1
        elif kind == "pong":
            if self.ping_t and not self.pong_t:
                self.pong_t = t
                self._answered()
        elif kind == "vote" and m.id == self.vote_id:
            if m.status == "open" and not self.open_t:
                self.open_t = t
                self._schedule()
            elif m.status == "closed" and m.result is not None and not self.closed_t:
                self.closed_t = t
                self.closed_ballots = m.result.ballots
                self.state.closed_seen(self)
        elif kind == "error":
            self.errors.append(m.code)
            if m.ref == "vote_cast" and self.cast_t:
                # The ballot (or its resend) was refused: nothing more will answer it.
                if not self.receipt_t:
                    self.receipt_t = -1.0
                    self.resend = False
                    self._answered()
                elif self.resend_t and not self.resend_receipt_t:
                    self.resend_receipt_t = -1.0
                    self._answered()
        elif kind == "welcome":
            self.you = m.you
            if self.welcomed is not None and not self.welcomed.done():
                self.welcomed.set_result(None)

    # -- what it sends ------------------------------------------------------------

    def _schedule(self) -> None:
        state = self.state
        rng = state.rng
        self.choice = rng.choices(CHOICES, WEIGHTS)[0]
        self.ballot_id = str(uuid.uuid4())
        self.resend = rng.random() < state.resend
        self.pending = 3 if self.resend else 2
        state.pending += self.pending
        loop, now = state.loop, time.monotonic()
        loop.call_later(max(0.0, self.open_t + rng.uniform(0, state.window) - now), self._cast)
        loop.call_later(max(0.0, self.open_t + rng.uniform(0, state.window) - now), self._ping)

    def _ballot(self) -> bytes:
        return msgspec.json.encode({
            "type": "vote_cast", "vote_id": self.vote_id, "ballot_id": self.ballot_id,
            "choice": self.choice,
        })  # fmt: skip

    def _cast(self) -> None:
        if self.closed_by_server is not None:
            self._give_up(2 if self.resend else 1)
            return
        self.cast_t = time.monotonic()
        self.sock.send(self._ballot())

    def _send_again(self) -> None:
        if self.closed_by_server is not None:
            self._give_up(1)
            return
        self.resend_t = time.monotonic()
        self.sock.send(self._ballot())

    def _ping(self) -> None:
        if self.closed_by_server is not None:
            self._give_up(1)
            return
        self.ping_t = time.monotonic()
        self.sock.send(b'{"type":"ping"}')

    def _answered(self) -> None:
        self.pending -= 1
        self.state.answered()

    def _give_up(self, count: int) -> None:
        """The socket was closed: what it has not sent yet will not be answered (the
        parent counts it as not sent)."""
        for _ in range(count):
            self.pending -= 1
            self.state.answered(answer=False)

    def report(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "index", "node", "you", "closed_by_server", "ballot_id", "choice", "open_t",
                "cast_t", "receipt_t", "receipt", "receipt_resent", "resend", "resend_t",
                "resend_receipt_t", "resend_receipt", "resend_flagged", "ping_t", "pong_t",
                "closed_t", "closed_ballots", "counts_seen", "errors",
            )
        }  # fmt: skip


class Run:
    """What the voters of this process share: the schedule's randomness, and the
    events the process waits for (every answer in, every voter told the result)."""

    def __init__(self, window: float, resend: float, seed: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.window = window
        self.resend = resend
        self.rng = random.Random(seed)
        self.pending = 0
        self.last_answer = 0.0
        self.all_answered = asyncio.Event()
        self.closed_missing = 0
        self.all_closed = asyncio.Event()

    def answered(self, *, answer: bool = True) -> None:
        self.pending -= 1
        if answer:
            self.last_answer = time.monotonic()
        if self.pending <= 0:
            self.all_answered.set()

    def closed_seen(self, _voter: Voter) -> None:
        self.closed_missing -= 1
        if self.closed_missing <= 0:
            self.all_closed.set()


async def _main(
    conn: Connection,
    base_urls: Sequence[str],
    meeting_id: str,
    vote_id: str,
    cookies: Sequence[str],
    first: int,
    window: float,
    resend: float,
) -> None:
    addresses = []
    for base_url in base_urls:  # (host, port, origin) of each node
        address = urllib.parse.urlsplit(base_url)
        addresses.append((address.hostname or "127.0.0.1", address.port or 80, base_url))
    path = f"/m/{meeting_id}/socket"
    run = Run(window, resend, seed=first * 7919 + 17)
    voters = [
        Voter(first + i, (first + i) % len(addresses), vote_id, run) for i in range(len(cookies))
    ]
    started = time.monotonic()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []

    async def connect(voter: Voter, cookie: str) -> None:
        async with gate:
            try:
                host, port, origin = addresses[voter.node]
                await _connect(host, port, path, origin, cookie, voter, False)  # type: ignore[arg-type]
            except Exception as exc:  # reported to the parent, counted as not connected
                failures.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(connect(v, c) for v, c in zip(voters, cookies, strict=True)))
    connected = [v for v in voters if v.sock is not None]
    by_node = [sum(1 for v in connected if v.node == k) for k in range(len(addresses))]
    run.closed_missing = len(connected)
    conn.send((
        "ready", len(connected), len(failures), time.monotonic() - started, failures[:3], by_node,
    ))  # fmt: skip

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))

    # Every voter sees the vote open, then everything it sends is answered. A voter
    # that never sees it open (or is dropped) is reported as such by the parent.
    deadline = time.monotonic() + OPEN_TIMEOUT
    while time.monotonic() < deadline:
        seen = [v for v in connected if v.open_t]
        if seen:
            deadline = min(v.open_t for v in seen) + window + ANSWER_TIMEOUT
        if len(seen) == len(connected) and run.pending <= 0:
            break
        if seen and len(seen) == len(connected):
            try:
                await asyncio.wait_for(run.all_answered.wait(), 0.5)
            except TimeoutError:
                pass
        else:
            await asyncio.sleep(0.05)
    answered = sum(
        (v.receipt_t != 0) + (v.pong_t != 0) + (v.resend and v.resend_receipt_t != 0)
        for v in connected
    )
    conn.send(("cast", answered, max(0, run.pending), run.last_answer))

    command = await inbox.get()
    assert command[0] == "wait_closed", command
    drain_start = time.monotonic()
    if run.closed_missing > 0:
        try:
            await asyncio.wait_for(run.all_closed.wait(), command[1])
        except TimeoutError:
            pass
    conn.send(("closed", max(0, run.closed_missing), time.monotonic() - drain_start))
    loop.remove_reader(conn.fileno())
    os.set_blocking(conn.fileno(), True)  # uvloop left it non-blocking; the result is large
    conn.send(("result", [v.report() for v in voters]))
    for voter in connected:
        voter.sock.close()


def run(
    conn: Connection,
    base_urls: list[str],
    meeting_id: str,
    vote_id: str,
    cookies: list[str],
    first: int,
    window: float,
    resend: float,
    nice: int,
) -> None:
    """The process's entry point (multiprocessing target)."""
    if nice:
        os.nice(nice)
    try:
        uvloop.run(_main(conn, base_urls, meeting_id, vote_id, cookies, first, window, resend))
    except KeyboardInterrupt:
        pass  # Ctrl-C: the parent stops everything and says so
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()


def error_codes(reports: Sequence[dict[str, Any]]) -> Counter[str]:
    return Counter(code for r in reports for code in r["errors"])
