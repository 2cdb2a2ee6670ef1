"""A vote across nodes (`meetroom serve` processes on PostgreSQL and Redis): ballots
through both nodes, one voter through both at once (one ballot stored, the other
refused; the same ballot twice, one receipt), a node killed mid-vote whose clients
reconnect to the survivor and send their ballots again (nothing acknowledged lost,
nothing counted twice), the close on the survivor told to its clients; and a Redis
restart in the middle of a vote, which loses no ballot."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.clients import Api, Tablet
from tests.cluster.harness import Cluster
from tests.processes import cli, ok

ACROSS = 5.0  # seconds within which a vote opened or closed reaches the other node


@dataclass
class Voter:
    http: aiohttp.ClientSession
    csrf: str
    node: str
    tablet: Tablet
    choice: str
    ballot_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    receipt: str = ""
    vote_id: str = ""

    async def cast(self) -> dict[str, Any]:
        """Over the socket: the receipt."""
        await self.tablet.send("vote_cast", vote_id=self.vote_id, ballot_id=self.ballot_id,
                               choice=self.choice)  # fmt: skip
        return await self.tablet.next("vote_receipt", timeout=ACROSS)


async def voters(cluster: Cluster, choices: list[str], nodes: str) -> list[Voter]:
    """A delegate for each choice, joined (and their socket) through the node of the
    same place in `nodes`."""
    joined = []
    for i, (choice, node) in enumerate(zip(choices, nodes, strict=True), start=1):
        http = await cluster.person(f"Đại biểu {i}", "delegate", node)
        tablet, _ = await cluster.tablet(http, node)
        me = await (await http.get(cluster.url(node) + "/api/me")).json()
        joined.append(Voter(http, me["csrf_token"], node, tablet, choice))
    return joined


async def post(
    voter: Voter, base: str, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """The status and the answer, whatever the status (two requests racing)."""
    resp = await voter.http.post(base + path, json=body, headers={"X-CSRF-Token": voter.csrf})
    return resp.status, await resp.json()


async def open_vote(cluster: Cluster, node: str, everyone: list[Voter]) -> str:
    admin = Api(cluster.admin, cluster.csrf, base=cluster.url(node))
    vote = await admin.post(
        f"/api/meetings/{cluster.meeting_id}/votes", {"title": "Nghị quyết", "secret": True},
        status=201,
    )  # fmt: skip
    await admin.post(f"/api/votes/{vote['id']}/open", {})
    for voter in everyone:
        voter.vote_id = vote["id"]
        await voter.tablet.next_where("vote", lambda m: m["status"] == "open", timeout=ACROSS)
    return str(vote["id"])


def verify(cluster: Cluster, vote_id: str) -> list[str]:
    """`meetroom vote verify` on the cluster's database and audit directory."""
    env = {k: v for k, v in cluster.env.items() if k.startswith("MEETROOM_")}
    return ok(cli(cluster.data, "vote", "verify", vote_id, **env)).splitlines()


async def test_a_node_killed_mid_vote(cluster: Cluster) -> None:
    cluster.start("a")  # one after the other: each start is lighter on a busy machine
    cluster.start("b")
    await cluster.prepare_meeting("a", document=False)
    admin = Api(cluster.admin, cluster.csrf, base=cluster.url("a"))
    await admin.post(f"/api/meetings/{cluster.meeting_id}/open")
    choices = ["yes", "no", "yes", "yes", "abstain", "no", "yes", "no", "yes"]
    everyone = await voters(cluster, choices, "ababababb")
    vid = await open_vote(cluster, "a", everyone)
    path = f"/api/votes/{vid}/ballots"

    # Six ballots over the sockets of both nodes, acknowledged.
    for voter in everyone[:6]:
        voter.receipt = (await voter.cast())["receipt"]

    # One voter on two devices through both nodes at once, two ballots: one stored, the
    # other refused.
    racer = everyone[6]
    bodies = [{"ballot_id": str(uuid.uuid4()), "choice": c} for c in ("yes", "abstain")]
    both = await asyncio.gather(*(
        post(racer, cluster.url(node), path, b) for node, b in zip("ab", bodies, strict=True)
    ))  # fmt: skip
    assert sorted(status for status, _ in both) == [201, 409], both
    won = next(i for i, (status, _) in enumerate(both) if status == 201)
    racer.receipt, racer.choice = both[won][1]["receipt"], bodies[won]["choice"]
    choices[6] = racer.choice
    assert both[1 - won][1]["error"]["code"] == "already_voted"
    # Another, the same ballot through both at once: stored once, one receipt.
    twice = everyone[7]
    body = {"ballot_id": twice.ballot_id, "choice": twice.choice}
    both = await asyncio.gather(*(post(twice, cluster.url(n), path, body) for n in "ab"))
    assert sorted(status for status, _ in both) == [200, 201], both
    assert both[0][1]["receipt"] == both[1][1]["receipt"]
    twice.receipt = both[0][1]["receipt"]

    # The last one's ballot is on its way through node b when node b is killed.
    last = everyone[8]
    await last.tablet.send("vote_cast", vote_id=vid, ballot_id=last.ballot_id, choice=last.choice)
    cluster.kill("b")

    # Node b's clients come back through node a: told the open vote, they send again
    # what they sent through b, and get the same receipts.
    on_b = [v for v in everyone if v.node == "b"]
    for voter in on_b:
        await voter.tablet.close()
        voter.tablet, _ = await cluster.tablet(voter.http, "a")
        told = await voter.tablet.next("vote", timeout=ACROSS)
        assert told["id"] == vid and told["status"] == "open", told
        assert told["voted"] in (8, 9), told  # the last one: stored before the kill, or not
    for voter in on_b:
        if voter is twice:
            continue
        again = await voter.cast()
        if voter is last:
            last.receipt = again["receipt"]
            continue
        assert again["receipt"] == voter.receipt and again["resent"] is True, again
    status, _ = await post(twice, cluster.url("a"), path, body)
    assert status == 200

    # No ballot lost, none counted twice; the close through node a tells its clients.
    assert (await admin.get(f"/api/votes/{vid}"))["voted"] == len(choices)
    closed = await admin.post(f"/api/votes/{vid}/close")
    assert closed["counts"] == dict(Counter(choices)), closed
    for voter in everyone:
        told = await voter.tablet.next_where("vote", lambda m: m["status"] == "closed",
                                             timeout=ACROSS)  # fmt: skip
        assert told["result"]["ballots"] == len(choices), told
        found = await Api(voter.http, voter.csrf, base=cluster.url("a")).post(
            f"/api/votes/{vid}/check", {"receipt": voter.receipt}
        )
        assert found["found"] is True and found["choice"] == [voter.choice], found
    out = verify(cluster, vid)
    assert out[-1] == "OK" and f"head: {closed['board_head']}" in out, out


async def test_a_redis_restart_mid_vote_loses_no_ballot(
    tmp_path: Path, pg_schemas: Callable[[], Awaitable[str]]
) -> None:
    from tests.redis_server import RedisServer, redis_server_binary

    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as redis:
        cluster = Cluster(tmp_path, await pg_schemas(), redis.url)
        try:
            cluster.start("a")
            cluster.start("b")
            await cluster.prepare_meeting("a", document=False)
            admin = Api(cluster.admin, cluster.csrf, base=cluster.url("a"))
            await admin.post(f"/api/meetings/{cluster.meeting_id}/open")
            choices = ["yes", "no", "yes", "abstain", "yes", "no"]
            everyone = await voters(cluster, choices, "ababab")
            vid = await open_vote(cluster, "a", everyone)
            for voter in everyone[:2]:
                voter.receipt = (await voter.cast())["receipt"]

            redis.stop()  # SIGKILL, nothing persisted: it comes back empty
            # Ballots go on through both nodes while Redis is down: they are stored in
            # the database, and acknowledged.
            for voter in everyone[2:4]:
                voter.receipt = (await voter.cast())["receipt"]
            redis.start()
            for voter in everyone[4:]:
                voter.receipt = (await voter.cast())["receipt"]
            for voter in everyone[:4]:
                again = await voter.cast()
                assert again["receipt"] == voter.receipt and again["resent"] is True

            assert (await admin.get(f"/api/votes/{vid}"))["voted"] == len(choices)
            closed = await admin.post(f"/api/votes/{vid}/close")
            assert closed["counts"] == dict(Counter(choices)), closed
            # Node b's clients hear of the close once the nodes are linked again.
            for voter in everyone:
                told = await voter.tablet.next_where(
                    "vote", lambda m: m["status"] == "closed", timeout=15
                )
                assert told["result"]["ballots"] == len(choices), told
            assert verify(cluster, vid)[-1] == "OK"
        finally:
            await cluster.close()
