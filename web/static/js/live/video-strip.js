// The video panel as a strip: beside the document in landscape (its width counts),
// between the bar and the document when the screen is upright (its height counts). Its
// inner edge is a handle, dragged with a finger, a pen or the mouse (pointer events) or
// moved with the arrow keys; the size is kept per orientation for next time, always
// within what leaves the document its room. Dragged well past its smallest size, the
// strip collapses.

import { clamp, storage } from "./util.js";

const KEY = "meetroom.video.strip";
const DEFAULTS = { landscape: 384, portrait: 272 };
const MINIMUM = { landscape: 288, portrait: 208 };
const STAGE_WIDTH = 800; // px the document's stage keeps beside the strip: one row of tools
const WIDTH_SHARE = 0.6; // of the width, at most, for the strip beside the document
const HEIGHT_SHARE = 0.35; // of the height, at most, for the strip above the document
const KEY_STEP = 32;
const COLLAPSE_BEYOND = 72; // px dragged past the smallest size

export class StripSizer {
  /** `onCollapse()`: the handle was dragged well past the smallest size. */
  constructor(root, panel, grip, onCollapse) {
    this.root = root;
    this.panel = panel;
    this.grip = grip;
    this.onCollapse = onCollapse;
    this.upright = window.matchMedia("(orientation: portrait)");
    const kept = storage.get("localStorage", KEY) || {};
    this.sizes = { ...DEFAULTS };
    for (const axis of Object.keys(DEFAULTS)) {
      if (Number.isFinite(kept[axis])) this.sizes[axis] = kept[axis];
    }
    this.drag = null;
    grip.addEventListener("pointerdown", (e) => this.start(e));
    grip.addEventListener("pointermove", (e) => this.move(e));
    grip.addEventListener("pointerup", (e) => this.end(e));
    grip.addEventListener("pointercancel", (e) => this.end(e));
    grip.addEventListener("lostpointercapture", (e) => this.end(e));
    grip.addEventListener("keydown", (e) => this.key(e));
    this.upright.addEventListener("change", () => this.apply());
    window.addEventListener("resize", () => this.apply());
  }

  get axis() {
    return this.upright.matches ? "portrait" : "landscape";
  }

  /** The smallest and largest size now, in px. */
  limits() {
    const lo = MINIMUM[this.axis];
    let hi;
    if (this.axis === "portrait") {
      hi = this.root.clientHeight * HEIGHT_SHARE;
    } else {
      const side = this.root.querySelector(".live-side");
      const inFlow = side && getComputedStyle(side).position !== "absolute" ? side.offsetWidth : 0;
      hi = Math.min(this.root.clientWidth * WIDTH_SHARE, this.root.clientWidth - inFlow - STAGE_WIDTH);
    }
    return [lo, Math.max(lo, Math.round(hi))];
  }

  /** Sets the strip's size (the kept one by default), held within the limits. */
  apply(size = this.sizes[this.axis]) {
    const [lo, hi] = this.limits();
    const px = Math.round(clamp(size, lo, hi));
    this.panel.style.setProperty("--strip", `${px}px`);
    this.grip.setAttribute("aria-orientation", this.axis === "portrait" ? "horizontal" : "vertical");
    this.grip.setAttribute("aria-valuemin", String(lo));
    this.grip.setAttribute("aria-valuemax", String(hi));
    this.grip.setAttribute("aria-valuenow", String(px));
    return px;
  }

  current() {
    const box = this.panel.getBoundingClientRect();
    return this.axis === "portrait" ? box.height : box.width;
  }

  keep(px) {
    this.sizes[this.axis] = px;
    storage.set("localStorage", KEY, this.sizes);
  }

  /** How far the pointer moved toward a larger strip. */
  grown(e) {
    const d = this.drag;
    return this.axis === "portrait" ? e.clientY - d.y : d.x - e.clientX;
  }

  start(e) {
    if (e.button !== 0 || this.drag) return;
    e.preventDefault();
    this.grip.setPointerCapture(e.pointerId);
    this.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, from: this.current(), to: null };
    this.panel.classList.add("is-resizing");
  }

  move(e) {
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    d.wanted = d.from + this.grown(e);
    d.to = this.apply(d.wanted);
  }

  end(e) {
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    this.drag = null;
    this.panel.classList.remove("is-resizing");
    if (this.grip.hasPointerCapture?.(e.pointerId)) this.grip.releasePointerCapture(e.pointerId);
    if (d.to === null) return;
    if (d.wanted < MINIMUM[this.axis] - COLLAPSE_BEYOND) {
      this.apply();
      this.onCollapse();
      return;
    }
    this.keep(d.to);
  }

  key(e) {
    const [lo, hi] = this.limits();
    const now = this.current();
    const bigger = this.axis === "portrait" ? "ArrowDown" : "ArrowLeft";
    const smaller = this.axis === "portrait" ? "ArrowUp" : "ArrowRight";
    let size = null;
    if (e.key === bigger) size = now + KEY_STEP;
    else if (e.key === smaller) size = now - KEY_STEP;
    else if (e.key === "Home") size = lo;
    else if (e.key === "End") size = hi;
    if (size === null) return;
    e.preventDefault();
    this.keep(this.apply(size));
  }
}
