// Which page the meeting page shows, and the presenter: following the presenter's page
// (or browsing on one's own, and back), presenting one's own page turns and zoom when
// one may, and fetching the pages likely next.

import { throttle, debounce } from "./util.js";
import { track, isLeaving } from "./loads.js";

export const PAGE_WIDTH = 1600;
const ZOOMED_WIDTH = 2400;
const FIT = Object.freeze({ x: 0, y: 0, zoom: 1 });

const keyOf = (w) => {
  const vp = w?.viewport || {};
  return [w?.document_id ?? "", w?.page ?? 1, vp.x ?? 0, vp.y ?? 0, vp.zoom ?? 1].join("|");
};

export class PageFollow {
  /**
   * @param {HTMLElement} root  the page (#live): says which page it shows (data-*)
   * @param {object} deps       session, documents, view (PageView), toasts, t, and the
   *                            page's hooks: shown(moved) after a page is shown, empty()
   *                            when there is nothing to show, followChanged(), drawing()
   *                            (a stroke is being drawn: not the moment to move)
   */
  constructor(root, { session, documents, view, toasts, t, shown, empty, followChanged, drawing }) {
    this.root = root;
    this.session = session;
    this.documents = documents;
    this.view = view;
    this.toasts = toasts;
    this.t = t;
    this.hooks = { shown, empty, followChanged, drawing };
    this.current = { documentId: null, page: 1 };
    this.following = true;
    this.seenEpoch = 0;
    this.sentPresents = []; // keys of presents not echoed yet
    this.presentUnsent = false;
    this.prefetched = new Map();
    this.presentSoon = throttle(() => this.sendPresent(), 200);
    this.browseSoon = debounce(() => this.sendBrowse(), 250);
    // A sharper image once zoomed in (after the gesture).
    this.sharpen = debounce(() => {
      const { documentId, page } = this.current;
      if (documentId) view.show(documents.url(documentId, page, this.pageWidth()));
    }, 400);
  }

  /** The page shown, or null. */
  here() {
    return this.current.documentId ? this.current : null;
  }

  whereNow() {
    return {
      document_id: this.current.documentId,
      page: this.current.page,
      item_id: this.documents.itemOf(this.current.documentId),
      viewport: this.view.viewport(),
    };
  }

  presentedWhere() {
    const w = this.session.state.where;
    return w && w.document_id ? w : null;
  }

  /** Shows a page; `viewport` null keeps the fit. */
  show(documentId, page, viewport) {
    const doc = this.documents.get(documentId);
    if (!doc) return;
    const pages = Math.max(1, doc.pages || 1);
    const target = Math.min(Math.max(1, page || 1), pages);
    const moved = documentId !== this.current.documentId || target !== this.current.page;
    this.current = { documentId, page: target };
    if (viewport) this.view.setViewport(viewport);
    else if (moved) this.view.setViewport(FIT);
    this.view.show(this.documents.url(documentId, target, this.pageWidth()));
    this.root.dataset.document = documentId;
    this.root.dataset.page = String(target);
    this.hooks.shown(moved);
  }

  pageWidth() {
    return this.view.z > 1.6 ? ZOOMED_WIDTH : PAGE_WIDTH;
  }

  showFirst() {
    const first = this.documents.first();
    if (first) {
      this.show(first, 1, null);
    } else {
      this.view.show(null);
      this.hooks.empty();
    }
  }

  /** Shows no page (the one shown is no longer ours to see). */
  clear() {
    this.current = { documentId: null, page: 1 };
    this.root.dataset.document = "";
  }

  /** The user turned a page or zoomed: present it, or browse on one's own. */
  userMoved() {
    if (!this.current.documentId) return;
    if (this.session.mayPresent()) {
      this.presentSoon();
    } else {
      if (this.following) {
        this.following = false;
        this.hooks.followChanged();
      }
      this.browseSoon();
    }
  }

  sendPresent() {
    const where = this.whereNow();
    if (this.session.send({ type: "present", where })) {
      this.sentPresents.push(keyOf(where));
      if (this.sentPresents.length > 50) this.sentPresents.shift();
      this.presentUnsent = false;
    } else {
      this.presentUnsent = true;
    }
  }

  sendBrowse() {
    this.session.send({ type: "browse", following: this.following, where: this.current.documentId ? this.whereNow() : null });
  }

  navigate(documentId, page) {
    if (!this.documents.viewable(documentId)) return;
    this.show(documentId, page, null);
    this.userMoved();
  }

  turn(delta) {
    const { documentId } = this.current;
    if (!documentId) return;
    const pages = this.documents.pages(documentId);
    const page = this.current.page + delta;
    if (page < 1 || page > pages) return;
    this.navigate(documentId, page);
  }

  async follow(where) {
    if (!where?.document_id) return;
    if (this.hooks.drawing()) {
      // Not in the middle of a stroke: once it is done.
      setTimeout(() => this.follow(this.presentedWhere()), 250);
      return;
    }
    const doc = await this.documents.ensure(where.document_id);
    if (!doc) {
      this.toasts.show(this.t("unknown_document"), "error");
      return;
    }
    this.show(where.document_id, where.page, where.viewport || FIT);
  }

  backToPresenter() {
    this.following = true;
    this.hooks.followChanged();
    const where = this.presentedWhere();
    if (where) this.follow(where);
    this.sendBrowse();
  }

  // -- what the server says ---------------------------------------------------------

  /** Welcomed (`first`: on this page load): where to be now. */
  welcome(first) {
    const { session } = this;
    const state = session.state;
    if (first) {
      this.seenEpoch = state.follow_epoch || 0;
    } else if ((state.follow_epoch || 0) > this.seenEpoch) {
      this.seenEpoch = state.follow_epoch;
      this.following = true;
    }
    const where = this.presentedWhere();
    if (session.mayPresent()) {
      this.following = true;
      if (this.presentUnsent && this.current.documentId) {
        this.presentSoon();
      } else if (where) {
        this.follow(where);
      } else if (!this.current.documentId) {
        this.showFirst();
      }
    } else if (this.following && where) {
      this.follow(where);
    } else if (!this.current.documentId) {
      this.showFirst();
    }
    this.sendBrowse();
  }

  /** Who presents changed, or everyone was told to follow: following again, said so. */
  presenterChanged(state, old) {
    const { session, toasts, t } = this;
    if ((state.follow_epoch || 0) > this.seenEpoch) {
      this.seenEpoch = state.follow_epoch;
      if (!this.following && !session.mayPresent()) toasts.show(t("forced"));
      this.following = true;
      this.sendBrowse();
    }
    const me = Boolean(session.me && state.presenter === session.me.you);
    const wasMe = Boolean(session.me && old.presenter === session.me.you);
    if (me && !wasMe) {
      toasts.show(t("you_present"));
      this.following = true; // and when someone else presents again, follow them
    }
    if (wasMe && !me) toasts.show(t("you_no_longer_present"));
  }

  /** The presented page moved: go there if following (our own presents come back:
   * skip those, and move only for someone else's). */
  presentedMoved(state) {
    const key = keyOf(state.where);
    const index = this.sentPresents.indexOf(key);
    if (index >= 0) {
      this.sentPresents = this.sentPresents.slice(index + 1);
      if (this.sentPresents.length || key === keyOf(this.whereNow())) return;
    } else {
      this.sentPresents = [];
    }
    if ((this.following || this.session.mayPresent()) && this.presentedWhere()) this.follow(this.presentedWhere());
  }

  /** Fetches the pages likely next (the presenter's, and around one's own). */
  prefetch() {
    if (isLeaving()) return;
    const { documents, current, prefetched } = this;
    const wanted = [];
    const add = (docId, page) => {
      if (docId && page >= 1 && page <= documents.pages(docId)) wanted.push(documents.url(docId, page, PAGE_WIDTH));
    };
    const where = this.presentedWhere();
    if (where && documents.get(where.document_id)) {
      add(where.document_id, where.page - 1);
      add(where.document_id, where.page + 1);
      if (where.document_id !== current.documentId || where.page !== current.page) add(where.document_id, where.page);
    }
    if (current.documentId) {
      add(current.documentId, current.page + 1);
      add(current.documentId, current.page - 1);
    }
    const shown = current.documentId ? documents.url(current.documentId, current.page, PAGE_WIDTH) : null;
    const keep = new Set(wanted.filter((u) => u !== shown));
    for (const url of keep) {
      if (!prefetched.has(url)) {
        const img = new Image();
        img.decoding = "async";
        img.src = url;
        prefetched.set(url, track(img));
      }
    }
    for (const [url, img] of prefetched) {
      if (!keep.has(url) && img.complete) prefetched.delete(url);
    }
  }
}
