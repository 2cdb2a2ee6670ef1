// What everyone sees of the floor (the current speaker with the countdown, the next
// three, the quorum), and a delegate's "Ask to speak" on the meeting page.

import { h, newId } from "./util.js";

const NEXT_SHOWN = 3;

export function kindText(t, entry) {
  const kind = t(`kind_${entry.kind}`);
  return entry.subject ? `${kind}: ${entry.subject}` : kind;
}

/** The clock's words for screen readers (the digits alone say nothing of overrun). */
export function clockLabel(t, c) {
  if (c.state === "over") return t("time_over", { time: c.text });
  if (c.state === "open") return t("time_spoken", { time: c.text });
  return t("time_left", { time: c.text });
}

/** Sets a countdown element from the floor's clock (text, state, label). */
export function showClock(el, floor, t) {
  const c = floor.countdown();
  el.hidden = !c;
  if (!c) return;
  if (el.textContent !== c.text) el.textContent = c.text;
  el.dataset.state = c.state;
  el.setAttribute("aria-label", clockLabel(t, c));
}

/** The quorum in colour and in words (never colour alone). */
export function showQuorum(el, quorum, t) {
  el.hidden = !quorum;
  if (!quorum) return;
  const none = quorum.rule === "none";
  const state = none ? "none" : quorum.reached ? "reached" : "missing";
  el.dataset.state = state;
  const word = none ? t("quorum_none") : quorum.reached ? t("quorum_reached") : t("quorum_not_reached");
  const counts = none ? t("quorum_counts_none", quorum) : t("quorum_counts", quorum);
  el.replaceChildren(
    h("span", { class: "floor-quorum-mark", "aria-hidden": "true" }, state === "reached" ? "✓" : state === "missing" ? "!" : "–"),
    h("strong", { class: "floor-quorum-state" }, word),
    h("span", { class: "floor-quorum-counts" }, counts),
  );
}

/** The current speaker with the countdown, and the next three. */
export class FloorBoard {
  constructor(el, floor, t) {
    this.el = el;
    this.floor = floor;
    this.t = t;
    this.name = h("strong", { class: "floor-speaker" });
    this.kind = h("span", { class: "floor-kind" });
    this.clock = h("span", { class: "floor-clock", role: "timer" });
    this.label = h("span", { class: "floor-label" });
    this.next = h("ol", { class: "floor-next", "aria-label": t("next") });
    this.nextLabel = h("span", { class: "floor-label" }, t("next"));
    el.replaceChildren(
      h("div", { class: "floor-now" }, this.label, this.name, this.kind, this.clock),
      h("div", { class: "floor-queue" }, this.nextLabel, this.next),
    );
    floor.listen((what) => (what === "tick" ? this.tick() : what === "floor" ? this.render() : null));
    this.render();
  }

  render() {
    const { floor, t } = this;
    const current = floor.view.current;
    this.el.dataset.speaking = String(Boolean(current));
    this.label.textContent = current ? t("speaking") : t("nobody_speaking");
    this.name.textContent = current?.name ?? "";
    this.name.dataset.person = current?.person ?? "";
    this.kind.textContent = current && current.kind !== "ordinary" ? kindText(t, current) : "";
    this.kind.hidden = !this.kind.textContent;
    const next = floor.queue().slice(0, NEXT_SHOWN);
    this.next.replaceChildren(...next.map((r) => h("li", { dataset: { kind: r.kind, person: r.person } },
      r.name, r.kind !== "ordinary" ? h("span", { class: "floor-kind" }, ` · ${t(`kind_${r.kind}`)}`) : null)));
    this.nextLabel.textContent = next.length ? t("next") : t("nobody_waiting");
    this.next.hidden = !next.length;
    this.tick();
  }

  tick() {
    showClock(this.clock, this.floor, this.t);
    const c = this.floor.countdown();
    this.el.dataset.clock = c ? c.state : "";
  }
}

/** "Ask to speak" (a dialog: kind, subject of a point of order, the microphone's
 * consent), then "You are number N" with "Withdraw". The request goes with an id of the
 * client's choosing, sent again on reconnecting until the server answers `floor_asked`:
 * one request however often it arrives. */
export class AskControl {
  constructor(el, dialog, floor, session, t) {
    Object.assign(this, { el, dialog, floor, session, t });
    this.pending = null; // the floor_ask sent and not answered yet
    this.button = h("button", { type: "button", class: "primary floor-ask-button", onclick: () => this.openDialog() }, t("ask"));
    this.status = h("span", { class: "floor-mine", role: "status" });
    this.withdraw = h("button", { type: "button", class: "floor-withdraw", onclick: () => this.doWithdraw() }, t("withdraw"));
    el.replaceChildren(this.status, this.button, this.withdraw);
    this.form = dialog.querySelector("form");
    this.subject = dialog.querySelector(".floor-subject");
    this.form.addEventListener("change", () => this.kindChanged());
    this.form.addEventListener("submit", (e) => this.submit(e));
    dialog.querySelector(".floor-cancel").addEventListener("click", () => dialog.close());
    floor.listen((what) => (what === "floor" ? this.render() : null));
    this.render();
  }

  /** Who may ask: a participant of the meeting (not an observer), while it may change. */
  mayAsk() {
    const me = this.session.me;
    return Boolean(me && this.session.you()?.startsWith("p:") && me.role !== "observer" && !this.session.locked);
  }

  render() {
    const { floor, t } = this;
    const you = this.session.you();
    const mine = floor.requestOf(you);
    const speaking = floor.speaks(you);
    this.el.hidden = !this.mayAsk() && !mine && !speaking;
    this.el.dataset.state = speaking ? "speaking" : mine ? "asked" : this.pending ? "sending" : "idle";
    if (speaking) this.status.textContent = t("you_speak");
    else if (mine) this.status.textContent = t("you_are_number", { n: mine.position });
    else this.status.textContent = "";
    this.status.hidden = !this.status.textContent;
    this.button.hidden = Boolean(mine || speaking);
    this.button.disabled = Boolean(this.pending) || !this.mayAsk();
    this.button.textContent = this.pending ? t("asking") : t("ask");
    this.withdraw.hidden = !mine;
    this.mine = mine;
  }

  openDialog() {
    this.form.reset();
    this.kindChanged();
    const closed = this.floor.view.list_closed;
    this.dialog.querySelector(".floor-closed-note").hidden = !closed;
    // A closed list takes points of order only.
    for (const radio of this.form.querySelectorAll("input[name=kind]")) {
      radio.disabled = closed && radio.value !== "point_of_order";
    }
    if (closed) {
      this.form.querySelector("input[value=point_of_order]").checked = true;
      this.kindChanged();
    }
    this.dialog.showModal();
  }

  kindChanged() {
    const kind = new FormData(this.form).get("kind");
    const order = kind === "point_of_order";
    this.subject.closest(".floor-subject-field").hidden = !order;
    this.subject.required = order;
  }

  submit(e) {
    e.preventDefault();
    const data = new FormData(this.form);
    const kind = String(data.get("kind") || "ordinary");
    this.pending = {
      type: "floor_ask",
      client_id: newId(),
      kind,
      subject: kind === "point_of_order" ? String(data.get("subject") || "").trim() : "",
      agenda_item_id: this.session.state?.where?.item_id || null,
      mic_consent: data.get("mic_consent") === "on",
    };
    this.dialog.close();
    this.session.send(this.pending); // if down: sent on the next welcome
    this.render();
  }

  doWithdraw() {
    if (this.mine) this.session.send({ type: "floor_withdraw", request_id: this.mine.id });
  }

  welcome() {
    if (this.pending) this.session.send(this.pending);
    this.render();
  }

  message(msg) {
    if (msg.type === "floor_asked" && msg.client_id === this.pending?.client_id) {
      this.pending = null;
      this.render();
    } else if (msg.type === "error" && msg.ref === "floor_ask" && this.pending) {
      this.pending = null; // the page's toast says why
      this.render();
    }
  }
}
