// "Check my ballot": after the close, a receipt typed (or brought from this device's
// ballot) is looked up on the vote's board (`POST /api/votes/{id}/check`), which says
// whether a ballot with it is there and what it says, and nothing of who cast it.

import { h } from "../live/util.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class CheckDialog {
  constructor(dialog, state, t) {
    Object.assign(this, { dialog, state, t });
    this.form = dialog.querySelector("form");
    this.input = dialog.querySelector(".ballot-check-input");
    this.answer = dialog.querySelector(".ballot-check-answer");
    this.submitButton = dialog.querySelector(".ballot-check-submit");
    this.voteLine = dialog.querySelector(".ballot-check-vote");
    this.voteId = null;
    this.busy = false;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.check();
    });
    dialog.querySelector(".ballot-check-close").addEventListener("click", () => dialog.close());
    this.input.addEventListener("input", () => this.answer.replaceChildren());
  }

  /** Opens on the current vote (closed), with `receipt` filled in if given. */
  open(receipt = "") {
    const v = this.state.vote;
    if (!v) return;
    this.voteId = v.id;
    this.voteLine.textContent = v.title;
    this.input.value = receipt;
    this.answer.replaceChildren();
    this.answer.dataset.found = "";
    if (!this.dialog.open) this.dialog.showModal();
    this.input.focus();
    this.input.select();
  }

  show(found, ...lines) {
    this.answer.dataset.found = found;
    this.answer.replaceChildren(...lines.filter(Boolean).map((line) => h("p", {}, line)));
  }

  async check() {
    const receipt = this.input.value.trim();
    if (!receipt || this.busy || !this.voteId) return;
    const { t } = this;
    this.busy = true;
    this.submitButton.disabled = true;
    this.submitButton.textContent = t("checking");
    try {
      const resp = await fetch(`/api/votes/${encodeURIComponent(this.voteId)}/check`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ receipt }),
      });
      const body = await resp.json().catch(() => ({}));
      if (resp.ok && body.found) {
        this.show("true", t("check_found"), t("check_says", { choice: this.state.labels(body.choice || [], t) }),
          body.ballot_hash ? h("span", { class: "ballot-check-hash" }, t("check_entry", { hash: body.ballot_hash })) : null);
      } else if (resp.status === 404 && body.error?.code === "receipt_not_found") {
        this.show("false", t("check_not_found"));
      } else {
        this.show("error", t("check_failed", { message: body.error?.message || resp.statusText }));
      }
    } catch {
      this.show("error", t("check_offline"));
    } finally {
      this.busy = false;
      this.submitButton.disabled = false;
      this.submitButton.textContent = t("check_button");
    }
  }
}
