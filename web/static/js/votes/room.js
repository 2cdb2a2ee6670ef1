// Votes on the meeting page: the band under the floor's (the open vote's count and
// countdown with a "Vote" button, then the result), the ballot full screen for those
// who vote (oneself with the `can_vote` right, and the participants whose proxy one
// holds), and "Check my ballot". Observers and guests without a vote see the count
// and the result only.

import { readJson, translator } from "../live/util.js";
import { VoteState } from "./vote.js";
import { BallotBook } from "./ballots.js";
import { BallotDialog, showCountdown } from "./ballot.js";
import { CheckDialog } from "./check.js";
import { countsLine, verdict } from "./results.js";

/** Returns what the page's script feeds: the socket's messages, its welcomes, new rights. */
export function mountBallots(root, session, meetingId) {
  const t = translator(readJson("ballot-text"));
  const band = root.querySelector(".ballot-band");
  const dialogEl = document.querySelector(".ballot-dialog");
  const checkEl = document.querySelector(".ballot-check");
  if (!band || !dialogEl || !checkEl) return { welcome() {}, update() {}, message: () => false };
  const state = new VoteState();
  const book = new BallotBook(meetingId, session, () => render());
  const check = new CheckDialog(checkEl, state, t);
  const checkReceipt = (receipt) => check.open(receipt);

  /** Whom this person casts ballots for in the vote: themself (with the right to vote),
   * then each participant whose proxy they are. */
  function voters() {
    const mine = book.castBy();
    const v = state.vote;
    // Nothing to cast once the meeting is read-only; a closed vote's receipts still show.
    if (!mine || !v || (session.locked && v.status === "open")) return [];
    const list = session.hasGrant("can_vote") ? [{ principal: mine, name: session.me?.name || "", proxy: false }] : [];
    for (const p of v.proxies || []) {
      if (p.proxy_id === mine && p.principal_id !== mine) list.push({ principal: p.principal_id, name: p.principal_name, proxy: true });
    }
    return list;
  }

  const dialog = new BallotDialog(dialogEl, { state, book, t, session, voters, checkReceipt });
  dialog.onHidden = () => renderBand();
  const el = {
    state: band.querySelector(".ballot-band-state"),
    title: band.querySelector(".ballot-band-title"),
    summary: band.querySelector(".ballot-band-summary"),
    clock: band.querySelector(".ballot-band-clock"),
    open: band.querySelector(".ballot-band-open"),
    results: band.querySelector(".ballot-band-results"),
    check: band.querySelector(".ballot-band-check"),
    hide: band.querySelector(".ballot-band-hide"),
  };
  const dismissed = new Set(); // votes whose band was closed (after their close)
  const shownOnce = new Set(); // open votes whose ballot came up by itself once
  let asked = null; // the vote whose /mine was asked on this socket

  el.open.addEventListener("click", () => dialog.show());
  el.results.addEventListener("click", () => dialog.show());
  el.check.addEventListener("click", () => checkReceipt(dialog.ownReceipt()));
  el.hide.addEventListener("click", () => {
    if (state.vote) dismissed.add(state.vote.id);
    renderBand();
  });

  function renderBand() {
    const v = state.vote;
    const shown = Boolean(v) && v.status !== "draft" && !state.stale() && !dismissed.has(v.id);
    band.hidden = !shown;
    if (!shown) return;
    const open = v.status === "open";
    band.dataset.status = v.status;
    el.title.textContent = v.title;
    const said = open ? null : verdict(state, t);
    band.dataset.verdict = said?.key ?? "";
    el.state.textContent = open ? t("vote_open") : said ? `${said.mark} ${said.text}` : "";
    el.summary.textContent = open ? t("count", { voted: v.voted, eligible: v.eligible }) : countsLine(state, t);
    el.open.hidden = !open || !voters().length || dialog.shown;
    el.results.hidden = v.status !== "closed";
    el.check.hidden = v.status !== "closed";
    el.hide.hidden = open;
    showCountdown(el.clock, state, t);
  }

  function render() {
    if (!state.vote) return;
    if (dialog.shown) dialog.render();
    renderBand();
  }

  /** Whom this person votes for who voted already, not from this device (another
   * tablet, a lost phone): told by the API, it saves offering a ballot the server
   * would refuse. */
  async function askWhoVoted(v) {
    if (asked === v.id || !book.castBy() || !voters().length) return;
    asked = v.id;
    try {
      const resp = await fetch(`/api/votes/${encodeURIComponent(v.id)}/mine`, { headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const body = await resp.json();
      for (const voter of body.voters || []) if (voter.voted) book.markElsewhere(v.id, voter.participant_id);
    } catch { /* not connected: the server refuses a second ballot anyway */ }
  }

  state.listen((what, old) => {
    const v = state.vote;
    if (what === "tick") {
      if (dialog.shown) dialog.tick();
      showCountdown(el.clock, state, t);
      return;
    }
    if (what === "count") {
      if (dialog.shown) dialog.tick();
      renderBand();
      return;
    }
    const isNew = !old || old.id !== v.id;
    if (isNew) dismissed.delete(v.id);
    book.voteOpen(v.status === "open" ? v.id : null);
    if (v.status === "open") {
      askWhoVoted(v);
      // Up by itself the first time this page sees the vote open, for those who vote;
      // not for the chair, whose controls it would cover just as they open it.
      if (!shownOnce.has(v.id) && voters().length && !session.isModerator()) {
        shownOnce.add(v.id);
        dialog.show();
      }
    } else if (v.status === "cancelled" && dialog.shown) {
      dialog.hide();
    }
    render();
  });

  return {
    state,
    welcome() {
      book.welcome();
      asked = null;
      render();
    },
    /** New rights, the meeting's status: who votes may have changed. */
    update() {
      render();
    },
    message(msg) {
      if (msg.type === "meeting_status") render(); // ended: no more ballots offered
      if (state.message(msg)) return true;
      if (book.message(msg)) {
        render();
        return true;
      }
      return false;
    },
  };
}
