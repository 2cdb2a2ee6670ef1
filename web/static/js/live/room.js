// The meeting page on a tablet or in a browser: the agenda, the current document page
// large with its annotations, thumbnails, page turning, zoom; following the presenter
// (or presenting), the annotation tools, and the chair's controls.

import { readJson, translator, h, storage } from "./util.js";
import { LiveSession } from "./session.js";
import { Documents } from "./documents.js";
import { PageView } from "./viewer.js";
import { DrawInput } from "./draw.js";
import { RoomTools } from "./room-tools.js";
import { PageFollow } from "./room-follow.js";
import { InkLayers } from "./ink.js";
import { Toasts, ConnectionBadge } from "./ui.js";
import { ChairPanel } from "./chair.js";
import { track, isLeaving } from "./loads.js";
import { VideoPanel } from "./video-panel.js";
import { VideoRoom } from "./video.js";
import { ChatPanel } from "./chat.js";
import { mountFloor } from "./floor-room.js";
import { mountVotesChair } from "../votes/chair.js";
import { LifecycleView } from "./lifecycle.js";
import { TakeOver } from "./takeover.js";
import { callSnapshot, keepOnLanguageChange, resumeCall, takeKept } from "./carry-over.js";
import { mountBallots } from "../votes/room.js";
import { mountNotes } from "../notes/chair.js";

const data = readJson("live-data");
const t = translator(readJson("live-text"));
const root = document.getElementById("live");

const THUMB_WIDTH = 240;

if (data && root) start();

function start() {
  const documents = new Documents(data);
  const toasts = new Toasts(root.querySelector(".live-toasts"));
  const badge = new ConnectionBadge(root.querySelector(".live-conn"), t);
  const view = new PageView(root.querySelector(".live-view"));
  const bar = {
    title: root.querySelector(".live-doc-title"),
    pageNo: root.querySelector(".live-pageno"),
    follow: root.querySelector(".live-follow"),
    back: root.querySelector(".live-back"),
    prev: root.querySelector(".live-prev"),
    next: root.querySelector(".live-next"),
    empty: root.querySelector(".live-empty"),
  };
  const thumbs = root.querySelector(".live-thumbs");
  const side = document.getElementById("live-side");
  const scrim = root.querySelector(".live-scrim");
  const menuButton = root.querySelector(".live-menu");

  let thumbsFor = null;

  const session = new LiveSession(data, {
    welcome: onWelcome,
    presented: onPresented,
    presence: (people) => {
      chair.setPeople(people);
      updateFollowUi();
    },
    error: onError,
    closed: (code, ended) => {
      if (code === data.protocol.close.flooding) toasts.show(t("flooding"), "error");
      if (ended) onEnded(ended);
    },
    rights: onRights,
    status: (state, socket) => {
      badge.update(state, socket, session.model.pendingCount());
      video.status(state);
    },
    change: () => {
      badge.setPending(session.model.pendingCount());
      renderInk();
    },
    live: renderWet,
    documentHidden: onDocumentHidden,
    documentShown: onDocumentShown,
    other: (msg) => {
      ballots.message(msg);
      video.message(msg);
      chat.message(msg);
      lifecycle.message(msg);
      floor.message(msg);
      votesChair.message(msg);
      notes.message(msg);
    },
  });
  // The video room and the chat, in a panel beside (or over) the document.
  const tv = translator(readJson("video-text"));
  const panel = new VideoPanel(root, document.getElementById("vid-panel"), tv);
  const video = new VideoRoom({ panel: panel.panel, session, t: tv, toasts, shell: panel });
  const chat = new ChatPanel(root.querySelector("#vid-chat"), session, tv, {
    meetingId: data.meeting.id,
    shown: () => panel.shows("chat"),
    onUnread: (count) => panel.setUnread(count),
  });
  panel.onShow = (tab) => (tab === "chat" ? chat.seen() : video.shown());
  panel.onHide = (tab) => (tab === "video" ? video.hidden() : null);
  // A language change reloads the page: the call and the panel come back as they were.
  const kept = takeKept(data.meeting.id);
  keepOnLanguageChange(data.meeting.id, () => ({ video: callSnapshot(video), panel: panel.snapshot() }));
  document.addEventListener("visibilitychange", () => {
    if (panel.shows("chat")) chat.seen();
  });
  const lifecycle = new LifecycleView(root, translator(readJson("lifecycle-text")), toasts, () =>
    session.isModerator(),
  );
  const chair = new ChairPanel(root.querySelector(".live-chair"), session, documents, t);
  const floor = mountFloor(root, session, toasts, data.protocol);
  const votesChair = mountVotesChair(root, session, toasts, data);
  const notes = mountNotes(root, session, data);
  chair.onOffline = () => toasts.show(t("not_connected_now"), "error");
  const pages = new PageFollow(root, {
    session, documents, view, toasts, t,
    shown: (moved) => {
      if (moved) tools.closeNote();
      bar.empty.hidden = true;
      renderInk();
      renderWet();
      updateBar();
      updateThumbs();
      updateAgenda();
    },
    empty: () => {
      bar.empty.hidden = false;
      updateBar();
    },
    followChanged: () => updateFollowUi(),
    drawing: () => Boolean(draw.stroke),
  });
  const takeOver = new TakeOver(root.querySelector(".live-take-over"), session, t,
    () => (pages.here() ? pages.whereNow() : null));
  takeOver.onOffline = chair.onOffline;
  // The vote: the band, the ballot full screen, "Check my ballot".
  const ballots = mountBallots(root, session, data.meeting.id);
  const tools = new RoomTools(root, {
    session, view, toasts, t, protocol: data.protocol, where: () => pages.here(),
  });
  const draw = new DrawInput(view, {
    where: () => pages.here(),
    layer: () => tools.layer(),
    you: () => session.you(),
    sendLive: (msg) => session.send(msg),
    commit: (msg, extra) => session.commit(msg, extra),
    strokesHere: () => session.model.onPage(pages.current.documentId, pages.current.page),
    mayErase: (a) => session.model.isMine(a) || (a.layer === "shared" && session.mayDrawShared()),
    openNote: (...at) => tools.openNote(...at),
    redrawWet: renderWet,
  }, data.protocol.max_points);
  tools.attach(draw);

  // -- what the server says ---------------------------------------------------------

  function onWelcome(msg, first) {
    ballots.welcome();
    lifecycle.welcome(msg);
    chat.welcome(msg);
    video.welcome(msg);
    tools.welcome();
    pages.welcome(first);
    tools.update();
    updateFollowUi();
    chair.update();
    floor.welcome();
    votesChair.welcome();
    notes.welcome();
  }

  /** Removed, the link replaced, signed out: the page says so and leaves the video
   * (the server let this person go already; the others no longer see the tile). */
  function onEnded(reason) {
    video.end();
    lifecycle.ended(t(`ended_${reason}`));
    toasts.show(t(`ended_${reason}`), "error");
    tools.update();
    updateFollowUi();
  }

  /** New rights while connected: only what they allow is shown (a demoted chair's
   * controls go). */
  function onRights(msg) {
    lifecycle.show(session.meetingStatus, session.locked, false);
    tools.leaveSharedIfClosed();
    toasts.show(t("rights_changed", { role: t(`role_${msg.role}`) }));
    video.render();
    ballots.update();
    tools.update();
    updateFollowUi();
    chair.update();
    floor.update();
    votesChair.update();
    notes.update();
  }

  function onPresented(state, old) {
    pages.presenterChanged(state, old);
    notes.presented();
    if (Boolean(state.shared_open) !== Boolean(old.shared_open) && !session.hasGrant("can_annotate_shared")) {
      toasts.show(state.shared_open ? t("shared_opened") : t("shared_closed_now"));
    }
    if (!session.hasGrant("can_annotate_shared")) tools.leaveSharedIfClosed();
    tools.update();
    chair.update();
    pages.presentedMoved(state);
    updateFollowUi();
    pages.prefetch();
  }

  /** Its access list no longer has us: close it, and take it off the list. */
  function onDocumentHidden(id) {
    documents.forget(id);
    for (const li of side.querySelectorAll("li.live-doc")) if (li.dataset.document === id) li.remove();
    if (pages.current.documentId === id) {
      tools.closeNote();
      pages.clear();
      toasts.show(t("document_hidden"), "error");
      pages.showFirst();
    }
    updateFollowUi();
  }

  /** Given to us: on the list (under its agenda item), its annotations come with it. */
  async function onDocumentShown(id) {
    const doc = await documents.ensure(id);
    if (!doc || side.querySelector(`li.live-doc[data-document="${CSS.escape(id)}"]`)) return;
    const itemId = documents.itemOf(id);
    const item = itemId ? side.querySelector(`li[data-item="${CSS.escape(itemId)}"]`) : null;
    const agenda = side.querySelector(".live-agenda");
    let list = item ? item.querySelector("ul.live-docs") : agenda.querySelector(":scope > ul.live-docs");
    if (!list) {
      list = h("ul", { class: "live-docs" });
      if (item) item.append(list);
      else agenda.querySelector(".live-side-links").before(h("h2", { class: "live-other" }, t("other_documents")), list);
    }
    list.append(h("li", { class: "live-doc", dataset: { document: id, status: doc.status } },
      h("button", { type: "button", class: "doc-open", dataset: { doc: id }, disabled: doc.status !== "ready" },
        h("span", { class: "doc-name" }, doc.title))));
    updateAgenda();
    if (!pages.here()) pages.showFirst();
  }

  function onError(msg, item) {
    if (msg.ref === "vote_cast") return; // said in words on the ballot (votes/ballot.js)
    toasts.show(msg.message || msg.code, "error");
    if (item?.annotation) renderInk();
  }

  // -- drawing ---------------------------------------------------------------------------

  // Both layers (shared and one's own private), notes not yet stored marked pending,
  // and one's own stroke as it is drawn.
  const ink = new InkLayers(view, root, {
    strokes: () => (pages.current.documentId ? session.model.onPage(pages.current.documentId, pages.current.page) : []),
    live: () => (pages.current.documentId ? session.model.liveOnPage(pages.current.documentId, pages.current.page) : []),
    notes: (list) => {
      const pending = new Set(session.model.outbox.map((i) => i.annotation?.op_id).filter(Boolean));
      return list.filter((a) => a.kind === "note").map((a) => ({ ...a, pending: pending.has(a.op_id) }));
    },
    own: () => {
      const s = draw.stroke;
      return s && s.document_id === pages.current.documentId && s.page === pages.current.page ? s : null;
    },
  });

  function renderInk() {
    ink.renderInk();
  }

  function renderWet() {
    ink.renderWet();
  }

  view.onUserChange = () => {
    pages.userMoved();
    pages.sharpen();
  };
  view.onTurn = (delta) => pages.turn(delta);
  view.onImage = () => pages.prefetch();

  // -- the bar, thumbnails, agenda -------------------------------------------------------

  function updateBar() {
    const doc = documents.get(pages.current.documentId);
    bar.title.textContent = doc ? doc.title : "";
    if (doc) {
      bar.pageNo.textContent = t("page_of", { page: pages.current.page, pages: doc.pages });
      bar.pageNo.dataset.page = String(pages.current.page);
    } else {
      bar.pageNo.textContent = "";
    }
    bar.prev.disabled = !doc || pages.current.page <= 1;
    bar.next.disabled = !doc || pages.current.page >= (doc?.pages || 0);
    view.img.alt = doc ? t("page_alt", { page: pages.current.page }) : "";
  }

  function updateFollowUi() {
    const where = pages.presentedWhere();
    // Everyone sees who presents (one person: see live_presenter.py).
    const { presenter, presenter_name: name } = session.state;
    let text = t("waiting_presenter");
    if (session.isPresenter()) text = t("presenting");
    else if (session.state.hidden) text = t("presenter_hidden"); // not where: see live_visibility.py
    else if (presenter) text = name ? t("presenter_is", { name }) : t("following");
    const showBack = !session.mayPresent() && !pages.following && Boolean(where);
    bar.follow.textContent = text;
    bar.follow.hidden = !text;
    bar.back.hidden = !showBack;
    root.dataset.following = String(pages.following);
    root.dataset.presenting = String(session.mayPresent());
    root.dataset.presenterHidden = String(Boolean(session.state.hidden) && !session.isPresenter());
    takeOver.update();
    updateThumbs();
    updateAgenda();
  }

  function updateThumbs() {
    const docId = pages.current.documentId;
    if (!docId) {
      thumbs.replaceChildren();
      thumbsFor = null;
      return;
    }
    if (thumbsFor !== docId) {
      thumbsFor = docId;
      const count = documents.pages(docId);
      const items = [];
      thumbLoader.disconnect();
      for (let p = 1; p <= count; p += 1) {
        const img = h("img", { alt: "", decoding: "async", dataset: { src: documents.url(docId, p, THUMB_WIDTH) } });
        thumbLoader.observe(img);
        items.push(h("button", { type: "button", class: "live-thumb", dataset: { page: p }, "aria-label": t("page_alt", { page: p }) },
          img, h("span", { class: "live-thumb-no" }, p)));
      }
      thumbs.replaceChildren(...items);
    }
    const presenterPage = pages.presentedWhere()?.document_id === docId ? pages.presentedWhere().page : null;
    for (const el of thumbs.children) {
      const p = Number(el.dataset.page);
      if (p === pages.current.page) el.setAttribute("aria-current", "page");
      else el.removeAttribute("aria-current");
      el.classList.toggle("is-presenter", p === presenterPage);
    }
    const active = thumbs.querySelector('[aria-current="page"]');
    if (active) {
      const box = thumbs.getBoundingClientRect();
      const r = active.getBoundingClientRect();
      if (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom) {
        active.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }
  }

  // Thumbnails load when they come into view (and not while the page is being left).
  const thumbLoader = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting || isLeaving()) continue;
      const img = entry.target;
      thumbLoader.unobserve(img);
      img.src = img.dataset.src;
      track(img);
    }
  }, { root: thumbs, rootMargin: "300px" });

  function updateAgenda() {
    const presented = pages.presentedWhere()?.document_id;
    for (const button of side.querySelectorAll("button.doc-open")) {
      const id = button.dataset.doc;
      if (id === pages.current.documentId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
      button.classList.toggle("is-presented", id === presented);
    }
    const item = pages.presentedWhere()?.item_id ?? documents.itemOf(presented);
    for (const li of side.querySelectorAll("li[data-item]")) {
      li.classList.toggle("is-presented", li.dataset.item === item);
    }
  }

  // -- navigation controls --------------------------------------------------------------

  bar.prev.addEventListener("click", () => pages.turn(-1));
  bar.next.addEventListener("click", () => pages.turn(1));
  bar.back.addEventListener("click", () => pages.backToPresenter());
  thumbs.addEventListener("click", (e) => {
    const b = e.target.closest(".live-thumb");
    if (b && pages.here()) pages.navigate(pages.current.documentId, Number(b.dataset.page));
  });
  side.addEventListener("click", (e) => {
    const b = e.target.closest("button.doc-open");
    if (!b) return;
    pages.navigate(b.dataset.doc, 1);
    if (isNarrow()) setSide(false);
  });

  // The agenda at the side: open on wide screens, a drawer on narrow ones, and beside
  // the video strip where the two would leave the page too little room.
  const narrow = window.matchMedia("(max-width: 1000px)");
  const crowded = window.matchMedia("(max-width: 1500px)");
  const isNarrow = () => narrow.matches || (crowded.matches && panel.docked());
  function setSide(open) {
    root.classList.toggle("side-drawer", isNarrow());
    root.classList.toggle("side-open", open);
    root.classList.toggle("side-closed", !open);
    menuButton.setAttribute("aria-expanded", String(open));
    scrim.hidden = !(open && isNarrow());
  }
  // On wide screens the panel stays as the user left it.
  const sideWanted = () => !isNarrow() && storage.get("localStorage", "meetroom.side") !== "closed";
  setSide(sideWanted());
  narrow.addEventListener("change", () => setSide(sideWanted()));
  crowded.addEventListener("change", () => setSide(sideWanted()));
  panel.onLayout = () => setSide(sideWanted());
  menuButton.addEventListener("click", () => {
    const open = !root.classList.contains("side-open");
    setSide(open);
    if (!isNarrow()) storage.set("localStorage", "meetroom.side", open ? "open" : "closed");
  });
  scrim.addEventListener("click", () => setSide(false));
  root.querySelector(".live-side-close")?.addEventListener("click", () => setSide(false));

  // Tabs in the side panel (agenda / participants) for the chair.
  const tabs = side.querySelectorAll("[role=tab]");
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const other of tabs) {
        const selected = other === tab;
        other.setAttribute("aria-selected", String(selected));
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      }
    });
  }

  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select, [contenteditable]")) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "z") {
      e.preventDefault();
      if (e.shiftKey) tools.redo();
      else tools.undo();
    } else if (mod && e.key.toLowerCase() === "y") {
      e.preventDefault();
      tools.redo();
    } else if (mod) {
      return;
    } else if (e.key === "ArrowRight" || e.key === "PageDown") {
      e.preventDefault();
      pages.turn(1);
    } else if (e.key === "ArrowLeft" || e.key === "PageUp") {
      e.preventDefault();
      pages.turn(-1);
    } else if (e.key === "+" || e.key === "=") {
      view.zoomBy(1.5);
    } else if (e.key === "-") {
      view.zoomBy(1 / 1.5);
    } else if (e.key === "0") {
      view.fit();
    } else if (e.key === "Escape") {
      tools.closeNote();
      if (isNarrow()) setSide(false);
    }
  });

  // -- go ------------------------------------------------------------------------------------

  tools.apply();
  updateBar();
  updateFollowUi();
  if (kept) {
    resumeCall(video, kept.video); // first: the panel then shows the call coming back, not the check
    panel.restore(kept.panel);
  }
  session.start();
  if (!documents.first()) pages.showFirst();
}
