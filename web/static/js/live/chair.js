// The chair's controls: everyone back to the presenter, open the shared layer to all,
// hand presentation over, and who is connected (fed by presence messages).

import { h } from "./util.js";

export class ChairPanel {
  constructor(root, session, documents, t) {
    this.root = root;
    this.session = session;
    this.documents = documents;
    this.t = t;
    this.people = [];
    this.force = root.querySelector(".live-force");
    this.open = root.querySelector(".live-open-shared");
    this.picker = root.querySelector(".live-presenter");
    this.list = root.querySelector(".live-people");
    this.count = document.querySelector(".live-people-count");
    this.force.addEventListener("click", () => this.send({ type: "force_follow" }));
    this.open.addEventListener("change", () => this.send({ type: "open_shared", open: this.open.checked }));
    this.picker.addEventListener("change", () => {
      this.send({ type: "hand_over", participant_id: this.picker.value || null });
    });
    this.list.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-hand-over]");
      if (button) this.send({ type: "hand_over", participant_id: button.dataset.handOver || null });
    });
  }

  send(msg) {
    if (!this.session.send(msg)) {
      this.update(); // put the controls back as the state is
      this.onOffline?.();
    }
  }

  setPeople(people) {
    this.people = people;
    this.update();
  }

  update() {
    const { session, t } = this;
    const moderator = session.isModerator();
    document.getElementById("live").dataset.moderator = String(moderator);
    if (!moderator) {
      if (!this.root.hidden) document.getElementById("live-tab-agenda")?.click();
      return;
    }
    const state = session.state;
    this.force.textContent = session.isPresenter() ? t("everyone_back_me") : t("everyone_back");
    this.open.checked = Boolean(state.shared_open);
    this.renderPicker(state);
    this.renderPeople(state);
  }

  /** "The chair", then the other participants connected; the value is the presenter's
   * participant id ("" for a chair, and for an organiser's account: not a participant). */
  renderPicker(state) {
    const { t, session } = this;
    const presenter = state.presenter ?? "";
    const chairs = new Set(this.people.filter((p) => p.role === "chair").map((p) => p.participant));
    if (session.me?.role === "chair") chairs.add(session.you());
    const current = presenter.startsWith("p:") && !chairs.has(presenter) ? presenter.slice(2) : "";
    const options = [h("option", { value: "" }, t("the_chair"))];
    let found = current === "";
    for (const p of this.people) {
      if (!p.participant.startsWith("p:") || p.role === "chair") continue;
      const id = p.participant.slice(2);
      if (id === current) found = true;
      options.push(h("option", { value: id }, p.name));
    }
    if (!found) options.push(h("option", { value: current }, state.presenter_name || t("not_connected")));
    if (presenter.startsWith("u:")) {
      options.push(h("option", { value: "-", disabled: true }, state.presenter_name));
    }
    this.picker.replaceChildren(...options);
    this.picker.value = presenter.startsWith("u:") ? "-" : current;
  }

  renderPeople(state) {
    const { t, documents } = this;
    if (this.count) this.count.textContent = this.people.length ? `(${this.people.length})` : "";
    const rows = this.people.map((p) => {
      const presenting = p.participant === state.presenter;
      let where;
      if (p.following) {
        where = t("following_short");
      } else if (p.where?.document_id) {
        const title = documents.get(p.where.document_id)?.title ?? "";
        where = t("browsing_at", { page: p.where.page, document: title });
      } else {
        where = t("browsing");
      }
      const action = p.participant.startsWith("p:") && !presenting
        ? h("button", { type: "button", class: "live-mini", dataset: { handOver: p.participant.slice(2) } }, t("make_presenter"))
        : null;
      return h("li", { class: `live-person${p.following ? " is-following" : " is-browsing"}`, dataset: { participant: p.participant } },
        h("span", { class: "live-person-name" }, p.name,
          p.connections > 1 ? h("span", { class: "live-person-devices" }, ` ×${p.connections}`) : null),
        h("span", { class: "live-person-role" }, t(`role_${p.role}`)),
        h("span", { class: "live-person-where" }, presenting ? t("presenting_badge") : where),
        action);
    });
    this.list.replaceChildren(...rows);
  }
}
