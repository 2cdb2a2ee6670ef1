"""The secretary's notes across nodes (two `meetroom serve` processes on PostgreSQL and
Redis): a save through node a is told to the chair's socket on node b, not to a
delegate's socket there; a delegate given the moderator grant through node a hears the
next save on node b at once (each node resolves "the moderators" against its own
sockets' grants when the message arrives)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.clients import RIGHTS_BOUND, Api
from tests.cluster.harness import Cluster

ACROSS = 5.0  # seconds within which a save through one node reaches the other's sockets


async def api_of(cluster: Cluster, browser: aiohttp.ClientSession, node: str) -> Api:
    me = await (await browser.get(cluster.url(node) + "/api/me")).json()
    return Api(browser, me["csrf_token"], base=cluster.url(node))


async def test_notes_reach_the_moderators_on_the_other_node(cluster: Cluster) -> None:
    cluster.start_together("a", "b")
    await cluster.prepare_meeting("a", document=False)
    m = f"/api/meetings/{cluster.meeting_id}"
    secretary = await api_of(cluster, await cluster.person("Thư ký", "secretary", "a"), "a")
    chair, _ = await cluster.tablet(await cluster.person("Chủ tọa", "chair", "b"), "b")
    delegate_added: dict[str, Any] = {}
    delegate_browser = await cluster.person("Đại biểu", "delegate", "b", delegate_added)
    delegate, _ = await cluster.tablet(delegate_browser, "b")

    await secretary.put(f"{m}/notes/general", {"notes": "Khai mạc lúc 8 giờ", "revision": 0})
    told = await chair.next("notes_saved", timeout=ACROSS)
    assert (told["revision"], told["notes"], told["by_name"]) == (1, "Khai mạc lúc 8 giờ", "Thư ký")

    # Given the chair's powers through node a, the delegate on node b hears the next save.
    admin = Api(cluster.admin, cluster.csrf, base=cluster.url("a"))
    await admin.patch(f"{m}/participants/{delegate_added['id']}", {"grants": ["moderator"]})
    await delegate.next("rights", timeout=RIGHTS_BOUND)
    assert not delegate.of_type("notes_saved")  # nothing before the grant
    await secretary.put(f"{m}/notes/general", {"conclusion": "Đủ túc số", "revision": 1})
    heard = await delegate.next("notes_saved", timeout=ACROSS)
    assert (heard["revision"], heard["conclusion"]) == (2, "Đủ túc số")
    await chair.next_where("notes_saved", lambda t: t["revision"] == 2, timeout=ACROSS)
