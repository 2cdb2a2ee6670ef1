"""A vote survives its server killed with SIGKILL (a real `meetroom serve` process on
SQLite): started again on the same data, every acknowledged ballot is there, a ballot
sent again gets the same receipt (200), a ballot in flight at the kill is counted once
whether or not it was stored, voting goes on, the close counts exactly, and
`meetroom vote verify` agrees."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.clients import ADMIN_PASSWORD, Api, Tablet, local_path
from tests.dates import days_ahead, stamp, system_now
from tests.processes import ServerProcess, clean_env, cli, ok

pytestmark = pytest.mark.dates

# One delegate each; the first four vote over the API, the fifth over the socket, the
# sixth at the moment of the kill, the last two after the restart.
CHOICES = ["yes", "no", "yes", "abstain", "yes", "no", "yes", "no"]


@dataclass
class Voter:
    http: aiohttp.ClientSession
    csrf: str
    choice: str
    ballot_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    receipt: str = ""

    def api(self, server: ServerProcess) -> Api:
        return Api(self.http, self.csrf, base=server.base_url)

    def ballot(self) -> dict[str, Any]:
        return {"ballot_id": self.ballot_id, "choice": self.choice}


@contextlib.asynccontextmanager
async def browsers() -> AsyncIterator[list[aiohttp.ClientSession]]:
    """Sessions of their own (cookies valid on any port of 127.0.0.1), closed at the end."""
    opened: list[aiohttp.ClientSession] = []
    try:
        yield opened
    finally:
        for session in opened:
            await session.close()


async def tablet(voter: Voter, server: ServerProcess, meeting_id: str) -> Tablet:
    ws = await voter.http.ws_connect(
        f"{server.base_url}/m/{meeting_id}/socket", headers={"Origin": server.base_url}
    )
    t = Tablet(ws)
    await t.send("hello", version=1, last_seq=0)
    await t.next("welcome")
    return t


async def test_a_vote_survives_a_kill_9_of_its_server(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    data = tmp_path / "data"
    env = clean_env(MEETROOM_ADMIN_PASSWORD=ADMIN_PASSWORD)
    server = ServerProcess(data, env=env).wait_ready()
    servers.append(server)
    async with browsers() as sessions:

        def browser() -> aiohttp.ClientSession:
            sessions.append(aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
            return sessions[-1]

        admin_http = browser()
        admin = await Api.sign_in(admin_http, "admin", ADMIN_PASSWORD, base=server.base_url)
        day = days_ahead(system_now(), 7)
        meeting = await admin.post(
            "/api/meetings",
            {"title": "Kỳ họp", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)},
            status=201,
        )  # fmt: skip
        mid = meeting["id"]
        await admin.post(f"/api/meetings/{mid}/open")
        voters: list[Voter] = []
        for i, choice in enumerate(CHOICES, start=1):
            person = await admin.post(
                f"/api/meetings/{mid}/participants",
                {"name": f"Đại biểu {i}", "role": "delegate"}, status=201,
            )  # fmt: skip
            http = browser()
            resp = await http.get(server.base_url + local_path(person["join_url"]))
            assert resp.status == 200, await resp.text()
            me = await (await http.get(server.base_url + "/api/me")).json()
            voters.append(Voter(http, me["csrf_token"], choice))
        vote = await admin.post(f"/api/meetings/{mid}/votes", {"title": "Nghị quyết"}, status=201)
        vid = vote["id"]
        await admin.post(f"/api/votes/{vid}/open", {})

        # Acknowledged: four over the API, one over the socket.
        for voter in voters[:4]:
            answer = await voter.api(server).post(
                f"/api/votes/{vid}/ballots", voter.ballot(), status=201
            )
            voter.receipt = answer["receipt"]
        on_socket = voters[4]
        socket = await tablet(on_socket, server, mid)
        await socket.send("vote_cast", vote_id=vid, **on_socket.ballot())
        on_socket.receipt = (await socket.next("vote_receipt"))["receipt"]
        acked = voters[:5]

        # The sixth ballot is on its way when the server is killed.
        in_flight = voters[5]

        async def send() -> None:
            with contextlib.suppress(aiohttp.ClientError, AssertionError):
                await in_flight.api(server).post(
                    f"/api/votes/{vid}/ballots", in_flight.ballot(), status=(200, 201)
                )

        sending = asyncio.create_task(send())
        await asyncio.sleep(0.005)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        await sending
        await socket.close()

        again = ServerProcess(data, env=env).wait_ready()
        servers.append(again)
        admin = Api(admin_http, admin.csrf, base=again.base_url)
        path = f"/api/votes/{vid}/ballots"
        after = await admin.get(f"/api/votes/{vid}")
        assert after["status"] == "open"
        assert after["voted"] in (5, 6), after  # the sixth: stored or not, never twice

        # Every acknowledged ballot is there: sent again, the same receipt (200).
        for voter in acked[:4]:
            answer = await voter.api(again).post(path, voter.ballot(), status=200)
            assert answer["receipt"] == voter.receipt
        socket = await tablet(on_socket, again, mid)
        await socket.send("vote_cast", vote_id=vid, **on_socket.ballot())
        resent = await socket.next("vote_receipt")
        assert resent["receipt"] == on_socket.receipt and resent["resent"] is True
        # Another ballot of one who voted is refused.
        other = {"ballot_id": str(uuid.uuid4()), "choice": "no"}
        refused = await acked[0].api(again).post(path, other, status=409)
        assert refused["error"]["code"] == "already_voted"

        # The one in flight sends it again: stored now (201) or found (200), once.
        answer = await in_flight.api(again).post(path, in_flight.ballot(), status=(200, 201))
        in_flight.receipt = answer["receipt"]
        # Voting goes on.
        for voter in voters[6:]:
            voter.receipt = (await voter.api(again).post(path, voter.ballot(), status=201))[
                "receipt"
            ]
        assert (await admin.get(f"/api/votes/{vid}"))["voted"] == len(CHOICES)

        closed = await admin.post(f"/api/votes/{vid}/close")
        assert closed["counts"] == dict(Counter(CHOICES)), closed
        assert closed["voted"] == len(CHOICES) and closed["passed"] is True  # 4 yes, 3 no
        told = await socket.next_where("vote", lambda m: m["status"] == "closed")
        assert told["result"]["ballots"] == len(CHOICES)
        board = await admin.get(f"/api/votes/{vid}/board")
        assert len(board["entries"]) == len(CHOICES)
        for voter in voters:
            found = await voter.api(again).post(f"/api/votes/{vid}/check",
                                                {"receipt": voter.receipt})  # fmt: skip
            assert found["found"] is True and found["choice"] == [voter.choice]
        await socket.close()

        out = ok(cli(data, "vote", "verify", vid)).splitlines()
        assert out[-1] == "OK" and f"head: {closed['board_head']}" in out, out
        assert again.interrupt() == 0, again.describe()
