// A vote's form (templates/meetings/_vote_fields.html), on the meeting page and in the
// room's Votes tab: the options only for a choice, rows added and removed, and the
// chair's tie-break taken away from a secret vote (nobody knows the chair's ballot
// there) with the reason shown. The room reads and fills it for the API; the meeting
// page posts it as it is (the server checks the same and says why).

const MIN_OPTIONS = 2;
const DURATION_MIN = 10; // seconds
const DURATION_MAX = 24 * 3600;

/** Wires `form` once; safe to call again. */
export function wireVoteForm(form) {
  if (form.dataset.wired) return;
  form.dataset.wired = "1";
  const list = form.querySelector(".vote-option-list");
  form.querySelector(".vote-option-add").hidden = false;
  for (const b of form.querySelectorAll(".vote-option-remove")) b.hidden = false;
  form.addEventListener("change", (e) => {
    if (e.target.name === "kind" || e.target.name === "secret") showFields(form);
  });
  form.querySelector(".vote-option-add").addEventListener("click", () => {
    const row = addOption(form, "");
    row.querySelector("input").focus();
  });
  list.addEventListener("click", (e) => {
    const button = e.target.closest(".vote-option-remove");
    if (!button) return;
    const row = button.closest("li");
    if (list.children.length > MIN_OPTIONS) row.remove();
    else row.querySelector("input").value = "";
    renumber(list);
    list.querySelector("input")?.focus();
  });
  showFields(form);
}

/** The fields that apply: options for a choice; no chair tie-break in secret. */
export function showFields(form) {
  const kind = form.querySelector("input[name=kind]:checked")?.value;
  form.querySelector(".vote-options").hidden = kind !== "choice";
  const secret = form.elements.namedItem("secret").checked;
  const chair = form.querySelector("input[name=tie][value=chair]");
  chair.disabled = secret;
  if (secret && chair.checked) form.querySelector("input[name=tie][value=fails]").checked = true;
  form.querySelector(".vote-tie-secret").hidden = !secret;
}

function addOption(form, value) {
  const list = form.querySelector(".vote-option-list");
  const row = list.firstElementChild.cloneNode(true);
  row.querySelector("input").value = value;
  row.querySelector(".vote-option-remove").hidden = false;
  list.append(row);
  renumber(list);
  return row;
}

function renumber(list) {
  [...list.children].forEach((row, i) => {
    const n = String(i + 1);
    row.querySelector("input").setAttribute("aria-label", list.dataset.label.replace("{n}", n));
    const remove = row.querySelector(".vote-option-remove");
    remove.setAttribute("aria-label", list.dataset.remove.replace("{n}", n));
  });
}

/** The form as the API's body (POST /api/meetings/{id}/votes, PUT /api/votes/{id});
 * throws an Error with the field's message for a countdown that is not a number. */
export function readVoteForm(form) {
  const f = form.elements;
  const kind = form.querySelector("input[name=kind]:checked")?.value ?? "yes_no_abstain";
  const choice = kind === "choice";
  const options = [...form.querySelectorAll(".vote-option-list input")].map((i) => i.value.trim()).filter(Boolean);
  const duration = f.namedItem("duration");
  const text = duration.value.trim().replace(",", ".");
  let seconds = null;
  if (text) {
    const amount = Number(text);
    if (!Number.isFinite(amount)) throw new Error(duration.dataset.bad);
    seconds = Math.round(f.namedItem("duration_unit").value === "seconds" ? amount : amount * 60);
    // The service's bounds (sessions/votes/drafts.py), said as it says them.
    if (seconds < DURATION_MIN || seconds > DURATION_MAX) {
      throw new Error(duration.dataset.range.replace("{least}", DURATION_MIN).replace("{most}", DURATION_MAX / 3600));
    }
  }
  const max = Number.parseInt(f.namedItem("max_choices").value, 10);
  return {
    title: f.namedItem("title").value,
    kind,
    options: choice ? options : [],
    max_choices: choice && Number.isFinite(max) ? max : 1,
    secret: f.namedItem("secret").checked,
    rule: f.namedItem("rule").value,
    tie: f.namedItem("tie").value,
    duration_seconds: seconds,
    require_quorum: f.namedItem("require_quorum").checked,
    item_id: f.namedItem("item_id").value || null,
  };
}

/** Fills the form from a vote (the API's), or for a new one from the meeting's
 * default rule. */
export function fillVoteForm(form, vote, defaults) {
  const f = form.elements;
  const v = vote ?? { title: "", kind: "yes_no_abstain", options: [], max_choices: 1, secret: false,
    rule: defaults.rule, tie: defaults.tie, duration_seconds: null, require_quorum: defaults.require_quorum, item_id: null };
  f.namedItem("title").value = v.title;
  for (const radio of form.querySelectorAll("input[name=kind]")) radio.checked = radio.value === v.kind;
  const list = form.querySelector(".vote-option-list");
  const labels = (v.options || []).map((o) => (typeof o === "string" ? o : o.label));
  while (list.children.length > 1) list.lastElementChild.remove();
  list.firstElementChild.querySelector("input").value = "";
  const rows = Math.max(labels.length + (vote ? 0 : 1), 3);
  for (let i = 1; i < rows; i += 1) addOption(form, "");
  [...list.querySelectorAll("input")].forEach((input, i) => { input.value = labels[i] ?? ""; });
  renumber(list);
  f.namedItem("max_choices").value = String(v.max_choices || 1);
  f.namedItem("secret").checked = Boolean(v.secret);
  f.namedItem("rule").value = v.rule;
  f.namedItem("tie").value = v.tie;
  const s = v.duration_seconds;
  const minutes = s === null || s === undefined || s % 60 === 0;
  f.namedItem("duration").value = s === null || s === undefined ? "" : String(minutes ? s / 60 : s);
  f.namedItem("duration_unit").value = minutes ? "minutes" : "seconds";
  f.namedItem("require_quorum").checked = Boolean(v.require_quorum);
  f.namedItem("item_id").value = v.item_id ?? v.agenda_item_id ?? "";
  showFields(form);
}

for (const form of document.querySelectorAll("form[data-vote-form]")) wireVoteForm(form);
