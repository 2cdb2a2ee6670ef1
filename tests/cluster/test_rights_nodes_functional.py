"""Rights that change on one node reach the sockets on another (two `meetroom serve`
processes, PostgreSQL and Redis): a participant removed, or given a new join link,
through node a loses the socket it holds on node b at once."""

from __future__ import annotations

from typing import Any

from tests.clients import LINK_REPLACED, REMOVED, ended
from tests.cluster.harness import Cluster


async def test_removal_and_a_new_link_through_one_node_close_sockets_on_another(
    cluster: Cluster,
) -> None:
    cluster.start_together("a", "b")
    await cluster.prepare_meeting("a", document=False)
    chair, _ = await cluster.tablet(await cluster.person("Chair", "chair", "a"), "a")
    guest: dict[str, Any] = {}
    guest_t, _ = await cluster.tablet(await cluster.person("Guest", "guest", "b", guest), "b")
    delegate: dict[str, Any] = {}
    delegate_browser = await cluster.person("Delegate", "delegate", "b", delegate)
    delegate_t, _ = await cluster.tablet(delegate_browser, "b")
    await chair.next_where("presence", lambda m: len(m["people"]) == 3, timeout=10)

    a = f"{cluster.url('a')}/api/meetings/{cluster.meeting_id}/participants"
    headers = {"X-CSRF-Token": cluster.csrf}
    resp = await cluster.admin.delete(f"{a}/{guest['id']}", headers=headers)
    assert resp.status == 204, await resp.text()
    assert await ended(guest_t) == REMOVED

    resp = await cluster.admin.post(f"{a}/{delegate['id']}/join-link", headers=headers)
    assert resp.status == 200, await resp.text()
    assert await ended(delegate_t) == LINK_REPLACED
    # Its cookie no longer opens the meeting on node b either.
    resp = await delegate_browser.get(
        f"{cluster.url('b')}/m/{cluster.meeting_id}", allow_redirects=False
    )
    assert resp.status in (302, 303) and "/login" in resp.headers["Location"]

    await chair.send("ping")
    await chair.next("pong")
