// The chair's floor (the chair and the secretary: the `moderator` grant): the quorum,
// the current speech and its time, and the whole queue in order with waiting times,
// reordered by dragging (mouse, pen or finger) or with the up/down buttons.

import { h } from "./util.js";
import { clock } from "./floor.js";
import { kindText, showClock, showQuorum } from "./floor-view.js";

/** "3" (minutes), "2.5", "0:31" (m:ss) → seconds; null when it is not a time. */
export function parseTime(text) {
  const s = String(text).trim();
  const m = /^(\d{1,3})(?::([0-5]?\d))?$/.exec(s) || /^(\d{0,3})[.,](\d+)$/.exec(s);
  if (!m) return null;
  if (s.includes(":")) return Number(m[1]) * 60 + Number(m[2] || 0);
  return Math.round(Number(s.replace(",", ".")) * 60);
}

export class FloorChair {
  constructor(el, floor, session, t, toasts, bounds = [10, 4 * 3600]) {
    Object.assign(this, { el, floor, session, t, toasts, bounds });
    this.dragging = null;
    this.refocus = null;
    this.quorum = el.querySelector(".floor-quorum");
    this.now = el.querySelector(".floor-chair-now");
    this.speaker = el.querySelector(".floor-chair-speaker");
    this.kind = el.querySelector(".floor-chair-kind");
    this.clock = el.querySelector(".floor-clock");
    this.list = el.querySelector(".floor-list");
    this.empty = el.querySelector(".floor-list-empty");
    this.nextButton = el.querySelector(".floor-next-speaker");
    this.closeButton = el.querySelector(".floor-close-list");
    this.timeForm = el.querySelector(".floor-time");
    this.timeInput = el.querySelector(".floor-time-input");
    el.querySelector(".floor-end").addEventListener("click", () => this.send({ type: "floor_end" }));
    el.querySelector(".floor-add-minute").addEventListener("click", () => this.addMinute());
    this.nextButton.addEventListener("click", () => this.send({ type: "floor_give" }));
    this.closeButton.addEventListener("click", () => this.send({ type: "floor_list", closed: !this.floor.view.list_closed }));
    this.timeForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const seconds = parseTime(this.timeInput.value);
      const [low, high] = this.bounds;
      if (seconds === null || seconds < low || seconds > high) {
        this.timeInput.setAttribute("aria-invalid", "true");
        if (seconds !== null) this.toasts.show(t("time_range", { low: clock(low), high: clock(high) }), "error");
        return;
      }
      this.timeInput.removeAttribute("aria-invalid");
      this.send({ type: "floor_time", seconds });
    });
    this.list.addEventListener("click", (e) => this.clicked(e));
    this.list.addEventListener("pointerdown", (e) => this.dragStart(e));
    this.list.addEventListener("pointermove", (e) => this.dragMove(e));
    this.list.addEventListener("pointerup", (e) => this.dragEnd(e));
    this.list.addEventListener("pointercancel", (e) => this.dragEnd(e, true));
    floor.listen((what) => {
      if (what === "tick") this.tick();
      else if (what === "quorum") showQuorum(this.quorum, floor.quorum, t);
      else this.render();
    });
  }

  send(msg) {
    if (!this.session.send(msg)) this.toasts.show(this.t("offline"), "error");
  }

  /** Shown to moderators only; a chair demoted while on this tab goes back to the agenda. */
  update() {
    const moderator = this.session.isModerator();
    if (!moderator && !this.el.hidden) document.getElementById("live-tab-agenda")?.click();
    if (moderator) this.render();
  }

  addMinute() {
    const c = this.floor.countdown();
    if (!c) return;
    const v = this.floor.view;
    // From what is left now: an overrun speech gets a minute from now, not from its end.
    const spoken = Math.round(this.floor.secondsSince(v.started_at));
    const base = v.limit === null ? spoken : Math.max(v.limit, spoken);
    this.send({ type: "floor_time", seconds: base + 60 });
  }

  render() {
    if (this.dragging) return; // after the drop
    const { floor, t } = this;
    const v = floor.view;
    const current = v.current;
    this.now.dataset.speaking = String(Boolean(current));
    this.speaker.textContent = current ? current.name : t("nobody_speaking");
    this.kind.textContent = current && current.kind !== "ordinary" ? kindText(t, current) : "";
    for (const b of this.now.querySelectorAll("button, input")) b.disabled = !current;
    if (current && document.activeElement !== this.timeInput) {
      this.timeInput.value = v.limit === null ? "" : clock(v.limit);
    }
    const queue = floor.queue();
    this.nextButton.disabled = !queue.length;
    this.closeButton.textContent = v.list_closed ? t("reopen_list") : t("close_list");
    this.closeButton.setAttribute("aria-pressed", String(v.list_closed));
    this.el.dataset.listClosed = String(v.list_closed);
    this.empty.hidden = queue.length > 0;
    this.list.replaceChildren(...queue.map((r, i) => this.row(r, i, queue.length)));
    showQuorum(this.quorum, floor.quorum, t);
    this.tick();
    if (this.refocus) {
      const { id, action } = this.refocus;
      this.refocus = null;
      const li = [...this.list.children].find((x) => x.dataset.id === id);
      (li?.querySelector(`[data-action=${action}]:not(:disabled)`) ?? li?.querySelector("[data-action=give]"))?.focus();
    }
  }

  row(r, i, count) {
    const { t } = this;
    const name = { name: r.name };
    return h("li", { class: "floor-entry", dataset: { id: r.id, kind: r.kind, person: r.person } },
      h("span", { class: "floor-grip", title: t("drag"), "aria-hidden": "true" }, icon("M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01")),
      h("span", { class: "floor-pos" }, r.position || i + 1),
      h("span", { class: "floor-who" },
        h("span", { class: "floor-name" }, r.name),
        r.kind !== "ordinary" ? h("span", { class: "floor-kind" }, kindText(t, r)) : null,
        h("span", { class: "floor-waited" }),
        r.mic_consent ? h("span", { class: "floor-mic", title: t("mic_ok") }, h("span", { class: "visually-hidden" }, t("mic_ok")),
          icon("M12 3a3 3 0 013 3v5a3 3 0 01-6 0V6a3 3 0 013-3zM6 11a6 6 0 0012 0M12 17v4")) : null),
      h("span", { class: "floor-entry-actions" },
        h("button", { type: "button", class: "live-icon", dataset: { action: "up" }, disabled: i === 0, "aria-label": t("up", name), title: t("up", name) }, icon("M6 15l6-6 6 6")),
        h("button", { type: "button", class: "live-icon", dataset: { action: "down" }, disabled: i === count - 1, "aria-label": t("down", name), title: t("down", name) }, icon("M6 9l6 6 6-6")),
        h("button", { type: "button", class: "live-mini floor-give", dataset: { action: "give" }, "aria-label": t("give_to", name) }, t("give")),
        h("button", { type: "button", class: "live-icon floor-remove", dataset: { action: "remove" }, "aria-label": t("remove", name), title: t("remove", name) }, icon("M6 6l12 12M18 6L6 18"))));
  }

  tick() {
    showClock(this.clock, this.floor, this.t);
    const byId = new Map(this.floor.view.queue.map((r) => [r.id, r]));
    for (const li of this.list.children) {
      const r = byId.get(li.dataset.id);
      const el = li.querySelector(".floor-waited");
      if (r && el) el.textContent = this.t("waited", { time: clock(this.floor.secondsSince(r.asked_at)) });
    }
  }

  order() {
    return [...this.list.children].map((li) => li.dataset.id);
  }

  clicked(e) {
    const button = e.target.closest("button[data-action]");
    const li = button?.closest("li");
    if (!li) return;
    const id = li.dataset.id;
    const action = button.dataset.action;
    if (action === "give") this.send({ type: "floor_give", request_id: id });
    else if (action === "remove") this.send({ type: "floor_remove", request_id: id });
    else {
      const order = this.order();
      const from = order.indexOf(id);
      const to = from + (action === "up" ? -1 : 1);
      if (to < 0 || to >= order.length) return;
      [order[from], order[to]] = [order[to], order[from]];
      this.refocus = { id, action };
      this.send({ type: "floor_reorder", order });
    }
  }

  // -- dragging: the grip follows the pointer (captured, so a finger may leave the row);
  // the rows move as it passes their middles, and the new order goes out on release.

  dragStart(e) {
    const grip = e.target.closest(".floor-grip");
    if (!grip || this.dragging || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    const li = grip.closest("li");
    grip.setPointerCapture(e.pointerId);
    this.dragging = { li, pointerId: e.pointerId, before: this.order().join() };
    li.classList.add("is-dragging");
  }

  dragMove(e) {
    const d = this.dragging;
    if (!d || e.pointerId !== d.pointerId) return;
    e.preventDefault();
    const rows = [...this.list.children].filter((x) => x !== d.li);
    const after = rows.find((x) => {
      const r = x.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2;
    });
    if (after) {
      if (d.li.nextElementSibling !== after) this.list.insertBefore(d.li, after);
    } else if (this.list.lastElementChild !== d.li) {
      this.list.append(d.li);
    }
  }

  dragEnd(e, cancelled = false) {
    const d = this.dragging;
    if (!d || e.pointerId !== d.pointerId) return;
    this.dragging = null;
    d.li.classList.remove("is-dragging");
    const order = this.order();
    if (!cancelled && order.join() !== d.before) this.send({ type: "floor_reorder", order });
    this.render(); // the server's order until its answer
  }
}

const SVG = "http://www.w3.org/2000/svg";

function icon(d) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}
