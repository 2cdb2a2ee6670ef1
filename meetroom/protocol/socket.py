"""Everything a client may send over the meeting WebSocket, in one tagged union: the
live session's messages, the video room's and the floor's."""

from __future__ import annotations

from meetroom.protocol.floor import FloorClientMessages
from meetroom.protocol.live import ClientMessages
from meetroom.protocol.video import VideoClientMessages
from meetroom.protocol.votes import VoteClientMessages

AllClientMessages = ClientMessages | VideoClientMessages | FloorClientMessages | VoteClientMessages
