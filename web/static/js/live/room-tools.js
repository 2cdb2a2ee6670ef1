// The meeting page's annotation tools: the tool bar (tool, colour, size, layer, undo and
// redo, kept per browser), the zoom buttons, and the note editor. What they draw with
// goes to the page's DrawInput (draw.js); what they store goes through the session.

import { newId, storage } from "./util.js";

const PEN_WIDTHS = [0.0018, 0.0035, 0.007];
const HIGHLIGHTER_WIDTHS = [0.012, 0.02, 0.032];
const TOOLS = ["view", "pen", "highlighter", "line", "arrow", "note", "eraser"];
const PREFS_KEY = "meetroom.tools";
const isColor = (c) => /^#[0-9a-fA-F]{6}$/.test(c || "");

export class RoomTools {
  /**
   * @param {HTMLElement} root  the page (#live)
   * @param {object} deps       session, view (PageView), toasts, t, protocol (the page
   *                            data's), where(): the page shown {documentId, page} or null
   */
  constructor(root, { session, view, toasts, t, protocol, where }) {
    this.root = root;
    this.session = session;
    this.view = view;
    this.toasts = toasts;
    this.t = t;
    this.protocol = protocol;
    this.where = where;
    this.draw = null; // the DrawInput, set by `attach`
    this.bar = root.querySelector(".live-tools");
    this.noteForm = root.querySelector(".live-note-editor");
    this.layerChoice = null; // "shared" | "private", what the user chose
    this.prefs = Object.assign(
      { tool: "view", penColor: "#1c2430", highlighterColor: "#ffd400", size: 1 },
      storage.get("localStorage", PREFS_KEY) || {},
    );
    const prefs = this.prefs;
    if (!isColor(prefs.penColor)) prefs.penColor = "#1c2430";
    if (!isColor(prefs.highlighterColor)) prefs.highlighterColor = "#ffd400";
    if (![0, 1, 2].includes(prefs.size)) prefs.size = 1;
    if (!TOOLS.includes(prefs.tool)) prefs.tool = "view";

    this.bar.addEventListener("click", (e) => this.clicked(e));
    root.querySelector(".live-zoom").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-zoom]");
      if (!b) return;
      if (b.dataset.zoom === "in") view.zoomBy(1.5);
      else if (b.dataset.zoom === "out") view.zoomBy(1 / 1.5);
      else view.fit();
    });
    this.noteForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.saveNote();
    });
    this.noteForm.querySelector(".live-note-cancel").addEventListener("click", () => this.closeNote());
    this.noteForm.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.closeNote();
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) this.noteForm.requestSubmit();
    });
  }

  attach(draw) {
    this.draw = draw;
  }

  /** The layer drawn on: the one chosen, if it is allowed now. */
  layer() {
    return this.layerChoice === "shared" && this.session.mayDrawShared() ? "shared" : "private";
  }

  /** Welcomed: the first choice of layer follows the rights. */
  welcome() {
    if (this.layerChoice === null) this.layerChoice = this.session.mayDrawShared() ? "shared" : "private";
  }

  /** The shared layer was closed to us: back to the private one. */
  leaveSharedIfClosed() {
    if (!this.session.mayDrawShared() && this.layerChoice === "shared") this.layerChoice = "private";
  }

  clicked(e) {
    const b = e.target.closest("button");
    if (!b) return;
    const prefs = this.prefs;
    if (b.dataset.tool) {
      prefs.tool = b.dataset.tool;
      if (prefs.tool !== "note") this.closeNote();
      this.apply();
    } else if (b.dataset.color) {
      if (prefs.tool === "highlighter") prefs.highlighterColor = b.dataset.color;
      else prefs.penColor = b.dataset.color;
      if (prefs.tool === "view" || prefs.tool === "eraser" || prefs.tool === "note") prefs.tool = "pen";
      this.apply();
    } else if (b.dataset.size) {
      prefs.size = Number(b.dataset.size);
      if (prefs.tool === "view" || prefs.tool === "eraser" || prefs.tool === "note") prefs.tool = "pen";
      this.apply();
    } else if (b.dataset.layer) {
      if (b.dataset.layer === "shared" && !this.session.mayDrawShared()) {
        this.toasts.show(this.t("shared_closed"));
        return;
      }
      this.layerChoice = b.dataset.layer;
      this.update();
    } else if (b.dataset.action === "undo") {
      this.undo();
    } else if (b.dataset.action === "redo") {
      this.redo();
    }
  }

  /** The preferences to the drawing input (and kept for the next visit). */
  apply() {
    const { prefs, draw } = this;
    draw.tool = prefs.tool;
    const highlighter = prefs.tool === "highlighter";
    draw.color = highlighter ? prefs.highlighterColor : prefs.penColor;
    draw.width = (highlighter ? HIGHLIGHTER_WIDTHS : PEN_WIDTHS)[prefs.size] ?? PEN_WIDTHS[1];
    storage.set("localStorage", PREFS_KEY, prefs);
    this.update();
  }

  update() {
    const { bar, prefs, draw, session } = this;
    for (const b of bar.querySelectorAll("[data-tool]")) b.setAttribute("aria-pressed", String(b.dataset.tool === prefs.tool));
    for (const b of bar.querySelectorAll("[data-color]")) b.setAttribute("aria-pressed", String(b.dataset.color === draw.color));
    for (const b of bar.querySelectorAll("[data-size]")) b.setAttribute("aria-pressed", String(Number(b.dataset.size) === prefs.size));
    const layer = this.layer();
    const shared = bar.querySelector('[data-layer="shared"]');
    const allowed = session.mayDrawShared();
    shared.setAttribute("aria-disabled", String(!allowed));
    shared.title = allowed ? "" : this.t("shared_closed");
    for (const b of bar.querySelectorAll("[data-layer]")) b.setAttribute("aria-pressed", String(b.dataset.layer === layer));
    bar.dataset.tool = prefs.tool;
    bar.dataset.layer = layer;
    this.root.dataset.layer = layer;
    this.view.view.dataset.tool = prefs.tool;
  }

  // -- undo / redo -----------------------------------------------------------------------

  undo() {
    const target = this.session.model.undoTarget();
    this.session.commit({ type: "undo", op_id: newId() }, { target });
  }

  redo() {
    const restore = this.session.model.redoTarget();
    this.session.commit({ type: "redo", op_id: newId() }, { restore });
  }

  // -- notes -------------------------------------------------------------------------

  openNote(u, v, clientX, clientY) {
    const shown = this.where();
    const where = shown ? { ...shown } : null;
    if (!where) return;
    const form = this.noteForm;
    form.hidden = false;
    form.dataset.x = String(u);
    form.dataset.y = String(v);
    form.dataset.document = where.documentId;
    form.dataset.page = String(where.page);
    const rect = this.view.view.getBoundingClientRect();
    const width = Math.min(320, rect.width - 16);
    const left = Math.min(Math.max(8, clientX - rect.left - 12), rect.width - width - 8);
    const top = Math.min(Math.max(8, clientY - rect.top + 12), Math.max(8, rect.height - 190));
    form.style.left = `${left}px`;
    form.style.top = `${top}px`;
    form.style.width = `${width}px`;
    const area = form.querySelector("textarea");
    area.value = "";
    area.focus();
  }

  closeNote() {
    this.noteForm.hidden = true;
  }

  saveNote() {
    const text = this.noteForm.querySelector("textarea").value.trim();
    if (!text) {
      this.closeNote();
      return;
    }
    const d = this.noteForm.dataset;
    const msg = {
      type: "note", op_id: newId(), document_id: d.document, page: Number(d.page), layer: this.layer(),
      x: Number(d.x), y: Number(d.y), text: text.slice(0, this.protocol.max_text), color: "#fff4a3",
    };
    const annotation = {
      op_id: msg.op_id, author: this.session.you(), document_id: msg.document_id, page: msg.page, layer: msg.layer,
      kind: "note", x: msg.x, y: msg.y, text: msg.text, color: msg.color,
    };
    this.session.commit(msg, { annotation });
    this.closeNote();
  }
}
