"""The meeting's video room in a real browser: a chair and a delegate open the meeting
page, chat (the delegate sees the unread count), check their camera and microphone in
the pre-join panel (Chromium's fake devices: a test pattern and a beep), and join the
video. Each sees the other's picture being decoded and receives the other's sound (the
tile's numbers come from getStats). The delegate raises a hand (asks to speak, in the
floor's queue) and the chair sees it in order; the chair mutes the delegate, whose
microphone goes off, and asks them to unmute, which the delegate is asked about (never
unmuted silently). The delegate's socket is cut: the page rejoins the video by itself
within five seconds. The delegate leaves: the chair's grid has only the chair's own
tile. The chair's shared screen is a second tile, shown large to the delegate.

Every context is watched (see conftest): nothing may leave 127.0.0.1, and there must be
no console errors, CSP violations, uncaught exceptions, failed requests or HTTP errors.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, WebSocket, expect

from tests.browser.harness import ADMIN_PASSWORD, Watch
from tests.browser.live_page import connected, cuttable_sockets
from tests.browser.scenario import CHAIR, DELEGATE, Scenario
from tests.processes import ServerProcess

MEDIA_TIMEOUT_MS = 20_000
GUEST = "Khách mời Lê Hà"

# What the page says while the video comes back (it may be brief).
RECORD_PHASES = """() => {
  window.videoPhases = [];
  const live = document.getElementById("live");
  const status = document.querySelector(".vid-status");
  const note = () => window.videoPhases.push([live.dataset.video, status.textContent]);
  const watch = new MutationObserver(note);
  watch.observe(live, { attributes: true, attributeFilter: ["data-video"] });
  watch.observe(status, { childList: true, characterData: true, subtree: true });
}"""


class Offers:
    """The SDP this page offered for publishing (to see which ICE candidates it gave)."""

    def __init__(self, page: Page) -> None:
        self.sdps: list[str] = []
        self.types: list[str] = []
        page.on("websocket", self._socket)

    def _socket(self, ws: WebSocket) -> None:
        def sent(payload: str | bytes) -> None:
            try:
                msg = json.loads(payload)
            except ValueError:
                return
            if isinstance(msg, dict) and msg.get("type") in ("rtc_offer", "rtc_answer"):
                self.sdps.append(msg["sdp"])
                self.types.append(msg["type"])

        ws.on("framesent", sent)

    def candidates(self) -> list[str]:
        lines = [line for sdp in self.sdps for line in sdp.splitlines()]
        return [line for line in lines if line.startswith("a=candidate")]

    def describe(self) -> str:
        return f"candidates this page offered: {self.candidates()}"


def open_video(page: Page) -> None:
    page.get_by_role("button", name="Video meeting", exact=True).click()
    expect(page.locator("#vid-panel")).to_be_visible()


def join_video(page: Page) -> None:
    """Through the pre-join panel: the fake camera previews, the fake microphone moves
    the meter, then join."""
    open_video(page)
    panel = page.locator("#vid-panel")
    expect(panel.locator(".vid-preview")).to_have_attribute("data-camera", "on")
    expect(panel.locator(".vid-error")).to_be_hidden()
    # The fake microphone beeps: the meter moves at some point.
    meter = panel.locator(".vid-meter")
    deadline = time.monotonic() + 10
    while int(meter.get_attribute("aria-valuenow") or 0) == 0:
        assert time.monotonic() < deadline, "the microphone meter never moved"
        page.wait_for_timeout(50)
    assert panel.locator(".vid-camera option").count() >= 1
    panel.get_by_role("button", name="Join video").click()
    expect(page.locator("#live")).to_have_attribute("data-video", "in")
    mine = panel.locator(".vid-tile[data-local=true][data-kind=camera]")
    expect(mine).to_have_attribute("data-video", "on")


def other_tile(page: Page, name: str) -> Locator:
    tile = page.locator(".vid-tile[data-local=false][data-kind=camera]").filter(
        has=page.locator(".vid-name", has_text=name)
    )
    return tile


def grows(page: Page, tile: Locator, attribute: str, offers: Offers, what: str) -> None:
    """A number the tile shows from getStats goes up (media keeps arriving)."""
    deadline = time.monotonic() + MEDIA_TIMEOUT_MS / 1000
    first = None
    while True:
        raw = tile.get_attribute(attribute) if tile.count() else None
        if raw is not None:
            value = int(raw)
            if first is None:
                first = value
            elif value > first and value > 0:
                return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: {attribute} went from {first} to {raw}; {offers.describe()}"
            )
        page.wait_for_timeout(250)


def decoding(page: Page, name: str, offers: Offers) -> None:
    """The other's picture is decoded and played in their tile, and their sound comes."""
    tile = other_tile(page, name)
    expect(tile).to_have_count(1)
    grows(page, tile, "data-frames-decoded", offers, f"video of {name}")
    grows(page, tile, "data-audio-packets", offers, f"audio of {name}")
    expect(tile).to_have_attribute("data-video", "on")
    assert tile.locator("video").evaluate(
        "v => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0"
    )
    # The sound plays in an <audio> element of its own.
    peer = tile.get_attribute("data-peer")
    audio = page.locator(f'.vid-audio audio[data-peer="{peer}"]')
    assert audio.evaluate("a => !a.paused && a.srcObject !== null")


def test_two_people_chat_join_see_and_hear_moderate_reconnect_leave(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    base = server.base_url
    meeting = scenario(base, "Video 2030")
    meeting_id = meeting.meeting_id

    chair = new_context().new_page()
    chair_offers = Offers(chair)
    meeting.open("chair", chair)
    delegate_context = new_context()
    sockets = cuttable_sockets(delegate_context)
    delegate = delegate_context.new_page()
    delegate_offers = Offers(delegate)
    meeting.open("delegate", delegate)
    for page in (chair, delegate):
        expect(page).to_have_url(f"{base}/m/{meeting_id}")
        connected(page)

    # -- chat: no video needed ---------------------------------------------------------
    chair.get_by_role("button", name="Chat", exact=True).click()
    chair.locator("#chat-text").fill("Xin chào, bắt đầu họp nhé")
    chair.locator("#chat-text").press("Enter")
    expect(chair.locator(".chat-msg.is-mine")).to_have_count(1)
    expect(chair.locator(".chat-msg.is-mine .chat-time")).not_to_have_text("Sending…")
    unread = delegate.locator(".vid-open[data-tab=chat] .chat-unread")
    expect(unread).to_have_text("1")
    delegate.get_by_role("button", name="Chat", exact=True).click()
    expect(delegate.locator(".chat-msg")).to_have_count(1)
    expect(delegate.locator(".chat-msg .chat-author")).to_have_text(CHAIR)
    expect(delegate.locator(".chat-msg .chat-text")).to_have_text("Xin chào, bắt đầu họp nhé")
    expect(unread).to_be_hidden()
    delegate.locator("#chat-text").fill("Đã rõ")
    delegate.get_by_role("button", name="Send").click()
    expect(chair.locator(".chat-msg:not(.is-mine) .chat-text")).to_have_text("Đã rõ")
    expect(chair.locator(".chat-msg:not(.is-mine) .chat-author")).to_have_text(DELEGATE)

    # -- into the video -------------------------------------------------------------
    join_video(chair)
    join_video(delegate)
    decoding(chair, DELEGATE, chair_offers)
    decoding(delegate, CHAIR, delegate_offers)
    # Tiles have their connection indicator once stats are in.
    quality = re.compile("good|fair|poor")
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-quality", quality)
    chair.get_by_role("button", name="Show connection details").click()
    expect(other_tile(chair, DELEGATE).locator(".vid-stats")).to_contain_text("×")

    # Pin a tile and take it back.
    tile = other_tile(chair, DELEGATE)
    tile.hover()
    tile.get_by_role("button", name="Pin").click()
    expect(tile).to_have_class(re.compile(r"\bis-featured\b"))
    tile.get_by_role("button", name="Unpin").click()
    expect(tile).not_to_have_class(re.compile(r"\bis-featured\b"))

    # -- the chair shares a screen: a second tile, shown large to the delegate --------
    chair.get_by_role("button", name="Share screen").click()
    screen = delegate.locator(".vid-tile[data-local=false][data-kind=screen]")
    expect(screen).to_have_count(1)
    expect(screen).to_have_class(re.compile(r"\bis-featured\b"))
    expect(screen.locator(".vid-name")).to_have_text(f"Screen of {CHAIR}")
    grows(delegate, screen, "data-frames-decoded", delegate_offers, "the chair's screen")
    # The camera goes on beside it, in its own tile.
    expect(other_tile(delegate, CHAIR)).to_have_attribute("data-video", "on")
    chair.get_by_role("button", name="Stop sharing").click()
    expect(screen).to_have_count(0)

    # -- a raised hand asks to speak, seen by the chair in the floor's order ---------
    meeting.start()
    delegate.get_by_role("button", name="Raise hand").click()
    consent = delegate.get_by_role("alertdialog")
    expect(consent).to_contain_text("may MeetRoom turn on your microphone?")
    consent.get_by_role("button", name="No, I will unmute myself").click()
    expect(consent).to_be_hidden()
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_have_text("1")
    chair.locator('.vid-controls [data-action="people"]').click()
    expect(chair.locator(".vid-hands-list li")).to_have_count(1)
    expect(chair.locator(".vid-hands-list")).to_contain_text(DELEGATE)
    delegate.get_by_role("button", name="Lower hand").click()
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_be_hidden()
    chair.locator('.vid-controls [data-action="people"]').click()

    # -- the chair mutes the delegate, then asks them to unmute -----------------------
    delegate_mic = delegate.locator('.vid-controls [data-action="mic"]')
    tile = other_tile(chair, DELEGATE)
    tile.hover()
    tile.get_by_role("button", name=f"Actions for {DELEGATE}").click()
    chair.get_by_role("menuitem", name="Mute").click()
    expect(delegate_mic).to_have_attribute("data-state", "off")
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "off")
    assert delegate.evaluate(
        "() => [...document.querySelectorAll('.vid-tile[data-local=true] video')].length === 1"
    )
    tile.hover()
    tile.get_by_role("button", name=f"Actions for {DELEGATE}").click()
    chair.get_by_role("menuitem", name="Ask to unmute").click()
    ask = delegate.get_by_role("alertdialog")
    expect(ask).to_contain_text(f"{CHAIR} asks you to turn on your microphone.")
    # Asking is not unmuting.
    expect(delegate_mic).to_have_attribute("data-state", "off")
    ask.get_by_role("button", name="Turn on microphone").click()
    expect(delegate_mic).to_have_attribute("data-state", "on")
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "on")

    # -- the delegate's socket drops: the video comes back by itself -------------------
    delegate.evaluate(RECORD_PHASES)
    cut = time.monotonic()
    for ws in sockets:
        ws.close(code=4000, reason="wifi hiccup")
    expect(delegate.locator("#live")).to_have_attribute("data-video", "reconnecting")
    expect(delegate.locator("#live")).to_have_attribute("data-video", "in", timeout=5000)
    assert time.monotonic() - cut < 5.5
    seen = delegate.evaluate("() => window.videoPhases")
    assert ["reconnecting", "Reconnecting video…"] in seen, seen
    connected(delegate)
    decoding(chair, DELEGATE, chair_offers)
    decoding(delegate, CHAIR, delegate_offers)

    # -- the delegate leaves: the chair's grid has the chair alone ---------------------
    delegate.get_by_role("button", name="Leave video").click()
    expect(delegate.locator("#live")).to_have_attribute("data-video", "out")
    expect(chair.locator(".vid-tile")).to_have_count(1)
    expect(chair.locator(".vid-tile[data-local=true]")).to_have_count(1)
    expect(chair.locator(".vid-audio audio")).to_have_count(0)
    # The delegate's camera and microphone are off again (the preview comes back).
    expect(delegate.locator(".vid-prejoin")).to_be_visible()

    watch.assert_clean()


def test_listen_only(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """A delegate who joins to listen only opens no camera or microphone and publishes
    nothing, and still sees and hears the chair; the chair sees the delegate's tile with
    the microphone and camera off. (Without a camera permission Chromium may name its
    own host candidates with mDNS `.local` names: the server has to cope.)"""
    base = server.base_url
    meeting = scenario(base, "Listen 2030")
    chair = meeting.open("chair")
    delegate = new_context().new_page()
    delegate_offers = Offers(delegate)
    meeting.open("delegate", delegate)
    for page in (chair, delegate):
        connected(page)
    join_video(chair)

    open_video(delegate)
    delegate.get_by_role("button", name="Listen only").click()
    expect(delegate.locator("#live")).to_have_attribute("data-video", "in")
    mine = delegate.locator(".vid-tile[data-local=true][data-kind=camera]")
    expect(mine).to_have_attribute("data-video", "off")
    expect(mine).to_have_attribute("data-audio", "off")
    decoding(delegate, CHAIR, delegate_offers)
    # Nothing was published: the only SDP the listener sent answers the server's offers,
    # and no camera or microphone is open.
    assert set(delegate_offers.types) == {"rtc_answer"}, delegate_offers.types
    assert delegate.locator(".vid-preview-video").evaluate("v => v.srcObject === null")
    tile = other_tile(chair, DELEGATE)
    expect(tile).to_have_attribute("data-video", "off")
    expect(tile).to_have_attribute("data-audio", "off")

    # Full screen for one tile, and back.
    full = other_tile(delegate, CHAIR).locator("[data-tile-action=fullscreen]")
    full.click()
    delegate.wait_for_function(
        "() => document.fullscreenElement?.classList.contains('vid-tile')"
        " && document.fullscreenElement.dataset.local === 'false'"
    )
    full.click()
    delegate.wait_for_function("() => document.fullscreenElement === null")
    watch.assert_clean()


def test_a_guest_waits_in_the_lobby_until_the_chair_lets_them_in(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    base = server.base_url
    meeting = scenario(base, "Lobby 2030", people=((CHAIR, "chair"), (GUEST, "guest")))
    chair, guest = meeting.on_pages("chair", "guest")

    # The guest asks to join (listening) and waits; the chair, not in the video, is told.
    open_video(guest)
    guest.get_by_role("button", name="Listen only").click()
    expect(guest.locator("#live")).to_have_attribute("data-video", "lobby")
    expect(guest.locator(".vid-wait-text")).to_have_text("Waiting for the chair to let you in…")
    expect(chair.locator(".live-toast").filter(has_text=f"{GUEST} is waiting")).to_have_count(1)
    open_video(chair)
    lobby = chair.locator(".vid-lobby")
    expect(lobby).to_be_visible()
    expect(lobby.locator("li")).to_have_count(1)
    expect(lobby).to_contain_text(GUEST)

    # Let in: the guest is in the video; the lobby empties.
    lobby.get_by_role("button", name="Let in").click()
    expect(guest.locator("#live")).to_have_attribute("data-video", "in")
    expect(lobby).to_be_hidden()
    watch.assert_clean()


def test_video_comes_back_after_the_media_path_stalls(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """The server stops answering for a while (frozen, as an overloaded or paused
    machine would be): the sockets stay open, but the browsers' media connections go
    silent and then `disconnected`. Each page rejoins the video by itself, on the
    socket it has, and the pictures come back once the server answers again."""
    base = server.base_url
    meeting = scenario(base, "Stall 2030")
    chair = new_context().new_page()
    chair_offers = Offers(chair)
    meeting.open("chair", chair)
    delegate = new_context().new_page()
    delegate_offers = Offers(delegate)
    meeting.open("delegate", delegate)
    for page in (chair, delegate):
        connected(page)
        join_video(page)
    decoding(delegate, CHAIR, delegate_offers)
    for page in (chair, delegate):
        page.evaluate(RECORD_PHASES)

    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        # No media, no connectivity checks answered: the page gives the connection a
        # few seconds, then rebuilds it (its join waits in the socket meanwhile).
        delegate.wait_for_function(
            "() => window.videoPhases.some(([phase]) => phase === 'reconnecting')",
            timeout=20_000,
        )
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    for page in (chair, delegate):
        expect(page.locator("#live")).to_have_attribute("data-video", "in", timeout=15_000)
        expect(page.locator("#live")).to_have_attribute("data-connection", "connected")
    decoding(delegate, CHAIR, delegate_offers)
    decoding(chair, DELEGATE, chair_offers)
    watch.assert_clean()


def test_changing_the_language_keeps_the_call(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """The delegate, in the video with the microphone muted and a hand raised, switches
    to Vietnamese: the page reloads in Vietnamese and comes back into the call by itself
    (no check before joining), with the same camera, still muted, the hand still up; the
    chair sees and hears them again, and the live session still follows the chair."""
    base = server.base_url
    meeting = scenario(base, "Language 2030")
    document_id = meeting.document_id
    chair = new_context().new_page()
    chair_offers = Offers(chair)
    meeting.open("chair", chair)
    delegate = meeting.open("delegate")
    meeting.start()
    for page in (chair, delegate):
        connected(page)
        join_video(page)
    decoding(chair, DELEGATE, chair_offers)
    delegate.get_by_role("button", name="Mute microphone").click()
    delegate.get_by_role("button", name="Raise hand").click()
    delegate.get_by_role("button", name="No, I will unmute myself").click()
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "off")
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_have_text("1")
    camera = "() => document.querySelector('.vid-tile[data-local=true] video').srcObject"
    camera_id = delegate.evaluate(f"{camera}.getVideoTracks()[0].getSettings().deviceId")

    switched = time.monotonic()
    delegate.get_by_role("button", name="Tiếng Việt").click()
    expect(delegate.locator("html")).to_have_attribute("lang", "vi")
    expect(delegate.locator("#live")).to_have_attribute("data-video", "in", timeout=8000)
    back = time.monotonic() - switched
    assert back < 8, back
    # In Vietnamese, in the call as before, without having been asked anything.
    expect(delegate.get_by_role("button", name="Họp trực tuyến", exact=True)).to_be_visible()
    expect(delegate.locator(".vid-prejoin")).to_be_hidden()
    mine = delegate.locator(".vid-tile[data-local=true][data-kind=camera]")
    expect(mine).to_have_attribute("data-video", "on")
    expect(mine).to_have_attribute("data-audio", "off")
    expect(delegate.locator('.vid-controls [data-action="mic"]')).to_have_attribute(
        "data-state", "off"
    )
    assert delegate.evaluate(f"{camera}.getVideoTracks()[0].readyState") == "live"
    assert delegate.evaluate(f"{camera}.getVideoTracks()[0].getSettings().deviceId") == camera_id
    # The server has them in the video room again, muted, and their request to speak
    # (kept by the floor): the chair sees it.
    decoding(chair, DELEGATE, chair_offers)
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "off")
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_be_visible()
    expect(other_tile(delegate, CHAIR)).to_have_attribute("data-video", "on")

    # The live session goes on: the chair turns the page, the delegate's page follows.
    chair.get_by_role("button", name="Next page").click()
    expect(delegate.locator(".live-pageno")).to_have_attribute("data-page", "2")
    expect(delegate.locator(".live-pageno")).to_have_text("Trang 2/3")
    expect(delegate.locator("img.live-page")).to_have_attribute(
        "src", f"/api/documents/{document_id}/pages/2?w=1600"
    )
    watch.assert_clean()


def test_the_microphone_follows_the_floor(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """The delegate, muted in the video, raises a hand and lets MeetRoom open their
    microphone: when the chair gives them the floor in the Speakers tab it turns on
    (everyone sees it on) and the delegate's countdown runs, and when the chair ends
    the speech it turns off; the chair's own microphone stays on throughout."""
    meeting = scenario(server.base_url, "Floor 2030")
    meeting.start()
    chair = new_context().new_page()
    chair_offers = Offers(chair)
    meeting.open("chair", chair)
    delegate = meeting.open("delegate")
    for page in (chair, delegate):
        connected(page)
        join_video(page)
    decoding(chair, DELEGATE, chair_offers)
    delegate_mic = delegate.locator('.vid-controls [data-action="mic"]')
    chair_mic = chair.locator('.vid-controls [data-action="mic"]')
    delegate.get_by_role("button", name="Mute microphone").click()
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "off")

    delegate.get_by_role("button", name="Raise hand").click()
    delegate.get_by_role("button", name="Yes, turn it on").click()
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_have_text("1")
    expect(delegate.get_by_role("button", name="Lower hand")).to_be_visible()
    # Asking is not unmuting.
    expect(delegate_mic).to_have_attribute("data-state", "off")

    chair.locator(".live-menu").click()  # the side panel, closed beside the docked video
    chair.get_by_role("tab", name="Speakers").click()
    chair.get_by_role("button", name=f"Give the floor to {DELEGATE}").click()
    expect(delegate_mic).to_have_attribute("data-state", "on")
    clock = delegate.locator(".floor-board .floor-clock")
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock).to_have_text(re.compile(r"^[23]:\d\d$"))  # the default: 3 minutes
    told = delegate.locator(".live-toast", has_text="You have the floor: your microphone is on.")
    expect(told).to_have_count(1)
    # The server's video room has their sound on: the chair's tile says so, and hears it.
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "on")
    expect(other_tile(chair, DELEGATE).locator(".vid-hand")).to_be_hidden()
    grows(chair, other_tile(chair, DELEGATE), "data-audio-packets", chair_offers, "speech")
    expect(chair_mic).to_have_attribute("data-state", "on")

    chair.get_by_role("button", name="End speech").click()
    expect(delegate_mic).to_have_attribute("data-state", "off")
    expect(other_tile(chair, DELEGATE)).to_have_attribute("data-audio", "off")
    expect(chair_mic).to_have_attribute("data-state", "on")
    expect(other_tile(delegate, CHAIR)).to_have_attribute("data-audio", "on")
    watch.assert_clean()


def test_a_removed_delegate_is_told_and_leaves_the_chairs_video(
    server: ServerProcess,
    new_context: Callable[[], BrowserContext],
    scenario: Callable[..., Scenario],
    watch: Watch,
) -> None:
    """The delegate is removed from the meeting while both are in the video: their
    page says so at once and does not reconnect, and their tile leaves the chair's."""
    base = server.base_url
    meeting = scenario(base, "Removed 2030")
    meeting_id = meeting.meeting_id
    chair = meeting.open("chair")
    delegate = new_context().new_page()
    sockets: list[str] = []
    delegate.on("websocket", lambda ws: sockets.append(ws.url))
    meeting.open("delegate", delegate)
    for page in (chair, delegate):
        connected(page)
        open_video(page)
        page.get_by_role("button", name="Listen only").click()
        expect(page.locator("#live")).to_have_attribute("data-video", "in")
    expect(other_tile(chair, DELEGATE)).to_have_count(1)

    api = new_context().request
    csrf = api.post(
        f"{base}/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["csrf_token"]
    people = api.get(f"{base}/api/meetings/{meeting_id}/participants").json()
    delegate_id = next(p["id"] for p in people if p["name"] == DELEGATE)
    resp = api.delete(
        f"{base}/api/meetings/{meeting_id}/participants/{delegate_id}",
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status == 204, resp.text()

    removed = "You were removed from this meeting."
    live = delegate.locator("#live")
    expect(live).to_have_attribute("data-connection", "ended", timeout=4000)
    expect(delegate.locator(".live-lifecycle-text")).to_have_text(removed)
    expect(delegate.locator(".live-lifecycle-text")).to_have_attribute("role", "alert")
    expect(delegate.locator(".live-conn-text")).to_have_text(removed)
    expect(live).to_have_attribute("data-video", "out")
    expect(live).to_have_attribute("data-read-only", "true")
    expect(delegate.locator(".vid-prejoin")).to_be_hidden()
    expect(other_tile(chair, DELEGATE)).to_have_count(0, timeout=4000)
    # It stays so: no new socket is opened (the server would refuse it anyway).
    delegate.wait_for_timeout(1000)  # the first retry would come within 0.5 s
    assert len(sockets) == 1, sockets
    expect(live).to_have_attribute("data-connection", "ended")
    connected(chair)
    watch.assert_clean()
