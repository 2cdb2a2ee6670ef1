// Brief messages (toasts) and the connection state shown to the user.

import { h } from "./util.js";

const TOAST_MS = 4500;

export class Toasts {
  constructor(container) {
    this.container = container;
    this.recent = new Map(); // text -> time, so one cause shows one message
  }

  show(text, kind = "info") {
    if (!text || !this.container) return;
    const now = Date.now();
    if (now - (this.recent.get(text) ?? 0) < 2500) return;
    this.recent.set(text, now);
    const el = h("div", { class: `live-toast is-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
    this.container.append(el);
    while (this.container.children.length > 3) this.container.firstElementChild.remove();
    requestAnimationFrame(() => el.classList.add("is-shown"));
    setTimeout(() => {
      el.classList.remove("is-shown");
      setTimeout(() => el.remove(), 300);
    }, TOAST_MS);
  }
}

/** The connection pill: connected / connecting / reconnecting in N s / offline. */
export class ConnectionBadge {
  constructor(el, t) {
    this.el = el;
    this.t = t;
    this.label = el?.querySelector(".live-conn-text") ?? el;
    this.count = el?.querySelector(".live-conn-count");
    this.socket = null;
    this.state = "connecting";
    this.pending = 0;
    this.failure = "";
    this.tick = null;
  }

  update(state, socket, pending = this.pending) {
    if (!this.el) return;
    this.state = state;
    this.socket = socket ?? this.socket;
    this.pending = pending;
    if (state === "failed") this.failure = this.socket?.failed || "";
    clearInterval(this.tick);
    if (state === "waiting") this.tick = setInterval(() => this.render(), 500);
    this.render();
  }

  setPending(pending) {
    this.pending = pending;
    this.render();
  }

  render() {
    const { t, state } = this;
    let text;
    switch (state) {
      case "connected": text = t("connected"); break;
      case "waiting": text = t("waiting", { seconds: this.socket?.secondsToRetry() ?? 0 }); break;
      case "reconnecting": text = t("reconnecting"); break;
      case "offline": text = t("offline"); break;
      case "failed": text = this.failure || t("failed"); break;
      case "ended": text = t(`ended_${this.socket?.ended}`); break;
      default: text = t("connecting");
    }
    this.el.dataset.state = state;
    document.getElementById("live")?.setAttribute("data-connection", state);
    this.label.textContent = text;
    if (this.count) {
      this.count.hidden = !this.pending;
      this.count.textContent = String(this.pending);
      this.count.title = this.pending ? t("unsent", { count: this.pending }) : "";
    }
    this.el.title = this.pending ? `${text} · ${t("unsent", { count: this.pending })}` : text;
  }
}
