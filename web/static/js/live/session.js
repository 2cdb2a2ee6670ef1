// One live session of a meeting, for a page: the socket, the annotations, and this
// client's queue of operations. Operations made while the socket is down wait in the
// queue (kept in localStorage), are sent in order after the next welcome, and leave
// the queue only when their ack (or an error about them) arrives.

import { LiveSocket } from "./socket.js";
import { AnnotationModel } from "./model.js";

const IN_FLIGHT = 24; // queued operations sent but not acknowledged, at most
// Queued operations go out at this pace at most (the server allows 100 messages a
// second with a burst of 300, and drawing needs some of that).
const QUEUE_RATE = 40; // per second
const QUEUE_BURST = 60;

export class LiveSession {
  /**
   * @param {object} data      the page's live data (socket path, meeting)
   * @param {object} handlers  welcome(msg, first), presented(state, old), presence(people),
   *                           error(msg, item), status(state), change(), live(),
   *                           documentHidden(id), documentShown(id),
   *                           rights(msg): what this person may do changed,
   *                           closed(code, ended): the socket closed (`ended`: for good),
   *                           other(msg): every other message, and acks and errors too
   *                           (the video room, the chat)
   */
  constructor(data, handlers, { readOnly = false } = {}) {
    this.handlers = handlers;
    this.readOnly = readOnly; // the projector: shows, never sends operations
    this.protocol = data.protocol; // version, close codes, limits (from the server)
    // The meeting ended or is archived (or, for a delegate, is not opened yet): it can be
    // looked at, not changed. Told by the welcome and by `meeting_status`.
    this.locked = false;
    this.meetingStatus = "";
    this.me = null;
    this.state = {};
    this.welcomes = 0;
    this.inFlight = new Set();
    this.tokens = QUEUE_BURST;
    this.tokensAt = performance.now();
    this.flushTimer = null;
    this.model = new AnnotationModel(data.meeting.id, { readOnly });
    this.model.onChange = () => this.handlers.change?.();
    this.model.onLiveChange = () => this.handlers.live?.();
    this.socket = new LiveSocket(data.socket, data.protocol, {
      welcome: (msg, fresh) => this.welcome(msg, fresh),
      message: (msg) => this.message(msg),
      status: (state) => this.handlers.status?.(state, this.socket),
      closed: (code, wasUp, ended) => {
        this.inFlight.clear();
        if (ended) this.locked = true;
        this.handlers.closed?.(code, ended);
      },
    });
  }

  start() {
    this.socket.lastSeq = this.model.load();
    this.handlers.change?.();
    setInterval(() => this.model.expireLive(), 2000);
    this.socket.start();
  }

  get connected() {
    return this.socket.ready;
  }

  you() {
    return this.me?.you ?? this.model.you;
  }

  hasGrant(grant) {
    return Boolean(this.me?.grants?.includes(grant));
  }

  isModerator() {
    return this.hasGrant("moderator");
  }

  /** The one presenter (by default the chair) is keyed as `welcome.you` is. */
  isPresenter() {
    return Boolean(this.me && this.state.presenter && this.me.you === this.state.presenter);
  }

  /** Only the presenter turns everyone's pages; the others browse on their own. */
  mayPresent() {
    return !this.locked && this.isPresenter();
  }

  /** Organisers (the chair, the secretary, an admin) may take presenting over. */
  mayTakeOver() {
    return !this.locked && this.isModerator() && !this.isPresenter();
  }

  mayDrawShared() {
    if (this.locked) return false;
    return this.hasGrant("can_annotate_shared") || Boolean(this.state.shared_open) || this.isPresenter();
  }

  welcome(msg, fresh) {
    if (!fresh && this.model.you && this.model.you !== msg.you) {
      // What this tab kept belongs to someone else: start afresh.
      this.model.forget();
      this.resync(0);
      return;
    }
    this.me = msg;
    this.locked = Boolean(msg.read_only);
    this.meetingStatus = msg.status || "";
    const old = this.state;
    this.state = msg.state || {};
    this.welcomes += 1;
    this.inFlight.clear();
    this.model.welcome(msg, fresh, this.socket.lastSeq);
    this.handlers.welcome?.(msg, this.welcomes === 1, old);
    this.flush();
  }

  message(msg) {
    switch (msg.type) {
      case "added":
      case "removed":
      case "restored":
      case "drawing":
        this.model.event(msg, this.socket.lastSeq);
        break;
      case "presented": {
        const old = this.state;
        this.state = msg.state || {};
        this.handlers.presented?.(this.state, old);
        break;
      }
      case "presence":
        this.handlers.presence?.(msg.people || []);
        break;
      case "document_hidden":
        // Its access list no longer has us (or it was deleted): forget it.
        this.model.dropDocument(msg.document_id);
        this.handlers.documentHidden?.(msg.document_id);
        break;
      case "document_shown":
        this.model.showDocument(msg.annotations || []);
        this.handlers.documentShown?.(msg.document_id);
        break;
      case "meeting_status":
        this.locked = Boolean(msg.read_only);
        this.meetingStatus = msg.status;
        this.handlers.other?.(msg);
        break;
      case "rights":
        // A new role or grants while connected (a chair demoted): the server checks
        // these from now on, and the page shows only what they allow.
        if (this.me) this.me = { ...this.me, role: msg.role, grants: msg.grants || [], name: msg.name || this.me.name };
        this.locked = Boolean(msg.read_only);
        this.handlers.rights?.(msg);
        break;
      case "ack": {
        this.inFlight.delete(msg.op_id);
        const item = this.model.acked(msg.op_id, msg.seq);
        this.handlers.other?.(msg);
        if (item && item.msg.type === "redo" && !item.restore) {
          // What the server brought back is not known here (it does not echo our own
          // operations): replay from just before it.
          this.resync(msg.seq - 1);
          return;
        }
        this.flush();
        break;
      }
      case "error": {
        let item = null;
        if (msg.ref) {
          this.inFlight.delete(msg.ref);
          item = this.model.refused(msg.ref);
        }
        this.handlers.other?.(msg);
        if (msg.code === "rate_limited") {
          // The server dropped messages without saying which: send again what has no
          // ack yet, a little later (stored operations are never stored twice).
          setTimeout(() => {
            this.inFlight.clear();
            this.flush();
          }, 1500);
          if (item === null) return;
        }
        this.handlers.error?.(msg, item);
        this.flush();
        break;
      }
      default:
        this.handlers.other?.(msg);
        break;
    }
  }

  /** Sends queued operations in order, a window at a time. */
  flush() {
    if (!this.socket.ready || this.readOnly) return;
    const now = performance.now();
    this.tokens = Math.min(QUEUE_BURST, this.tokens + ((now - this.tokensAt) / 1000) * QUEUE_RATE);
    this.tokensAt = now;
    for (const item of this.model.outbox) {
      if (this.inFlight.size >= IN_FLIGHT) break;
      const id = item.msg.op_id;
      if (this.inFlight.has(id)) continue;
      if (this.tokens < 1) {
        clearTimeout(this.flushTimer);
        this.flushTimer = setTimeout(() => this.flush(), 1000 / QUEUE_RATE + 5);
        break;
      }
      if (!this.socket.send(item.msg)) break;
      this.tokens -= 1;
      this.inFlight.add(id);
    }
  }

  /** An operation to store: queued (and kept) until acknowledged. */
  commit(msg, extra = {}) {
    if (this.locked) return; // the server would refuse it
    this.model.queue(msg, extra);
    this.flush();
  }

  /** A message that only matters now (drawing in progress, where one is, presenting). */
  send(msg) {
    return this.socket.send(msg);
  }

  /** Reconnect and have the server replay from `fromSeq`. */
  resync(fromSeq) {
    this.socket.lastSeq = Math.max(0, Math.min(this.socket.lastSeq, fromSeq));
    this.socket.reconnectNow();
  }
}
