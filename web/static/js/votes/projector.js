// The vote on the room's screen: while it is open, the question, how many have voted
// and the countdown in a corner over the page; once closed, the result large in the
// middle (the chart of votes/results.js), until the presenter turns the page or shows
// another document.

import { readJson, translator } from "../live/util.js";
import { VoteState } from "./vote.js";
import { showCountdown } from "./ballot.js";
import { resultView } from "./results.js";

const placeOf = (where) => (where?.document_id ? `${where.document_id}#${where.page}` : "");

/** `where()`: where the presenter is now (the session's state). */
export function mountProjectorVotes(root, where) {
  const panel = root.querySelector(".ballot-projector");
  if (!panel) return { message: () => false, presented() {} };
  const t = translator(readJson("ballot-text"));
  const state = new VoteState();
  const kicker = panel.querySelector(".ballot-kicker");
  const title = panel.querySelector(".ballot-title");
  const openPart = panel.querySelector(".ballot-projector-open");
  const count = panel.querySelector(".ballot-projector-count");
  const clock = panel.querySelector(".ballot-projector-clock");
  const results = panel.querySelector(".ballot-results");
  const done = new Set(); // closed votes whose result the presenter has moved on from
  let closedAt = null; // where the presenter was when the result came up
  let resultFor = "";

  function render() {
    const v = state.vote;
    const shown = Boolean(v) && v.status !== "draft" && !state.stale() && !done.has(v.id);
    panel.hidden = !shown;
    if (!shown) return;
    const open = v.status === "open";
    panel.dataset.status = v.status;
    kicker.textContent = open ? `${t("vote_open")} · ${v.secret ? t("secret") : t("named")}` : t("result");
    title.textContent = v.title;
    openPart.hidden = !open;
    count.textContent = t("count", { voted: v.voted, eligible: v.eligible });
    showCountdown(clock, state, t);
    const key = `${v.id}|${v.status}`;
    if (key !== resultFor) {
      resultFor = key;
      const view = open ? null : resultView(state, t);
      results.replaceChildren(...(view ? [view] : []));
    }
    results.hidden = open;
  }

  state.listen((what, old) => {
    if (what === "tick") {
      showCountdown(clock, state, t);
      return;
    }
    const v = state.vote;
    if (what === "vote" && v.status !== "open" && (!old || old.id !== v.id || old.status === "open")) {
      closedAt = placeOf(where());
    }
    render();
  });

  return {
    state,
    message: (msg) => state.message(msg),
    /** The presenter moved: a result shown since elsewhere has been seen. */
    presented() {
      const v = state.vote;
      if (!v || v.status === "open" || done.has(v.id)) return;
      if (placeOf(where()) !== closedAt) {
        done.add(v.id);
        render();
      }
    },
  };
}
