// The Notes tab in the meeting room (the secretary and the chair: the `moderator`
// grant): per agenda item, the presented one first, the notes and the conclusion,
// saved as they are typed (a second after the last key, and every few seconds while
// the typing goes on), and the item's action items.
//
// Nothing typed is lost: every change is kept in localStorage (drafts.js) until the
// server acknowledges it, and sent again after a dropped connection (the socket's next
// welcome, the browser back online, a retry every few seconds) or a reload. A save
// names the revision it was typed over; if someone saved the item meanwhile the
// server refuses it (409 notes_conflict) with their text, and both texts are shown
// until the user keeps one. What others save comes from the socket (`notes_saved`,
// to moderators only): an item with nothing unsaved here shows it at once, so the
// chair reads the secretary's notes as they are typed.

import { h, readJson, translator } from "../live/util.js";
import { call } from "../votes/chair-view.js";
import { Drafts } from "./drafts.js";
import { ItemActions } from "./actions.js";

const SAVE_AFTER_MS = 1000;
const SAVE_WITHIN_MS = 3000; // typing without a pause still saves this often
const RETRY_MS = 5000;
const FIELDS = ["notes", "conclusion"];

export class NotesTab {
  constructor(root, session, data) {
    const el = root.querySelector("#notes-chair");
    Object.assign(this, { el, session, data });
    this.t = translator(readJson("notes-text"));
    this.base = `/api/meetings/${encodeURIComponent(data.meeting.id)}`;
    this.drafts = new Drafts(data.meeting.id);
    this.items = new Map(); // id -> state (see `item`)
    this.box = el.querySelector(".notes-items");
    this.stateEl = el.querySelector(".notes-state");
    this.error = el.querySelector(".notes-error");
    this.loaded = false;
    this.loading = null;
    this.offline = false;
    this.retry = null;
    this.tab = document.getElementById("live-tab-notes");
    this.tab?.addEventListener("click", () => (this.loaded ? this.order() : this.load()));
    window.addEventListener("online", () => this.flush());
  }

  // -- what room.js feeds ------------------------------------------------------------

  /** On each (re)connection: read everything again, and send what is unsent. */
  welcome() {
    if (this.session.isModerator()) this.load();
  }

  /** Shown to moderators only; someone demoted while on this tab goes back to the agenda. */
  update() {
    const moderator = this.session.isModerator();
    if (!moderator && !this.el.hidden) document.getElementById("live-tab-agenda")?.click();
    if (moderator && !this.loaded) this.load();
  }

  /** The presenter moved: the presented item is marked (and put first when the tab
   * is shown again). */
  presented() {
    const current = this.currentItem();
    for (const item of this.items.values()) item.el.classList.toggle("is-current", item.id === current);
  }

  /** Takes a socket message; true if it was about notes. */
  message(msg) {
    if (msg.type === "notes_saved") {
      const item = this.items.get(msg.item_id);
      if (item) this.heard(item, msg);
      return true;
    }
    if (msg.type === "action_changed") {
      const item = this.items.get(msg.action.item_id ?? "general");
      item?.actions.put(msg.action, msg.deleted);
      return true;
    }
    return false;
  }

  // -- loading -------------------------------------------------------------------------

  load() {
    this.loading ??= this.read().finally(() => (this.loading = null));
    return this.loading;
  }

  async read() {
    let notes, actions;
    try {
      [notes, actions] = await Promise.all([call("GET", `${this.base}/notes`), call("GET", `${this.base}/actions`)]);
    } catch {
      this.setOffline(true);
      return;
    }
    if (!notes.ok || !actions.ok) {
      this.showError(notes.message || actions.message || this.t("load_failed"));
      return;
    }
    this.showError("");
    this.setOffline(false);
    const first = !this.loaded;
    this.loaded = true;
    for (const entry of notes.body.items) {
      let item = this.items.get(entry.item_id);
      if (!item) {
        item = this.item(entry, notes.body.participants);
        this.items.set(item.id, item);
      }
      this.take(item, entry.notes);
    }
    const byItem = new Map();
    for (const a of actions.body.actions) {
      const id = a.item_id ?? "general";
      byItem.set(id, [...(byItem.get(id) || []), a]);
    }
    for (const item of this.items.values()) item.actions.set(byItem.get(item.id) || []);
    if (first) this.order();
    this.presented();
    this.showState();
  }

  /** An item's state and its part of the panel. */
  item(entry, people) {
    const { t } = this;
    const id = entry.item_id;
    const field = (name, rows) => {
      const area = h("textarea", { name, rows, maxlength: name === "notes" ? "100000" : "20000", spellcheck: "true" });
      area.addEventListener("input", () => this.typed(item));
      return { area, label: h("label", { class: `notes-field notes-${name}` }, t(name), area) };
    };
    const notes = field("notes", 6);
    const conclusion = field("conclusion", 3);
    const title = entry.position ? `${entry.position}. ${entry.title}` : t("general");
    const item = {
      id, revision: 0, saved: { notes: "", conclusion: "" }, by: "", sending: false,
      conflict: null, failed: "", timer: null, dirtySince: null,
      areas: { notes: notes.area, conclusion: conclusion.area },
      line: h("p", { class: "notes-item-state", "aria-live": "polite" }),
      conflictBox: h("div", { class: "notes-conflict", role: "alert", hidden: true }),
    };
    item.actions = new ItemActions({ id, number: entry.position }, {
      t, base: this.base, people, onError: (message) => this.showError(message || t("failed", { message: "" })),
    });
    item.el = h("section", { class: "notes-item", dataset: { item: id } },
      h("h3", {}, title, h("span", { class: "tag notes-current" }, t("current"))),
      notes.label, conclusion.label, item.line, item.conflictBox, item.actions.el);
    return item;
  }

  /** The presented agenda item first, then the agenda in order, then the general part
   * (the opening, other business). */
  order() {
    const current = this.currentItem();
    const all = [...this.items.values()];
    const first = all.filter((i) => i.id === current);
    const rest = all.filter((i) => i.id !== current && i.id !== "general");
    const general = all.filter((i) => i.id === "general" && i.id !== current);
    if (this.el.contains(document.activeElement) && this.box.children.length === all.length) return;
    this.box.replaceChildren(...[...first, ...rest, ...general].map((i) => i.el));
  }

  currentItem() {
    const where = this.session.state?.where;
    if (where?.item_id) return where.item_id;
    const doc = where?.document_id;
    return (this.data.agenda || []).find((i) => (i.documents || []).includes(doc))?.id ?? null;
  }

  /** The server's text of an item, with what is kept here unsent. */
  take(item, server) {
    // What is unsent: kept in storage, or (storage refused) still in the fields.
    const kept = this.drafts.get(item.id) ?? (this.dirty(item) ? { base: item.revision, ...this.text(item) } : null);
    item.revision = server.revision;
    item.saved = { notes: server.notes, conclusion: server.conclusion };
    item.by = server.updated_by_name;
    if (item.sending) return; // its answer settles it
    if (!kept) {
      this.show(item, item.saved);
    } else if (same(kept, item.saved)) {
      this.drafts.drop(item.id);
      this.show(item, item.saved);
    } else {
      this.show(item, kept);
      if (kept.base === server.revision) this.save(item);
      else this.conflicted(item, server);
    }
    this.line(item);
  }

  /** Someone saved (told on the socket). */
  heard(item, msg) {
    if (msg.revision <= item.revision) return; // ours, or older than what is shown
    // Unsent text here: our next save meets theirs (a conflict, with their text).
    if (item.sending || item.conflict || this.dirty(item)) return;
    item.revision = msg.revision;
    item.saved = { notes: msg.notes, conclusion: msg.conclusion };
    item.by = msg.by_name;
    this.show(item, item.saved);
    this.line(item);
  }

  // -- saving ---------------------------------------------------------------------------

  text(item) {
    return { notes: item.areas.notes.value, conclusion: item.areas.conclusion.value };
  }

  dirty(item) {
    return !same(this.text(item), item.saved);
  }

  show(item, text) {
    for (const name of FIELDS) if (item.areas[name].value !== text[name]) item.areas[name].value = text[name];
  }

  typed(item) {
    this.drafts.put(item.id, { base: item.conflict ? item.conflict.revision : item.revision, ...this.text(item) });
    item.failed = "";
    clearTimeout(item.timer);
    item.dirtySince ??= Date.now();
    const wait = Math.min(SAVE_AFTER_MS, Math.max(0, item.dirtySince + SAVE_WITHIN_MS - Date.now()));
    if (!item.conflict) item.timer = setTimeout(() => this.save(item), wait);
    this.line(item);
    this.showState();
  }

  async save(item) {
    clearTimeout(item.timer);
    if (item.sending || item.conflict) return;
    if (!this.dirty(item)) {
      this.drafts.drop(item.id);
      this.showState();
      return;
    }
    const sent = this.text(item);
    item.sending = true;
    item.dirtySince = null;
    this.showState();
    let got;
    try {
      got = await call("PUT", `${this.base}/notes/${encodeURIComponent(item.id)}`, { ...sent, revision: item.revision });
    } catch {
      got = null;
    }
    item.sending = false;
    if (got?.ok) {
      this.setOffline(false);
      item.revision = got.body.revision;
      item.saved = { notes: got.body.notes, conclusion: got.body.conclusion };
      item.by = got.body.updated_by_name;
      if (this.dirty(item)) {
        this.drafts.put(item.id, { base: item.revision, ...this.text(item) });
        item.timer = setTimeout(() => this.save(item), SAVE_AFTER_MS);
      } else {
        this.drafts.drop(item.id);
      }
    } else if (!got) {
      this.setOffline(true); // kept; sent again when the connection is back
    } else if (got.code === "notes_conflict") {
      this.conflicted(item, got.body.error.details);
    } else {
      item.failed = got.message;
    }
    this.line(item);
    this.showState();
  }

  /** Send every item with unsent text (back online, reconnected). */
  flush() {
    if (!this.session.isModerator()) return; // the notes are the moderators' only
    if (!this.loaded) return void this.load();
    for (const item of this.items.values()) if (this.dirty(item)) this.save(item);
  }

  setOffline(offline) {
    this.offline = offline;
    clearTimeout(this.retry);
    if (offline) this.retry = setTimeout(() => this.flush(), RETRY_MS);
    this.showState();
  }

  // -- a conflict: both texts shown, the user keeps one ------------------------------------

  conflicted(item, theirs) {
    const { t } = this;
    item.conflict = { revision: theirs.revision, notes: theirs.notes, conclusion: theirs.conclusion };
    this.drafts.put(item.id, { base: theirs.revision, ...this.text(item) });
    const name = theirs.updated_by_name || t("someone");
    const mine = this.text(item);
    // Only what differs: the same notes twice would hide the conclusion that does not.
    const differ = FIELDS.filter((f) => (item.conflict[f] ?? "") !== mine[f]);
    const column = (label, text, cls) => h("div", { class: `notes-conflict-text ${cls}` },
      h("h4", {}, label),
      ...differ.map((f) => h("div", { dataset: { field: f } }, h("strong", {}, t(f)), h("pre", {}, text[f] || "—"))));
    item.conflictBox.replaceChildren(
      h("p", {}, t("conflict", { name })),
      h("div", { class: "notes-conflict-texts" }, column(t("theirs"), item.conflict, "theirs"), column(t("yours"), mine, "yours")),
      h("div", { class: "notes-conflict-actions" },
        h("button", { type: "button", class: "primary", onclick: () => this.resolve(item, false) }, t("keep_mine")),
        h("button", { type: "button", onclick: () => this.resolve(item, true) }, t("keep_theirs"))));
    item.conflictBox.hidden = false;
    item.conflictBox.scrollIntoView({ block: "nearest" });
  }

  resolve(item, theirs) {
    const c = item.conflict;
    if (!c) return;
    item.conflict = null;
    item.conflictBox.hidden = true;
    item.revision = c.revision;
    item.saved = { notes: c.notes, conclusion: c.conclusion };
    if (theirs) this.show(item, item.saved);
    this.drafts.put(item.id, { base: item.revision, ...this.text(item) });
    this.save(item);
  }

  // -- what the panel says ------------------------------------------------------------------

  line(item) {
    const { t } = this;
    let text = "";
    if (item.failed) text = t("failed", { message: item.failed });
    else if (!this.dirty(item) && item.by) text = t("saved_by", { name: item.by });
    item.line.textContent = text;
    item.line.classList.toggle("error", Boolean(item.failed));
  }

  showState() {
    const items = [...this.items.values()];
    let state = "saved";
    if (this.offline) state = "offline";
    else if (items.some((i) => i.sending)) state = "saving";
    else if (items.some((i) => i.conflict || i.failed || this.dirty(i))) state = "unsaved";
    this.stateEl.dataset.state = state;
    this.stateEl.textContent = this.t(state);
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }
}

function same(a, b) {
  return FIELDS.every((f) => (a[f] ?? "") === (b[f] ?? ""));
}

/** What room.js feeds: the socket's messages, its welcomes, new rights. */
export function mountNotes(root, session, data) {
  const none = { welcome() {}, update() {}, presented() {}, message() { return false; } };
  return root.querySelector("#notes-chair") ? new NotesTab(root, session, data) : none;
}
