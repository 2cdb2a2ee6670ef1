// A closed vote's result, the same on the tablet and the projector: passed or not (the
// elected options of an election) in words and with a mark, never by colour alone; a
// table of the choices with their counts, their percentages of the rule's base and a
// bar each (plain SVG, scaled to the base, with the votes needed marked); the rule,
// ties, and the quorum at the opening and at the close.

import { h } from "../live/util.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

const percentFormat = () => new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });

/** "Passed", "Not passed", "Elected: A, B", "Nobody was elected", "cancelled". */
export function verdict(state, t) {
  const v = state.vote;
  if (v.status === "cancelled") return { key: "cancelled", text: t("cancelled"), mark: "–" };
  const r = v.result;
  if (!r) return null;
  if (state.isChoice()) {
    // An election (several places) elects; a choice of one option chooses.
    const names = (r.elected || []).map((id) => state.label(id, t));
    const election = v.max_choices > 1;
    if (!names.length) return { key: "failed", text: t(election ? "nobody_elected" : "none_chosen"), mark: "✗" };
    return { key: "passed", text: t(election ? "elected" : "chosen_one", { names: names.join(", ") }), mark: "✓" };
  }
  return r.passed ? { key: "passed", text: t("passed"), mark: "✓" } : { key: "failed", text: t("not_passed"), mark: "✗" };
}

/** "Yes 3 · No 1 · Abstain 0": the band's line. */
export function countsLine(state, t) {
  const r = state.vote.result;
  if (!r) return "";
  return r.counts.map((c) => `${state.label(c.choice, t)} ${c.count}`).join(" · ");
}

function needText(v, choice, t) {
  const r = v.result;
  const params = { required: r.required, base: r.base };
  if (v.rule === "cast_majority") return t(choice ? "need_cast_choice" : "need_cast", params);
  if (v.rule === "present_two_thirds") return t("need_present", params);
  return t("need_members", params);
}

function ruleText(v, choice, t) {
  return v.rule === "cast_majority" && choice ? t("rule_cast_majority_choice") : t(`rule_${v.rule}`);
}

function quorumText(q, key, t) {
  if (!q) return null;
  const state = q.reached ? t("quorum_reached") : t("quorum_missing");
  return h("li", { class: "ballot-quorum", dataset: { reached: String(q.reached) } },
    `${t(key, q)} (${state})`);
}

/** The bar of one choice: its votes over the scale, the votes needed marked. */
function bar(count, scale, need, elected) {
  const el = svg("svg", { class: "ballot-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" });
  el.append(svg("rect", { class: "ballot-bar-track", x: 0, y: 0, width: 100, height: 10 }));
  const width = scale ? Math.min(100, (100 * count) / scale) : 0;
  el.append(svg("rect", { class: `ballot-bar-fill${elected ? " is-elected" : ""}`, x: 0, y: 0, width: width.toFixed(2), height: 10 }));
  if (need !== null) {
    const x = Math.min(100, (100 * need) / scale).toFixed(2);
    el.append(svg("line", { class: "ballot-bar-need", x1: x, x2: x, y1: 0, y2: 10, "vector-effect": "non-scaling-stroke" }));
  }
  return el;
}

/** The whole result as an element (`null` while the vote is open). */
export function resultView(state, t) {
  const v = state.vote;
  const said = verdict(state, t);
  if (!said) return null;
  const root = h("div", { class: "ballot-result", dataset: { verdict: said.key, kind: v.kind } },
    h("p", { class: "ballot-verdict" }, h("span", { class: "ballot-verdict-mark", "aria-hidden": "true" }, said.mark), h("span", { class: "ballot-verdict-text" }, said.text)));
  const r = v.result;
  if (v.status !== "closed" || !r) return root;
  const choice = state.isChoice();
  const elected = new Set(r.elected || []);
  const scale = Math.max(r.base, ...r.counts.map((c) => c.count), 1);
  const need = r.base > 0 ? r.required : null;
  const pct = percentFormat();
  const rows = r.counts.map((c) => {
    // Abstentions are outside the base of a majority of the votes cast.
    const counted = !(c.choice === "abstain" && v.rule === "cast_majority");
    const isElected = choice && elected.has(c.choice);
    const data = choice ? { choice: c.choice, elected: String(isElected) } : { choice: c.choice };
    return h("tr", { dataset: data },
      h("th", { scope: "row", class: "ballot-chart-label" }, state.label(c.choice, t),
        isElected ? h("span", { class: "ballot-elected" }, ` ✓ ${t(v.max_choices > 1 ? "elected_mark" : "chosen_mark")}`) : null),
      h("td", { class: "ballot-chart-bar" }, bar(c.count, scale, counted ? need : null, isElected)),
      h("td", { class: "ballot-chart-count" }, String(c.count)),
      h("td", { class: "ballot-chart-percent" }, counted ? `${pct.format(c.percent)} %` : t("not_counted")));
  });
  root.append(h("table", { class: "ballot-chart" },
    h("caption", { class: "visually-hidden" }, t("results")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("choice")),
      h("td", { "aria-hidden": "true" }),
      h("th", { scope: "col", class: "ballot-chart-count" }, t("votes")),
      h("th", { scope: "col", class: "ballot-chart-percent" }, t("percent")))),
    h("tbody", {}, rows)));
  const notes = [
    h("li", {}, t("ballots_cast", { n: r.ballots })),
    // Nothing counted against (a base of 0): "1 of 0" would say nothing.
    r.base > 0 ? h("li", { class: "ballot-need" }, needText(v, choice, t)) : null,
    h("li", {}, ruleText(v, choice, t)),
  ];
  if (r.tie === "chair") notes.push(h("li", { class: "ballot-tie" }, t("tie_chair")));
  if (r.tie === "failed") notes.push(h("li", { class: "ballot-tie" }, t(choice ? "tie_failed_choice" : "tie_failed")));
  notes.push(quorumText(v.quorum_at_open, "quorum_open", t), quorumText(v.quorum_at_close, "quorum_close", t));
  if (v.override_reason) notes.push(h("li", {}, t("override", { reason: v.override_reason })));
  root.append(h("ul", { class: "ballot-notes" }, notes));
  return root;
}
