// What the page knows of the annotations: those the server stored (and told us
// about), with this client's own operations not acknowledged yet laid on top, and the
// strokes other people are drawing right now.
//
// The server never echoes a client's own operation back to the socket that sent it,
// so this client applies its own strokes, notes, erases, undos and redos itself when
// they are acknowledged; for undo and redo it predicts the target the way the server
// chooses it (one's own last annotation still there; the last one undone).

import { storage } from "./util.js";

const LIVE_TIMEOUT = 10_000; // a stroke in progress with no news for this long is dropped
const SNAPSHOT_LIMIT = 2_000_000; // characters kept in sessionStorage at most

export class AnnotationModel {
  constructor(meetingId, { readOnly = false } = {}) {
    this.readOnly = readOnly; // no queue of one's own operations (the projector)
    this.snapshotKey = `meetroom.live.${meetingId}${readOnly ? ".view" : ""}`;
    this.outboxKey = `meetroom.outbox.${meetingId}`;
    this.you = null;
    this.confirmed = new Map(); // op id -> annotation, in the server's order
    this.known = new Map(); // every annotation seen, for redo
    this.outbox = []; // {msg, target?, annotation?} in the order they were made
    this.redoStack = []; // annotations this client's undos took away
    this.live = new Map(); // op id -> stroke being drawn by someone
    this.seq = 0;
    this.onChange = () => {};
    this.onLiveChange = () => {};
    this.saveTimer = null;
  }

  // -- persistence -------------------------------------------------------------------

  /** The snapshot kept for this tab (so a reload resumes from its sequence number)
   * and the queue of operations not acknowledged yet (kept across reloads). */
  load() {
    const snap = storage.get("sessionStorage", this.snapshotKey);
    if (snap && Array.isArray(snap.annotations) && typeof snap.seq === "number") {
      this.you = snap.you ?? null;
      this.seq = snap.seq;
      for (const a of snap.annotations) {
        this.confirmed.set(a.op_id, a);
        this.known.set(a.op_id, a);
      }
    }
    const box = this.readOnly ? null : storage.get("localStorage", this.outboxKey);
    if (box && Array.isArray(box.items)) {
      this.outbox = box.items.filter((item) => item && item.msg && item.msg.op_id);
      this.outboxOwner = box.you ?? null;
      for (const item of this.outbox) {
        if (item.annotation) this.known.set(item.annotation.op_id, item.annotation);
      }
    }
    return this.seq;
  }

  /** Forgets every annotation (another person signed in in this tab). */
  forget() {
    this.confirmed.clear();
    this.known.clear();
    this.live.clear();
    this.redoStack = [];
    this.you = null;
    storage.set("sessionStorage", this.snapshotKey, null);
    this.onChange();
  }

  saveSoon(seq) {
    this.seq = seq;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveSnapshot(), 400);
  }

  saveSnapshot() {
    const value = { you: this.you, seq: this.seq, annotations: [...this.confirmed.values()] };
    const text = JSON.stringify(value);
    if (text.length > SNAPSHOT_LIMIT || !storage.set("sessionStorage", this.snapshotKey, value)) {
      // Too big to keep: the next load starts afresh (last_seq 0) instead.
      storage.set("sessionStorage", this.snapshotKey, null);
    }
  }

  saveOutbox() {
    if (this.readOnly) return true;
    const ok = storage.set("localStorage", this.outboxKey,
      this.outbox.length ? { you: this.you, items: this.outbox } : null);
    return ok;
  }

  // -- what the server says ----------------------------------------------------------

  /** After a welcome: `fresh` means its annotations are the whole visible set. */
  welcome(msg, fresh, seq) {
    if (this.you && this.you !== msg.you) {
      // Another person in this tab: nothing of the previous one applies.
      this.confirmed.clear();
      this.known.clear();
      this.redoStack = [];
    }
    if (this.outboxOwner && this.outboxOwner !== msg.you) {
      this.outbox = [];
    }
    this.outboxOwner = msg.you;
    this.you = msg.you;
    if (fresh) {
      this.confirmed.clear();
      for (const a of msg.annotations || []) {
        this.confirmed.set(a.op_id, a);
        this.known.set(a.op_id, a);
      }
    }
    this.saveOutbox();
    this.saveSoon(seq);
    this.onChange();
  }

  /** added / removed / restored / drawing; returns true if it was one of those. */
  event(msg, seq) {
    switch (msg.type) {
      case "added":
      case "restored": {
        const a = msg.annotation;
        this.confirmed.delete(a.op_id);
        this.confirmed.set(a.op_id, a);
        this.known.set(a.op_id, a);
        if (this.live.delete(a.op_id)) this.onLiveChange();
        if (msg.type === "added" && a.author === this.you) this.redoStack = [];
        break;
      }
      case "removed":
        this.confirmed.delete(msg.op_id);
        break;
      case "drawing":
        this.drawing(msg);
        return true;
      default:
        return false;
    }
    this.saveSoon(seq);
    this.onChange();
    return true;
  }

  /** A document taken away from this client: nothing of it is kept. */
  dropDocument(documentId) {
    const on = (a) => a.document_id === documentId;
    for (const map of [this.confirmed, this.known, this.live]) {
      for (const [id, a] of map) if (on(a)) map.delete(id);
    }
    this.redoStack = this.redoStack.filter((a) => !on(a));
    this.saveSoon(this.seq);
    this.onChange();
    this.onLiveChange();
  }

  /** A document given to this client: the annotations on it that it sees. */
  showDocument(annotations) {
    for (const a of annotations) {
      this.confirmed.set(a.op_id, a);
      this.known.set(a.op_id, a);
    }
    this.saveSoon(this.seq);
    this.onChange();
  }

  drawing(msg) {
    let stroke = this.live.get(msg.op_id);
    if (!stroke) {
      if (this.confirmed.has(msg.op_id)) return;
      stroke = {
        op_id: msg.op_id, author: msg.author, document_id: msg.document_id, page: msg.page,
        layer: msg.layer, kind: "stroke", tool: msg.tool, color: msg.color, width: msg.width,
        points: [],
      };
      this.live.set(msg.op_id, stroke);
    }
    stroke.points.push(...(msg.points || []));
    stroke.at = Date.now();
    this.onLiveChange();
  }

  /** Drops strokes in progress whose author went quiet (lost connection, cancelled). */
  expireLive() {
    const now = Date.now();
    let changed = false;
    for (const [id, stroke] of this.live) {
      if (now - stroke.at > LIVE_TIMEOUT) {
        this.live.delete(id);
        changed = true;
      }
    }
    if (changed) this.onLiveChange();
  }

  // -- this client's own operations --------------------------------------------------

  /** Queue an operation; `extra` holds what it does locally (annotation, target). */
  queue(msg, extra = {}) {
    const item = { msg, ...extra };
    if (item.annotation) {
      this.known.set(item.annotation.op_id, item.annotation);
      this.redoStack = [];
    }
    this.outbox.push(item);
    this.saveOutbox();
    this.onChange();
    return item;
  }

  /** The acknowledgement of one of ours: it is stored; apply it for good. Returns the
   * item, or null if it was not ours (or acknowledged already). */
  acked(opId, seq) {
    const index = this.outbox.findIndex((item) => item.msg.op_id === opId);
    if (index < 0) return null;
    const [item] = this.outbox.splice(index, 1);
    const { msg } = item;
    if (item.annotation) {
      const a = { ...item.annotation, author: item.annotation.author ?? this.you };
      this.confirmed.delete(a.op_id);
      this.confirmed.set(a.op_id, a);
      this.redoStack = []; // as on the server: something new ends what could be redone
    } else if (msg.type === "erase") {
      this.confirmed.delete(msg.target);
    } else if (msg.type === "undo" && item.target) {
      const gone = this.known.get(item.target);
      this.confirmed.delete(item.target);
      if (gone) this.redoStack.push(gone);
    } else if (msg.type === "redo" && item.restore) {
      const back = this.known.get(item.restore);
      if (back) {
        this.confirmed.delete(back.op_id);
        this.confirmed.set(back.op_id, back);
      }
      this.redoStack = this.redoStack.filter((a) => a.op_id !== item.restore);
    }
    this.saveOutbox();
    this.saveSoon(this.seq);
    this.onChange();
    return item;
  }

  /** An error about one of ours: it was refused; forget it. */
  refused(opId) {
    const index = this.outbox.findIndex((item) => item.msg.op_id === opId);
    if (index < 0) return null;
    const [item] = this.outbox.splice(index, 1);
    this.saveOutbox();
    this.onChange();
    return item;
  }

  // -- views -------------------------------------------------------------------------

  /** The annotations as they stand with our pending operations applied, in order. */
  current() {
    const view = new Map(this.confirmed);
    for (const item of this.outbox) {
      const { msg } = item;
      if (item.annotation) {
        view.delete(item.annotation.op_id);
        view.set(item.annotation.op_id, item.annotation);
      } else if (msg.type === "erase") {
        view.delete(msg.target);
      } else if (msg.type === "undo" && item.target) {
        view.delete(item.target);
      } else if (msg.type === "redo" && item.restore) {
        const back = this.known.get(item.restore);
        if (back) view.set(back.op_id, back);
      }
    }
    return view;
  }

  onPage(documentId, page, sharedOnly = false) {
    const out = [];
    for (const a of this.current().values()) {
      if (a.document_id !== documentId || a.page !== page) continue;
      if (sharedOnly && a.layer !== "shared") continue;
      out.push(a);
    }
    return out;
  }

  liveOnPage(documentId, page, sharedOnly = false) {
    const out = [];
    for (const s of this.live.values()) {
      if (s.document_id !== documentId || s.page !== page) continue;
      if (sharedOnly && s.layer !== "shared") continue;
      out.push(s);
    }
    return out;
  }

  isMine(a) {
    return a.author === this.you || this.outbox.some((item) => item.annotation?.op_id === a.op_id);
  }

  /** What an undo would take away now: one's own last annotation still there. */
  undoTarget() {
    const list = [...this.current().values()];
    for (let i = list.length - 1; i >= 0; i -= 1) {
      if (this.isMine(list[i])) return list[i].op_id;
    }
    return null;
  }

  /** What a redo would bring back: the last one our undos took away (if known),
   * following our operations not acknowledged yet in order. */
  redoTarget() {
    let stack = this.redoStack.map((a) => a.op_id);
    for (const item of this.outbox) {
      if (item.annotation) stack = [];
      else if (item.msg.type === "undo" && item.target) stack.push(item.target);
      else if (item.msg.type === "redo" && item.restore) stack = stack.filter((id) => id !== item.restore);
    }
    return stack.length ? stack[stack.length - 1] : null;
  }

  pendingCount() {
    return this.outbox.length;
  }
}
