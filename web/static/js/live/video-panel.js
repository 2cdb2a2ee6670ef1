// The panel of the video room and the chat: opened from the bar's buttons, beside the
// document (a drawer over it on narrow screens) or enlarged over the page; its two
// tabs; and the unread count of the chat on the buttons.

import { storage } from "./util.js";

export class VideoPanel {
  constructor(root, panel, t) {
    this.root = root;
    this.panel = panel;
    this.t = t;
    this.tab = "video";
    this.openers = [...root.querySelectorAll(".vid-open")];
    this.tabs = [...panel.querySelectorAll(".vid-tabs [role=tab]")];
    this.sizeButton = panel.querySelector(".vid-size");
    this.onShow = () => {}; // (tab) the tab is now seen
    this.onHide = () => {}; // (tab) it is not any more
    for (const b of this.openers) {
      b.addEventListener("click", () => {
        if (this.isOpen() && this.tab === b.dataset.tab) this.close();
        else this.open(b.dataset.tab);
      });
    }
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.open(tab.id === "vid-tab-chat" ? "chat" : "video"));
    }
    panel.querySelector(".vid-close").addEventListener("click", () => this.close());
    this.sizeButton.addEventListener("click", () => this.setLarge(panel.dataset.mode !== "large"));
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !e.target.closest("textarea, select, input") && this.panel.querySelector(".vid-menu")?.hidden !== false) {
        if (panel.dataset.mode === "large") this.setLarge(false);
        else this.close();
      }
    });
    this.setLarge(storage.get("localStorage", "meetroom.video.large") === true, false);
  }

  isOpen() {
    return !this.panel.hidden;
  }

  /** Whether a tab is what the user sees now. */
  shows(tab) {
    return this.isOpen() && this.tab === tab && document.visibilityState !== "hidden";
  }

  videoShown() {
    return this.shows("video");
  }

  open(tab = this.tab) {
    const before = this.isOpen() ? this.tab : null;
    this.tab = tab;
    this.panel.hidden = false;
    for (const t of this.tabs) {
      const selected = (t.id === "vid-tab-chat") === (tab === "chat");
      t.setAttribute("aria-selected", String(selected));
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    }
    this.updateOpeners();
    if (before && before !== tab) this.onHide(before);
    if (before !== tab) this.onShow(tab);
  }

  close() {
    if (!this.isOpen()) return;
    this.panel.hidden = true;
    if (document.fullscreenElement && this.panel.contains(document.fullscreenElement)) document.exitFullscreen?.().catch(() => {});
    this.updateOpeners();
    this.onHide(this.tab);
  }

  setLarge(large, remember = true) {
    this.panel.dataset.mode = large ? "large" : "side";
    this.sizeButton.setAttribute("aria-pressed", String(large));
    const label = large ? this.t("shrink") : this.t("enlarge");
    this.sizeButton.title = label;
    this.sizeButton.setAttribute("aria-label", label);
    if (remember) storage.set("localStorage", "meetroom.video.large", large);
    // The document's view measures itself on resize.
    window.dispatchEvent(new Event("resize"));
  }

  updateOpeners() {
    for (const b of this.openers) b.setAttribute("aria-expanded", String(this.isOpen() && this.tab === b.dataset.tab));
  }

  setUnread(count) {
    for (const el of this.root.querySelectorAll(".chat-unread")) {
      el.hidden = !count;
      el.textContent = count > 99 ? "99+" : String(count);
      el.title = count ? this.t("unread", { count }) : "";
    }
  }
}
