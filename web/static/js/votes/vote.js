// The meeting's vote as a page knows it: the latest `vote` the server told (the open
// one, else the last closed or cancelled), the latest count, the server's clock against
// this device's (a tablet's clock may be minutes off, and every countdown in the room
// must agree), and a tick each half second while it is open, for the countdown.

import { clock } from "../live/floor.js";

const TICK_MS = 500;
const WARNING_SECONDS = 30;
// A vote closed longer ago than this, told on joining, is history: the page leaves it
// (the results stay in the minutes and the API).
const FRESH_SECONDS = 15 * 60;

// The fields the server leaves out when they hold their default (protocol/votes.py).
const DEFAULTS = {
  options: [], max_choices: 1, agenda_item_id: null, document_id: null, opened_at: null,
  closes_at: null, closed_at: null, quorum_at_open: null, quorum_at_close: null,
  override_reason: "", result: null, board_head: null, proxies: [], voted: 0, eligible: 0,
};

// A vote only moves forward: a view told late (through another node) never takes back
// a close.
const RANK = { draft: 0, open: 1, closed: 2, cancelled: 2 };

export const YES_NO = ["yes", "no", "abstain"];

export class VoteState {
  constructor() {
    this.vote = null;
    this.skew = 0; // the server's clock minus ours, in ms
    this.countAt = ""; // the `at` of the latest count taken
    this.listeners = new Set();
    this.timer = null;
  }

  /** `fn(what, old)`: "vote" (with the vote before), "count" or "tick". */
  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(what, old) {
    for (const fn of this.listeners) fn(what, old);
  }

  setClock(iso) {
    const now = Date.parse(iso || "");
    if (Number.isFinite(now)) this.skew = now - Date.now();
  }

  /** Takes a message from the socket; true if it was the vote's. */
  message(msg) {
    if (msg.type === "vote") {
      const old = this.vote;
      if (old && old.id === msg.id && (RANK[msg.status] ?? 0) < (RANK[old.status] ?? 0)) return true;
      this.vote = { ...DEFAULTS, ...msg };
      this.setClock(msg.now);
      if (!old || old.id !== msg.id) this.countAt = "";
      this.keepTicking();
      this.emit("vote", old);
      return true;
    }
    if (msg.type === "vote_count") {
      const v = this.vote;
      // Stamped to the microsecond: the strings compare as the times do.
      if (!v || msg.vote_id !== v.id || v.status !== "open" || (this.countAt && msg.at < this.countAt)) return true;
      this.countAt = msg.at;
      this.setClock(msg.at);
      this.vote = { ...v, voted: msg.voted, eligible: msg.eligible };
      this.emit("count");
      return true;
    }
    return false;
  }

  isOpen() {
    return this.vote?.status === "open";
  }

  keepTicking() {
    const ticking = this.isOpen() && Boolean(this.vote.closes_at);
    if (ticking && !this.timer) this.timer = setInterval(() => this.emit("tick"), TICK_MS);
    if (!ticking && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  serverNow() {
    return Date.now() + this.skew;
  }

  /** The time left of an open vote with a countdown: `state` "running", "warning" (the
   * last 30 s) or "due" (the server closes it any moment); null without one. */
  countdown() {
    const v = this.vote;
    if (!v || v.status !== "open" || !v.closes_at) return null;
    const at = Date.parse(v.closes_at);
    if (!Number.isFinite(at)) return null;
    const remaining = (at - this.serverNow()) / 1000;
    if (remaining <= 0) return { state: "due", text: "0:00", remaining: 0 };
    return { state: remaining <= WARNING_SECONDS ? "warning" : "running", text: clock(Math.ceil(remaining)), remaining };
  }

  /** Closed or cancelled long enough ago to be left alone. */
  stale() {
    const v = this.vote;
    if (!v || v.status === "open") return false;
    const at = Date.parse(v.closed_at || "");
    return Number.isFinite(at) && (this.serverNow() - at) / 1000 > FRESH_SECONDS;
  }

  isChoice() {
    return this.vote?.kind === "choice";
  }

  /** The choices a ballot may make, in the order the results show them. */
  choices() {
    const v = this.vote;
    if (!v) return [];
    if (v.kind === "choice") return v.options.map((o) => o.id);
    return v.kind === "yes_no" ? ["yes", "no"] : [...YES_NO];
  }

  /** A choice's words: the option's label, or "Yes", "No", "Abstain". */
  label(choice, t) {
    const option = this.vote?.options.find((o) => o.id === choice);
    return option ? option.label : t(choice);
  }

  labels(choice, t) {
    return (Array.isArray(choice) ? choice : [choice]).map((c) => this.label(c, t)).join(", ");
  }
}
