// Annotation input on the page: pen, highlighter, straight line, arrow, text note,
// eraser. A stroke is shown to others while it is drawn (stroke_start, then
// stroke_points every ~40 ms) and stored when the pen lifts (stroke_end with every
// point, through the session's queue so that it survives a lost connection).

import { newId, unit } from "./util.js";
import { strokeAt } from "./ink.js";

const BATCH_MS = 40;
const FIRST_SEND_MS = 90; // a second finger within this is a pinch: nothing was sent
// A longer stroke continues as a new one, a margin below the protocol's bound on points
// (one pointer move can add several coalesced points at once).
const POINTS_MARGIN = 0.9;
const ERASE_TOLERANCE = 12; // pixels

export const DRAWING_TOOLS = ["pen", "highlighter", "line", "arrow", "note", "eraser"];

export class DrawInput {
  constructor(view, session, maxPoints) {
    this.view = view;
    this.session = session; // where(), layer(), sendLive(), commit(), strokesHere(), mayErase(), openNote(), redrawWet()
    this.maxPoints = Math.floor(maxPoints * POINTS_MARGIN);
    this.tool = "view";
    this.color = "#1c2430";
    this.width = 0.003;
    this.stroke = null;
    this.stylusSeen = false;
    this.erased = new Set();
    this.timer = null;
    view.drawer = this;
  }

  toolActive() {
    return this.tool !== "view";
  }

  wants(e) {
    if (this.tool === "view") return false;
    if (e.pointerType === "pen") this.stylusSeen = true;
    // Once a stylus was used, fingers pan and zoom; the stylus draws.
    if (e.pointerType === "touch" && this.stylusSeen) return false;
    return Boolean(this.session.where());
  }

  point(e) {
    const { u, v } = this.view.toPage(e.clientX, e.clientY);
    return [unit(u), unit(v)];
  }

  down(e) {
    const where = this.session.where();
    if (!where) return;
    if (this.tool === "eraser") {
      this.erased = new Set();
      this.eraseAt(e);
      this.erasing = true;
      return;
    }
    if (this.tool === "note") {
      this.notePoint = { e: { clientX: e.clientX, clientY: e.clientY }, at: this.point(e) };
      return;
    }
    const p = this.point(e);
    const straight = this.tool === "line" || this.tool === "arrow";
    this.stroke = {
      op_id: newId(),
      document_id: where.documentId,
      page: where.page,
      layer: this.session.layer(),
      kind: "stroke",
      tool: this.tool,
      color: this.color,
      width: this.width,
      points: straight ? [p, p] : [p],
      author: this.session.you(),
      startedAt: performance.now(),
      sent: 0, // points already sent live
      started: false,
    };
    this.scheduleBatch();
    this.session.redrawWet();
  }

  move(e) {
    if (this.erasing) {
      this.eraseAt(e);
      return;
    }
    const s = this.stroke;
    if (!s) return;
    if (s.tool === "line" || s.tool === "arrow") {
      s.points[1] = this.point(e);
    } else {
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      const minStep = this.view.unitsPerPixel() * 1.5;
      for (const ev of events.length ? events : [e]) {
        const p = this.point(ev);
        const last = s.points[s.points.length - 1];
        if (Math.hypot(p[0] - last[0], (p[1] - last[1]) / this.view.aspect) >= minStep) s.points.push(p);
      }
      if (s.points.length >= this.maxPoints) {
        // Long strokes go in pieces that each fit in a message.
        const last = s.points[s.points.length - 1];
        this.finish();
        this.down(e);
        this.stroke.points = [last, this.point(e)];
      }
    }
    this.session.redrawWet();
  }

  up(e) {
    if (this.erasing) {
      this.erasing = false;
      return;
    }
    if (this.tool === "note" && this.notePoint) {
      const { e: at, at: p } = this.notePoint;
      this.notePoint = null;
      this.session.openNote(p[0], p[1], at.clientX, at.clientY);
      return;
    }
    if (this.stroke) {
      if (e && this.stroke.tool !== "line" && this.stroke.tool !== "arrow") {
        const p = this.point(e);
        const last = this.stroke.points[this.stroke.points.length - 1];
        if (p[0] !== last[0] || p[1] !== last[1]) this.stroke.points.push(p);
      }
      this.finish();
    }
  }

  /** A second finger came (a pinch): a stroke the others already see is kept as it
   * is; one that was only begun is dropped. */
  cancel() {
    this.erasing = false;
    this.notePoint = null;
    clearTimeout(this.timer);
    if (this.stroke?.started) this.finish();
    this.stroke = null;
    this.session.redrawWet();
  }

  scheduleBatch() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sendBatch(), BATCH_MS);
  }

  /** Shows the stroke being drawn to the others, a batch at a time. */
  sendBatch() {
    const s = this.stroke;
    if (!s) return;
    if (!s.started && performance.now() - s.startedAt < FIRST_SEND_MS) {
      this.scheduleBatch();
      return;
    }
    const straight = s.tool === "line" || s.tool === "arrow";
    const fresh = straight ? [s.points[s.points.length - 1]] : s.points.slice(s.sent);
    if (!s.started) {
      s.started = this.session.sendLive({
        type: "stroke_start", op_id: s.op_id, document_id: s.document_id, page: s.page,
        layer: s.layer, tool: s.tool, color: s.color, width: s.width,
        points: straight ? [s.points[0], s.points[1]] : s.points.slice(0, 500),
      });
      s.sent = straight ? 2 : Math.min(s.points.length, 500);
    } else if (fresh.length && (straight ? s.lastSent !== fresh[0] : true)) {
      this.session.sendLive({ type: "stroke_points", op_id: s.op_id, points: fresh.slice(0, 500) });
      s.lastSent = fresh[0];
      s.sent = straight ? s.sent : s.sent + Math.min(fresh.length, 500);
    }
    this.scheduleBatch();
  }

  finish() {
    clearTimeout(this.timer);
    const s = this.stroke;
    this.stroke = null;
    if (!s) return;
    let points = s.points;
    if (s.tool === "line" || s.tool === "arrow") {
      const [a, b] = points;
      if (Math.hypot(a[0] - b[0], a[1] - b[1]) < this.view.unitsPerPixel() * 4) {
        this.session.redrawWet();
        return; // a tap: no line
      }
      points = [a, b];
    }
    const annotation = {
      op_id: s.op_id, author: s.author, document_id: s.document_id, page: s.page,
      layer: s.layer, kind: "stroke", tool: s.tool, color: s.color, width: s.width, points,
    };
    this.session.commit({
      type: "stroke_end", op_id: s.op_id, document_id: s.document_id, page: s.page,
      layer: s.layer, tool: s.tool, color: s.color, width: s.width, points,
    }, { annotation });
    this.session.redrawWet();
  }

  eraseAt(e) {
    const { u, v } = this.view.toPage(e.clientX, e.clientY);
    const candidates = this.session.strokesHere().filter((a) => this.session.mayErase(a) && !this.erased.has(a.op_id));
    let target = this.view.noteAt(e.clientX, e.clientY);
    if (target && !candidates.some((a) => a.op_id === target)) target = null;
    if (!target) {
      const w = this.view.w0 * this.view.z;
      const hgt = this.view.h0 * this.view.z;
      target = strokeAt(candidates, u, v, w, hgt, ERASE_TOLERANCE);
    }
    if (!target) return;
    this.erased.add(target);
    this.session.commit({ type: "erase", op_id: newId(), target }, {});
  }
}
