"""Two real nodes on PostgreSQL and Redis, two real browsers: the chair's page on one
node, the delegate's tablet on the other; the delegate follows the chair's page turns
and sees the chair's strokes, as if there were one server."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from playwright.sync_api import expect

from tests.browser.harness import ADMIN_PASSWORD, Watch, require_chromium
from tests.browser.live_page import annotation_count, connected, draw, shows_page
from tests.browser.scenario import DELEGATE, Scenario
from tests.processes import ServerProcess, clean_env
from tests.real_services import pg_url, redis_test_url, service_missing


async def _services_answer(schema: str, drop: bool = False) -> None:
    import redis.asyncio as aioredis

    conn = await asyncio.wait_for(asyncpg.connect(pg_url()), 5)
    try:
        if drop:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
    if not drop:
        client = aioredis.Redis.from_url(redis_test_url())
        try:
            await asyncio.wait_for(client.ping(), 5)
        finally:
            await client.aclose()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require_chromium()
    schema = f"mr_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_services_answer(schema))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        service_missing("PostgreSQL and Redis", f"{exc.__class__.__name__}: {exc}")
    env = clean_env(
        MEETROOM_ADMIN_PASSWORD=ADMIN_PASSWORD,
        MEETROOM_DATABASE_URL=pg_url(),
        MEETROOM_DATABASE_SCHEMA=schema,
        MEETROOM_REDIS_URL=redis_test_url(),
        MEETROOM_SECRET_KEY=secrets.token_hex(16),
    )
    data: Path = tmp_path_factory.mktemp("cluster") / "data"
    nodes = []
    try:
        for name in ("a", "b"):
            nodes.append(ServerProcess(data, env=dict(env, MEETROOM_NODE_NAME=name)).wait_ready())
        yield nodes[0].base_url, nodes[1].base_url
    finally:
        for node in nodes:
            node.kill()
        asyncio.run(_services_answer(schema, drop=True))


def test_a_tablet_on_another_node_follows_the_chair(
    two_nodes: tuple[str, str], scenario: Callable[..., Scenario], watch: Watch
) -> None:
    node_a, node_b = two_nodes
    meeting = scenario(node_a, "Proposal 2030")
    meeting_id, document_id = meeting.meeting_id, meeting.document_id
    chair = meeting.open("chair")
    expect(chair).to_have_url(f"{node_a}/m/{meeting_id}")
    # The same join link, opened through the other node (the proxy's choice, say).
    delegate = meeting.open("delegate", base=node_b)
    expect(delegate).to_have_url(f"{node_b}/m/{meeting_id}")
    for page in (chair, delegate):
        connected(page)
        shows_page(page, document_id, 1)

    chair.get_by_role("tab", name="Participants").click()
    expect(chair.locator(".live-people")).to_contain_text(DELEGATE)
    chair.get_by_role("tab", name="Agenda").click()
    chair.get_by_role("button", name="Next page").click()
    shows_page(delegate, document_id, 2)
    chair.get_by_role("button", name="Pen", exact=True).click()
    draw(chair, [(0.2, 0.2), (0.4, 0.3), (0.6, 0.25)])
    annotation_count(chair, 1)
    annotation_count(delegate, 1)
    watch.assert_clean()
