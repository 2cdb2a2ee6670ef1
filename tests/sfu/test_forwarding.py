"""Real aiortc publishers and subscribers through the SFU, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time

import av
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError

from meetroom.sfu.aiortc_internals import host_addresses
from tests.sfu.peers import (
    LOOPBACK,
    CounterVideoTrack,
    Peer,
    ToneAudioTrack,
    increasing,
    read_counter,
    sfu_and_events,
    tracks_of,
)


def ids(events: object, publisher: str) -> tuple[str, str]:
    published = tracks_of(events, publisher)  # type: ignore[arg-type]
    video = next(t.track_id for t in published if t.kind == "video")
    audio = next(t.track_id for t in published if t.kind == "audio")
    return video, audio


async def test_subscribers_decode_every_frame_in_order_and_the_sfu_transcodes_nothing() -> None:
    async with sfu_and_events() as (sfu, events):
        alice = Peer(sfu, events, "alice")
        subscribers = [Peer(sfu, events, name) for name in ("bob", "carol", "dave")]
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack(amplitude=0.5))
            published = tracks_of(events, "alice")
            assert sorted((t.kind, t.codec.lower()) for t in published) == [
                ("audio", "audio/opus"),
                ("video", "video/vp8"),
            ]
            assert all(t.publisher == "alice" and t.room == "room" for t in published)
            assert sfu.tracks("room") == published
            video_id, audio_id = ids(events, "alice")
            for peer in subscribers:
                await peer.subscribe({video_id, audio_id})
            for peer in subscribers:
                await peer.wait_for(
                    lambda p=peer: len(p.video[video_id]) >= 45 and p.audio_frames[audio_id] >= 30
                )
            for peer in subscribers:
                seen = peer.counters(video_id)
                assert increasing(seen), seen
                # Frames are forwarded, not skipped: at most a couple lost at the start.
                assert seen[-1] - seen[0] + 1 - len(seen) <= 2, seen

            counters = sfu.counters()
            assert counters["frames_decoded"] == 0
            assert counters["frames_encoded"] == 0
            assert counters["frames_forwarded"] >= 3 * (45 + 30)
            assert counters["packets_forwarded"] >= counters["frames_forwarded"]
            assert counters["packets_received"] >= counters["frames_received"] > 0
            # A 0.5 full-scale sine is about -9 dBov (0.35 as a linear level).
            assert 0.2 < sfu.audio_levels("room")["alice"] < 0.5
            for peer, which in [
                ("alice", "publish"),
                *((p.name, "subscribe") for p in subscribers),
            ]:
                assert (peer, which, "connected") in events.states
            load = sfu.rooms()["room"]
            assert (load.publishers, load.subscribers, load.tracks) == (1, 3, 2)
            assert load.subscriptions == 6
        finally:
            for peer in [alice, *subscribers]:
                await peer.close()


async def test_a_late_subscriber_gets_a_keyframe_and_video_within_a_second() -> None:
    async with sfu_and_events() as (sfu, events):
        alice, bob, carol = (Peer(sfu, events, n) for n in ("alice", "bob", "carol"))
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_id, _ = ids(events, "alice")
            await bob.subscribe({video_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 30)
            # aiortc's encoder makes a keyframe every 100 s: only a relayed PLI helps.
            keyframes = sfu.counters()["keyframes_received"]
            plis = sfu.counters()["plis_sent"]
            start = time.monotonic()
            await carol.subscribe({video_id})
            await carol.wait_for(lambda: len(carol.video[video_id]) >= 1, timeout=5)
            assert time.monotonic() - start < 1.0
            assert sfu.counters()["plis_sent"] > plis
            assert sfu.counters()["keyframes_received"] > keyframes
            await carol.wait_for(lambda: len(carol.video[video_id]) >= 10)
            assert increasing(carol.counters(video_id))
            assert sfu.counters()["frames_decoded"] == 0
        finally:
            for peer in (alice, bob, carol):
                await peer.close()


async def test_leave_and_rejoin_of_subscribers_and_publishers() -> None:
    async with sfu_and_events() as (sfu, events):
        alice, bob, carol = (Peer(sfu, events, n) for n in ("alice", "bob", "carol"))
        peers = [alice, bob, carol]
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_id, audio_id = ids(events, "alice")
            await bob.subscribe({video_id, audio_id})
            await carol.subscribe({video_id, audio_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 5)

            # A subscriber leaves and comes back on new connections.
            await sfu.leave("room", "bob")
            await bob.close()
            assert sfu.rooms()["room"].subscriptions == 2
            bob = Peer(sfu, events, "bob")
            peers.append(bob)
            await bob.subscribe({video_id, audio_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 5 and bob.audio_frames[audio_id])
            assert increasing(bob.counters(video_id))

            # The publisher leaves: its tracks end, subscribers are renegotiated.
            offers = events.offer_count["carol"]
            await sfu.leave("room", "alice")
            await alice.close()
            assert events.published["alice"][-1] == []
            assert sfu.tracks("room") == []
            await carol.wait_for(lambda: events.offer_count["carol"] > offers)
            assert carol.last_offer is not None and carol.last_offer.tracks == {}

            # ... and publishes again: new track ids, carried on carol's recycled m-lines.
            alice = Peer(sfu, events, "alice")
            peers.append(alice)
            await alice.publish(CounterVideoTrack(start=5000), ToneAudioTrack())
            new_video, new_audio = ids(events, "alice")
            assert {new_video, new_audio}.isdisjoint({video_id, audio_id})
            await carol.subscribe({new_video, new_audio})
            await carol.wait_for(lambda: len(carol.video[new_video]) >= 5)
            # (The first may be the old publisher's last frame, which aiortc's receiver held
            # in its jitter buffer until the next packet came.)
            assert all(n >= 5000 for n in carol.counters(new_video)[1:])
            assert increasing(carol.counters(new_video))
            assert len(carol.sub.getTransceivers()) == 2
        finally:
            for peer in peers:
                await peer.close()


async def test_a_subscribers_pli_reaches_the_publisher_rate_limited() -> None:
    async with sfu_and_events(pli_min_interval=0.5) as (sfu, events):
        alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_sender = next(s for s in alice.pub.getSenders() if s.kind == "video")
            requests_at_publisher = 0
            original = video_sender._send_keyframe

            def counting() -> None:
                nonlocal requests_at_publisher
                requests_at_publisher += 1
                original()

            video_sender._send_keyframe = counting  # type: ignore[method-assign]
            video_id, _ = ids(events, "alice")
            await bob.subscribe({video_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 3)
            await asyncio.sleep(0.6)  # let the subscription's own PLI window pass
            before = sfu.counters()
            at_publisher = requests_at_publisher

            receiver = next(t.receiver for t in bob.sub.getTransceivers() if t.kind == "video")
            ssrc = receiver.getSynchronizationSources()[0].source
            for _ in range(10):
                await receiver._send_rtcp_pli(ssrc)
            await asyncio.sleep(0.25)
            mid = sfu.counters()
            assert mid["keyframe_requests"] - before["keyframe_requests"] == 10
            assert mid["plis_sent"] - before["plis_sent"] == 1
            assert requests_at_publisher - at_publisher == 1
            # The requests inside the interval are not lost: one more PLI when it ends.
            await asyncio.sleep(0.5)
            assert sfu.counters()["plis_sent"] - before["plis_sent"] == 2
            assert requests_at_publisher - at_publisher == 2
        finally:
            for peer in (alice, bob):
                await peer.close()


async def test_a_screen_share_added_and_removed_renegotiates_both_sides() -> None:
    async with sfu_and_events() as (sfu, events):
        alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            camera_id, mic_id = ids(events, "alice")
            await bob.subscribe({camera_id, mic_id})
            await bob.wait_for(lambda: len(bob.video[camera_id]) >= 3)

            screen = alice.pub.addTransceiver(CounterVideoTrack(start=40000), direction="sendonly")
            screen.sender._stream_id = "screen-stream"  # as a browser's getDisplayMedia stream
            await alice.renegotiate_publish()
            published = tracks_of(events, "alice")
            assert len(published) == 3
            screen_track = next(t for t in published if t.source == "screen-stream")
            assert screen_track.kind == "video"
            assert {t.track_id for t in published} - {screen_track.track_id} == {camera_id, mic_id}

            await bob.subscribe({camera_id, mic_id, screen_track.track_id})
            await bob.wait_for(lambda: len(bob.video[screen_track.track_id]) >= 5)
            assert bob.last_offer is not None
            assert set(bob.last_offer.tracks.values()) == {camera_id, mic_id, screen_track.track_id}
            assert all(n >= 40000 for n in bob.counters(screen_track.track_id))
            assert increasing(bob.counters(screen_track.track_id))

            offers = events.offer_count["bob"]
            screen.direction = "inactive"
            await alice.renegotiate_publish()
            assert {t.track_id for t in tracks_of(events, "alice")} == {camera_id, mic_id}
            await bob.wait_for(lambda: events.offer_count["bob"] > offers)
            assert set(bob.last_offer.tracks.values()) == {camera_id, mic_id}
            frames = len(bob.video[camera_id])
            await bob.wait_for(lambda: len(bob.video[camera_id]) >= frames + 5)
            assert sfu.counters()["frames_decoded"] == sfu.counters()["frames_encoded"] == 0
        finally:
            for peer in (alice, bob):
                await peer.close()


async def test_subscription_changes_during_an_offer_are_coalesced_into_the_next() -> None:
    async with sfu_and_events() as (sfu, events):
        alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_id, audio_id = ids(events, "alice")
            bob.answer_offers = False
            await bob.subscribe({video_id})
            await bob.subscribe({video_id, audio_id})
            await bob.subscribe({audio_id})
            await asyncio.sleep(0.1)
            assert events.offer_count["bob"] == 1
            assert bob.last_offer is not None and set(bob.last_offer.tracks.values()) == {video_id}
            bob.answer_offers = True
            await bob.wait_for(lambda: events.offer_count["bob"] == 2)
            assert set(bob.last_offer.tracks.values()) == {audio_id}
            await bob.wait_for(lambda: bob.audio_frames[audio_id] >= 10)
            await asyncio.sleep(0.2)
            assert events.offer_count["bob"] == 2  # nothing left to offer
        finally:
            for peer in (alice, bob):
                await peer.close()


@pytest.mark.skipif(
    "libx264" not in av.codecs_available, reason="PyAV has no libx264 encoder for H.264"
)
async def test_h264_and_opus_are_forwarded() -> None:
    assert any(c.mimeType == "video/H264" for c in RTCRtpSender.getCapabilities("video").codecs)
    async with sfu_and_events() as (sfu, events):
        alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack(), codec="video/H264")
            codecs = {t.kind: t.codec.lower() for t in tracks_of(events, "alice")}
            assert codecs == {"video": "video/h264", "audio": "audio/opus"}
            video_id, audio_id = ids(events, "alice")
            await bob.subscribe({video_id, audio_id})
            await bob.wait_for(
                lambda: len(bob.video[video_id]) >= 30 and bob.audio_frames[audio_id] >= 20
            )
            assert bob.last_offer is not None and "H264/90000" in bob.last_offer.sdp
            assert "VP8/90000" not in bob.last_offer.sdp
            assert increasing(bob.counters(video_id))
            assert sfu.counters()["frames_decoded"] == sfu.counters()["frames_encoded"] == 0
        finally:
            for peer in (alice, bob):
                await peer.close()


async def test_the_transcoding_counters_count_real_decodes_and_encodes() -> None:
    """frames_decoded/frames_encoded are 0 above because nothing is transcoded, not
    because nothing is counted: put aiortc's own paths back and they count."""
    async with sfu_and_events() as (sfu, events):
        alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_id, _ = ids(events, "alice")
            await bob.subscribe({video_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 3)
            assert sfu.counters()["frames_decoded"] == sfu.counters()["frames_encoded"] == 0

            # The SFU's sender reads a raw frame: it goes to an encoder.
            subscribe = sfu._rooms["room"].subscribers["bob"]._pc
            assert subscribe is not None
            slot = next(t.sender.track for t in subscribe.getTransceivers() if t.kind == "video")
            raw = CounterVideoTrack(start=9000)
            slot.recv = raw.recv  # type: ignore[method-assign]
            await bob.wait_for(lambda: sfu.counters()["frames_encoded"] >= 3)
            await bob.wait_for(lambda: any(n >= 9000 for n in bob.counters(video_id)))

            # The SFU's receiver gets aiortc's jitter buffer back: frames reach its decoder.
            publish = sfu._rooms["room"].publishers["alice"].pc
            receiver = next(t.receiver for t in publish.getTransceivers() if t.kind == "video")
            buffer = JitterBuffer(capacity=512, is_video=True)
            receiver._RTCRtpReceiver__jitter_buffer = buffer  # type: ignore[attr-defined]
            sfu._rooms["room"].forwarders[video_id].request_keyframe()
            await bob.wait_for(lambda: sfu.counters()["frames_decoded"] >= 3)
        finally:
            for peer in (alice, bob):
                await peer.close()


async def test_forwarding_adds_little_latency_over_a_direct_connection() -> None:
    """Frames are released on their marker bit: the SFU hop must not add a frame
    interval (33 ms at 30 fps) as aiortc's JitterBuffer would. Target: 15 ms at p50."""

    async def direct() -> list[float]:
        # No ICE servers (aiortc's default is a public STUN server), loopback only.
        sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        track = CounterVideoTrack()
        sender.addTransceiver(track, direction="sendonly")
        latencies: list[float] = []

        async def read(remote: MediaStreamTrack) -> None:
            with contextlib.suppress(MediaStreamError):
                while True:
                    frame = await remote.recv()
                    n = read_counter(frame)  # type: ignore[arg-type]
                    latencies.append(time.monotonic() - track.sent_at[n])

        readers: list[asyncio.Task[None]] = []
        receiver.on("track", lambda remote: readers.append(asyncio.ensure_future(read(remote))))
        with host_addresses(LOOPBACK):
            await sender.setLocalDescription(await sender.createOffer())
            await receiver.setRemoteDescription(sender.localDescription)
            await receiver.setLocalDescription(await receiver.createAnswer())
        await sender.setRemoteDescription(receiver.localDescription)
        await asyncio.sleep(3)
        await sender.close()
        await receiver.close()
        return latencies

    async def through_sfu() -> list[float]:
        async with sfu_and_events() as (sfu, events):
            alice, bob = Peer(sfu, events, "alice"), Peer(sfu, events, "bob")
            try:
                track = CounterVideoTrack()
                await alice.publish(track)
                video_id = tracks_of(events, "alice")[0].track_id
                await bob.subscribe({video_id})
                await asyncio.sleep(3)
                return [t - track.sent_at[n] for t, n in bob.video[video_id]]
            finally:
                for peer in (alice, bob):
                    await peer.close()

    base = await direct()
    forwarded = await through_sfu()
    assert len(base) > 60 and len(forwarded) > 60
    added = statistics.median(forwarded[10:]) - statistics.median(base[10:])
    assert added < 0.015, f"the SFU adds {added * 1000:.1f} ms at p50"


async def test_everyone_leaving_at_once() -> None:
    """Two peers leave together (a frozen server's clients all rejoining at once): the
    room goes, and no leave trips over another that emptied it meanwhile."""
    async with sfu_and_events() as (sfu, events):
        alice, bob = (Peer(sfu, events, n) for n in ("alice", "bob"))
        try:
            await alice.publish(CounterVideoTrack(), ToneAudioTrack())
            video_id, _ = ids(events, "alice")
            await bob.subscribe({video_id})
            await bob.wait_for(lambda: len(bob.video[video_id]) >= 3)
            await asyncio.gather(sfu.leave("room", "alice"), sfu.leave("room", "bob"))
            assert sfu.rooms() == {}
            # And the room can be used again.
            carol = Peer(sfu, events, "carol")
            await carol.publish(CounterVideoTrack())
            assert set(sfu.rooms()) == {"room"}
            await carol.close()
        finally:
            for peer in (alice, bob):
                await peer.close()
