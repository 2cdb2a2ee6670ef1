"""Selective Forwarding Unit: forwards each published track, encoded, to its subscribers.

It knows rooms, peers and track ids, never meetings or users: the domain tells it who
publishes (`SFU.publish`) and who receives what (`SFU.subscribe`), and hears back
through `SfuEvents`.
"""

from meetroom.sfu.api import IceServer, PublishedTrack, SfuEvents, SfuSettings
from meetroom.sfu.rooms import SFU, RoomLoad

__all__ = ["SFU", "IceServer", "PublishedTrack", "RoomLoad", "SfuEvents", "SfuSettings"]
