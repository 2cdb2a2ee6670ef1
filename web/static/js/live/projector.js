// The room's screen: the presenter's page full screen with the shared layer only,
// always following the presenter, no controls.

import { readJson, translator } from "./util.js";
import { LiveSession } from "./session.js";
import { Documents } from "./documents.js";
import { PageView } from "./viewer.js";
import { InkLayers } from "./ink.js";
import { ConnectionBadge } from "./ui.js";
import { track } from "./loads.js";
import { Floor } from "./floor.js";
import { FloorBoard, showQuorum } from "./floor-view.js";
import { mountProjectorVotes } from "../votes/projector.js";

const data = readJson("live-data");
const t = translator(readJson("live-text"));
const root = document.getElementById("live");

if (data && root) start();

function start() {
  const documents = new Documents(data);
  const view = new PageView(root.querySelector(".live-view"), { interactive: false });
  const badge = new ConnectionBadge(root.querySelector(".live-conn"), t);
  const waiting = root.querySelector(".live-waiting");
  let current = { documentId: null, page: 1 };
  let showing = 0; // follow() calls, so that a late one does not win
  // The shared layer only (`true`): the room's screen shows no one's private ink.
  const ink = new InkLayers(view, root, {
    strokes: () => (current.documentId ? session.model.onPage(current.documentId, current.page, true) : []),
    live: () => (current.documentId ? session.model.liveOnPage(current.documentId, current.page, true) : []),
  });
  const renderInk = () => ink.renderInk();
  const renderWet = () => ink.renderWet();

  const session = new LiveSession(data, {
    welcome: () => follow(),
    presented: () => {
      follow();
      votes.presented();
    },
    status: (state, socket) => badge.update(state, socket, 0),
    change: renderInk,
    live: renderWet,
    other: (msg) => floor.message(msg) || votes.message(msg),
  }, { readOnly: true });
  // The vote: its count and countdown in a corner, then the result large.
  const votes = mountProjectorVotes(root, () => session.state.where);

  // The floor over the page: who speaks with the countdown, the next three, the quorum.
  const floor = new Floor();
  const floorPanel = root.querySelector(".floor-projector");
  const ft = translator(readJson("floor-text"));
  new FloorBoard(floorPanel.querySelector(".floor-board"), floor, ft);
  floor.listen((what) => {
    if (what === "tick") return;
    const quorum = floor.quorum?.rule === "none" ? null : floor.quorum;
    showQuorum(floorPanel.querySelector(".floor-quorum"), quorum, ft);
    floorPanel.dataset.empty = String(!floor.view.current && !floor.view.queue.length && !quorum);
  });

  async function follow() {
    const where = session.state.where;
    const call = ++showing;
    if (!where?.document_id) {
      waiting.querySelector(".live-waiting-text").textContent =
        session.state.hidden ? t("presenter_hidden") : t("waiting_presenter");
      waiting.hidden = false;
      view.show(null);
      current = { documentId: null, page: 1 };
      root.dataset.document = "";
      root.dataset.page = "";
      renderInk();
      return;
    }
    const doc = await documents.ensure(where.document_id);
    if (call !== showing || !doc) return;
    waiting.hidden = true;
    const page = Math.min(Math.max(1, where.page || 1), Math.max(1, doc.pages || 1));
    current = { documentId: where.document_id, page };
    const zoom = where.viewport?.zoom || 1;
    view.show(documents.url(current.documentId, page, zoom > 1.4 ? 2400 : 1600));
    view.setViewport(where.viewport || { x: 0, y: 0, zoom: 1 });
    root.dataset.document = current.documentId;
    root.dataset.page = String(page);
    renderInk();
    renderWet();
    prefetch(where.document_id, page, doc.pages);
  }

  const prefetched = new Map();
  function prefetch(docId, page, pages) {
    const urls = [page - 1, page + 1].filter((p) => p >= 1 && p <= pages).map((p) => documents.url(docId, p, 1600));
    for (const url of urls) {
      if (!prefetched.has(url)) {
        const img = new Image();
        img.src = url;
        prefetched.set(url, track(img));
      }
    }
    for (const [url, img] of prefetched) if (!urls.includes(url) && img.complete) prefetched.delete(url);
  }

  // Full screen on a double-click or the F key (browsers ask for a user gesture).
  const toggleFullscreen = () => {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else root.requestFullscreen?.().catch(() => {});
  };
  root.addEventListener("dblclick", toggleFullscreen);
  document.addEventListener("keydown", (e) => {
    if (e.key === "f" || e.key === "F") toggleFullscreen();
  });
  // The hint fades after a few seconds, and comes back when the mouse moves.
  const hint = root.querySelector(".live-projector-hint");
  let hintTimer = null;
  const showHint = () => {
    if (!hint) return;
    hint.classList.add("is-shown");
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => hint.classList.remove("is-shown"), 3000);
  };
  root.addEventListener("mousemove", showHint);
  showHint();

  session.start();
}
