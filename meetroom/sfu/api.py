"""The SFU's vocabulary, as the domain sees it: settings, published tracks, events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class SfuSettings:
    # ICE servers come from here only (aiortc would otherwise use a public STUN server).
    ice_servers: tuple[IceServer, ...] = ()
    # Addresses to gather the SFU's host candidates on; empty: every interface but
    # loopback (aioice's default). ("127.0.0.1",) keeps tests on loopback.
    host_addresses: tuple[str, ...] = ()
    # At most one PLI per publisher track per this many seconds.
    pli_min_interval: float = 0.5


@dataclass(frozen=True)
class PublishedTrack:
    room: str
    publisher: str
    track_id: str  # the SFU's id for it, unique in the process
    kind: str  # "audio" | "video"
    source: str  # the publisher's MediaStream id (msid), e.g. to tell camera from screen
    codec: str = ""  # mime type, e.g. "video/VP8"


class SfuEvents(Protocol):
    """What the SFU tells the domain; called synchronously from the SFU's coroutines."""

    def offer(self, room: str, peer: str, sdp: str, tracks: dict[str, str]) -> None:
        """A subscribe offer for the client; `tracks` maps each sending mid to a track id."""

    def tracks_changed(self, room: str, publisher: str, tracks: list[PublishedTrack]) -> None:
        """`publisher` now publishes exactly `tracks` (empty: nothing, e.g. after leave)."""

    def connection_state(self, room: str, peer: str, which: str, state: str) -> None:
        """`which` is "publish" or "subscribe"; `state` is aiortc's connectionState."""
