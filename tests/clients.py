"""The clients the tests talk to a server with: the in-process server (`Site`),
signing in to it, the JSON API (`Api`), a tablet's meeting socket (`Tablet`) and a
participant's video side (`VideoClient`). What a test builds with them (meetings,
documents, rooms) is in the helper module of its area, e.g. tests/server/meetings.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from meetroom.clock import SettableClock
from meetroom.config import Settings
from meetroom.server.context import SERVICES, Services
from meetroom.sfu.aiortc_internals import host_addresses
from tests.sfu.peers import read_counter

ADMIN_PASSWORD = "admin-pass-1234"  # of the admin each in-process site starts with


@dataclass
class Site:
    """A running server and ways to talk to it."""

    client: TestClient
    settings: Settings
    clock: SettableClock
    extra_clients: list[TestClient] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.client.server.app[SERVICES]

    async def new_client(self) -> TestClient:
        """Another browser: its own cookie jar, the same server."""
        client = TestClient(self.client.server)
        await client.start_server()
        self.extra_clients.append(client)
        return client

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))


CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


async def page_csrf(client: TestClient, path: str = "/login") -> str:
    """Fetch a page the way a browser would and read its CSRF token."""
    resp = await client.get(path)
    text = await resp.text()
    match = CSRF_META.search(text)
    assert match, f"no CSRF token on {path} ({resp.status})"
    return match.group(1)


async def login(client: TestClient, username: str, password: str) -> str:
    """Sign in through the JSON API; returns the CSRF token for later calls."""
    resp = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return str(body["csrf_token"])


async def login_page(client: TestClient, username: str, password: str) -> Any:
    """Sign in through the login form, as a person would."""
    token = await page_csrf(client, "/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf": token, "next": "/meetings"},
        allow_redirects=False,
    )


def local_path(url: str) -> str:
    """The path of a full URL the server gave (a join link), for a TestClient."""
    return "/" + url.split("/", 3)[3]


Status = int | tuple[int, ...]


class Api:
    """The JSON API as one person calls it: through an in-process server's TestClient
    (paths), or through an aiohttp session and a `base` URL (a server process, a node of
    a cluster). Every call asserts the status, with the body in the failure message, and
    returns the decoded JSON (None for an empty body):

        room = await api.post("/api/rooms", {"name": "Hall"}, status=201)
        room = await api.get(f"/api/rooms/{room['id']}")  # status 200 unless told
        error = await api.patch(f"/api/rooms/{room['id']}", {"seats": -1}, status=400)
        await api.delete(f"/api/rooms/{room['id']}", status=204)  # returns None

    `status` may be a tuple of the statuses allowed (two requests racing, say). Signed
    in, it sends the CSRF token with each call."""

    def __init__(
        self, http: TestClient | aiohttp.ClientSession, csrf: str = "", base: str = ""
    ) -> None:
        self.http = http
        self.csrf = csrf
        self.base = base

    @classmethod
    async def sign_in(
        cls, http: TestClient | aiohttp.ClientSession, username: str, password: str, base: str = ""
    ) -> Api:
        """Signed in through the JSON API, keeping the CSRF token for the calls."""
        credentials = {"username": username, "password": password}
        body = await cls(http, base=base).post("/api/auth/login", credentials, status=200)
        return cls(http, str(body["csrf_token"]), base)

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        status: Status = 200,
        data: bytes | aiohttp.FormData | None = None,
        content_type: str = "",
    ) -> Any:
        """`json` is the body, or `data` with its `content_type` (a form: none)."""
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        if content_type:
            headers["Content-Type"] = content_type
        body: dict[str, Any] = {"data": data} if data is not None else {"json": json}
        resp = await self.http.request(method, self.base + path, headers=headers, **body)
        text = await resp.text()
        allowed = (status,) if isinstance(status, int) else status
        assert resp.status in allowed, f"{method} {path}: {resp.status}, not {status}: {text}"
        if not text:
            return None
        assert resp.content_type == "application/json", f"{method} {path}: {text[:500]}"
        return await resp.json()

    async def get(self, path: str, *, status: Status = 200) -> Any:
        return await self.request("GET", path, status=status)

    async def post(self, path: str, json: Any = None, *, status: Status = 200, **kw: Any) -> Any:
        return await self.request("POST", path, json, status=status, **kw)

    async def put(self, path: str, json: Any = None, *, status: Status = 200) -> Any:
        return await self.request("PUT", path, json, status=status)

    async def patch(self, path: str, json: Any = None, *, status: Status = 200) -> Any:
        return await self.request("PATCH", path, json, status=status)

    async def delete(self, path: str, *, status: Status = 200) -> Any:
        return await self.request("DELETE", path, status=status)


async def admin_api(site: Site) -> Api:
    """The site's client, signed in as the administrator."""
    return await Api.sign_in(site.client, "admin", ADMIN_PASSWORD)


class Tablet:
    """One WebSocket client, reading every message into a list as it comes."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.read = 0  # messages before this index were looked at already

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(frame.data))
                self._arrived.set()

    async def send(self, type: str, **fields: Any) -> None:  # noqa: A002 - the protocol's name
        await self.ws.send_json({"type": type, **fields})

    async def next(self, type: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: A002
        """The next message of this type not looked at yet."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index in range(self.read, len(self.messages)):
                if self.messages[index]["type"] == type:
                    self.read = index + 1
                    return self.messages[index]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                got = [m["type"] for m in self.messages[self.read :]]
                raise AssertionError(f"no {type!r} within {timeout} s; got {got}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass

    async def next_where(
        self,
        type: str,
        check: Callable[[dict[str, Any]], bool],
        timeout: float = 5.0,  # noqa: A002
    ) -> dict[str, Any]:
        """The next message of this type for which `check` holds (skipping others)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            message = await self.next(type, max(remaining, 0.01))
            if check(message):
                return message

    async def none(self, type: str, within: float = 0.3) -> None:  # noqa: A002
        await asyncio.sleep(within)
        late = [m for m in self.messages[self.read :] if m["type"] == type]
        assert not late, f"unexpected {type}: {late}"

    def of_type(self, type: str) -> list[dict[str, Any]]:  # noqa: A002
        return [m for m in self.messages if m["type"] == type]

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)


# The close codes of live_socket.py (and of the page, live/socket.js).
SIGNED_OUT, REMOVED, LINK_REPLACED = 4401, 4403, 4410
RIGHTS_BOUND = 2.0  # seconds within which an open socket must learn its rights changed


async def ended(tablet: Tablet, within: float = RIGHTS_BOUND) -> int:
    """The code the server closed the socket with, within `within` seconds."""
    await asyncio.wait_for(asyncio.shield(tablet._reader), within)
    assert tablet.ws.close_code is not None
    return tablet.ws.close_code


LOOPBACK = ("127.0.0.1",)


class VideoClient:
    """A participant's video side: its socket, a publish and a subscribe connection."""

    def __init__(self, tablet: Any) -> None:
        self.tablet = tablet  # the socket it signals through (see `say` and `hear`)
        self.pub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.peer = ""
        self.tracks: dict[str, dict[str, Any]] = {}  # mid -> {peer, kind, source}
        self.counters: dict[str, list[int]] = {}  # publisher peer -> counters received
        self.audio: dict[str, int] = {}  # publisher peer -> audio frames received
        self._tasks: list[asyncio.Task[None]] = []
        self.sub.on("track", self._on_track)

    async def say(self, type: str, **fields: Any) -> None:  # noqa: A002 - the protocol's name
        await self.tablet.send(type, **fields)

    async def hear(self, type: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: A002
        return await self.tablet.next(type, timeout)

    async def join(self, **options: bool) -> dict[str, Any]:
        await self.say("video_join", **options)
        joined = await self.hear("video_joined")
        self.peer = joined["peer"]
        self._tasks.append(asyncio.create_task(self._answer_offers()))
        return joined

    async def publish(self, *tracks: MediaStreamTrack) -> None:
        for track in tracks:
            self.pub.addTransceiver(track, direction="sendonly")
        offer = await self.pub.createOffer()
        with host_addresses(LOOPBACK):
            await self.pub.setLocalDescription(offer)
        await self.say("rtc_offer", sdp=self.pub.localDescription.sdp)
        answer = await self.hear("rtc_answer")
        await self.pub.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))

    async def _answer_offers(self) -> None:
        while True:
            offer = await self.hear("rtc_offer", timeout=3600)
            self.tracks.update(offer["tracks"])
            await self.sub.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            answer = await self.sub.createAnswer()
            with host_addresses(LOOPBACK):
                await self.sub.setLocalDescription(answer)
            await self.say("rtc_answer", sdp=self.sub.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._tasks.append(asyncio.create_task(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.sub.getTransceivers() if t.receiver.track is track)
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                info = self.tracks.get(mid or "")
                if info is None:
                    continue
                if isinstance(frame, VideoFrame):
                    self.counters.setdefault(info["peer"], []).append(read_counter(frame))
                else:
                    self.audio[info["peer"]] = self.audio.get(info["peer"], 0) + 1

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pub.close()
        await self.sub.close()
