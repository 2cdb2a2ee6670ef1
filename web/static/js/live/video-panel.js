// The panel of the video room and the chat: opened from the bar's buttons, a strip
// beside the document (above it on an upright screen) that can be resized and
// collapsed to its controls, or enlarged over the page; its two tabs; and the unread
// count of the chat on the buttons.

import { storage } from "./util.js";
import { StripSizer } from "./video-strip.js";

export class VideoPanel {
  constructor(root, panel, t) {
    this.root = root;
    this.panel = panel;
    this.t = t;
    this.tab = "video";
    this.collapsed = false;
    this.openers = [...root.querySelectorAll(".vid-open")];
    this.tabs = [...panel.querySelectorAll(".vid-tabs [role=tab]")];
    this.sizeButton = panel.querySelector(".vid-size");
    this.collapseButton = panel.querySelector(".vid-collapse");
    this.onShow = () => {}; // (tab) the tab is now seen
    this.onHide = () => {}; // (tab) it is not any more
    this.onLayout = () => {}; // the panel took or gave back room beside the document
    this.strip = new StripSizer(root, panel, panel.querySelector(".vid-grip"), () => this.setCollapsed(true));
    for (const b of this.openers) {
      b.addEventListener("click", () => {
        if (this.shows(b.dataset.tab)) this.close();
        else this.open(b.dataset.tab);
      });
    }
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.open(tab.id === "vid-tab-chat" ? "chat" : "video"));
    }
    panel.querySelector(".vid-close").addEventListener("click", () => this.close());
    this.sizeButton.addEventListener("click", () => this.setLarge(panel.dataset.mode !== "large"));
    this.collapseButton.addEventListener("click", () => this.setCollapsed(!this.collapsed));
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !e.target.closest("textarea, select, input") && this.panel.querySelector(".vid-menu")?.hidden !== false) {
        if (panel.dataset.mode === "large") this.setLarge(false);
        else this.close();
      }
    });
    this.setLarge(storage.get("localStorage", "meetroom.video.large") === true, false);
    this.renderCollapsed();
  }

  isOpen() {
    return !this.panel.hidden;
  }

  /** Open and beside the document (not over it): it takes room from the stage. */
  docked() {
    return this.isOpen() && this.panel.dataset.mode !== "large";
  }

  /** The tab the user sees now, or null. */
  seen() {
    return this.isOpen() && !this.collapsed ? this.tab : null;
  }

  /** Whether a tab is what the user sees now. */
  shows(tab) {
    return this.seen() === tab && document.visibilityState !== "hidden";
  }

  videoShown() {
    return this.shows("video");
  }

  open(tab = this.tab) {
    const before = this.seen();
    this.tab = tab;
    this.panel.dataset.tab = tab;
    this.panel.hidden = false;
    this.collapsed = false;
    for (const t of this.tabs) {
      const selected = (t.id === "vid-tab-chat") === (tab === "chat");
      t.setAttribute("aria-selected", String(selected));
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    }
    this.renderCollapsed();
    this.updateOpeners();
    this.layout();
    if (before && before !== tab) this.onHide(before);
    if (before !== tab) this.onShow(tab);
  }

  /** The page makes its room (the agenda may turn into a drawer), then the strip takes
   * its size within what is left. */
  layout() {
    this.onLayout();
    if (this.isOpen()) this.strip.apply();
  }

  close() {
    if (!this.isOpen()) return;
    const before = this.seen();
    this.panel.hidden = true;
    this.collapsed = false;
    this.renderCollapsed();
    if (document.fullscreenElement && this.panel.contains(document.fullscreenElement)) document.exitFullscreen?.().catch(() => {});
    this.updateOpeners();
    if (before) this.onHide(before);
    this.layout();
  }

  /** Collapsed: only the controls stay (microphone, camera, hand, leave), in a narrow
   * column (landscape) or a single row (upright); the pictures and the chat are hidden. */
  setCollapsed(collapsed) {
    if (collapsed === this.collapsed || !this.isOpen()) return;
    if (collapsed && this.panel.dataset.mode === "large") this.setLarge(false);
    const before = this.seen();
    this.collapsed = collapsed;
    this.renderCollapsed();
    this.layout();
    if (collapsed && before) this.onHide(before);
    if (!collapsed) this.onShow(this.tab);
  }

  renderCollapsed() {
    this.panel.dataset.collapsed = String(this.collapsed);
    this.collapseButton.setAttribute("aria-expanded", String(!this.collapsed));
    const label = this.collapsed ? this.t("expand") : this.t("collapse");
    this.collapseButton.title = label;
    this.collapseButton.setAttribute("aria-label", label);
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
    this.layout();
  }

  /** How the panel is, for the page after a reload. */
  snapshot() {
    return { open: this.isOpen(), tab: this.tab, collapsed: this.collapsed };
  }

  restore(kept) {
    if (!kept?.open) return;
    this.open(kept.tab === "chat" ? "chat" : "video");
    if (kept.collapsed) this.setCollapsed(true);
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
