"""What both kinds of SFU peer connection share: configuration, state events, SDP bits."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.sdp import MediaDescription

from meetroom.sfu.api import SfuSettings

logger = logging.getLogger(__name__)


def new_peer_connection(
    settings: SfuSettings, on_state: Callable[[str], None]
) -> RTCPeerConnection:
    """A peer connection with the ICE servers from settings only (aiortc's default is a
    public STUN server), one bundled transport, and its state changes reported."""
    servers = [
        RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
        for s in settings.ice_servers
    ]
    pc = RTCPeerConnection(
        RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    )

    @pc.on("connectionstatechange")
    def _state() -> None:
        on_state(pc.connectionState)

    return pc


def msid_of(media: MediaDescription) -> tuple[str, str]:
    """(stream id, track id) of an m-line, from a=msid or the older a=ssrc:... msid."""
    value = media.msid or next((s.msid for s in media.ssrc if s.msid), None) or ""
    parts = value.split()
    if len(parts) >= 2:
        return parts[0], parts[1]
    return (parts[0] if parts else ""), ""


def new_id(prefix: str) -> str:
    """An opaque id that is also a valid SDP msid token."""
    return prefix + secrets.token_hex(8)


class Background:
    """Background tasks of one owner: kept referenced, failures logged, cancellable."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                logger.error("%s failed", what, exc_info=t.exception())

        task.add_done_callback(done)

    async def cancel(self) -> None:
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
