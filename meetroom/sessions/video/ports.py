"""What the meeting's video room needs from the media layer (the SFU in `sfu/`), and
what it offers it back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from meetroom.bus import NodeInfo


class PublishedTrackView(Protocol):
    @property
    def publisher(self) -> str: ...
    @property
    def track_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str: ...


class MediaRouter(Protocol):
    """Forwards media between the peers of a room; peers are connection ids here."""

    async def publish(self, room: str, peer: str, offer_sdp: str) -> str: ...
    async def answer(self, room: str, peer: str, answer_sdp: str) -> None: ...
    async def subscribe(self, room: str, peer: str, track_ids: set[str]) -> None: ...
    def tracks(self, room: str) -> Sequence[PublishedTrackView]: ...
    def audio_levels(self, room: str) -> dict[str, float]: ...
    async def leave(self, room: str, peer: str) -> None: ...
    async def close(self) -> None: ...


class MediaEvents(Protocol):
    """Told by the media layer: a subscribe offer to deliver, tracks that came or went,
    a connection's state."""

    def offer(self, room: str, peer: str, sdp: str, tracks: dict[str, str]) -> None: ...
    def tracks_changed(
        self, room: str, publisher: str, tracks: Sequence[PublishedTrackView]
    ) -> None: ...
    def connection_state(self, room: str, peer: str, which: str, state: str) -> None: ...


class RoomDirectory(Protocol):
    """Which node holds each meeting's video room (its SFU), and the live nodes."""

    node: str  # this node's id

    async def owner(self, room: str) -> str:
        """The live node that holds `room`; if none does (never placed, its node died
        or is draining), place it on the least loaded live node, which may be this one."""
        ...

    async def release(self, room: str) -> None:
        """This node no longer holds `room` (it emptied, or this node is draining)."""
        ...

    async def alive(self, node: str) -> bool: ...
    async def nodes(self) -> list[NodeInfo]: ...

    def set_load(self, load: int, rooms: int) -> None:
        """What this node advertises: peers in, and number of, the rooms it holds."""
        ...

    def set_draining(self) -> None:
        """Take no new rooms (SIGTERM); the rooms held stay until handed over."""
        ...
