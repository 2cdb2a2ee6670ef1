// The floor as a page knows it: the latest `floor` and `quorum` the server told, the
// server's clock against this device's (a tablet's clock may be minutes off, and every
// countdown in the room must agree), and a tick each half second while someone speaks
// or waits, for the countdowns and waiting times.

const TICK_MS = 500;

// The fields the server leaves out when they hold their default (protocol/floor.py).
const DEFAULTS = {
  version: -1, queue: [], current: null, started_at: null, limit: null, default_limit: null,
  per_person_limit: null, list_closed: false, warning_seconds: 30, action: "",
};

/** "2:05", "1:02:05"; `sign` "+" for an overrun. */
export function clock(seconds, sign = "") {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${sign}${hours}:${String(mm).padStart(2, "0")}:${ss}` : `${sign}${mm}:${ss}`;
}

export class Floor {
  constructor() {
    this.view = { ...DEFAULTS };
    this.quorum = null;
    this.skew = 0; // the server's clock minus ours, in ms
    this.listeners = new Set();
    this.timer = null;
  }

  /** `fn(what)`: "floor", "quorum" or "tick". */
  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(what) {
    for (const fn of this.listeners) fn(what);
  }

  /** Takes a message from the socket; true if it was the floor's (floor, quorum). */
  message(msg) {
    if (msg.type === "floor") {
      // An older view arriving late through another node changes nothing.
      if (msg.version < this.view.version) return true;
      this.view = { ...DEFAULTS, ...msg };
      const now = Date.parse(msg.now);
      if (Number.isFinite(now)) this.skew = now - Date.now();
      this.keepTicking();
      this.emit("floor");
      return true;
    }
    if (msg.type === "quorum") {
      // One computed earlier may arrive later (through another node): the latest wins.
      if (this.quorum?.at && msg.at && msg.at < this.quorum.at) return true;
      this.quorum = msg;
      this.emit("quorum");
      return true;
    }
    return false;
  }

  keepTicking() {
    const busy = Boolean(this.view.current) || this.view.queue.length > 0;
    if (busy && !this.timer) this.timer = setInterval(() => this.emit("tick"), TICK_MS);
    if (!busy && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** The server's time now, as this device best knows it. */
  serverNow() {
    return Date.now() + this.skew;
  }

  secondsSince(iso) {
    const at = Date.parse(iso || "");
    return Number.isFinite(at) ? Math.max(0, (this.serverNow() - at) / 1000) : 0;
  }

  /** The current speech's clock: `state` "open" (no limit: time spoken so far),
   * "running", "warning" (the last `warning_seconds`), "over" (counted up past the end;
   * nobody is cut off); null when nobody has the floor. */
  countdown() {
    const v = this.view;
    if (!v.current) return null;
    const spoken = this.secondsSince(v.started_at);
    if (v.limit === null || v.limit === undefined) return { state: "open", text: clock(spoken), remaining: null };
    const remaining = v.limit - spoken;
    if (remaining <= 0) return { state: "over", text: clock(-remaining, "+"), remaining };
    const state = remaining <= v.warning_seconds ? "warning" : "running";
    return { state, text: clock(Math.ceil(remaining)), remaining };
  }

  /** The waiting requests in order (first first). */
  queue() {
    return [...this.view.queue].sort((a, b) => (a.position || 0) - (b.position || 0));
  }

  /** `person`'s own open request in the queue, if any. */
  requestOf(person) {
    return person ? this.view.queue.find((r) => r.person === person) ?? null : null;
  }

  speaks(person) {
    return Boolean(person && this.view.current?.person === person);
  }
}
