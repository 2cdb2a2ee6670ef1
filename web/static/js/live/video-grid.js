// The tiles of the video room: one per person (their camera, or their initials when
// it is off) and one per shared screen; names, a microphone-off mark, a speaking
// level, a raised hand with its order, a connection indicator and, when asked, the
// connection details. One tile may be pinned (shown large); any can go full screen.

import { h } from "./util.js";
import { describe } from "./video-stats.js";

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  micOff: "M12 3a3 3 0 013 3v5a3 3 0 01-6 0V6a3 3 0 013-3zM6 11a6 6 0 0012 0M12 17v4M4 4l16 16",
  pin: "M9 4h6l-1 5 3 3v2H7v-2l3-3zM12 14v6",
  fullscreen: "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5",
  more: "M12 5.5v.01M12 12v.01M12 18.5v.01",
  hand: "M8 13V5.5a1.5 1.5 0 013 0V12M11 11V4.5a1.5 1.5 0 013 0V12M14 11.5V6a1.5 1.5 0 013 0v8a7 7 0 01-7 7h-.5A6.5 6.5 0 015 16l-1.6-3.2a1.5 1.5 0 012.6-1.5L8 14",
  mic: "M12 3a3 3 0 013 3v5a3 3 0 01-6 0V6a3 3 0 013-3zM6 11a6 6 0 0012 0M12 17v4",
  cam: "M3 7h12v10H3zM15 10l6-3v10l-6-3",
  camOff: "M3 7h12v10H3zM15 10l6-3v10l-6-3M3 3l18 18",
  screen: "M3 5h18v11H3zM8 20h8M12 16v4",
};

export function icon(name, cls) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  if (cls) svg.setAttribute("class", cls);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  if (name === "more") path.setAttribute("stroke-width", "3.5");
  svg.append(path);
  return svg;
}

export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  const first = words.length > 1 ? words[words.length - 2][0] : "";
  return (first + words[words.length - 1][0]).toUpperCase();
}

class Tile {
  constructor(id, kind, local, t, grid) {
    this.id = id;
    this.t = t;
    this.stream = null;
    this.video = h("video", { playsinline: true, autoplay: true, muted: true });
    this.video.muted = true; // the sound goes through the room's audio elements
    this.avatar = h("span");
    this.name = h("span", { class: "vid-name" });
    this.level = h("span", { class: "vid-level", "aria-hidden": "true" }, h("i"), h("i"), h("i"));
    this.hand = h("span", { class: "vid-hand", hidden: true });
    // Shown, with its label, once the connection's quality is known (setStats).
    this.quality = h("span", { class: "vid-quality", role: "img", hidden: true }, h("i"), h("i"), h("i"));
    this.stats = h("div", { class: "vid-stats", hidden: true });
    this.pin = h("button", { type: "button", "aria-pressed": "false", dataset: { tileAction: "pin" } }, icon("pin"));
    this.full = h("button", { type: "button", dataset: { tileAction: "fullscreen" } }, icon("fullscreen"));
    this.more = h("button", { type: "button", hidden: true, "aria-haspopup": "menu", dataset: { tileAction: "menu" } }, icon("more"));
    this.full.title = t("fullscreen");
    this.full.setAttribute("aria-label", t("fullscreen"));
    this.el = h("div", { class: "vid-tile", dataset: { tile: id, kind, local: String(local), video: "off", audio: "off" } },
      this.video,
      h("div", { class: "vid-avatar" }, this.avatar),
      this.hand,
      this.stats,
      h("div", { class: "vid-label" }, h("span", { class: "vid-mic-off", title: t("muted") }, icon("micOff")), this.name, this.level),
      this.quality,
      h("div", { class: "vid-tile-actions" }, this.pin, this.full, this.more));
    this.el.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-tile-action]");
      if (b) grid.action(this, b.dataset.tileAction, b);
      else this.touched();
    });
    this.video.addEventListener("resize", () => grid.layout());
  }

  /** On touch screens the buttons show for a while after a tap. */
  touched() {
    this.el.classList.add("is-touched");
    clearTimeout(this.touchTimer);
    this.touchTimer = setTimeout(() => this.el.classList.remove("is-touched"), 4000);
  }

  setStream(stream) {
    if (this.stream === stream) return;
    this.stream = stream;
    this.video.srcObject = stream;
    if (stream) this.video.play().catch(() => {}); // muted: allowed without a gesture
  }

  update(spec) {
    const { t } = this;
    this.peer = spec.peer;
    this.name.textContent = spec.label;
    this.el.title = spec.label;
    this.avatar.textContent = initials(spec.name);
    this.el.dataset.peer = spec.peer ?? "";
    this.el.dataset.video = spec.showVideo ? "on" : "off";
    this.el.dataset.audio = spec.audio ? "on" : "off";
    if (spec.hand) {
      this.hand.hidden = false;
      this.hand.replaceChildren(icon("hand"), String(spec.hand));
      this.hand.title = t("hand_n", { n: spec.hand });
    } else {
      this.hand.hidden = true;
    }
    this.more.hidden = !spec.moderate;
    if (spec.moderate) {
      this.more.title = t("actions_for", { name: spec.name });
      this.more.setAttribute("aria-label", this.more.title);
    }
  }

  setPinned(pinned) {
    this.el.classList.toggle("is-pinned", pinned);
    this.pin.setAttribute("aria-pressed", String(pinned));
    const label = pinned ? this.t("unpin") : this.t("pin");
    this.pin.title = label;
    this.pin.setAttribute("aria-label", label);
  }

  setLevel(level) {
    const bars = this.level.children;
    const l = Math.max(0, Math.min(1, level || 0));
    bars[0].style.height = `${30 + l * 50}%`;
    bars[1].style.height = `${30 + l * 70}%`;
    bars[2].style.height = `${30 + l * 40}%`;
    this.el.dataset.speaking = String(l >= 0.1);
  }

  setStats(stats, quality, showDetails) {
    this.el.dataset.quality = quality ?? "";
    const label = quality ? this.t(`quality_${quality}`) : "";
    this.quality.title = label;
    this.quality.setAttribute("aria-label", label);
    this.quality.hidden = !quality;
    this.stats.hidden = !showDetails;
    if (showDetails) this.stats.textContent = describe(stats, this.t).join("\n");
    // For tests and support: what arrived, as numbers.
    if (stats?.video) this.el.dataset.framesDecoded = String(stats.video.frames ?? 0);
    if (stats?.audio) this.el.dataset.audioPackets = String(stats.audio.packets ?? 0);
  }

  remove() {
    this.video.srcObject = null;
    this.el.remove();
  }
}

export class VideoGrid {
  /** `handlers`: pin(id), menu(peer, button) */
  constructor(container, t, handlers) {
    this.container = container;
    this.t = t;
    this.handlers = handlers;
    this.tiles = new Map();
    this.pinned = null;
    this.showStats = false;
  }

  /** `specs`: [{id, peer, kind: "camera"|"screen", local, name, label, stream,
   * showVideo, audio, hand, moderate}] in the order they should appear. */
  sync(specs) {
    const seen = new Set();
    for (const spec of specs) {
      seen.add(spec.id);
      let tile = this.tiles.get(spec.id);
      if (!tile) {
        tile = new Tile(spec.id, spec.kind, spec.local, this.t, this);
        this.tiles.set(spec.id, tile);
      }
      tile.update(spec);
      tile.setStream(spec.stream);
      tile.order = specs.indexOf(spec);
    }
    for (const [id, tile] of this.tiles) {
      if (!seen.has(id)) {
        if (document.fullscreenElement === tile.el) document.exitFullscreen?.().catch(() => {});
        tile.remove();
        this.tiles.delete(id);
      }
    }
    if (this.pinned && !this.tiles.has(this.pinned)) this.pinned = null;
    // In order, moving only what is out of place (moving a playing video restarts it).
    let before = this.container.firstElementChild;
    for (const spec of specs) {
      const el = this.tiles.get(spec.id).el;
      if (el !== before) this.container.insertBefore(el, before);
      else before = before.nextElementSibling;
    }
    this.layout();
  }

  /** The featured tile: the pinned one, else the first shared screen. */
  featured() {
    if (this.pinned && this.tiles.has(this.pinned)) return this.pinned;
    // Someone else's screen (one's own, large, would only mirror itself).
    for (const [id, tile] of this.tiles) if (tile.el.dataset.kind === "screen" && tile.el.dataset.local !== "true") return id;
    return null;
  }

  layout() {
    const featured = this.featured();
    for (const [id, tile] of this.tiles) {
      tile.el.classList.toggle("is-featured", id === featured);
      tile.setPinned(id === this.pinned);
    }
    this.container.dataset.featured = String(Boolean(featured));
    this.container.dataset.count = String(this.tiles.size);
  }

  setSpeaking(active, levels) {
    for (const tile of this.tiles.values()) {
      const camera = tile.el.dataset.kind === "camera";
      tile.setLevel(camera ? levels?.[tile.peer] ?? 0 : 0);
      tile.el.classList.toggle("is-active", camera && Boolean(active) && tile.peer === active);
    }
  }

  setStats(id, stats, quality) {
    this.tiles.get(id)?.setStats(stats, quality, this.showStats);
  }

  action(tile, what, button) {
    if (what === "pin") {
      this.pinned = this.pinned === tile.id ? null : tile.id;
      this.layout();
      this.handlers.pin?.(this.pinned);
    } else if (what === "fullscreen") {
      fullscreen(tile);
    } else if (what === "menu") {
      this.handlers.menu?.(tile.peer, button);
    }
  }

  clear() {
    for (const tile of this.tiles.values()) tile.remove();
    this.tiles.clear();
    this.pinned = null;
    this.layout();
  }
}

function fullscreen(tile) {
  const el = tile.el;
  if (document.fullscreenElement === el || document.webkitFullscreenElement === el) {
    (document.exitFullscreen || document.webkitExitFullscreen)?.call(document);
    return;
  }
  if (el.requestFullscreen) el.requestFullscreen().catch(() => {});
  else if (el.webkitRequestFullscreen) el.webkitRequestFullscreen();
  else if (tile.video.webkitEnterFullscreen) tile.video.webkitEnterFullscreen(); // iPhone: the video only
}
