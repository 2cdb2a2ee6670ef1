"""A document restricted to some participants, in a meeting served by two nodes (each
its own LiveService, one database, one bus): what is said about it on one node stays
off the other node's clients who may not see it, and an access list changed through
one node applies on the other at once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from meetroom.app import open_services
from meetroom.bus.local import LocalHub
from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.ids import ParticipantId
from meetroom.protocol import live as p
from meetroom.server.context import Services
from meetroom.sessions.papers.documents import StoredUpload
from meetroom.store.database import Database
from meetroom.store.files import SqlFileStore
from tests.sessions.live.nodes import START, Client, Meeting, new_meeting, node
from tests.waiting import until

# The clock is set a day before START (see the fixture below).
pytestmark = pytest.mark.dates


@pytest.fixture
async def services(
    make_settings: Callable[..., Awaitable[Settings]], clock: SettableClock, backend: str
) -> AsyncIterator[Services]:
    clock.advance(START - timedelta(days=1) - clock.now())
    async with open_services(await make_settings(backend, pdf_workers=1), clock=clock) as svc:
        yield svc


async def ten_page_document(svc: Services, m: Meeting, *readers: ParticipantId) -> str:
    """A ready document of the meeting that only `readers` (and the chair) may see. Its
    file is recorded as the page pipeline would record it (its pages are never shown
    here: the live session only counts them)."""
    assert isinstance(svc.database, Database)
    files, sha = SqlFileStore(svc.database), secrets.token_hex(32)
    await files.claim_file(sha, 1000, svc.meetings.clock.now())
    await files.set_inspected(sha, 10, "Kế hoạch", [], [])
    await files.set_ready(sha, svc.meetings.clock.now())
    view = await svc.documents.add_uploaded(m.admin, m.id, StoredUpload(sha, 1000, "plan.pdf"))
    await svc.documents.update(m.admin, view.document.id, access=list(readers))
    return view.document.id


def stroke_on(document_id: str, op_id: str) -> p.StrokeEnd:
    return p.StrokeEnd(
        op_id=op_id, document_id=document_id, page=1, layer="shared", tool="pen",
        color="#112233", width=0.004, points=[(0.1, 0.2), (0.3, 0.4)],
    )  # fmt: skip


async def test_a_restricted_document_across_nodes(services: Services) -> None:
    svc = services
    hub = LocalHub()
    a, b = (node(svc, hub, name, svc.meetings.clock, documents=svc.documents) for name in "ab")
    svc.documents.watch(a.visibility)  # changes are made through node a
    try:
        m = await new_meeting(svc)
        first, second = (d.participant.id for d in m.delegates)  # type: ignore[union-attr]
        doc = await ten_page_document(svc, m, first)
        chair = Client(a, m.id, m.chair)
        allowed, other = Client(b, m.id, m.delegates[0]), Client(b, m.id, m.delegates[1])
        for client in (chair, allowed, other):
            await client.join()

        # The chair on a: drawing, a stored stroke, a page turn; then a chat for all.
        start = p.StrokeStart(op_id="s1", document_id=doc, page=1, layer="shared")
        await chair.do(start)
        await chair.do(stroke_on(doc, "s1"))
        await chair.do(p.Present(where=p.Where(document_id=doc, page=3)))
        await chair.do(p.ChatSend(op_id="c1", text="Xin chào"))
        await until(lambda: bool(allowed.of("chat") and other.of("chat")), message="chat on b")
        assert len(allowed.of("drawing", "added")) == 2
        assert allowed.of("presented")[-1]["state"]["where"]["page"] == 3
        assert other.of("drawing", "added") == []
        assert other.of("presented")[-1]["state"] == {
            "presenter": chair.messages[0]["you"], "presenter_name": "Chair", "hidden": True,
        }  # fmt: skip

        # The document changes hands through a: b applies it to its sockets at once.
        await svc.documents.update(m.admin, doc, access=[second])
        await until(lambda: bool(other.of("document_shown") and allowed.of("document_hidden")))
        shown = other.of("document_shown")[0]
        assert [x["op_id"] for x in shown["annotations"]] == ["s1"]
        await until(lambda: "where" in other.of("presented")[-1]["state"])
        assert allowed.of("presented")[-1]["state"].get("hidden") is True
        heard = len(allowed.of("drawing", "added"))
        await chair.do(stroke_on(doc, "s2"))
        await chair.do(p.ChatSend(op_id="c2", text="Tiếp"))
        await until(lambda: len(allowed.of("chat")) == 2 and len(other.of("chat")) == 2)
        assert [x["annotation"]["op_id"] for x in other.of("added")] == ["s2"]
        assert len(allowed.of("drawing", "added")) == heard

        # Made secretary (a role that sees every document): the hook for a changed
        # role shows it at once, with both strokes.
        held = b._live[m.id]
        async with held.lock:
            connection = held.connections[allowed.id]
            before = connection.viewer
            connection.viewer = dataclasses.replace(before, role="secretary")
            b.visibility.viewers_changed(held, {before.key: before})
        shown = allowed.of("document_shown")[-1]
        assert [x["op_id"] for x in shown["annotations"]] == ["s1", "s2"]
        assert allowed.of("presented")[-1]["state"]["where"]["page"] == 3
    finally:
        for live in (a, b):
            await live.close()
            if live.attendance is not None:
                await live.attendance.settled()
