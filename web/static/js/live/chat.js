// The meeting's chat, over the live protocol: the latest messages come with a fresh
// welcome, missed ones are replayed on resume, and this tab keeps what it saw (so a
// reload that resumes still shows the history). One's own messages go through the
// session's queue: written offline, they are sent once back, and show as pending
// until acknowledged.

import { h, newId, storage } from "./util.js";

const KEEP = 200;

export class ChatPanel {
  /** `shown()`: whether the chat is what the user sees now; `onUnread(count)`. */
  constructor(section, session, t, { meetingId, shown, onUnread }) {
    this.section = section;
    this.session = session;
    this.t = t;
    this.shown = shown;
    this.onUnread = onUnread;
    this.key = `meetroom.chat.${meetingId}`;
    this.list = section.querySelector(".chat-list");
    this.empty = section.querySelector(".chat-empty");
    this.form = section.querySelector(".chat-form");
    this.area = this.form.querySelector("textarea");
    this.messages = [];
    this.unread = 0;
    const kept = storage.get("sessionStorage", this.key);
    if (kept && Array.isArray(kept.messages)) {
      this.owner = kept.you ?? null;
      this.messages = kept.messages.filter((m) => m && m.op_id && typeof m.text === "string");
    }
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
    this.render();
  }

  /** After a welcome: a fresh start replaces the history; a resume keeps it (the
   * missed messages follow as events). */
  welcome(msg) {
    if (this.owner && this.owner !== msg.you) this.messages = [];
    this.owner = msg.you;
    if (!msg.resumed) {
      const pending = this.messages.filter((m) => m.pending || m.failed);
      this.messages = [];
      for (const m of msg.chat || []) this.add(m);
      for (const m of pending) if (!this.find(m.op_id)) this.messages.push(m);
    }
    // Our own messages still queued (written offline, or before a reload).
    for (const item of this.session.model.outbox) {
      if (item.msg.type === "chat" && !this.find(item.msg.op_id)) {
        this.messages.push(this.mine(item.msg.op_id, item.msg.text, item.at));
      }
    }
    this.save();
    this.render();
  }

  /** Chat messages, and the ack or error about one of ours. */
  message(msg) {
    if (msg.type === "chat") {
      if (this.add(msg) && msg.author !== this.session.you()) {
        if (!this.shown()) this.setUnread(this.unread + 1);
      }
      this.save();
      this.render();
    } else if (msg.type === "ack" || (msg.type === "error" && msg.ref)) {
      const m = this.find(msg.type === "ack" ? msg.op_id : msg.ref);
      if (!m) return;
      if (msg.type === "ack") {
        m.pending = false;
        m.seq = msg.seq;
      } else {
        m.pending = false;
        m.failed = true;
      }
      this.save();
      this.render();
    }
  }

  find(opId) {
    return this.messages.find((m) => m.op_id === opId) ?? null;
  }

  /** Adds a message unless known; returns whether it was new. */
  add(m) {
    const known = this.find(m.op_id);
    if (known) {
      Object.assign(known, { seq: m.seq, at: m.at || known.at, pending: false, failed: false });
      return false;
    }
    this.messages.push({ seq: m.seq, op_id: m.op_id, author: m.author, name: m.name, text: m.text, at: m.at });
    return true;
  }

  mine(opId, text, at) {
    return {
      op_id: opId, author: this.session.you(), name: this.session.me?.name ?? "", text,
      at: at || new Date().toISOString(), pending: true,
    };
  }

  send() {
    const text = this.area.value.trim();
    if (!text) return;
    const opId = newId();
    const clipped = text.slice(0, this.session.protocol.max_text);
    this.messages.push(this.mine(opId, clipped));
    this.session.commit({ type: "chat", op_id: opId, text: clipped }, { at: new Date().toISOString() });
    this.area.value = "";
    this.save();
    this.render(true);
  }

  save() {
    // Sorted as the server numbered them; ours not acknowledged yet at the end.
    this.messages.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
    if (this.messages.length > KEEP) this.messages = this.messages.slice(-KEEP);
    storage.set("sessionStorage", this.key, { you: this.owner, messages: this.messages });
  }

  setUnread(count) {
    this.unread = count;
    this.onUnread(count);
  }

  /** The chat is seen: nothing is unread. */
  seen() {
    this.setUnread(0);
    this.render(true);
    this.area.focus({ preventScroll: true });
  }

  render(toEnd = false) {
    const { list, t } = this;
    const atEnd = toEnd || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const you = this.session.you();
    const lang = document.documentElement.lang || undefined;
    list.replaceChildren(...this.messages.map((m) => {
      const mineMsg = m.author === you;
      let time = "";
      try {
        time = new Date(m.at).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
      } catch { /* no date */ }
      const state = m.failed ? t("chat_failed") : m.pending ? t("chat_sending") : time;
      return h("li", {
        class: `chat-msg${mineMsg ? " is-mine" : ""}${m.pending ? " is-pending" : ""}${m.failed ? " is-failed" : ""}`,
        dataset: { op: m.op_id },
      },
      h("div", { class: "chat-meta" }, h("span", { class: "chat-author" }, mineMsg ? t("you") : m.name), h("span", { class: "chat-time" }, state)),
      h("p", { class: "chat-text" }, m.text));
    }));
    this.empty.hidden = this.messages.length > 0;
    if (atEnd) list.scrollTop = list.scrollHeight;
  }
}
