"""The floor and the quorum across nodes (two `meetroom serve` processes, PostgreSQL
and Redis): the chair on one node sees who joins or leaves through the other in the
quorum, requests to speak made at once form one queue, the speaker's device on the
other node is told to open its microphone, and when a node dies its clients find the
same floor through the other."""

from __future__ import annotations

import asyncio

from tests.clients import Api
from tests.cluster.harness import Cluster

# Joining through another node reaches the quorum within the presence bounds (the
# attendance is stored by the node the person joined, which tells every node).
ACROSS = 5.0


async def test_quorum_and_one_queue_across_nodes(cluster: Cluster) -> None:
    cluster.start_together("a", "b")
    await cluster.prepare_meeting("a", document=False)
    chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
    api = Api(cluster.admin, cluster.csrf, base=cluster.url("a"))
    await api.post(f"/api/meetings/{cluster.meeting_id}/open")
    await chair.next_where("quorum", lambda m: m["present"] == 1, timeout=ACROSS)

    delegates = [await cluster.person(f"Delegate {i}", "delegate", "b") for i in range(4)]
    await chair.next_where("quorum", lambda m: m["members"] == 5, timeout=ACROSS)
    tablets = [(await cluster.tablet(browser, "b"))[0] for browser in delegates]
    reached = await chair.next_where("quorum", lambda m: m["present"] == 5, timeout=ACROSS)
    assert reached["required"] == 3 and reached["reached"] is True

    # Four requests at once, through node b, while the chair's node a reads: one queue.
    await asyncio.gather(*(
        t.send("floor_ask", client_id=f"ask-{i}", mic_consent=True)
        for i, t in enumerate(tablets)
    ))  # fmt: skip
    asked = [await t.next("floor_asked", timeout=ACROSS) for t in tablets]
    assert sorted(a["position"] for a in asked) == [1, 2, 3, 4]
    view = await chair.next_where("floor", lambda m: len(m.get("queue", [])) == 4, timeout=ACROSS)
    assert [s["position"] for s in view["queue"]] == [1, 2, 3, 4]
    first = view["queue"][0]
    speaker = tablets[[a["request_id"] for a in asked].index(first["id"])]

    await chair.send("floor_give")
    given = await speaker.next_where("floor", lambda m: m.get("action") == "given", timeout=ACROSS)
    assert given["current"]["id"] == first["id"]
    assert (await speaker.next("floor_mic", timeout=ACROSS))["action"] == "open"

    # Node b dies: its delegates come back through node a and find the same floor; a
    # request sent again with its id is the one they made (no duplicate).
    queue = [s["id"] for s in given.get("queue", [])]
    cluster.kill("b")
    back, _ = await cluster.tablet(delegates[-1], "a")
    view = await back.next("floor", timeout=ACROSS)
    assert view["current"]["id"] == first["id"]
    assert [s["id"] for s in view.get("queue", [])] == queue
    await back.send("floor_ask", client_id="ask-3", mic_consent=True)
    again = await back.next("floor_asked", timeout=ACROSS)
    assert again["request_id"] == asked[3]["request_id"]
    assert await back.none("floor", within=0.5) is None  # nothing changed: nothing told

    # Four of five are gone with node b (one came back): the chair sees the quorum lost
    # once node b's presence expires, even for those node b never told node a of (it
    # died before its presence said who had joined it): node a's store is reconciled.
    lost = await chair.next_where("quorum", lambda m: m["present"] == 2, timeout=40)
    assert lost["reached"] is False
