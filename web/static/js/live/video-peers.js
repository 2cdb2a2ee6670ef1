// The video room's connections, without any UI (see video.js for the room and its views,
// meetroom/protocol/video.py for the messages): two RTCPeerConnections, each with one
// offerer so that offers never cross, and complete SDP (no trickle ICE):
//  - publish: this page offers its microphone and camera (one MediaStream) and a shared
//    screen (a MediaStream of its own), again whenever a track is added or removed;
//  - subscribe: the server offers everyone else's tracks, naming by mid whose they are.
// ICE servers are only those the server gives (none by default): nothing public.

const GATHER_LIMIT = 5000; // ms to wait for ICE gathering before sending what there is
const ANSWER_LIMIT = 10_000; // ms for the server's answer to a publish offer
const ICE_GRACE = 3000; // ms a connection may stay disconnected before rejoining
const CONNECT_LIMIT = 10_000; // ms a negotiated connection may take to connect

/** Resolves once the connection's ICE candidates are all in its local description. */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const timer = setTimeout(done, GATHER_LIMIT);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class VideoPeers {
  /**
   * @param {object} hooks  send(msg): false when not connected; people(): the room's
   *                        people (whose stream is the screen); failed(): a connection
   *                        failed, join again; audio(peer, track): someone's sound
   *                        (null: gone); tracks(): whose tracks are which changed
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.ice = [];
    this.pub = null; // {pc, audio, video, screen: transceivers}
    this.sub = null; // {pc, tracks: mid -> {peer, kind, source}}
    this.subChain = Promise.resolve();
    this.remote = new Map(); // peer -> {audio, camera, screen} tracks and their streams
    this.sources = new Map(); // peer -> {camera, screen}: which of their streams is which
    this.waitingFor = null; // {type, resolve, reject, timer}: a reply expected
    this.iceTimers = new Map();
    this.negotiating = false;
    this.negotiateAgain = false;
  }

  send(msg) {
    return this.hooks.send(msg);
  }

  /** Both connections closed, and what was waiting on them. */
  close() {
    this.subChain = Promise.resolve();
    for (const c of [this.pub, this.sub]) {
      try {
        c?.pc.close();
      } catch { /* closed */ }
    }
    this.pub = null;
    this.sub = null;
    this.negotiating = false;
    for (const timer of this.iceTimers.values()) clearTimeout(timer);
    this.iceTimers.clear();
    if (this.waitingFor) {
      clearTimeout(this.waitingFor.timer);
      this.waitingFor.reject(new Error("closed"));
      this.waitingFor = null;
    }
    this.remote.clear();
  }

  /** The publish connection closed for good (the server takes no media from us). */
  closePublish() {
    try {
      this.pub?.pc.close();
    } catch { /* closed */ }
    this.pub = null;
  }

  reply(type, msg, error) {
    const w = this.waitingFor;
    if (!w || w.type !== type) return;
    this.waitingFor = null;
    clearTimeout(w.timer);
    if (error) w.reject(Object.assign(new Error(error.message || error.code), { code: error.code }));
    else w.resolve(msg);
  }

  request(msg, replyType) {
    if (this.waitingFor) this.reply(this.waitingFor.type, null, { code: "superseded" });
    return new Promise((resolve, reject) => {
      if (!this.send(msg)) {
        reject(new Error("not connected"));
        return;
      }
      const timer = setTimeout(() => this.reply(replyType, null, { code: "timeout" }), ANSWER_LIMIT);
      this.waitingFor = { type: replyType, resolve, reject, timer };
    });
  }

  newConnection(which) {
    const pc = new RTCPeerConnection({ iceServers: this.ice, bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
    pc.addEventListener("connectionstatechange", () => this.watchConnection(pc, which));
    return pc;
  }

  /** A connection that fails, or stays disconnected for a few seconds, is rebuilt by
   * joining again. */
  watchConnection(pc, which) {
    const current = which === "publish" ? this.pub?.pc : this.sub?.pc;
    if (pc !== current) return;
    const state = pc.connectionState;
    clearTimeout(this.iceTimers.get(which));
    this.iceTimers.delete(which);
    if (state === "failed") {
      this.hooks.failed();
    } else if (state === "disconnected" || state === "new" || state === "connecting") {
      const limit = state === "disconnected" ? ICE_GRACE : CONNECT_LIMIT;
      this.iceTimers.set(which, setTimeout(() => {
        const still = which === "publish" ? this.pub?.pc : this.sub?.pc;
        if (still === pc && pc.connectionState !== "connected") this.hooks.failed();
      }, limit));
    }
  }

  // -- publishing ------------------------------------------------------------------------------

  /** Starts sending `local`: {choice, mic, cam, screen, camStream, screenStream}. */
  publish(local) {
    if (this.pub) return;
    const pc = this.newConnection("publish");
    this.pub = { pc, audio: null, video: null, screen: null };
    const add = (track, stream) => pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    // A transceiver for the camera even while it is off, so that turning it on is a
    // track replaced, not a renegotiation (the same for the microphone).
    if (local.choice.audio || local.mic) this.pub.audio = add(local.mic, local.camStream);
    if (local.choice.video || local.cam) this.pub.video = add(local.cam, local.camStream);
    if (local.screen) this.pub.screen = add(local.screen, local.screenStream);
    this.watchConnection(pc, "publish");
    this.negotiate();
  }

  /** Offers the publish connection as it is now (again if it changed meanwhile). */
  async negotiate() {
    if (this.negotiating) {
      this.negotiateAgain = true;
      return;
    }
    const pub = this.pub;
    if (!pub) return;
    this.negotiating = true;
    try {
      do {
        this.negotiateAgain = false;
        const offer = await pub.pc.createOffer();
        await pub.pc.setLocalDescription(offer);
        await gathered(pub.pc);
        if (pub !== this.pub) return;
        const answer = await this.request({ type: "rtc_offer", sdp: pub.pc.localDescription.sdp }, "rtc_answer");
        if (pub !== this.pub) return;
        await pub.pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
      } while (this.negotiateAgain && pub === this.pub);
    } catch (err) {
      if (pub === this.pub && err.code !== "may_not_publish" && err.message !== "closed") this.hooks.failed();
    } finally {
      if (pub === this.pub || !this.pub) this.negotiating = false;
    }
  }

  /** Puts a new local track on its sender (publishing already), adding one (and
   * renegotiating) if needed. */
  attach(kind, track, stream) {
    const t = this.pub[kind];
    if (t) {
      const renegotiate = t.direction !== "sendonly";
      t.direction = "sendonly";
      t.sender.setStreams?.(stream);
      t.sender.replaceTrack(track).catch(() => this.hooks.failed());
      if (renegotiate) this.negotiate();
    } else {
      this.pub[kind] = this.pub.pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
      this.negotiate();
    }
  }

  /** The camera is off: its sender sends nothing (its transceiver stays). */
  clearCamera() {
    this.pub?.video?.sender.replaceTrack(null).catch(() => {});
  }

  /** The screen is no longer shared: gone from the others' subscriptions. */
  stopScreen() {
    const t = this.pub?.screen;
    if (t) {
      t.sender.replaceTrack(null).catch(() => {});
      t.direction = "inactive";
      this.negotiate();
    }
  }

  // -- subscribing ------------------------------------------------------------------------------

  /** The server's offer of everyone else's tracks, answered in turn; `stillIn()` false
   * when it comes: ignored. */
  offered(msg, stillIn) {
    this.subChain = this.subChain.then(() => (stillIn() ? this.subscribe(msg) : null)).catch(() => this.hooks.failed());
  }

  async subscribe(msg) {
    if (!this.sub) {
      const pc = this.newConnection("subscribe");
      this.sub = { pc, tracks: {} };
      pc.addEventListener("track", () => this.mapRemote());
    }
    const sub = this.sub;
    sub.tracks = msg.tracks || {};
    await sub.pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    await sub.pc.setLocalDescription(await sub.pc.createAnswer());
    await gathered(sub.pc);
    if (sub !== this.sub) return;
    this.send({ type: "rtc_answer", sdp: sub.pc.localDescription.sdp });
    this.watchConnection(sub.pc, "subscribe");
    this.mapRemote();
  }

  /** Whose each received track is, from the last offer's `tracks` by mid. */
  mapRemote() {
    if (!this.sub) return;
    const people = this.hooks.people();
    const byPeer = new Map();
    for (const tr of this.sub.pc.getTransceivers()) {
      const info = tr.mid !== null ? this.sub.tracks[tr.mid] : null;
      const track = tr.receiver.track;
      if (!info || !track || tr.currentDirection === "inactive" || tr.currentDirection === "stopped") continue;
      if (!byPeer.has(info.peer)) byPeer.set(info.peer, { audio: [], video: [] });
      byPeer.get(info.peer)[info.kind === "audio" ? "audio" : "video"].push({ track, source: info.source, receiver: tr.receiver });
    }
    for (const peer of [...this.remote.keys()]) if (!byPeer.has(peer)) this.dropRemote(peer);
    for (const [peer, got] of byPeer) {
      const old = this.remote.get(peer) || {};
      const entry = { audio: got.audio[0] || null, camera: null, screen: null };
      const known = this.sources.get(peer) || {};
      const audioSources = new Set(got.audio.map((a) => a.source));
      const person = people.find((p) => p.peer === peer);
      // The camera shares its stream with the microphone; the screen has its own. What
      // is only guessed (a single video, no sound) is not remembered.
      const sure = (v) => audioSources.has(v.source) || known.camera === v.source;
      for (const v of got.video) {
        let kind;
        if (person?.screen_stream) {
          kind = v.source === person.screen_stream ? "screen" : "camera";
        } else if (sure(v)) {
          kind = "camera";
          known.camera = v.source;
        } else if (known.screen === v.source) {
          kind = "screen";
        } else if (got.video.some((o) => o !== v && sure(o))) {
          kind = "screen";
          known.screen = v.source;
        } else {
          kind = person?.screen && !person?.video ? "screen" : "camera";
        }
        if (entry[kind]) kind = kind === "camera" ? "screen" : "camera";
        const prev = old[kind];
        entry[kind] = prev && prev.track === v.track ? prev : { ...v, stream: new MediaStream([v.track]) };
      }
      this.sources.set(peer, known);
      this.remote.set(peer, entry);
      this.hooks.audio(peer, entry.audio?.track ?? null);
    }
    this.hooks.tracks();
  }

  dropRemote(peer) {
    this.remote.delete(peer);
    this.hooks.audio(peer, null);
  }

  /** Tracks of someone who left: gone now (the server re-offers soon). */
  dropGone(people) {
    for (const peer of [...this.remote.keys()]) {
      if (!people.some((p) => p.peer === peer)) this.dropRemote(peer);
    }
  }

  /** What to read statistics from, per tile id: [id, [senders or receivers]]. */
  statsSources(self, screenOn) {
    const out = [];
    for (const [peer, got] of this.remote) {
      out.push([`${peer}:camera`, [got.camera?.receiver, got.audio?.receiver]]);
      if (got.screen) out.push([`${peer}:screen`, [got.screen.receiver]]);
    }
    if (this.pub && self) {
      out.push([`${self}:camera`, [this.pub.video?.sender, this.pub.audio?.sender]]);
      if (this.pub.screen && screenOn) out.push([`${self}:screen`, [this.pub.screen.sender]]);
    }
    return out;
  }
}
