"""The meeting's video room through the meeting WebSocket, with real aiortc peers as
the browsers' WebRTC side and the server's SFU: publishing, receiving the others'
tracks, leaving, the lobby, the chair's moderation, a raised hand asking to speak (the
floor's queue), speakers and the TURN credentials each client is given. Everything
stays on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.clients import ADMIN_PASSWORD, Api, Site, VideoClient, login
from tests.server.meetings import Room, create_meeting
from tests.sfu.peers import CounterVideoTrack, ToneAudioTrack, increasing
from tests.waiting import until

TURN_SECRET = "shared-with-coturn"


def people(room_message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in room_message["people"]}


@pytest.fixture
async def room(make_site: Callable[..., Awaitable[Site]]) -> AsyncIterator[Room]:
    site = await make_site(
        media_addresses="127.0.0.1", turn_urls="turn:127.0.0.1:3478", turn_secret=TURN_SECRET
    )
    csrf = await login(site.client, "admin", ADMIN_PASSWORD)
    r = Room(site, await create_meeting(site, csrf, "Video"), "", csrf)
    yield r
    for tablet in r.tablets:
        await tablet.close()


@pytest.fixture
async def clients() -> AsyncIterator[list[VideoClient]]:
    made: list[VideoClient] = []
    yield made
    for client in made:
        await client.close()


async def test_publish_receive_and_leave(room: Room, clients: list[VideoClient]) -> None:
    chair = VideoClient((await room.tablet(await room.person("Chair", "chair")))[0])
    hoa = VideoClient((await room.tablet(await room.person("Hoa", "delegate")))[0])
    clients += [chair, hoa]
    joined = await chair.join(audio=True, video=True)
    # Each client gets TURN credentials of its own (coturn's use-auth-secret).
    (turn,) = joined["ice_servers"]
    assert turn["urls"] == ["turn:127.0.0.1:3478"] and not joined.get("waiting")
    expiry, who = turn["username"].split(":", 1)
    assert who.startswith("p:") and int(expiry) > time.time() + 3600
    digest = hmac.new(TURN_SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn["credential"]) == digest
    await hoa.join(audio=False, video=False)  # listens only

    await chair.publish(CounterVideoTrack(), ToneAudioTrack())
    await chair.tablet.send("media_state", audio=True, video=True)
    # Hoa receives the chair's video, decoded in order, and audio.
    await until(
        lambda: len(hoa.counters.get(chair.peer, [])) >= 15 and hoa.audio.get(chair.peer, 0) >= 10,
        timeout=10,
    )
    assert increasing(hoa.counters[chair.peer])
    kinds = {(t["peer"], t["kind"]) for t in hoa.tracks.values()}
    assert kinds == {(chair.peer, "video"), (chair.peer, "audio")}
    listed = people(
        await hoa.tablet.next_where(
            "video_room", lambda m: len(m["people"]) == 2 and people(m)["Chair"].get("video")
        )
    )
    assert listed["Chair"]["moderator"] and not listed["Hoa"].get("audio")
    # The chair's tone makes the chair the active speaker, for everyone in the video.
    speaking = await hoa.tablet.next_where("speaking", lambda m: m.get("active") == chair.peer)
    assert speaking["levels"][chair.peer] > 0.1
    # Sharing a screen: which stream it is, so that tiles need not guess.
    await chair.tablet.send("media_state", audio=True, video=True, screen=True, screen_stream="s1")
    shared = await hoa.tablet.next_where("video_room", lambda m: people(m)["Chair"].get("screen"))
    assert people(shared)["Chair"]["screen_stream"] == "s1"
    await chair.tablet.send("media_state", audio=True, video=True, screen=False, screen_stream="s1")
    stopped = await hoa.tablet.next_where(
        "video_room", lambda m: not people(m)["Chair"].get("screen")
    )
    assert "screen_stream" not in people(stopped)["Chair"]
    # The server decoded and encoded nothing: it forwards.
    counters = room.site.services.video.media.counters()  # type: ignore[attr-defined]
    assert counters["frames_forwarded"] > 0
    assert counters["frames_decoded"] == 0 and counters["frames_encoded"] == 0

    # A listener may not publish without the grant? Hoa has it (delegate): it may.
    # Leaving: the chair closes the page; Hoa's grid loses the tile.
    await chair.tablet.close()
    gone = await hoa.tablet.next_where("video_room", lambda m: len(m["people"]) == 1)
    assert set(people(gone)) == {"Hoa"}


async def test_lobby_and_moderation(room: Room, clients: list[VideoClient]) -> None:
    chair = VideoClient((await room.tablet(await room.person("Chair", "chair")))[0])
    binh = VideoClient((await room.tablet(await room.person("Bình", "delegate")))[0])
    guest_browser = await room.person("Khách", "guest")
    guest = VideoClient((await room.tablet(guest_browser))[0])
    clients += [chair, binh, guest]
    await chair.join()
    await binh.join()

    # A guest waits in the lobby, seen by the chair only, until let in.
    waiting = await guest.join()
    assert waiting["waiting"] is True
    await guest.tablet.send("rtc_offer", sdp="v=0")
    assert (await guest.tablet.next("error"))["code"] == "in_lobby"
    lobby = await chair.tablet.next_where("video_room", lambda m: bool(m.get("lobby")))
    assert [e["name"] for e in lobby["lobby"]] == ["Khách"]
    assert all(not m.get("lobby") for m in binh.tablet.of_type("video_room"))
    await binh.tablet.send("admit", peer=guest.peer, admit=True)
    assert (await binh.tablet.next("error"))["code"] == "not_moderator"
    await chair.tablet.send("admit", peer=guest.peer, admit=True)
    assert (await guest.tablet.next("lobby"))["admitted"] is True
    await guest.tablet.next_where("video_room", lambda m: "Khách" in people(m))

    # The chair mutes Bình, asks the guest to unmute, then removes the guest.
    await binh.tablet.send("media_state", audio=True, video=True)
    await chair.tablet.send("moderate", peer=binh.peer, action="mute")
    told = await binh.tablet.next("moderated")
    assert told == {"type": "moderated", "action": "mute", "by": "Chair"}
    await chair.tablet.next_where("video_room", lambda m: not people(m)["Bình"].get("audio"))
    await chair.tablet.send("moderate", peer=guest.peer, action="ask_unmute")
    assert (await guest.tablet.next("moderated"))["action"] == "ask_unmute"
    await chair.tablet.send("moderate", peer=guest.peer, action="remove")
    assert (await guest.tablet.next("video_left"))["reason"] == "removed"
    await chair.tablet.next_where("video_room", lambda m: "Khách" not in people(m))

    # A locked room: even a delegate waits; once let in, they come back without waiting.
    await chair.tablet.send("lock_room", locked=True)
    await chair.tablet.next_where("video_room", lambda m: m.get("locked"))
    late = VideoClient((await room.tablet(await room.person("Muộn", "delegate")))[0])
    clients.append(late)
    assert (await late.join())["waiting"] is True
    await chair.tablet.send("admit", peer=late.peer, admit=True)
    await late.tablet.next("lobby")
    await late.tablet.send("video_leave")
    await chair.tablet.next_where("video_room", lambda m: "Muộn" not in people(m))
    assert not (await late.join()).get("waiting")


async def test_a_raised_hand_asks_to_speak(room: Room, clients: list[VideoClient]) -> None:
    """`raise_hand` (pages from before the floor) enters the floor's queue, the one the
    chair sees for the room and remote participants alike; lowering withdraws it. The
    floor's refusals come back as errors and the video goes on."""
    chair_tablet, _ = await room.tablet(await room.person("Chair", "chair"))
    binh_tablet, welcome = await room.tablet(await room.person("Bình", "delegate"))
    binh = VideoClient(binh_tablet)
    observer = VideoClient((await room.tablet(await room.person("Quan sát", "observer")))[0])
    clients += [binh, observer]
    await binh.join(audio=True, video=False)
    await observer.join(audio=False, video=False)
    await binh.publish(ToneAudioTrack())

    # Not opened yet: refused by the floor, as a clear error; the video goes on.
    await binh.tablet.send("raise_hand", raised=True)
    refused = await binh.tablet.next("error")
    assert (refused["code"], refused["ref"]) == ("meeting_not_open", "raise_hand")
    await binh.tablet.send("media_state", audio=True, video=False)
    await chair_tablet.next_where("video_room", lambda m: people(m).get("Bình", {}).get("audio"))
    await until(lambda: observer.audio.get(binh.peer, 0) >= 10, timeout=10)
    await Api(room.site.client, room.csrf).post(f"/api/meetings/{room.id}/open")

    await binh.tablet.send("raise_hand", raised=True)
    asked = await chair_tablet.next_where("floor", lambda m: m.get("action") == "asked")
    assert [(s["name"], s["person"], s["position"]) for s in asked["queue"]] == [
        ("Bình", welcome["you"], 1)
    ]
    assert asked["queue"][0]["kind"] == "ordinary" and not asked["queue"][0].get("mic_consent")
    # Raised again (a second device, an old page resending): still one request.
    await binh.tablet.send("raise_hand", raised=True)
    await chair_tablet.send("floor_ask", client_id="chair-1")
    both = await chair_tablet.next_where("floor", lambda m: len(m.get("queue", [])) == 2)
    assert [s["name"] for s in both["queue"]] == ["Bình", "Chair"]
    # The video room keeps no order of its own.
    assert all("hand" not in p for m in chair_tablet.of_type("video_room") for p in m["people"])
    # An observer may not ask: refused, still in the video.
    await observer.tablet.send("raise_hand", raised=True)
    assert (await observer.tablet.next("error"))["code"] == "may_not_speak"
    assert room.site.services.video.has_peer(room.id, observer.peer)

    await binh.tablet.send("raise_hand", raised=False)
    lowered = await chair_tablet.next_where("floor", lambda m: m.get("action") == "withdrawn")
    assert [s["name"] for s in lowered["queue"]] == ["Chair"]


async def test_video_needs_hello_and_rejects_bad_messages(room: Room) -> None:
    tablet, _ = await room.tablet(await room.person("Chair", "chair"))
    await tablet.send("rtc_offer", sdp="v=0")
    refused = await tablet.next("error")
    assert refused["code"] == "not_in_video" and refused["ref"] == "rtc_offer"  # the wire tag
    await tablet.send("moderate", peer="x", action="explode")
    assert (await tablet.next("error"))["code"] == "invalid_field"
    await tablet.send("video_join")
    await tablet.next("video_joined")
    await tablet.send("moderate", peer="nobody", action="mute")
    assert (await tablet.next("error"))["code"] == "peer_not_found"
    await tablet.send("rtc_offer", sdp="this is not SDP")
    assert (await tablet.next("error"))["code"] == "bad_sdp"


async def test_the_meeting_page_shows_the_video_before_joining_it(
    room: Room, clients: list[VideoClient]
) -> None:
    # The chair and a delegate have the meeting page open, not the video.
    chair, _ = await room.tablet(await room.person("Chair", "chair"))
    delegate, _ = await room.tablet(await room.person("Hoa", "delegate"))
    guest = VideoClient((await room.tablet(await room.person("Khách", "guest")))[0])
    binh = VideoClient((await room.tablet(await room.person("Bình", "delegate")))[0])
    clients += [guest, binh]
    await binh.join()
    seen = await delegate.next_where("video_room", lambda m: "Bình" in people(m))
    assert not seen.get("lobby")
    # A guest knocks: the chair is told, without being in the video, and lets them in.
    assert (await guest.join())["waiting"]
    knock = await chair.next_where("video_room", lambda m: bool(m.get("lobby")))
    assert [e["name"] for e in knock["lobby"]] == ["Khách"]
    await chair.send("admit", peer=guest.peer, admit=True)
    assert (await guest.tablet.next("lobby"))["admitted"]
    await delegate.next_where("video_room", lambda m: "Khách" in people(m))
    # The last one out: everyone's page shows an empty video.
    await binh.tablet.send("video_leave")
    await guest.tablet.send("video_leave")
    await delegate.next_where("video_room", lambda m: not m["people"] and not m.get("lobby"))


async def test_rejoining_gets_joined_before_its_new_offer(
    room: Room, clients: list[VideoClient]
) -> None:
    chair = VideoClient((await room.tablet(await room.person("Chair", "chair")))[0])
    hoa_t, _ = await room.tablet(await room.person("Hoa", "delegate"))
    clients.append(chair)
    await chair.join()
    await chair.publish(CounterVideoTrack(), ToneAudioTrack())
    for _ in range(3):  # as a page does when its media connection fails
        await hoa_t.send("video_join", audio=False, video=False)
        await hoa_t.next("rtc_offer")
    order = [m["type"] for m in hoa_t.messages if m["type"] in ("video_joined", "rtc_offer")]
    # Each join's `video_joined` comes before the offer it sets off.
    assert order == ["video_joined", "rtc_offer"] * 3, order
