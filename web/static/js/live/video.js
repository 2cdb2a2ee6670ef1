// The meeting's video room, over the page's live socket (see meetroom/protocol/video.py):
// joining and leaving, the lobby, devices, moderation. The connections themselves
// (publish and subscribe, no UI) are in video-peers.js, what the panel shows in
// video-view.js, raised hands (the floor's queue) and the microphone that follows the
// floor in video-hand.js; a listener publishes nothing.
//
// If the socket drops, or a connection fails or stays disconnected for a few seconds,
// or the server says the room moved (`video_left`, reason "moved": the server holding
// it stopped or hands it over), the page joins again with the same choice and
// renegotiates, and says so.

import { StatsSampler, quality } from "./video-stats.js";
import { deviceErrorKey, openTrack } from "./video-devices.js";
import { PreJoin } from "./video-prejoin.js";
import { VideoPeers } from "./video-peers.js";
import { VideoView } from "./video-view.js";
import { VideoHand } from "./video-hand.js";

const JOIN_LIMIT = 6000; // ms for video_joined
const STATS_EVERY = 2000;

const norm = (s) => String(s ?? "").replace(/_/g, "").toLowerCase();
const VIDEO_REFS = new Set(
  ["video_join", "video_leave", "rtc_offer", "rtc_answer", "media_state", "raise_hand", "moderate", "lock_room", "admit"].map(norm),
);

export class VideoRoom {
  constructor({ panel, session, t, toasts, shell }) {
    this.session = session;
    this.t = t;
    this.toasts = toasts;
    this.shell = shell; // opens the panel, says whether the video tab is seen
    this.phase = "out"; // out | joining | lobby | in | reconnecting
    this.choice = { audio: false, video: false, micId: "", cameraId: "" };
    this.mic = null;
    this.cam = null;
    this.camStream = new MediaStream(); // groups microphone and camera (one source)
    this.screen = null;
    this.screenStream = null;
    this.micOn = false;
    this.resuming = false; // opening the devices to come back into the call (carry-over.js)
    this.peer = null;
    this.people = [];
    this.lobby = [];
    this.locked = false;
    this.peers = new VideoPeers({
      send: (msg) => this.send(msg),
      people: () => this.people,
      failed: () => this.rejoin(),
      audio: (peer, track) => this.view.playFor(peer, track),
      tracks: () => this.view.renderTiles(),
    });
    this.active = null;
    this.levels = {};
    this.joinTimer = null;
    this.rejoins = 0;
    this.knownLobby = new Set();
    this.stats = new StatsSampler();
    this.statsTimer = null;
    this.over = false; // this person may no longer be in the meeting (see `end`)

    this.view = new VideoView(panel, t, this);
    this.hands = new VideoHand(this);
    this.prejoin = new PreJoin(this.view.els.prejoin, t, (choice) => this.join(choice));
    this.view.listen();
    window.addEventListener("pagehide", () => {
      if (this.phase !== "out") this.send({ type: "video_leave" });
    });
    this.render();
  }

  // -- the panel ----------------------------------------------------------------------------

  /** The video tab was opened: offer to join if not in. */
  shown() {
    if (this.phase === "out" && !this.over) this.prejoin.open();
  }

  /** This person may no longer be in the meeting (removed, signed out): out of the
   * video for good, devices off, nothing offered again. */
  end() {
    this.over = true;
    this.leave({ notify: false });
    this.prejoin.close();
  }

  /** The panel was closed: a preview is stopped (being in the video goes on). */
  hidden() {
    this.prejoin.close();
  }

  render() {
    this.view.render();
  }

  setPhase(phase) {
    this.phase = phase;
    this.render();
  }

  isModerator() {
    return this.session.isModerator();
  }

  /** Whether this person has asked to speak (their request waits in the floor's queue). */
  get hand() {
    return this.hands.raised();
  }

  /** The people in the video, each with their place in the floor's queue (`hand`). */
  withHands(people) {
    return people.map((p) => ({ ...p, hand: this.hands.position(p.participant) }));
  }

  // -- joining and leaving -------------------------------------------------------------------

  /** `micOn` false: joins with the microphone open but muted. */
  join(choice, { micOn = true } = {}) {
    this.choice = { audio: choice.audio, video: choice.video, micId: choice.micId, cameraId: choice.cameraId };
    this.mic = choice.mic;
    this.cam = choice.cam;
    this.micOn = Boolean(this.mic) && micOn;
    this.rejoins = 0;
    this.groupLocal();
    this.setPhase("joining");
    this.sendJoin();
  }

  sendJoin() {
    clearTimeout(this.joinTimer);
    if (!this.session.send({ type: "video_join", audio: Boolean(this.mic), video: Boolean(this.cam) })) {
      // Not connected now: the next welcome joins.
      if (this.phase === "joining") this.setPhase("reconnecting");
      return;
    }
    this.joinTimer = setTimeout(() => {
      if (this.phase === "joining" && !this.peer) {
        this.toasts.show(this.t("video_unavailable"), "error");
        this.leave();
      } else if (this.phase === "reconnecting") {
        this.sendJoin();
      }
    }, JOIN_LIMIT);
  }

  /** Out of the video by one's own choice (or turned away): devices off. */
  leave({ notify = true } = {}) {
    if (notify && this.phase !== "out") this.send({ type: "video_leave" });
    clearTimeout(this.joinTimer);
    this.closeConnections();
    for (const track of [this.mic, this.cam, this.screen]) track?.stop();
    this.mic = null;
    this.cam = null;
    this.screen = null;
    this.screenStream = null;
    this.camStream = new MediaStream();
    this.micOn = false;
    this.noPublish = false;
    this.peer = null;
    this.people = [];
    this.lobby = [];
    this.active = null;
    this.levels = {};
    this.view.els.ask.hidden = true;
    this.hands.reset();
    this.view.els.people.hidden = true;
    this.view.grid.clear();
    this.view.closeMenu();
    this.setPhase("out");
    if (this.shell.videoShown() && !this.over) this.prejoin.open();
  }

  /** Join again on the same socket (a connection failed) or on the next one. */
  rejoin() {
    if (this.phase === "out" || this.phase === "lobby") return;
    this.closeConnections();
    this.setPhase("reconnecting");
    this.rejoins += 1;
    if (this.session.connected) this.sendJoin();
  }

  /** Told to join again (the room is being placed anew): same choice, no asking. */
  moved() {
    if (this.phase === "out") return;
    if (this.phase === "lobby") this.peer = null; // waits again, not in the room yet
    this.closeConnections();
    this.setPhase("reconnecting");
    this.rejoins += 1;
    if (this.session.connected) this.sendJoin();
  }

  /** The socket is welcomed (again): a dropped video comes back by itself. */
  welcome() {
    if (this.resuming) {
      // Its devices are being opened: it joins once they are.
    } else if (this.phase === "reconnecting" || this.phase === "joining" || this.phase === "lobby" || this.phase === "in") {
      this.closeConnections();
      this.setPhase("reconnecting");
      this.sendJoin();
    }
    this.render();
  }

  /** The socket's state: when it is down, so is the video (the server let it go). */
  status(state) {
    if (state !== "connected" && !this.resuming && (this.phase === "in" || this.phase === "joining" || this.phase === "lobby")) {
      this.closeConnections();
      this.setPhase("reconnecting");
    }
  }

  closeConnections() {
    this.peers.close();
    this.view.clearAudio();
    clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.stats.forget();
  }

  send(msg) {
    return this.session.send(msg);
  }

  // -- what the server says -------------------------------------------------------------------

  message(msg) {
    switch (msg.type) {
      case "video_joined":
        this.joined(msg);
        break;
      case "lobby":
        if (msg.admitted && this.phase === "lobby") this.admitted();
        break;
      case "video_room":
        this.room(msg);
        break;
      case "rtc_answer":
        this.peers.reply("rtc_answer", msg);
        break;
      case "rtc_offer":
        this.peers.offered(msg, () => this.phase === "in");
        break;
      case "speaking":
        this.active = msg.active ?? null;
        this.levels = msg.levels || {};
        this.view.grid.setSpeaking(this.active, this.levels);
        break;
      case "moderated":
        this.moderated(msg);
        break;
      case "floor":
        if (this.hands.floor(msg)) this.handsChanged();
        break;
      case "floor_mic":
        this.hands.mic(msg.action);
        break;
      case "video_left":
        this.left(msg.reason);
        break;
      case "error":
        if (VIDEO_REFS.has(norm(msg.ref))) this.error(msg);
        break;
      default:
        break;
    }
  }

  joined(msg) {
    if (this.phase === "out") return;
    clearTimeout(this.joinTimer);
    const wasBack = this.phase === "reconnecting";
    this.peer = msg.peer;
    this.peers.ice = Array.isArray(msg.ice_servers) ? msg.ice_servers : [];
    if (msg.waiting) {
      this.setPhase("lobby");
      return;
    }
    if (wasBack && this.rejoins) this.toasts.show(this.t("video_back"));
    this.rejoins = 0;
    this.admitted();
  }

  admitted() {
    this.setPhase("in");
    this.startPublish();
    this.sendState();
    this.view.renderTiles();
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.sampleStats(), STATS_EVERY);
  }

  left(reason) {
    // The room moved to another server (its server stopped or is handing over): join
    // again at once, where it is now; media comes back by itself.
    if (reason === "moved") {
      this.moved();
      return;
    }
    const key = reason === "removed" ? "left_removed" : reason === "denied" ? "left_denied" : "left_other";
    this.toasts.show(this.t(key), "error");
    this.leave({ notify: false });
  }

  error(msg) {
    const ref = norm(msg.ref);
    if (ref === norm("rtc_offer") || msg.code === "may_not_publish") {
      this.peers.reply("rtc_answer", null, msg);
      if (msg.code === "may_not_publish") this.listenOnly();
    } else if (ref === norm("video_join")) {
      clearTimeout(this.joinTimer);
      if (this.phase === "joining") this.leave({ notify: false });
    }
  }

  /** The server will not take our media: stop sending (the devices go off). */
  listenOnly() {
    this.toasts.show(this.t("listen_only_now"), "error");
    for (const track of [this.mic, this.cam, this.screen]) track?.stop();
    this.mic = null;
    this.cam = null;
    this.screen = null;
    this.micOn = false;
    this.groupLocal();
    this.peers.closePublish();
    this.noPublish = true;
    this.view.renderTiles();
    this.view.renderControls();
  }

  room(msg) {
    this.people = this.withHands(msg.people || []);
    this.lobby = msg.lobby || [];
    const wasLocked = this.locked;
    this.locked = Boolean(msg.locked);
    if (this.isModerator()) {
      for (const entry of this.lobby) {
        if (!this.knownLobby.has(entry.peer)) this.toasts.show(this.t("lobby_new", { name: entry.name }));
      }
    }
    this.knownLobby = new Set(this.lobby.map((e) => e.peer));
    // Tracks of someone who left: gone from the tiles now (the server re-offers soon).
    this.peers.dropGone(this.people);
    if (wasLocked !== this.locked) this.render();
    this.peers.mapRemote(); // what someone sends may tell their camera from their screen now
    this.view.renderTiles();
    this.view.renderPeople();
    this.view.renderControls();
  }

  /** The floor's queue changed: the badges, the list of hands and the hand button. */
  handsChanged() {
    this.people = this.withHands(this.people);
    this.view.renderTiles();
    this.view.renderPeople();
    this.view.renderControls();
  }

  // -- publishing ------------------------------------------------------------------------------

  /** Keeps microphone and camera in one MediaStream, the screen in another. */
  groupLocal() {
    for (const track of this.camStream.getTracks()) this.camStream.removeTrack(track);
    if (this.mic) this.camStream.addTrack(this.mic);
    if (this.cam) this.camStream.addTrack(this.cam);
    if (this.mic) this.mic.enabled = this.micOn;
  }

  startPublish() {
    if (this.peers.pub || this.noPublish || this.phase !== "in") return;
    if (!this.mic && !this.cam && !this.screen) return; // listening only
    const { choice, mic, cam, screen, camStream, screenStream } = this;
    this.peers.publish({ choice, mic, cam, screen, camStream, screenStream });
  }

  sendState() {
    if (this.phase !== "in") return;
    this.send({
      type: "media_state",
      audio: Boolean(this.mic && this.micOn),
      video: Boolean(this.cam),
      screen: Boolean(this.screen),
      // Which of our streams is the screen, so that the others need not guess.
      screen_stream: this.screen && this.screenStream ? this.screenStream.id : null,
    });
  }

  async setMic(on) {
    if (on && !this.mic) {
      try {
        this.mic = await openTrack("audio", this.choice.micId);
      } catch (err) {
        this.toasts.show(this.t(deviceErrorKey(err)), "error");
        return;
      }
      this.choice.audio = true;
      this.micOn = true;
      this.groupLocal();
      this.attachTrack("audio", this.mic, this.camStream);
    }
    this.micOn = on && Boolean(this.mic);
    if (this.mic) this.mic.enabled = this.micOn;
    this.sendState();
    this.view.renderControls();
    this.view.renderTiles();
  }

  async setCamera(on) {
    if (on && !this.cam) {
      let track;
      try {
        track = await openTrack("video", this.choice.cameraId);
      } catch (err) {
        this.toasts.show(this.t(deviceErrorKey(err)), "error");
        return;
      }
      if (this.phase === "out") {
        track.stop();
        return;
      }
      this.cam = track;
      this.choice.video = true;
      this.groupLocal();
      this.attachTrack("video", track, this.camStream);
    } else if (!on && this.cam) {
      // The camera's light goes off: the track stops, the sender sends nothing.
      const track = this.cam;
      this.cam = null;
      this.groupLocal();
      this.peers.clearCamera();
      track.stop();
    }
    this.sendState();
    this.view.renderControls();
    this.view.renderTiles();
  }

  /** Puts a new local track on its sender, adding one (and renegotiating) if needed. */
  attachTrack(kind, track, stream) {
    if (this.noPublish || this.phase !== "in") return;
    if (!this.peers.pub) this.startPublish();
    else this.peers.attach(kind, track, stream);
  }

  async toggleScreen() {
    if (this.screen) {
      this.stopScreen();
      return;
    }
    if (!navigator.mediaDevices?.getDisplayMedia) {
      this.toasts.show(this.t("err_no_screen"), "error");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    } catch (err) {
      if (err?.name !== "NotAllowedError") this.toasts.show(this.t("err_screen"), "error");
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track || this.phase !== "in") {
      stream.getTracks().forEach((x) => x.stop());
      return;
    }
    track.contentHint = "detail";
    track.addEventListener("ended", () => {
      if (this.screen === track) this.stopScreen();
    });
    this.screen = track;
    this.screenStream = stream; // its own stream id: the others tell it from the camera
    this.attachTrack("screen", track, stream);
    this.sendState();
    this.view.renderControls();
    this.view.renderTiles();
  }

  stopScreen() {
    const track = this.screen;
    this.screen = null;
    this.screenStream = null;
    track?.stop();
    this.peers.stopScreen();
    this.sendState();
    this.view.renderControls();
    this.view.renderTiles();
  }

  // -- moderation ----------------------------------------------------------------------------

  moderated(msg) {
    const by = msg.by || "";
    if (msg.action === "ask_unmute") {
      this.askUnmute(this.t("asked_unmute", { name: by }));
    } else if (msg.action === "mute") {
      this.setMic(false);
      this.toasts.show(this.t("muted_by", { name: by }));
    } else if (msg.action === "stop_video") {
      this.setCamera(false);
      this.toasts.show(this.t("video_stopped_by", { name: by }));
    }
  }

  /** Asks to turn the microphone on: never unmuted silently, the person decides. */
  askUnmute(text) {
    if (this.mic && this.micOn) return;
    this.view.els.askText.textContent = text;
    this.view.els.ask.hidden = false;
    this.shell.open("video");
    this.view.els.ask.querySelector(".vid-ask-yes").focus();
  }

  moderate(peer, action) {
    this.view.closeMenu();
    if (!peer) return;
    if (action === "remove") {
      const name = this.people.find((p) => p.peer === peer)?.name ?? "";
      // eslint-disable-next-line no-alert
      if (!window.confirm(this.t("confirm_remove", { name }))) return;
    }
    this.send({ type: "moderate", peer, action });
  }

  // -- controls -----------------------------------------------------------------------------

  control(action) {
    switch (action) {
      case "mic":
        this.setMic(!(this.mic && this.micOn));
        break;
      case "camera":
        this.setCamera(!this.cam);
        break;
      case "screen":
        this.toggleScreen();
        break;
      case "hand":
        this.hands.toggle();
        break;
      case "people":
        this.view.els.people.hidden = !this.view.els.people.hidden;
        this.view.renderControls();
        break;
      case "stats":
        this.view.grid.showStats = !this.view.grid.showStats;
        this.view.renderControls();
        this.sampleStats();
        break;
      case "lock":
        this.send({ type: "lock_room", locked: !this.locked });
        break;
      case "leave":
        this.leave();
        break;
      default:
        break;
    }
  }

  // -- quality ---------------------------------------------------------------------------------

  async sampleStats() {
    if (this.phase !== "in") return;
    const jobs = [];
    const read = async (id, parts) => {
      const merged = new Map();
      for (const part of parts) {
        if (!part) continue;
        try {
          const report = await part.getStats();
          for (const [k, v] of report) merged.set(k, v);
        } catch { /* closed meanwhile */ }
      }
      if (!merged.size) return;
      const stats = this.stats.read(merged);
      this.view.grid.setStats(id, stats, quality(stats));
    };
    for (const [id, parts] of this.peers.statsSources(this.peer, Boolean(this.screen))) jobs.push(read(id, parts));
    await Promise.all(jobs);
  }
}
