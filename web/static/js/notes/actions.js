// The action items of one agenda item in the Notes tab (chair.js): the list (done or
// open again, deleted) and the form that adds one (a title, an owner among the
// participants or typed, an optional due date). Changes go to the API; what others
// change comes from the socket (`action_changed`), through chair.js.

import { h } from "../live/util.js";
import { call } from "../votes/chair-view.js";

const OTHER = "__other__";

export class ItemActions {
  /** `item`: {id, number}; `base`: the meeting's API path; `people`: [{id, name}]. */
  constructor(item, { t, base, people, onError }) {
    Object.assign(this, { item, t, base, people, onError });
    this.list = h("ul", { class: "notes-actions" });
    this.empty = h("p", { class: "hint notes-actions-empty" }, t("no_actions"));
    this.form = this.buildForm();
    this.el = h("div", { class: "notes-actions-box" },
      h("h4", {}, t("actions")), this.empty, this.list,
      h("details", { class: "notes-action-add" }, h("summary", {}, t("add_action")), this.form));
    this.el.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-act]");
      if (b) this.act(b.dataset.act, b.dataset.id, b);
    });
    this.actions = [];
  }

  buildForm() {
    const { t } = this;
    const uid = `na-${this.item.id}`;
    const owner = h("select", { name: "owner", id: `${uid}-owner` },
      h("option", { value: "" }, t("owner_none")),
      ...this.people.map((p) => h("option", { value: p.id }, p.name)),
      h("option", { value: OTHER }, t("owner_other")));
    const ownerName = h("input", { name: "owner_name", maxlength: "200", autocomplete: "off" });
    const nameLabel = h("label", { class: "notes-owner-name", hidden: true }, t("owner_name"), ownerName);
    owner.addEventListener("change", () => {
      nameLabel.hidden = owner.value !== OTHER;
      if (!nameLabel.hidden) ownerName.focus();
    });
    const form = h("form", { class: "stack notes-action-form" },
      h("label", {}, t("task"), h("input", { name: "title", required: true, maxlength: "500", autocomplete: "off" })),
      h("label", { for: `${uid}-owner` }, t("owner")), owner, nameLabel,
      h("label", {}, t("due"), h("input", { name: "due", type: "date" })),
      h("p", { class: "error notes-action-error", role: "alert", hidden: true }),
      h("button", { type: "submit", class: "primary" }, t("add")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.add();
    });
    return form;
  }

  set(actions) {
    this.actions = actions;
    this.render();
  }

  /** One action item as the socket or the API told it (`deleted`: gone). */
  put(action, deleted = false) {
    const rest = this.actions.filter((a) => a.id !== action.id);
    this.actions = deleted ? rest : [...rest, action].sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    this.render();
  }

  render() {
    const { t } = this;
    this.empty.hidden = this.actions.length > 0;
    this.list.replaceChildren(...this.actions.map((a) => {
      const done = a.status === "done";
      const meta = [a.owner_name, a.due ? t("due_on", { date: a.due }) : "", done ? t("status_done") : ""].filter(Boolean);
      const named = { title: a.title };
      return h("li", { class: "notes-action", dataset: { id: a.id, status: a.status } },
        h("span", { class: "notes-action-title" }, a.title),
        meta.length ? h("span", { class: "notes-action-meta" }, meta.join(" · ")) : null,
        h("span", { class: "notes-action-buttons" },
          h("button", { type: "button", class: `live-mini${done ? "" : " primary"}`, dataset: { act: done ? "reopen" : "done", id: a.id },
            "aria-label": t(done ? "reopen_named" : "done_named", named) }, t(done ? "reopen" : "done")),
          h("button", { type: "button", class: "live-mini danger", dataset: { act: "delete", id: a.id },
            "aria-label": t("delete_named", named) }, t("delete"))));
    }));
  }

  async act(act, id, button) {
    const path = `${this.base}/actions/${encodeURIComponent(id)}`;
    button.disabled = true;
    try {
      const got = act === "delete" ? await send("DELETE", path) : await send("POST", `${path}/${act}`);
      if (!got.ok) return this.onError(got.message);
      if (act === "delete") this.put({ id }, true);
      else this.put(got.body);
    } finally {
      button.disabled = false;
    }
  }

  async add() {
    const f = this.form.elements;
    const error = this.form.querySelector(".notes-action-error");
    const owner = f.namedItem("owner").value;
    const body = {
      title: f.namedItem("title").value,
      item_id: this.item.id === "general" ? null : this.item.id,
      owner_participant_id: owner && owner !== OTHER ? owner : null,
      owner_name: owner === OTHER ? f.namedItem("owner_name").value : "",
      due: f.namedItem("due").value || null,
    };
    const submit = this.form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const got = await send("POST", `${this.base}/actions`, body);
      if (!got.ok) {
        error.textContent = got.message; // what was typed stays
        error.hidden = false;
        return;
      }
      error.hidden = true;
      this.form.reset();
      this.form.querySelector(".notes-owner-name").hidden = true;
      this.put(got.body);
    } finally {
      submit.disabled = false;
    }
  }
}

async function send(method, path, body) {
  try {
    return await call(method, path, body);
  } catch {
    return { ok: false, status: 0, message: "" };
  }
}
