// The video panel's views: the phases (joining, lobby, in), the control bar, the tiles,
// the people and the lobby, the moderator's menu, and everyone's sound. They show the
// state of the VideoRoom (video.js) and hand what is pressed back to it.

import { h } from "./util.js";
import { VideoGrid, icon } from "./video-grid.js";

export class VideoView {
  /**
   * @param {HTMLElement} panel  the video panel (#vid-panel's video part)
   * @param {Function} t         the video texts
   * @param {object} room        the VideoRoom shown (its state is read, its actions called)
   */
  constructor(panel, t, room) {
    this.panel = panel;
    this.t = t;
    this.room = room;
    this.root = document.getElementById("live");
    this.audioEls = new Map(); // peer -> <audio>
    this.menuPeer = null;
    const q = (sel) => panel.querySelector(sel);
    this.els = {
      prejoin: q(".vid-prejoin"),
      wait: q(".vid-wait"),
      waitText: q(".vid-wait-text"),
      room: q(".vid-room"),
      status: q(".vid-status"),
      controls: q(".vid-controls"),
      people: q(".vid-people"),
      peopleList: q(".vid-people-list"),
      lobby: q(".vid-lobby"),
      lobbyList: q(".vid-lobby-list"),
      hands: q(".vid-hands"),
      handsList: q(".vid-hands-list"),
      ask: q(".vid-ask"),
      askText: q("#vid-ask-text"),
      sound: q(".vid-sound"),
      menu: q(".vid-menu"),
      audio: q(".vid-audio"),
    };
    this.grid = new VideoGrid(q(".vid-grid"), t, {
      menu: (peer, button) => this.openMenu(peer, button),
    });
  }

  /** The panel's buttons to the room's actions (after the room is set up). */
  listen() {
    const { els, room } = this;
    const q = (sel) => this.panel.querySelector(sel);
    els.controls.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-action]");
      if (b) room.control(b.dataset.action);
    });
    q(".vid-cancel").addEventListener("click", () => room.leave());
    q(".vid-ask-yes").addEventListener("click", () => {
      els.ask.hidden = true;
      room.setMic(true);
    });
    q(".vid-ask-no").addEventListener("click", () => {
      els.ask.hidden = true;
    });
    els.sound.addEventListener("click", () => this.playAudio());
    els.menu.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-mod]");
      if (b) room.moderate(this.menuPeer, b.dataset.mod);
    });
    els.people.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-menu]");
      if (b) this.openMenu(b.dataset.menu, b);
    });
    els.lobby.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-admit]");
      if (b) room.send({ type: "admit", peer: b.dataset.admit, admit: b.dataset.value === "true" });
    });
    document.addEventListener("click", (e) => {
      if (!els.menu.hidden && !e.target.closest(".vid-menu, [data-tile-action=menu], [data-menu]")) this.closeMenu();
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.closeMenu();
    });
  }

  /** Everyone's sound stopped (the connections closed). */
  clearAudio() {
    for (const el of this.audioEls.values()) {
      el.srcObject = null;
      el.remove();
    }
    this.audioEls.clear();
  }

  render() {
    const { els, t } = this;
    const { phase } = this.room;
    this.panel.dataset.phase = phase;
    this.root.dataset.video = phase;
    els.prejoin.hidden = phase !== "out" || this.room.over;
    els.wait.hidden = !(phase === "joining" || phase === "lobby" || (phase === "reconnecting" && !this.room.peer));
    els.room.hidden = !(phase === "in" || (phase === "reconnecting" && this.room.peer));
    els.waitText.textContent = phase === "lobby" ? t("lobby_wait") : phase === "reconnecting" ? t("reconnecting_video") : t("joining");
    els.status.textContent = phase === "reconnecting" ? t("reconnecting_video") : this.room.locked && phase === "in" ? t("room_locked") : "";
    this.panel.dataset.moderator = String(this.room.isModerator());
    this.renderControls();
  }

  /** Each person's sound in an <audio> element of its own, apart from the tiles. */
  playFor(peer, track) {
    let el = this.audioEls.get(peer);
    if (!track) {
      if (el) {
        el.srcObject = null;
        el.remove();
        this.audioEls.delete(peer);
      }
      return;
    }
    if (!el) {
      el = h("audio", { autoplay: true, dataset: { peer } });
      this.els.audio.append(el);
      this.audioEls.set(peer, el);
    }
    if (el.srcObject?.getTracks()[0] !== track) {
      el.srcObject = new MediaStream([track]);
      el.play().catch(() => {
        this.els.sound.hidden = false; // autoplay refused: one click lets it play
      });
    }
  }

  playAudio() {
    this.els.sound.hidden = true;
    for (const el of this.audioEls.values()) el.play().catch(() => {});
  }

  openMenu(peer, button) {
    if (!this.room.isModerator() || !peer) return;
    const { menu } = this.els;
    if (!menu.hidden && this.menuPeer === peer) {
      this.closeMenu();
      return;
    }
    this.menuPeer = peer;
    const person = this.room.people.find((p) => p.peer === peer);
    menu.querySelector('[data-mod="ask_unmute"]').hidden = Boolean(person?.audio);
    menu.querySelector('[data-mod="mute"]').hidden = !person?.audio;
    menu.querySelector('[data-mod="stop_video"]').hidden = !person?.video;
    menu.hidden = false;
    const box = this.panel.querySelector(".vid-video").getBoundingClientRect();
    const r = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    menu.style.left = `${Math.max(4, Math.min(r.right - box.left - width, box.width - width - 4))}px`;
    const below = r.bottom - box.top + 4;
    menu.style.top = `${below + menu.offsetHeight > box.height ? Math.max(4, r.top - box.top - menu.offsetHeight - 4) : below}px`;
    menu.querySelector("button:not([hidden])")?.focus();
  }

  closeMenu() {
    this.els.menu.hidden = true;
    this.menuPeer = null;
  }

  renderControls() {
    const { t } = this;
    const set = (action, { pressed, state, label, disabled }) => {
      const b = this.els.controls.querySelector(`[data-action="${action}"]`);
      if (!b) return;
      if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
      if (state !== undefined) b.dataset.state = state;
      if (label) {
        b.title = label;
        b.setAttribute("aria-label", label);
      }
      b.disabled = Boolean(disabled);
    };
    const micOn = Boolean(this.room.mic && this.room.micOn);
    set("mic", { state: micOn ? "on" : "off", label: micOn ? t("mute") : t("unmute"), disabled: this.room.noPublish });
    set("camera", { state: this.room.cam ? "on" : "off", label: this.room.cam ? t("camera_off") : t("camera_on"), disabled: this.room.noPublish });
    set("screen", { pressed: Boolean(this.room.screen), label: this.room.screen ? t("stop_share") : t("share"), disabled: this.room.noPublish });
    set("hand", { pressed: this.room.hand, label: this.room.hand ? t("lower") : t("raise") });
    set("people", { pressed: !this.els.people.hidden });
    set("stats", { pressed: this.grid.showStats, label: this.grid.showStats ? t("stats_hide") : t("stats_show") });
    set("lock", { pressed: this.room.locked, label: this.room.locked ? t("unlock") : t("lock") });
    const badge = this.els.controls.querySelector('[data-action="people"] .vid-badge');
    const count = this.room.isModerator() ? this.room.lobby.length : 0;
    badge.hidden = !count;
    badge.textContent = String(count);
  }

  /** Tiles: oneself first, then the others in the server's order; screens too. */
  renderTiles() {
    if (this.room.phase !== "in" && this.room.phase !== "reconnecting") return;
    const { t } = this;
    const moderator = this.room.isModerator();
    const specs = [];
    const me = this.room.people.find((p) => p.peer === this.room.peer);
    const myName = me?.name ?? this.room.session.me?.name ?? "";
    const myId = this.room.peer ?? "me";
    specs.push({
      id: `${myId}:camera`, peer: myId, kind: "camera", local: true, name: myName, label: t("you"),
      stream: this.room.cam ? new MediaStream([this.room.cam]) : null, showVideo: Boolean(this.room.cam),
      audio: Boolean(this.room.mic && this.room.micOn), hand: me?.hand ?? 0, moderate: false,
    });
    if (this.room.screen) {
      specs.push({
        id: `${myId}:screen`, peer: myId, kind: "screen", local: true, name: myName, label: t("your_screen"),
        stream: this.room.screenStream, showVideo: true, audio: false, hand: 0, moderate: false,
      });
    }
    for (const p of this.room.people) {
      if (p.peer === this.room.peer) continue;
      const got = this.room.peers.remote.get(p.peer) || {};
      specs.push({
        id: `${p.peer}:camera`, peer: p.peer, kind: "camera", local: false, name: p.name, label: p.name,
        stream: got.camera?.stream ?? null, showVideo: Boolean(got.camera && p.video), audio: Boolean(p.audio),
        hand: p.hand, moderate: moderator,
      });
      if (got.screen) {
        specs.push({
          id: `${p.peer}:screen`, peer: p.peer, kind: "screen", local: false, name: p.name, label: t("screen_of", { name: p.name }),
          stream: got.screen.stream, showVideo: true, audio: false, hand: 0, moderate: false,
        });
      }
    }
    // A local camera tile keeps its stream object while the track is the same.
    const local = this.grid.tiles.get(`${myId}:camera`);
    if (local?.stream && this.room.cam && local.stream.getVideoTracks()[0] === this.room.cam) specs[0].stream = local.stream;
    this.grid.sync(specs);
    this.grid.setSpeaking(this.room.active, this.room.levels);
  }

  renderPeople() {
    const { t, els } = this;
    const moderator = this.room.isModerator();
    els.lobby.hidden = !(moderator && this.room.lobby.length);
    els.lobbyList.replaceChildren(...this.room.lobby.map((e) => h("li", {},
      h("span", { class: "vid-person-name" }, e.name),
      h("button", { type: "button", class: "live-mini primary", dataset: { admit: e.peer, value: "true" } }, t("admit")),
      h("button", { type: "button", class: "live-mini", dataset: { admit: e.peer, value: "false" } }, t("deny")))));
    // The floor's queue, all of it: those in the video and those on a tablet in the room.
    const queue = this.room.hands.queue;
    const you = this.room.session.you();
    els.hands.hidden = !queue.length;
    els.handsList.replaceChildren(...queue.map((s) => h("li", { dataset: { request: s.id } },
      h("span", { class: "num" }, String(s.position)),
      h("span", { class: "vid-person-name" }, s.person === you ? `${s.name} (${t("you")})` : s.name))));
    els.peopleList.replaceChildren(...this.room.people.map((p) => h("li", { dataset: { peer: p.peer } },
      h("span", { class: "vid-person-name" }, p.peer === this.room.peer ? `${p.name} (${t("you")})` : p.name),
      h("span", { class: "vid-person-flags" },
        icon(p.audio ? "mic" : "micOff", p.audio ? "" : "is-off"),
        icon(p.video ? "cam" : "camOff", p.video ? "" : "is-off"),
        p.screen ? icon("screen") : null,
        p.hand ? icon("hand") : null),
      moderator && p.peer !== this.room.peer
        ? h("button", { type: "button", class: "live-icon", "aria-haspopup": "menu", "aria-label": t("actions_for", { name: p.name }), title: t("actions_for", { name: p.name }), dataset: { menu: p.peer } }, icon("more"))
        : null)));
    if (!this.room.people.filter((p) => p.peer !== this.room.peer).length) {
      els.peopleList.append(h("li", { class: "empty" }, t("nobody")));
    }
  }}
