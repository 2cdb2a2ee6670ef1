"""axe-core on a page as it is now: the WCAG 2.1 A and AA rules and axe's best practices,
and a description of what fails that is enough to fix it from (rule, impact, the
elements' selectors and markup, what axe says is wrong).

axe-core is the copy that the axe-playwright-python package ships. Its `run` puts the
script into the page with Playwright's `evaluate`, which Chromium runs as its debugger
would, outside the page's Content-Security-Policy: the page keeps its real, strict CSP
(script-src 'self', no inline scripts) and no CSP violation is reported (the browser
tests' Watch would fail on one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.0 and 2.1, levels A and AA; and axe's best practices, which hold what a screen
# reader stumbles on that WCAG does not name as such (an empty table header, a role
# that a landmark may not take, content outside any landmark).
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
OPTIONS = {"runOnly": {"type": "tag", "values": list(TAGS)}, "resultTypes": ["violations"]}
IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
SNIPPET_CHARS = 300

_axe = Axe()


def axe_run(page: Page, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """axe's results for the page, leaving out the elements matched by `exclude` (CSS
    selectors: only for a proven false positive, each with a comment saying why)."""
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    return _axe.run(page, context=context, options=OPTIONS).response


def describe(results: dict[str, Any], where: str) -> str:
    """The violations, most severe first, each element with its selector and markup."""
    violations = sorted(
        results["violations"], key=lambda v: (IMPACT_ORDER.get(v.get("impact") or "", 9), v["id"])
    )
    engine = results.get("testEngine", {}).get("version", "?")
    count = sum(len(v["nodes"]) for v in violations)
    lines = [
        f"axe-core {engine}: {len(violations)} rule(s) failed on {count} element(s) of {where}",
        "(rule id [impact] what it asks; then each element: its selector, its markup, "
        "and what is wrong)",
    ]
    for v in violations:
        criteria = ", ".join(t for t in v["tags"] if t.startswith("wcag") or t == "best-practice")
        lines.append("")
        lines.append(f"{v['id']} [{v.get('impact')}] {v['help']}")
        lines.append(f"  tags: {criteria}; see {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"  - {_target(node['target'])}")
            html = " ".join(node.get("html", "").split())
            if len(html) > SNIPPET_CHARS:
                html = html[:SNIPPET_CHARS] + "…"
            lines.append(f"      {html}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {summary_line.strip()}")
    return "\n".join(lines)


def _target(target: list[Any]) -> str:
    """axe's target: a selector, or a list of them through iframes and shadow roots."""
    return " >> ".join(
        " >>> ".join(part) if isinstance(part, list) else str(part) for part in target
    )


def accessible(page: Page, where: str) -> None:
    """axe finds nothing wrong with the page as it is now (WCAG 2.1 AA)."""
    results = axe_run(page)
    assert not results["violations"], describe(results, where)
