// The ballot, full screen over the meeting page: the question, large buttons (Yes / No /
// Abstain, or the options to tick up to the number of places), "You vote: Yes" with
// Confirm / Change, then the receipt once the server has stored it. One ballot for
// oneself and one for each participant whose proxy one holds, each cast on its own.
// After the close, the result and the receipts, with "Check my ballot".

import { h } from "../live/util.js";
import { resultView } from "./results.js";

const ERRORS = {
  already_voted: "err_already_voted",
  vote_not_open: "err_closed",
  vote_closed: "err_closed",
  vote_cancelled: "err_closed",
  may_not_vote: "err_may_not_vote",
  not_proxy: "err_not_proxy",
  proxy_absent: "err_proxy_absent",
};

function failureText(failure, t) {
  const key = ERRORS[failure.code];
  return key ? t(key) : t("err_other", { message: failure.message || failure.code });
}

/** One voter's ballot: `voter` {principal, name, proxy}. */
class BallotCard {
  constructor(voter, ctx) {
    Object.assign(this, { voter, ...ctx });
    this.selected = [];
    this.confirming = false;
    this.key = "";
    this.headingId = `ballot-card-${voter.principal}`;
    this.body = h("div", { class: "ballot-card-body" });
    this.el = h("section", { class: "ballot-card", "aria-labelledby": this.headingId, dataset: { principal: voter.principal, proxy: String(voter.proxy) } },
      h("h3", { id: this.headingId, class: "ballot-card-head" }, voter.proxy ? this.t("vote_for", { name: voter.name }) : this.t("your_vote")),
      this.body);
  }

  record() {
    return this.book.find(this.state.vote.id, this.voter.principal, this.book.castBy());
  }

  failure() {
    return this.book.failure(this.state.vote.id, this.voter.principal);
  }

  stateNow() {
    const v = this.state.vote;
    const record = this.record();
    if (record?.receipt) return "stored";
    if (record) return this.session.connected ? "sending" : "waiting";
    if (this.book.votedElsewhere(v.id, this.voter.principal)) return "elsewhere";
    if (v.status !== "open") return "none";
    return this.confirming ? "confirm" : "choose";
  }

  /** Rebuilt only when what it shows changes (ticks and counts leave it alone, and
   * with it the focus and the ticked options). A card that held the focus gives it to
   * its new first control or status, so that the focus is never lost in the dialog. */
  render(focus = false) {
    const now = this.stateNow();
    const key = `${now}|${this.failure()?.code ?? ""}|${this.state.vote.status}|${this.record()?.receipt ?? ""}`;
    if (key !== this.key) {
      focus = focus || this.el.contains(document.activeElement);
      this.key = key;
      this.el.dataset.state = now;
      this.body.replaceChildren(...this[`view_${now}`]().filter(Boolean));
    }
    if (focus) this.body.querySelector("[data-focus]")?.focus();
  }

  /** After a tap that changes the card. */
  moved() {
    this.render(true);
  }

  choiceText() {
    return this.state.labels(this.selected, this.t);
  }

  failureLine() {
    const failure = this.failure();
    return failure ? h("p", { class: "ballot-error", role: "alert" }, failureText(failure, this.t)) : null;
  }

  view_choose() {
    const { t, state } = this;
    const v = state.vote;
    if (!state.isChoice()) {
      return [this.failureLine(), h("div", { class: "ballot-choices" }, state.choices().map((c, i) =>
        h("button", {
          type: "button", class: "ballot-choice", dataset: i === 0 ? { choice: c, focus: "" } : { choice: c },
          onclick: () => {
            this.selected = [c];
            this.confirming = true;
            this.moved();
          },
        }, t(c))))];
    }
    const many = v.max_choices > 1;
    const name = `vote-${v.id}-${this.voter.principal}`;
    const next = h("button", { type: "button", class: "primary ballot-continue", disabled: !this.selected.length,
      onclick: () => {
        if (!this.selected.length) return;
        this.confirming = true;
        this.moved();
      } }, t("continue"));
    const tally = h("span", { class: "ballot-chosen", "aria-live": "polite" });
    const boxes = v.options.map((o) => h("label", { class: "ballot-option" },
      h("input", { type: many ? "checkbox" : "radio", name, value: o.id, checked: this.selected.includes(o.id) }),
      h("span", {}, o.label)));
    const fieldset = h("fieldset", { class: "ballot-options" },
      h("legend", {}, many ? t("choose_up_to", { n: v.max_choices }) : t("choose_one")), boxes);
    const sync = () => {
      const inputs = [...fieldset.querySelectorAll("input")];
      this.selected = inputs.filter((i) => i.checked).map((i) => i.value);
      const full = this.selected.length >= v.max_choices;
      if (many) for (const i of inputs) i.disabled = full && !i.checked;
      next.disabled = !this.selected.length;
      tally.textContent = many ? t("chosen", { n: this.selected.length, max: v.max_choices }) : "";
    };
    fieldset.addEventListener("change", sync);
    fieldset.querySelector("input")?.setAttribute("data-focus", "");
    queueMicrotask(sync);
    return [this.failureLine(), fieldset, h("div", { class: "ballot-actions" }, tally, next)];
  }

  view_confirm() {
    const { t } = this;
    const text = this.voter.proxy
      ? t("you_vote_for", { name: this.voter.name, choice: "\u0000" })
      : t("you_vote", { choice: "\u0000" });
    // The choice in bold inside the translated sentence, wherever the language puts it.
    const [before, after = ""] = text.split("\u0000");
    return [
      h("p", { class: "ballot-confirm-text" }, before, h("strong", { class: "ballot-confirm-choice" }, this.choiceText()), after),
      h("div", { class: "ballot-actions" },
        h("button", { type: "button", class: "ballot-change", onclick: () => {
          this.confirming = false;
          this.moved();
        } }, t("change")),
        h("button", { type: "button", class: "primary ballot-confirm", dataset: { focus: "" }, onclick: () => {
          this.confirming = false;
          this.book.cast(this.state.vote.id, this.voter.principal, this.state.isChoice() ? [...this.selected] : this.selected[0]);
        } }, t("confirm"))),
    ];
  }

  view_sending() {
    return [h("p", { class: "ballot-status", role: "status", tabindex: "-1", dataset: { focus: "" } }, this.t("sending"))];
  }

  view_waiting() {
    return [h("p", { class: "ballot-status", role: "status", tabindex: "-1", dataset: { focus: "" } }, this.t("waiting"))];
  }

  view_stored() {
    const { t, voter } = this;
    const record = this.record();
    const fresh = this.book.fresh.has(record.ballot_id);
    const said = voter.proxy
      ? t(fresh ? "stored_now_for" : "stored_before_for", { name: voter.name })
      : t(fresh ? "stored_now" : "stored_before");
    const closed = this.state.vote.status === "closed";
    return [
      h("p", { class: "ballot-status ballot-stored", role: "status", tabindex: "-1", dataset: { focus: "" } }, said),
      h("p", { class: "ballot-receipt-line" }, h("span", { class: "ballot-receipt-label" }, `${t("receipt")}: `),
        h("strong", { class: "ballot-receipt", translate: "no" }, record.receipt)),
      closed
        ? h("button", { type: "button", class: "ballot-check-this", onclick: () => this.checkReceipt(record.receipt) }, t("check_this"))
        : h("p", { class: "hint ballot-receipt-note" }, t("receipt_note")),
    ];
  }

  view_elsewhere() {
    const failure = this.failure();
    const text = failure ? failureText(failure, this.t)
      : this.voter.proxy ? this.t("voted_elsewhere_for", { name: this.voter.name }) : this.t("voted_elsewhere");
    return [h("p", { class: "ballot-status", role: "status", tabindex: "-1", dataset: { focus: "" } }, text)];
  }

  view_none() {
    return [h("p", { class: "ballot-status" }, this.t("not_voted"))];
  }
}

/** The dialog over the page: the vote's head, the ballots, the result. */
export class BallotDialog {
  constructor(dialog, ctx) {
    Object.assign(this, { dialog, ...ctx });
    this.title = dialog.querySelector(".ballot-title");
    this.kicker = dialog.querySelector(".ballot-kicker");
    this.count = dialog.querySelector(".ballot-count");
    this.clock = dialog.querySelector(".ballot-dialog-clock");
    this.ballots = dialog.querySelector(".ballot-cards");
    this.results = dialog.querySelector(".ballot-results");
    this.checkButton = dialog.querySelector(".ballot-check-open");
    this.hideButton = dialog.querySelector(".ballot-hide");
    this.cards = new Map(); // principal -> BallotCard, for the vote `cardsFor`
    this.cardsFor = null;
    this.resultKey = "";
    this.hideButton.addEventListener("click", () => this.hide());
    this.checkButton.addEventListener("click", () => this.checkReceipt(this.ownReceipt()));
    dialog.addEventListener("close", () => this.onHidden?.());
  }

  get shown() {
    return this.dialog.open;
  }

  show() {
    if (!this.state.vote) return;
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    // The question first, for a screen reader; the ballot's buttons follow.
    this.title.focus();
  }

  hide() {
    if (this.dialog.open) this.dialog.close();
  }

  ownReceipt() {
    const v = this.state.vote;
    const mine = this.book.receipts(v.id, this.book.castBy());
    return (mine.find((r) => r.principal === r.cast_by) ?? mine[0])?.receipt ?? "";
  }

  render() {
    const { state, t } = this;
    const v = state.vote;
    if (!v) return;
    const open = v.status === "open";
    this.dialog.dataset.status = v.status;
    this.title.textContent = v.title;
    this.kicker.textContent = open ? `${t("vote_open")} · ${v.secret ? t("secret") : t("named")}` : t("result");
    this.hideButton.textContent = open ? t("look_at_document") : t("close");
    this.checkButton.hidden = v.status !== "closed";
    this.renderCards();
    this.renderResult();
    this.tick();
  }

  renderCards() {
    const v = this.state.vote;
    if (this.cardsFor !== v.id) {
      this.cards.clear();
      this.cardsFor = v.id;
    }
    const voters = this.voters();
    const keep = new Set(voters.map((p) => p.principal));
    for (const principal of this.cards.keys()) if (!keep.has(principal)) this.cards.delete(principal);
    const list = voters.map((voter) => {
      let card = this.cards.get(voter.principal);
      if (!card) {
        card = new BallotCard(voter, { state: this.state, book: this.book, t: this.t, session: this.session, checkReceipt: (r) => this.checkReceipt(r) });
        this.cards.set(voter.principal, card);
      }
      card.render();
      return card.el;
    });
    // A cancelled vote's ballots say nothing worth showing.
    const shown = v.status === "cancelled" ? [] : list;
    if (shown.length !== this.ballots.children.length || shown.some((el, i) => this.ballots.children[i] !== el)) {
      this.ballots.replaceChildren(...shown);
    }
    this.ballots.dataset.count = String(shown.length);
    this.ballots.hidden = !shown.length;
  }

  renderResult() {
    const v = this.state.vote;
    const key = `${v.id}|${v.status}`;
    if (key === this.resultKey) return;
    this.resultKey = key;
    const view = v.status === "open" ? null : resultView(this.state, this.t);
    this.results.replaceChildren(...(view ? [view] : []));
    this.results.hidden = !view;
  }

  tick() {
    const v = this.state.vote;
    if (!v) return;
    this.count.textContent = this.t("count", { voted: v.voted, eligible: v.eligible });
    this.count.hidden = v.status === "cancelled";
    showCountdown(this.clock, this.state, this.t);
  }
}

/** A countdown element from the vote's clock (text, state, words for screen readers). */
export function showCountdown(el, state, t) {
  const c = state.countdown();
  el.hidden = !c;
  if (!c) return;
  const text = c.state === "due" ? t("closing") : c.text;
  if (el.textContent !== text) el.textContent = text;
  el.dataset.state = c.state;
  el.setAttribute("aria-label", c.state === "due" ? t("closing") : t("time_left", { time: c.text }));
}
