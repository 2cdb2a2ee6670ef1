// The meeting WebSocket: hello with the protocol version and the last sequence number
// seen, the welcome (a long meeting's annotations come in pages after it), automatic
// reconnection with exponential backoff and jitter, a liveness ping, and the
// connection state for the user to see.

// The protocol's version, close codes and limits come with the page data (`protocol`,
// built in server/pages/live_protocol.py from the server's own constants).

const FIRST_DELAY = 500;
const MAX_DELAY = 10_000;
const PING_EVERY = 15_000;
const SILENT_LIMIT = 40_000; // no message at all for this long: the link is dead

/** How long to wait before the next try after `attempt` tries that failed: doubling
 * from FIRST_DELAY up to MAX_DELAY, a random half to all of it (so that a room of
 * tablets dropped at once does not come back at once). */
export function retryDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** attempt);
  return base / 2 + random() * (base / 2);
}

export class LiveSocket {
  /**
   * @param {string} path        the socket's path, e.g. /m/<id>/socket
   * @param {object} protocol    the page data's `protocol`: version, close codes;
   *                             `ended` maps the codes closing a socket because this
   *                             person's rights ended to why (the page says why, and
   *                             never reconnects: the server would refuse it, or let
   *                             in the wrong one)
   * @param {object} handlers    welcome(msg, fresh), message(msg), status(state),
   *                             closed(code, wasUp, ended): `ended` names why this
   *                             person may no longer be connected (state "ended")
   */
  constructor(path, protocol, handlers) {
    this.url = location.origin.replace(/^http/, "ws") + path;
    this.protocol = protocol;
    this.handlers = handlers;
    this.lastSeq = 0; // the highest sequence number seen (set by the session)
    this.ws = null;
    this.ready = false; // welcomed on the current socket
    this.attempt = 0;
    this.retryAt = 0;
    this.timer = null;
    this.pinger = null;
    this.lastHeard = 0;
    this.welcomedAt = 0;
    this.welcoming = null; // a welcome whose annotation pages are still coming
    this.failed = null; // a reason that reconnecting will not fix
    this.ended = null; // "signed_out" | "removed" | "link_replaced": the rights ended
    this.state = "connecting";
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.setState("offline"));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.ws) this.reconnectNow();
    });
  }

  start() {
    this.connect();
  }

  setState(state) {
    this.state = state;
    this.handlers.status?.(state, this);
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.failed) return;
    if (navigator.onLine === false) {
      this.setState("offline");
      return;
    }
    this.setState(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.ready = false;
    this.welcoming = null;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      this.sentHelloSeq = this.lastSeq;
      // The device kind is for the attendance record only.
      const device = window.matchMedia?.("(pointer: coarse)").matches ? "tablet" : "browser";
      ws.send(JSON.stringify({ type: "hello", version: this.protocol.version, last_seq: this.lastSeq, device }));
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      this.receive(msg);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.dropped(event.code);
    });
    // An "error" is always followed by "close".
  }

  receive(msg) {
    if (msg.type === "welcome" && msg.more) {
      // A long meeting: the rest of the annotations follow in pages, nothing else
      // before the last one. The welcome counts once they are all here.
      this.welcoming = { ...msg, annotations: [...(msg.annotations || [])] };
      return;
    }
    if (msg.type === "annotations_page") {
      const welcome = this.welcoming;
      if (!welcome) return;
      for (const a of msg.annotations || []) welcome.annotations.push(a);
      if (msg.more) return;
      this.welcoming = null;
      welcome.more = false;
      msg = welcome;
    }
    if (msg.type === "welcome") {
      // The server sends the whole visible set when the client starts afresh, when it
      // does not know the number asked for (its store is younger than this page), or
      // when that is further back than it replays: then it has not `resumed`.
      const fresh = !msg.resumed;
      if (fresh) this.lastSeq = msg.seq;
      this.ready = true;
      this.welcomedAt = Date.now();
      this.setState("connected");
      this.startPing();
      this.handlers.welcome?.(msg, fresh);
      return;
    }
    if (typeof msg.seq === "number" && msg.type !== "ack" && msg.seq > this.lastSeq) {
      this.lastSeq = msg.seq;
    }
    if (msg.type === "error" && msg.ref === "hello" && msg.code === "protocol_version") {
      this.failed = msg.message;
      this.handlers.message?.(msg);
      this.abandon();
      this.setState("failed");
      return;
    }
    if (msg.type === "pong") return;
    this.handlers.message?.(msg);
  }

  startPing() {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (!this.ws || !this.ready) return;
      if (Date.now() - this.lastHeard > SILENT_LIMIT) {
        this.abandon();
        this.scheduleRetry();
        return;
      }
      this.send({ type: "ping" });
    }, PING_EVERY);
  }

  /** Sends on a welcomed socket; returns false (and sends nothing) otherwise. */
  send(msg) {
    if (!this.ws || !this.ready || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  dropped(code) {
    const wasUp = this.ready;
    const lived = Date.now() - this.welcomedAt;
    this.abandon();
    const ended = this.protocol.ended[code];
    if (ended) {
      this.ended = ended;
      this.failed = this.ended;
      clearTimeout(this.timer);
      this.handlers.closed?.(code, wasUp, this.ended);
      this.setState("ended");
      return;
    }
    this.handlers.closed?.(code, wasUp, null);
    // Only a connection that held for a while starts the back-off again: one closed
    // before or soon after its welcome (close.too_slow included: the link is too slow
    // for what the meeting sends) waits longer each time.
    if (wasUp && lived > 5000) this.attempt = 0;
    if (code === this.protocol.close.flooding) this.attempt = Math.max(this.attempt, 4);
    this.scheduleRetry();
  }

  /** Forgets the current socket (closing it if open) without scheduling anything. */
  abandon() {
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws && ws.readyState === WebSocket.OPEN) {
      try {
        ws.close(1000);
      } catch { /* already closing */ }
    } else if (ws && ws.readyState === WebSocket.CONNECTING) {
      // Closing a socket that is still connecting logs an error in some browsers:
      // let it open, then close it.
      ws.addEventListener("open", () => ws.close(1000));
    }
  }

  scheduleRetry() {
    if (this.failed) return;
    if (navigator.onLine === false) {
      this.setState("offline");
      return;
    }
    const delay = retryDelay(this.attempt);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
    this.setState("waiting");
  }

  /** Reconnect at once (the network came back, or the session needs a resync). */
  reconnectNow() {
    this.attempt = 0;
    if (this.ws) this.abandon();
    this.connect();
  }

  secondsToRetry() {
    return Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
  }
}
