// The chair's Votes tab in the meeting room (the chair and the secretary: the
// `moderator` grant). The meeting's votes come from the API when the tab is shown or
// the socket says of a vote it does not know; what happens to them comes from the
// socket (`vote` on open, close, cancel; `vote_count` while open), never by polling.
// The chair's actions go to the API: create or edit a draft, open (refused for want of
// quorum: the server's message, then a reason to override), close, cancel with a
// reason, run a cancelled vote again.

import { h, readJson, translator } from "../live/util.js";
import { clock } from "../live/floor.js";
import { fillVoteForm, readVoteForm, wireVoteForm } from "./form.js";
import { call, resultView, summary } from "./chair-view.js";

const TICK_MS = 500;

export class VotesChair {
  constructor(root, session, toasts, data) {
    const el = root.querySelector("#votes-chair");
    Object.assign(this, { el, session, toasts, meetingId: data.meeting.id });
    this.t = translator(readJson("votes-chair-text"));
    this.items = new Map((data.agenda || []).map((i) => [i.id, i.number]));
    this.votes = new Map(); // id -> vote (the API's fields, kept up to date by the socket)
    this.order = []; // ids, oldest first
    this.defaults = { rule: "cast_majority", tie: "fails", require_quorum: false };
    this.live = null; // the id of the vote the socket told last
    this.skew = 0; // the server's clock minus ours, in ms
    this.timer = null;
    this.editing = null; // the draft's id in the form, "" for a new vote
    this.asking = null; // {action, id}: the reason asked for (override, cancel)
    this.loaded = false;
    this.tab = document.getElementById("live-tab-votes");
    this.list = el.querySelector(".votes-list");
    this.empty = el.querySelector(".votes-empty");
    this.error = el.querySelector(".votes-error");
    this.liveBox = el.querySelector(".votes-live");
    this.form = el.querySelector(".votes-form");
    this.formError = el.querySelector(".votes-form-error");
    this.ask = el.querySelector(".votes-ask");
    wireVoteForm(this.form);
    el.querySelector(".votes-new").addEventListener("click", () => this.edit(null));
    el.querySelector(".votes-form-close").addEventListener("click", () => this.closeForm());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    this.ask.addEventListener("submit", (e) => {
      e.preventDefault();
      this.answer();
    });
    el.querySelector(".votes-ask-back").addEventListener("click", () => this.stopAsking());
    el.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-action]");
      if (b) this.act(b.dataset.action, b.dataset.id, b);
    });
    // Drafts prepared elsewhere (the meeting page, another chair's tab) show up here
    // when the tab is shown: they are not told over the socket.
    this.tab?.addEventListener("click", () => this.load());
  }

  // -- what room.js feeds ------------------------------------------------------------

  /** On each (re)connection: the list again, as it is now. */
  welcome() {
    this.loaded = false;
    this.update();
  }

  /** Shown to moderators only; a chair demoted while on this tab goes back to the agenda. */
  update() {
    const moderator = this.session.isModerator();
    if (!moderator && !this.el.hidden) document.getElementById("live-tab-agenda")?.click();
    if (moderator && !this.loaded) this.load();
  }

  /** Takes a socket message; true if it was about votes. */
  message(msg) {
    if (msg.type === "vote") {
      const now = Date.parse(msg.now);
      if (Number.isFinite(now)) this.skew = now - Date.now();
      const known = this.votes.get(msg.id);
      if (!known && this.session.isModerator()) this.load(); // made elsewhere
      const vote = { ...(known || {}), ...msg, item_id: msg.agenda_item_id ?? known?.item_id ?? null, countAt: msg.now };
      delete vote.type;
      this.put(vote);
      this.live = msg.id;
      this.render();
      return true;
    }
    if (msg.type === "meeting_status") {
      this.render(); // ended: read-only, no more actions
      return false;
    }
    if (msg.type === "vote_count") {
      const vote = this.votes.get(msg.vote_id);
      const at = Date.parse(msg.at);
      if (Number.isFinite(at)) this.skew = at - Date.now();
      if (vote && (!vote.countAt || msg.at >= vote.countAt)) {
        Object.assign(vote, { voted: msg.voted, eligible: msg.eligible, countAt: msg.at });
        this.renderLive();
      }
      return true;
    }
    return false;
  }

  // -- the list ----------------------------------------------------------------------

  async load() {
    if (!this.session.isModerator()) return;
    let got;
    try {
      got = await call("GET", `/api/meetings/${encodeURIComponent(this.meetingId)}/votes`);
    } catch {
      this.showError(this.t("failed"));
      return;
    }
    if (!got.ok) {
      this.showError(got.message || this.t("failed"));
      return;
    }
    this.showError("");
    this.loaded = true;
    this.defaults = got.body.defaults || this.defaults;
    const fresh = new Map();
    for (const v of got.body.votes || []) {
      const old = this.votes.get(v.id);
      // A count the socket told after the API answered is newer: it stays.
      const keep = old?.countAt && old.status === v.status ? { voted: old.voted, eligible: old.eligible, countAt: old.countAt } : {};
      fresh.set(v.id, { ...v, ...keep });
    }
    this.votes = fresh;
    this.order = [...fresh.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : 1)).map((v) => v.id);
    if (!this.live) {
      const open = [...fresh.values()].find((v) => v.status === "open");
      this.live = open?.id ?? null;
    }
    this.render();
  }

  put(vote) {
    if (!this.votes.has(vote.id)) this.order.push(vote.id);
    this.votes.set(vote.id, { ...(this.votes.get(vote.id) || {}), ...vote });
  }

  render() {
    const votes = this.order.map((id) => this.votes.get(id)).filter(Boolean);
    // Once the meeting ended it is kept as it was: nothing to prepare or run.
    this.el.dataset.locked = String(this.session.locked);
    this.el.querySelector(".votes-new").hidden = this.session.locked;
    if (this.session.locked) {
      this.closeForm();
      this.stopAsking();
    }
    this.empty.hidden = votes.length > 0;
    // The newest first: the one just prepared or run again is at hand.
    this.list.replaceChildren(...votes.slice().reverse().map((v) => this.row(v)));
    this.renderLive();
  }

  row(v) {
    const { t } = this;
    const title = { title: v.title };
    const meta = [];
    const number = v.item_id ? this.items.get(v.item_id) : null;
    if (number) meta.push(t("item", { n: number }));
    meta.push(t(`kind_${v.kind}`));
    if (v.secret) meta.push(t("secret"));
    const button = (action, label, named, primary = false) => h("button", {
      type: "button", class: `live-mini${primary ? " primary" : ""}${action === "cancel" ? " danger" : ""}`,
      dataset: { action, id: v.id }, "aria-label": t(named, title),
    }, t(label));
    const actions = {
      draft: [button("open", "open", "open_named", true), button("edit", "edit", "edit_named"), button("cancel", "cancel", "cancel_named")],
      open: [button("close", "close", "close_named", true), button("cancel", "cancel", "cancel_named")],
      cancelled: [button("rerun", "rerun", "rerun_named")],
      closed: [],
    }[v.status] || [];
    if (this.session.locked) actions.length = 0;
    return h("li", { class: "votes-item", dataset: { id: v.id, status: v.status } },
      h("div", { class: "votes-item-head" },
        h("span", { class: "votes-item-title" }, v.title),
        h("span", { class: "tag votes-status", dataset: { status: v.status } }, t(`status_${v.status}`))),
      h("p", { class: "votes-item-meta" }, meta.join(" · ")),
      v.status === "closed" ? h("p", { class: "votes-item-result" }, summary(t, v)) : null,
      actions.length ? h("div", { class: "votes-item-actions" }, actions) : null);
  }

  // -- the vote the socket told last: open (progress, countdown), then its result -----

  renderLive() {
    const { t } = this;
    const v = this.live ? this.votes.get(this.live) : null;
    const box = this.liveBox;
    box.hidden = !v || !["open", "closed"].includes(v.status);
    if (box.hidden) {
      this.keepTicking(false);
      return;
    }
    box.dataset.status = v.status;
    box.dataset.vote = v.id;
    box.querySelector(".votes-live-status").textContent = t(`status_${v.status}`);
    box.querySelector(".votes-live-title").textContent = v.title;
    const voted = v.voted ?? 0;
    const eligible = v.eligible ?? 0;
    box.querySelector(".votes-progress").textContent = t("voted", { voted, eligible });
    box.querySelector(".votes-bar > span").style.width = `${eligible ? Math.min(100, (100 * voted) / eligible) : 0}%`;
    box.querySelector(".votes-result").replaceChildren(...(v.status === "closed" ? resultView(t, v) : []));
    const actions = box.querySelector(".votes-live-actions");
    actions.replaceChildren(...(v.status === "open" && !this.session.locked ? [
      h("button", { type: "button", class: "primary", dataset: { action: "close", id: v.id } }, t("close")),
      h("button", { type: "button", class: "danger", dataset: { action: "cancel", id: v.id } }, t("cancel")),
    ] : []));
    this.keepTicking(v.status === "open" && Boolean(v.closes_at));
    this.tick();
  }

  keepTicking(on) {
    if (on && !this.timer) this.timer = setInterval(() => this.tick(), TICK_MS);
    if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  tick() {
    const el = this.liveBox.querySelector(".votes-clock");
    const v = this.live ? this.votes.get(this.live) : null;
    const ends = Date.parse(v?.closes_at || "");
    if (!v || v.status !== "open" || !Number.isFinite(ends)) {
      el.hidden = true;
      return;
    }
    const left = (ends - (Date.now() + this.skew)) / 1000;
    el.hidden = false;
    el.dataset.state = left <= 10 ? "warning" : "running";
    // At zero the server closes it, and says so.
    el.textContent = left > 0 ? this.t("time_left", { time: clock(Math.ceil(left)) }) : this.t("closing");
  }

  // -- actions ----------------------------------------------------------------------

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  async act(action, id, button) {
    const v = this.votes.get(id);
    if (!v) return;
    if (action === "edit") return this.edit(v);
    if (action === "cancel") return this.askFor("cancel", v);
    const path = `/api/votes/${encodeURIComponent(id)}/${action}`;
    button.disabled = true;
    try {
      const got = await this.send("POST", path, action === "open" ? {} : undefined);
      if (got.ok) {
        this.accept(got.body);
        if (action === "rerun") this.toasts.show(this.t("rerun_made"));
      } else if (action === "open" && got.code === "no_quorum") {
        this.askFor("override", v, got.message);
      } else {
        this.showError(got.message || this.t("failed"));
      }
    } finally {
      button.disabled = false;
    }
  }

  async send(method, path, body) {
    try {
      return await call(method, path, body);
    } catch {
      return { ok: false, status: 0, body: null, code: "", message: this.t("failed") };
    }
  }

  /** A vote as the API answered it: in the list at once (the socket tells the rest). */
  accept(vote) {
    if (!vote?.id) return;
    this.showError("");
    this.put(vote);
    if (vote.status === "open" || vote.status === "closed") this.live = vote.id;
    this.render();
  }

  askFor(action, v, message = "") {
    const { t } = this;
    this.asking = { action, id: v.id };
    const input = this.ask.querySelector(".votes-reason");
    this.ask.querySelector(".votes-ask-text").textContent = action === "override" ? message : t("cancel_question", { title: v.title });
    this.ask.querySelector("label").firstChild.textContent = action === "override" ? t("override_label") : t("cancel_label");
    this.ask.querySelector(".votes-ask-go").textContent = action === "override" ? t("open_anyway") : t("cancel_it");
    this.ask.querySelector(".votes-ask-go").className = `votes-ask-go ${action === "override" ? "primary" : "danger"}`;
    input.required = action === "override";
    input.value = "";
    this.ask.dataset.action = action;
    this.ask.hidden = false;
    this.ask.scrollIntoView({ block: "nearest" });
    input.focus();
  }

  stopAsking() {
    this.asking = null;
    this.ask.hidden = true;
  }

  async answer() {
    const asked = this.asking;
    if (!asked) return;
    const reason = this.ask.querySelector(".votes-reason").value.trim();
    const go = this.ask.querySelector(".votes-ask-go");
    go.disabled = true;
    try {
      const body = asked.action === "override" ? { override_reason: reason } : { reason };
      const action = asked.action === "override" ? "open" : "cancel";
      const got = await this.send("POST", `/api/votes/${encodeURIComponent(asked.id)}/${action}`, body);
      if (got.ok) {
        this.stopAsking();
        this.accept(got.body);
      } else {
        // Shown where the reason was asked; what was typed stays.
        this.ask.querySelector(".votes-ask-text").textContent = got.message || this.t("failed");
      }
    } finally {
      go.disabled = false;
    }
  }

  // -- the form ----------------------------------------------------------------------

  edit(vote) {
    this.editing = vote ? vote.id : "";
    fillVoteForm(this.form, vote, this.defaults);
    this.form.querySelector(".votes-form-title").textContent = vote ? this.t("edit_vote") : this.t("new_vote");
    this.formError.hidden = true;
    this.form.hidden = false;
    this.form.scrollIntoView({ block: "nearest" });
    this.form.elements.namedItem("title").focus();
  }

  closeForm() {
    this.editing = null;
    this.form.hidden = true;
  }

  async save() {
    let body;
    try {
      body = readVoteForm(this.form);
    } catch (err) {
      this.formFailed(err.message);
      return;
    }
    const submit = this.form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const got = this.editing
        ? await this.send("PUT", `/api/votes/${encodeURIComponent(this.editing)}`, body)
        : await this.send("POST", `/api/meetings/${encodeURIComponent(this.meetingId)}/votes`, body);
      if (got.ok) {
        this.closeForm();
        this.accept(got.body);
        this.toasts.show(this.t("saved"));
      } else {
        this.formFailed(got.message || this.t("failed")); // the form keeps what was typed
      }
    } finally {
      submit.disabled = false;
    }
  }

  formFailed(text) {
    this.formError.textContent = text;
    this.formError.hidden = false;
    this.formError.scrollIntoView({ block: "nearest" });
  }
}

/** What room.js feeds: the socket's messages, its welcomes, new rights. */
export function mountVotesChair(root, session, toasts, data) {
  if (!root.querySelector("#votes-chair")) return { welcome() {}, update() {}, message() { return false; } };
  return new VotesChair(root, session, toasts, data);
}
