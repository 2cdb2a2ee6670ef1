// One document page, large: the page image with two canvases over it (stored ink, and
// ink being drawn) and the notes, fitted to the view; zoom and pan with two fingers,
// the mouse wheel or the buttons; swipe to turn pages.
//
// The sheet (image + canvases + notes) is laid out at the size that fits the view
// ("zoom 1") and moved with a CSS transform: translate(tx, ty) scale(z). A viewport is
// the page point at the view's top-left corner and the zoom, so it means the same on
// every screen.

import { clamp, h } from "./util.js";
import { track, isLeaving } from "./loads.js";

const MAX_ZOOM = 8;
const MARGIN = 10; // pixels around the page at zoom 1
const SWIPE_MIN = 60; // pixels
const TAP_SLOP = 10;
const DOUBLE_TAP_MS = 320;
const MAX_CANVAS_PIXELS = 6_000_000; // per canvas: tablets have little memory

export class PageView {
  constructor(view, { interactive = true } = {}) {
    this.view = view;
    this.sheet = view.querySelector(".live-sheet");
    this.img = view.querySelector(".live-page");
    this.ink = view.querySelector(".live-ink");
    this.wet = view.querySelector(".live-wet");
    this.notes = view.querySelector(".live-notes");
    this.aspect = 1 / Math.SQRT2; // width / height, until the image tells
    this.z = 1;
    this.tx = 0;
    this.ty = 0;
    this.w0 = 0;
    this.h0 = 0;
    this.swipeDx = 0;
    this.wanted = null; // the URL asked for
    this.drawer = null; // {wants(e), down(e), move(e), up(e), cancel()}
    this.pointers = new Map();
    this.mode = null;
    this.lastTap = null;
    // Callbacks the page sets.
    this.onUserChange = () => {}; // the user zoomed or panned
    this.onTurn = () => {}; // swipe: +1 next, -1 previous
    this.onInkResize = () => {}; // the canvases were resized: draw again
    this.onImage = () => {}; // a page image finished loading
    this.img.addEventListener("load", () => this.imageLoaded());
    this.img.addEventListener("error", () => this.sheet.classList.remove("is-loading"));
    new ResizeObserver(() => this.layout()).observe(view);
    if (interactive) this.bindGestures();
    this.settle = debounceFrame(() => this.sizeCanvases(), 180);
  }

  // -- the page image ---------------------------------------------------------------

  show(url) {
    if (url === this.wanted || (url && isLeaving())) return;
    this.wanted = url;
    if (!url) {
      this.img.removeAttribute("src");
      this.sheet.hidden = true;
      return;
    }
    this.sheet.hidden = false;
    this.sheet.classList.add("is-loading");
    this.img.src = url;
    track(this.img);
    if (this.img.complete && this.img.naturalWidth) this.imageLoaded();
  }

  imageLoaded() {
    if (!this.img.naturalWidth) return;
    this.sheet.classList.remove("is-loading");
    const aspect = this.img.naturalWidth / this.img.naturalHeight;
    if (Math.abs(aspect - this.aspect) > 0.001) {
      this.aspect = aspect;
      this.layout();
    }
    this.onImage(this.img.currentSrc || this.img.src);
  }

  // -- geometry ---------------------------------------------------------------------

  layout() {
    const vw = this.view.clientWidth;
    const vh = this.view.clientHeight;
    if (!vw || !vh) return;
    const keep = this.w0 ? this.viewport() : null;
    let w = vw - 2 * MARGIN;
    let hgt = w / this.aspect;
    if (hgt > vh - 2 * MARGIN) {
      hgt = vh - 2 * MARGIN;
      w = hgt * this.aspect;
    }
    this.w0 = Math.max(1, w);
    this.h0 = Math.max(1, hgt);
    this.sheet.style.width = `${this.w0}px`;
    this.sheet.style.height = `${this.h0}px`;
    this.sheet.style.setProperty("--sheet-w", `${this.w0}px`);
    this.setViewport(keep || { x: 0, y: 0, zoom: this.z }, false);
    this.sizeCanvases();
  }

  clampPosition() {
    const vw = this.view.clientWidth;
    const vh = this.view.clientHeight;
    const W = this.w0 * this.z;
    const H = this.h0 * this.z;
    this.tx = W + 2 * MARGIN <= vw ? (vw - W) / 2 : clamp(this.tx, vw - W - MARGIN, MARGIN);
    this.ty = H + 2 * MARGIN <= vh ? (vh - H) / 2 : clamp(this.ty, vh - H - MARGIN, MARGIN);
  }

  apply() {
    this.sheet.style.transform = `translate(${this.tx + this.swipeDx}px, ${this.ty}px) scale(${this.z})`;
    this.view.dataset.zoom = this.z.toFixed(2);
  }

  /** Page point at the view's top-left corner, and the zoom (1 = the page fits). */
  viewport() {
    if (this.z <= 1.001 || !this.w0) return { x: 0, y: 0, zoom: 1 };
    const r = (v) => Math.round(clamp(v, -0.5, 1.5) * 10000) / 10000;
    return {
      x: r(-this.tx / (this.w0 * this.z)),
      y: r(-this.ty / (this.h0 * this.z)),
      zoom: Math.round(this.z * 1000) / 1000,
    };
  }

  setViewport(vp, resize = true) {
    const zoom = clamp(Number(vp?.zoom) || 1, 1, MAX_ZOOM);
    const changed = Math.abs(zoom - this.z) > 0.001;
    this.z = zoom;
    this.tx = -(Number(vp?.x) || 0) * this.w0 * this.z;
    this.ty = -(Number(vp?.y) || 0) * this.h0 * this.z;
    this.clampPosition();
    this.apply();
    if (changed && resize) this.settle();
  }

  /** The page point (0..1) under a client point. */
  toPage(clientX, clientY) {
    const rect = this.sheet.getBoundingClientRect();
    return { u: (clientX - rect.left) / rect.width, v: (clientY - rect.top) / rect.height };
  }

  /** Page units per screen pixel, horizontally (for tolerances and point spacing). */
  unitsPerPixel() {
    return 1 / Math.max(1, this.w0 * this.z);
  }

  zoomAt(cx, cy, zoom, fromUser = true) {
    const z = clamp(zoom, 1, MAX_ZOOM);
    const rect = this.view.getBoundingClientRect();
    const x = cx - rect.left;
    const y = cy - rect.top;
    this.tx = x - ((x - this.tx) / this.z) * z;
    this.ty = y - ((y - this.ty) / this.z) * z;
    this.z = z;
    this.clampPosition();
    this.apply();
    this.settle();
    if (fromUser) this.onUserChange();
  }

  zoomBy(factor) {
    const rect = this.view.getBoundingClientRect();
    this.zoomAt(rect.left + rect.width / 2, rect.top + rect.height / 2, this.z * factor);
  }

  fit(fromUser = true) {
    this.setViewport({ x: 0, y: 0, zoom: 1 });
    if (fromUser) this.onUserChange();
  }

  /** Canvas resolution follows the zoom (up to 3x) once a gesture settles. */
  sizeCanvases() {
    const dpr = window.devicePixelRatio || 1;
    let scale = dpr * Math.min(this.z, 3);
    let pw = Math.round(this.w0 * scale);
    let ph = Math.round(this.h0 * scale);
    if (pw * ph > MAX_CANVAS_PIXELS) {
      const k = Math.sqrt(MAX_CANVAS_PIXELS / (pw * ph));
      pw = Math.floor(pw * k);
      ph = Math.floor(ph * k);
      scale *= k;
    }
    if (pw === this.ink.width && ph === this.ink.height) return;
    for (const canvas of [this.ink, this.wet]) {
      canvas.width = Math.max(1, pw);
      canvas.height = Math.max(1, ph);
    }
    this.onInkResize();
  }

  // -- notes --------------------------------------------------------------------------

  /** Shows the notes (DOM elements over the page, so they can be read and selected). */
  renderNotes(notes) {
    const seen = new Set();
    for (const note of notes) {
      seen.add(note.op_id);
      let el = this.notes.querySelector(`[data-op="${CSS.escape(note.op_id)}"]`);
      if (!el) {
        el = h("div", { class: "live-note", dataset: { op: note.op_id } });
        this.notes.append(el);
      }
      el.textContent = note.text;
      el.classList.toggle("is-private", note.layer === "private");
      el.classList.toggle("is-pending", Boolean(note.pending));
      el.style.left = `${clamp(note.x, 0, 1) * 100}%`;
      el.style.top = `${clamp(note.y, 0, 1) * 100}%`;
      if (/^#[0-9a-fA-F]{6}$/.test(note.color || "")) el.style.backgroundColor = note.color;
    }
    for (const el of [...this.notes.children]) {
      if (!seen.has(el.dataset.op)) el.remove();
    }
  }

  /** The note under a client point, by geometry (notes ignore the pointer). */
  noteAt(clientX, clientY) {
    for (const el of [...this.notes.children].reverse()) {
      const r = el.getBoundingClientRect();
      if (clientX >= r.left - 4 && clientX <= r.right + 4 && clientY >= r.top - 4 && clientY <= r.bottom + 4) {
        return el.dataset.op;
      }
    }
    return null;
  }

  // -- gestures -----------------------------------------------------------------------

  bindGestures() {
    const v = this.view;
    v.addEventListener("pointerdown", (e) => this.down(e));
    v.addEventListener("pointermove", (e) => this.move(e));
    v.addEventListener("pointerup", (e) => this.up(e, false));
    v.addEventListener("pointercancel", (e) => this.up(e, true));
    v.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    v.addEventListener("dblclick", (e) => {
      if (e.target.closest("button, form, a, textarea")) return;
      if (this.drawer?.toolActive()) return;
      this.toggleZoom(e.clientX, e.clientY);
    });
  }

  toggleZoom(cx, cy) {
    if (this.z > 1.05) this.fit();
    else this.zoomAt(cx, cy, 2.5);
  }

  down(e) {
    if (e.target.closest("button, form, a, textarea, input, select")) return;
    if (e.pointerType === "mouse" && e.button !== 0) return;
    // A hand resting on the screen while a stylus draws is not a gesture.
    if (this.mode === "draw" && this.drawType === "pen" && e.pointerType !== "pen") return;
    try {
      this.view.setPointerCapture(e.pointerId);
    } catch { /* the pointer is gone already */ }
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY, type: e.pointerType });
    if (this.pointers.size === 1) {
      if (this.drawer && this.drawer.wants(e)) {
        this.mode = "draw";
        this.drawType = e.pointerType;
        this.drawer.down(e);
        return;
      }
      this.beginPan(e);
    } else if (this.pointers.size === 2) {
      if (this.mode === "draw") this.drawer.cancel();
      this.beginPinch();
    }
    e.preventDefault();
  }

  beginPan(e) {
    this.mode = "pan";
    this.start = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, t: performance.now(), moved: false };
  }

  beginPinch() {
    const [a, b] = [...this.pointers.values()];
    const rect = this.view.getBoundingClientRect();
    this.mode = "pinch";
    this.swipeDx = 0;
    this.pinch = {
      dist: Math.max(10, Math.hypot(a.x - b.x, a.y - b.y)),
      mx: (a.x + b.x) / 2 - rect.left,
      my: (a.y + b.y) / 2 - rect.top,
      z: this.z,
      tx: this.tx,
      ty: this.ty,
    };
  }

  move(e) {
    const p = this.pointers.get(e.pointerId);
    if (!p) return;
    p.x = e.clientX;
    p.y = e.clientY;
    if (this.mode === "draw") {
      this.drawer.move(e);
    } else if (this.mode === "pan") {
      const dx = e.clientX - this.start.x;
      const dy = e.clientY - this.start.y;
      if (Math.hypot(dx, dy) > TAP_SLOP) this.start.moved = true;
      if (this.z > 1.01) {
        this.tx = this.start.tx + dx;
        this.ty = this.start.ty + dy;
        this.clampPosition();
        this.apply();
        if (this.start.moved) this.onUserChange();
      } else if (this.start.moved) {
        this.swipeDx = dx * 0.5; // follows the finger, resisting a little
        this.apply();
      }
    } else if (this.mode === "pinch" && this.pointers.size >= 2) {
      const [a, b] = [...this.pointers.values()];
      const rect = this.view.getBoundingClientRect();
      const dist = Math.max(10, Math.hypot(a.x - b.x, a.y - b.y));
      const mx = (a.x + b.x) / 2 - rect.left;
      const my = (a.y + b.y) / 2 - rect.top;
      const s = this.pinch;
      const z = clamp((s.z * dist) / s.dist, 1, MAX_ZOOM);
      // The page point under the fingers' midpoint at the start stays under it.
      this.tx = mx - ((s.mx - s.tx) / s.z) * z;
      this.ty = my - ((s.my - s.ty) / s.z) * z;
      this.z = z;
      this.clampPosition();
      this.apply();
      this.onUserChange();
    }
  }

  up(e, cancelled) {
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.delete(e.pointerId);
    if (this.mode === "draw") {
      if (cancelled) this.drawer.cancel();
      else this.drawer.up(e);
      this.mode = null;
      return;
    }
    if (this.mode === "pinch") {
      if (this.pointers.size === 1) {
        const [rest] = [...this.pointers.values()];
        this.beginPan({ clientX: rest.x, clientY: rest.y });
        this.start.moved = true; // not a tap, not a swipe
        this.start.noSwipe = true;
      } else if (this.pointers.size === 0) {
        this.mode = null;
      }
      this.settle();
      return;
    }
    if (this.mode === "pan" && this.pointers.size === 0) {
      const dx = e.clientX - this.start.x;
      const dy = e.clientY - this.start.y;
      const elapsed = performance.now() - this.start.t;
      this.mode = null;
      if (this.swipeDx) {
        this.swipeDx = 0;
        this.sheet.classList.add("is-settling");
        this.apply();
        setTimeout(() => this.sheet.classList.remove("is-settling"), 200);
      }
      if (cancelled) return;
      if (!this.start.noSwipe && this.z <= 1.01 && Math.abs(dx) > SWIPE_MIN
          && Math.abs(dx) > 1.5 * Math.abs(dy) && elapsed < 900) {
        this.onTurn(dx < 0 ? 1 : -1);
        return;
      }
      if (!this.start.moved && elapsed < 300 && e.pointerType !== "mouse") {
        const now = performance.now();
        const last = this.lastTap;
        if (last && now - last.t < DOUBLE_TAP_MS && Math.hypot(e.clientX - last.x, e.clientY - last.y) < 30) {
          this.lastTap = null;
          this.toggleZoom(e.clientX, e.clientY);
        } else {
          this.lastTap = { t: now, x: e.clientX, y: e.clientY };
        }
      }
    }
  }

  wheel(e) {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.zoomAt(e.clientX, e.clientY, this.z * Math.exp(-e.deltaY * 0.01));
    } else if (this.z > 1.01) {
      e.preventDefault();
      this.tx -= e.deltaX;
      this.ty -= e.deltaY;
      this.clampPosition();
      this.apply();
      this.onUserChange();
    }
  }
}

/** Like debounce, for work that must not run during a gesture. */
function debounceFrame(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => requestAnimationFrame(fn), ms);
  };
}
