"""The meeting's video room, over the same WebSocket as the live session.

Each participant in the video has two WebRTC connections to the server's SFU: a
publish connection (the client offers, with its camera, microphone and screen) and a
subscribe connection (the server offers, with everyone else's tracks). Each has one
offerer, so offers never cross. SDP is complete (no trickle ICE).

Participants in the video are named by their connection (`peer`): one person may be
in the video from two devices.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from meetroom.protocol.live import ClientMessage, Id, ServerMessage

Sdp = Annotated[str, msgspec.Meta(min_length=1, max_length=60_000)]
ModerationAction = Literal["ask_unmute", "mute", "stop_video", "remove"]

# -- client to server --------------------------------------------------------------------


class VideoJoin(ClientMessage, tag="video_join"):
    """Enter the meeting's video (a guest waits in the lobby until admitted). With
    neither audio nor video the participant listens only."""

    audio: bool = True
    video: bool = True


class VideoLeave(ClientMessage, tag="video_leave"):
    pass


class RtcOffer(ClientMessage, tag="rtc_offer"):
    """The client's offer for its publish connection (again when its tracks change)."""

    sdp: Sdp


class RtcAnswer(ClientMessage, tag="rtc_answer"):
    """The client's answer to the server's last subscribe offer."""

    sdp: Sdp


class MediaState(ClientMessage, tag="media_state"):
    """What the client sends right now, for everyone's tiles."""

    audio: bool
    video: bool
    screen: bool = False
    # The MediaStream id of the screen being shared (tracks carry it as `source`).
    screen_stream: Id | None = None


class RaiseHand(ClientMessage, tag="raise_hand"):
    """Pages from before the floor: a raised hand asks to speak (the floor's
    `floor_ask`, without consent to open the microphone), a lowered one withdraws it.
    The server routes it to the floor; the video room keeps no hands of its own."""

    raised: bool


class Moderate(ClientMessage, tag="moderate"):
    """The chair acts on a participant in the video (a peer)."""

    peer: Id
    action: ModerationAction


class LockRoom(ClientMessage, tag="lock_room"):
    locked: bool


class Admit(ClientMessage, tag="admit"):
    """The chair lets a guest in from the lobby, or turns them away."""

    peer: Id
    admit: bool


VideoClientMessages = (
    VideoJoin | VideoLeave | RtcOffer | RtcAnswer | MediaState | RaiseHand
    | Moderate | LockRoom | Admit
)  # fmt: skip


# -- server to client --------------------------------------------------------------------


class IceServerInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """As RTCIceServer in the browser."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class VideoJoined(ServerMessage, tag="video_joined"):
    """In the video (or, with `waiting`, in the lobby): the ICE servers to use."""

    peer: str
    ice_servers: list[IceServerInfo]
    waiting: bool = False


class VideoPerson(msgspec.Struct, frozen=True, omit_defaults=True):
    peer: str
    participant: str
    name: str
    role: str
    audio: bool = False
    video: bool = False
    screen: bool = False
    screen_stream: str | None = None
    moderator: bool = False


class LobbyEntry(msgspec.Struct, frozen=True):
    peer: str
    name: str


class VideoRoom(ServerMessage, tag="video_room"):
    """Who is in the video; the lobby only for moderators."""

    people: list[VideoPerson]
    locked: bool = False
    lobby: list[LobbyEntry] = []


class RtcAnswered(ServerMessage, tag="rtc_answer"):
    sdp: str


class TrackInfo(msgspec.Struct, frozen=True):
    peer: str
    kind: str  # "audio" | "video"
    source: str  # the publisher's MediaStream id: tells camera from screen


class RtcOffered(ServerMessage, tag="rtc_offer"):
    """The server's offer for the subscribe connection; `tracks` by transceiver mid."""

    sdp: str
    tracks: dict[str, TrackInfo]


class Speaking(ServerMessage, tag="speaking"):
    """Who speaks loudest now (None: nobody), and every publisher's level (0..1)."""

    active: str | None
    levels: dict[str, float]


class Moderated(ServerMessage, tag="moderated"):
    """What the chair did to this client (ask_unmute asks; the others were done)."""

    action: ModerationAction
    by: str


class LobbyDecision(ServerMessage, tag="lobby"):
    admitted: bool


class VideoLeft(ServerMessage, tag="video_left"):
    """This client is out of the video: "removed", "denied" (turned away), "closed"
    (the meeting ended), or "moved": the room is being placed on another server (the
    one holding it stopped or hands it over), and the client joins again at once."""

    reason: str
