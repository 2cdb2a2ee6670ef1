// What the chair's Votes tab (chair.js) says of a vote's result, and how it calls the
// API. A result comes from the socket (`vote`: counts as a list) or from the API (the
// same `result`, and `counts` as a map): both are read here.

import { h } from "../live/util.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

/** A call to the API: `{ok, status, body, code, message}` (the server's message on an
 * error, in the page's language). */
export async function call(method, path, body) {
  const init = { method, headers: { Accept: "application/json", "X-CSRF-Token": csrf() } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const data = await resp.json().catch(() => null);
  return { ok: resp.ok, status: resp.status, body: data, code: data?.error?.code ?? "", message: data?.error?.message ?? "" };
}

/** [{choice, count}] in the result's order. */
export function countsOf(v) {
  const counts = v.result?.counts ?? v.counts;
  if (!counts) return [];
  if (Array.isArray(counts)) return counts.map((c) => ({ choice: c.choice, count: c.count }));
  return Object.entries(counts).map(([choice, count]) => ({ choice, count }));
}

export function choiceLabel(t, v, choice) {
  if (["yes", "no", "abstain"].includes(choice)) return t(`choice_${choice}`);
  return (v.options || []).find((o) => o.id === choice)?.label ?? choice;
}

/** Passed or not; for a choice, what was chosen. */
export function passed(v) {
  return v.kind === "choice" ? (v.result?.elected || []).length > 0 : Boolean(v.result?.passed ?? v.passed);
}

export function outcome(t, v) {
  if (v.kind === "choice") {
    const elected = (v.result?.elected || []).map((id) => choiceLabel(t, v, id));
    return elected.length ? t("chosen", { names: elected.join(", ") }) : t("none_chosen");
  }
  return passed(v) ? t("passed") : t("not_passed");
}

/** "Yes 3 · No 1 · Abstain 0 — Passed" */
export function summary(t, v) {
  const text = countsOf(v).map((c) => `${choiceLabel(t, v, c.choice)} ${c.count}`).join(" · ");
  return `${text} — ${outcome(t, v)}`;
}

/** The result at length: each choice with its count and a bar, the outcome, how a tie
 * was decided, the ballots, and the reason the vote was opened without quorum. */
export function resultView(t, v) {
  const r = v.result;
  const counts = countsOf(v);
  const most = Math.max(1, ...counts.map((c) => c.count));
  const rows = counts.map((c) => {
    const fill = h("span");
    fill.style.width = `${(100 * c.count) / most}%`; // CSSOM: the policy allows no style attributes
    return h("li", { class: "votes-count", dataset: { choice: c.choice } },
      h("span", { class: "votes-count-label" }, choiceLabel(t, v, c.choice)),
      h("strong", { class: "votes-count-n" }, c.count),
      h("span", { class: "votes-count-bar", "aria-hidden": "true" }, fill));
  });
  let tie = "";
  if (r?.tie === "chair") tie = t("tie_chair");
  else if (r?.tie === "failed") tie = t(v.kind === "choice" ? "tie_failed_choice" : "tie_failed");
  return [
    h("ul", { class: "votes-counts" }, rows),
    h("p", { class: "votes-outcome", dataset: { passed: String(passed(v)) } }, outcome(t, v)),
    tie ? h("p", { class: "votes-tie hint" }, tie) : null,
    r?.ballots !== undefined ? h("p", { class: "hint" }, t("ballots", { n: r.ballots })) : null,
    v.override_reason ? h("p", { class: "hint" }, t("without_quorum", { reason: v.override_reason })) : null,
  ].filter(Boolean);
}
