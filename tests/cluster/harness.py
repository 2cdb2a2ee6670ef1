"""Several real `meetroom serve` processes acting as one server: a cluster on this
machine's PostgreSQL (a fresh schema) and a Redis (the shared one, or a private one),
a meeting with a three-page document, and people whose sockets go to chosen nodes."""

from __future__ import annotations

import json
import secrets
import signal
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from tests.clients import ADMIN_PASSWORD, Api, Tablet, local_path
from tests.dates import days_ahead, stamp, system_now
from tests.pdf.pdfs import make_pdf
from tests.processes import ServerProcess, clean_env
from tests.real_services import pg_url
from tests.waiting import until

SECRET = "cluster-test-secret-key-0123456789abcdef"


class Cluster:
    def __init__(
        self, tmp_path: Path, schema: str, redis_url: str, database_url: str = "",
        **settings: str,
    ) -> None:  # fmt: skip
        self.data = tmp_path / "data"
        self.tmp = tmp_path
        self.env = clean_env(
            MEETROOM_DATABASE_URL=database_url or pg_url(),
            MEETROOM_DATABASE_SCHEMA=schema,
            MEETROOM_REDIS_URL=redis_url,
            MEETROOM_SECRET_KEY=SECRET,
            MEETROOM_ADMIN_PASSWORD=ADMIN_PASSWORD,
            MEETROOM_PASSWORD_TIME_COST="1",
            MEETROOM_PASSWORD_MEMORY_KIB="8192",
            MEETROOM_PDF_WORKERS="1",
            MEETROOM_MEDIA_ADDRESSES="127.0.0.1",
            MEETROOM_DRAIN_SECONDS="5",
            **{f"MEETROOM_{k.upper()}": v for k, v in settings.items()},
        )
        self.nodes: dict[str, ServerProcess] = {}
        self.sessions: list[aiohttp.ClientSession] = []
        self.tablets: list[Tablet] = []
        self.meeting_id = ""
        self.document_id = ""
        self.csrf = ""

    def start(self, name: str, **env: str) -> ServerProcess:
        node_env = dict(self.env, MEETROOM_NODE_NAME=name, **env)
        node = ServerProcess(self.data, env=node_env)
        self.nodes[name] = node
        return node.wait_ready()

    def start_together(self, *names: str) -> None:
        """Nodes started at the same moment on an empty database: they migrate one
        after another and one of them makes the admin account."""
        for name in names:
            env = dict(self.env, MEETROOM_NODE_NAME=name)
            self.nodes[name] = ServerProcess(self.data, env=env)
        for name in names:
            self.nodes[name].wait_ready()

    def url(self, node: str) -> str:
        return self.nodes[node].base_url

    def kill(self, node: str) -> None:
        """kill -9: no goodbye to anyone."""
        self.nodes[node].proc.send_signal(signal.SIGKILL)
        self.nodes[node].proc.wait(10)

    def stop_all(self) -> None:
        for node in self.nodes.values():
            node.kill()

    async def close(self) -> None:
        for tablet in self.tablets:
            await tablet.close()
        for session in self.sessions:
            await session.close()
        self.stop_all()

    def browser(self) -> aiohttp.ClientSession:
        """One person's cookies, valid on every node (same database and secret)."""
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        return session

    async def prepare_meeting(self, node: str, document: bool = True) -> None:
        """Signed in as admin on `node`: a meeting with a ready three-page document
        (`document` False: without)."""
        admin = self.browser()
        api = await Api.sign_in(admin, "admin", ADMIN_PASSWORD, base=self.url(node))
        self.csrf = api.csrf
        self.admin = admin
        day = days_ahead(system_now(), 7)
        meeting = await api.post(
            "/api/meetings",
            {"title": "Cluster", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11),
             "location": "Hall"},
            status=201,
        )  # fmt: skip
        self.meeting_id = meeting["id"]
        if not document:
            return
        pdf = make_pdf(self.tmp / "agenda.pdf", pages=3).read_bytes()
        form = aiohttp.FormData()
        form.add_field("file", pdf, filename="agenda.pdf", content_type="application/pdf")
        path = f"/api/meetings/{self.meeting_id}/documents"
        self.document_id = (await api.post(path, data=form, status=202))["id"]

        async def processed() -> dict[str, Any] | None:
            body = await api.get(f"/api/documents/{self.document_id}")
            return dict(body) if body["status"] != "processing" else None

        body = await until(processed, 60, "the document did not get ready", interval=0.1)
        assert body["status"] == "ready", body

    async def person(
        self, name: str, role: str, node: str, added: dict[str, Any] | None = None
    ) -> aiohttp.ClientSession:
        """Added to the meeting by the admin, then signed in by their join link on `node`
        (`added`: filled with the participant as the API answered)."""
        admin = Api(self.admin, self.csrf, base=self.url(node))
        participant = await admin.post(
            f"/api/meetings/{self.meeting_id}/participants", {"name": name, "role": role},
            status=201,
        )  # fmt: skip
        if added is not None:
            added.update(participant)
        browser = self.browser()
        resp = await browser.get(f"{self.url(node)}{local_path(participant['join_url'])}")
        assert resp.status == 200, await resp.text()
        return browser

    async def tablet(
        self, browser: aiohttp.ClientSession, node: str, last_seq: int = 0
    ) -> tuple[Tablet, dict[str, Any]]:
        base = self.url(node)
        ws = await browser.ws_connect(
            f"{base}/m/{self.meeting_id}/socket", headers={"Origin": base}
        )
        tablet = Tablet(ws)
        self.tablets.append(tablet)
        await tablet.send("hello", version=1, last_seq=last_seq)
        return tablet, await tablet.next("welcome")

    def stroke(self, page: int = 1, layer: str = "shared") -> dict[str, Any]:
        return {
            "op_id": secrets.token_hex(8), "document_id": self.document_id, "page": page,
            "layer": layer, "tool": "pen", "color": "#cc0000", "width": 0.004,
            "points": [[0.1, 0.1], [0.2, 0.25]],
        }  # fmt: skip


def readyz(base: str) -> tuple[int, dict[str, Any]]:
    """A node's readiness: its status code and what it says (node, bus, database)."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=10) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read())
