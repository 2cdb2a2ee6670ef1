"""The chair's Votes tab in a real browser, in an opened meeting of four voting members
of whom two are here (no quorum under the default rule, more than half): the chair
prepares a vote in the tab (the options appear only for a choice; the chair's
tie-break is taken away from a secret vote, with the reason), saves it and opens it.
The server refuses for want of quorum: the tab shows its message and asks a reason,
and opens the vote with it. The delegate's tablet votes over the meeting socket; the
chair's tab goes to "1 of 4 voted" from the socket's count, the chair closes the vote
and sees the result. A cancelled vote is run again as a new draft.

Screenshots of the tab are written to $MEETROOM_SCREENSHOTS if set, else to the
test's temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.accessibility import accessible
from tests.browser.harness import Watch, screenshot_dir
from tests.browser.scenario import CHAIR, DELEGATE, Scenario, sign_in
from tests.processes import ServerProcess

QUESTION = "Thông qua dự toán ngân sách năm 2031 (bản sửa đổi lần hai)"
# Two voting members who do not come: four in all, two present, three needed.
PEOPLE = (("Đại biểu Lê Chi", "delegate"), ("Đại biểu Phạm Dũng", "delegate"),
          (CHAIR, "chair"), (DELEGATE, "delegate"))  # fmt: skip

# A tablet's ballot over the meeting socket, from the delegate's page (a connection of
# its own, as the tablet's ballot screen sends it): the receipt, or the error's code.
CAST = """async ([meeting, vote]) => {
  const ws = new WebSocket(location.origin.replace(/^http/, "ws") + `/m/${meeting}/socket`);
  const next = (type) => new Promise((resolve) => {
    const seen = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === type || m.type === "error") {
        ws.removeEventListener("message", seen);
        resolve(m);
      }
    };
    ws.addEventListener("message", seen);
  });
  await new Promise((resolve) => ws.addEventListener("open", resolve, { once: true }));
  const welcome = next("welcome");
  ws.send(JSON.stringify({ type: "hello", version: 1, last_seq: 0 }));
  await welcome;
  const answer = next("vote_receipt");
  ws.send(JSON.stringify({ type: "vote_cast", vote_id: vote, ballot_id: crypto.randomUUID(),
                           choice: "yes" }));
  const got = await answer;
  ws.close();
  return got;
}"""


def vote_row(chair: Page, title: str) -> Locator:
    return chair.locator(".votes-list > li", has_text=title)


def test_the_chair_runs_a_vote_in_the_votes_tab(
    server: ServerProcess, scenario: Callable[..., Scenario], watch: Watch, tmp_path: Path
) -> None:
    shots = screenshot_dir(tmp_path)
    base = server.base_url
    meeting = scenario(base, "Votes", people=PEOPLE)
    meeting.start()
    chair, delegate = meeting.on_pages("chair", "delegate")
    chair.set_viewport_size({"width": 1280, "height": 900})
    expect(delegate.get_by_role("tab", name="Votes")).to_be_hidden()  # the chair's only

    tab = chair.locator("#votes-chair")
    chair.get_by_role("tab", name="Votes").click()
    expect(tab).to_be_visible()
    expect(tab.locator(".votes-empty")).to_have_text("No votes yet.")

    # The form: options only for a choice; no chair's tie-break in a secret vote.
    tab.get_by_role("button", name="New vote").click()
    form = tab.locator(".votes-form")
    expect(form.locator(".votes-form-title")).to_have_text("New vote")
    expect(form.locator(".vote-options")).to_be_hidden()
    form.get_by_label("A choice among options (or an election)").check()
    expect(form.locator(".vote-options")).to_be_visible()
    expect(form.locator(".vote-option")).to_have_count(3)
    form.get_by_role("button", name="Add an option").click()
    expect(form.get_by_label("Option 4", exact=True)).to_be_focused()
    form.get_by_role("button", name="Remove option 4").click()
    expect(form.locator(".vote-option")).to_have_count(3)
    form.get_by_label("Yes, no or abstain").check()
    expect(form.locator(".vote-options")).to_be_hidden()
    by_chair = form.get_by_label("The chair's vote decides a tie")
    by_chair.check()
    form.get_by_label("Secret ballot (nobody sees who voted what)").check()
    expect(form.get_by_label("A tie fails")).to_be_checked()
    expect(by_chair).to_be_disabled()
    expect(form.locator(".vote-tie-secret")).to_contain_text("nobody knows the chair's ballot")
    form.get_by_label("Secret ballot (nobody sees who voted what)").uncheck()
    expect(by_chair).to_be_enabled()

    # A countdown too short, then a choice with one option (refused by the server):
    # each said in the form, nothing typed lost.
    form.get_by_label("Question").fill(QUESTION)
    countdown = form.get_by_label("Countdown (empty: the chair closes the vote)")
    countdown.fill("5")
    form.get_by_label("Unit").select_option("seconds")
    form.get_by_label("Open only with quorum (the chair may override with a reason)").check()
    form.get_by_role("button", name="Save vote").click()
    error = form.locator(".votes-form-error")
    expect(error).to_have_text("The countdown must be between 10 seconds and 24 hours.")
    countdown.fill("")
    form.get_by_label("A choice among options (or an election)").check()
    form.get_by_label("Option 1", exact=True).fill("Đồng ý")
    form.get_by_role("button", name="Save vote").click()
    expect(error).to_have_text("A vote among options needs 2 to 100 options.")
    expect(form.get_by_label("Question")).to_have_value(QUESTION)
    expect(form.get_by_label("Option 1", exact=True)).to_have_value("Đồng ý")
    form.get_by_label("Yes, no or abstain").check()
    chair.screenshot(path=shots / "votes-1-form.png")
    accessible(chair, "the Votes tab with the form")
    form.get_by_role("button", name="Save vote").click()
    expect(form).to_be_hidden()
    row = vote_row(chair, QUESTION)
    expect(row.locator(".votes-status")).to_have_text("Prepared")

    # Opened: refused for want of quorum, then with a reason.
    row.get_by_role("button", name=f"Open the vote “{QUESTION}”").click()
    ask = tab.locator(".votes-ask")
    expect(ask).to_be_visible()
    expect(ask.locator(".votes-ask-text")).to_contain_text(
        "There is no quorum (2 of 4 present, 3 required)"
    )
    reason = ask.get_by_label("Reason for opening without quorum")
    expect(reason).to_be_focused()
    chair.screenshot(path=shots / "votes-2-no-quorum.png")
    accessible(chair, "the Votes tab asking a reason")
    reason.fill("Hai đại biểu vắng có lý do; chủ tọa quyết định biểu quyết")
    ask.get_by_role("button", name="Open anyway").click()
    expect(ask).to_be_hidden()
    live = tab.locator(".votes-live")
    expect(live).to_have_attribute("data-status", "open")
    expect(live.locator(".votes-progress")).to_have_text("0 of 4 voted")
    expect(row.locator(".votes-status")).to_have_text("Voting")

    # The delegate's tablet votes over the socket: the count reaches the chair's tab.
    vote_id = live.get_attribute("data-vote")
    receipt: dict[str, Any] = delegate.evaluate(CAST, [meeting.meeting_id, vote_id])
    assert receipt["type"] == "vote_receipt" and receipt["receipt"], receipt
    expect(live.locator(".votes-progress")).to_have_text("1 of 4 voted")
    chair.screenshot(path=shots / "votes-3-open.png")

    live.get_by_role("button", name="Close").click()
    expect(live).to_have_attribute("data-status", "closed")
    expect(live.locator(".votes-count")).to_have_text(
        [re.compile(r"^Yes\s*1"), re.compile(r"^No\s*0"), re.compile(r"^Abstain\s*0")]
    )
    expect(live.locator(".votes-outcome")).to_have_text("Passed")
    expect(live).to_contain_text("Opened without quorum: Hai đại biểu vắng")
    expect(row.locator(".votes-item-result")).to_have_text("Yes 1 · No 0 · Abstain 0 — Passed")
    expect(row.get_by_role("button")).to_have_count(0)
    chair.screenshot(path=shots / "votes-4-result.png")
    accessible(chair, "the Votes tab with a result")

    # A vote cancelled (with a reason) is run again as a new draft.
    tab.get_by_role("button", name="New vote").click()
    form.get_by_label("Question").fill("Bầu hai ủy viên")
    form.get_by_label("A choice among options (or an election)").check()
    for n, name in enumerate(("Lan", "Minh", "Hoa"), start=1):
        form.get_by_label(f"Option {n}", exact=True).fill(name)
    form.get_by_label("Each ballot may choose up to").fill("2")
    form.get_by_role("button", name="Save vote").click()
    election = vote_row(chair, "Bầu hai ủy viên")
    expect(election.locator(".votes-item-meta")).to_contain_text("A choice among options")
    election.get_by_role("button", name="Cancel the vote “Bầu hai ủy viên”").click()
    expect(ask.locator(".votes-ask-text")).to_contain_text("Cancel “Bầu hai ủy viên”?")
    ask.get_by_label("Reason (optional)").fill("Chưa đủ ứng viên")
    ask.get_by_role("button", name="Cancel the vote").click()
    expect(election.locator(".votes-status")).to_have_text("Cancelled")
    election.get_by_role("button", name="Run the vote “Bầu hai ủy viên” again").click()
    drafts = chair.locator(".votes-list > li[data-status=draft]", has_text="Bầu hai ủy viên")
    expect(drafts).to_have_count(1)
    drafts.get_by_role("button", name="Edit the vote “Bầu hai ủy viên”").click()
    expect(form.get_by_label("Option 3", exact=True)).to_have_value("Hoa")
    expect(form.get_by_label("Each ballot may choose up to")).to_have_value("2")
    chair.screenshot(path=shots / "votes-5-rerun.png")

    # With a countdown of two minutes (no quorum needed): the tab counts it down.
    form.get_by_label("Countdown (empty: the chair closes the vote)").fill("2")
    form.get_by_role("button", name="Save vote").click()
    expect(form).to_be_hidden()
    drafts.get_by_role("button", name="Open the vote “Bầu hai ủy viên”").click()
    expect(live).to_have_attribute("data-status", "open")
    expect(live.locator(".votes-live-title")).to_have_text("Bầu hai ủy viên")
    expect(live.locator(".votes-progress")).to_have_text("0 of 4 voted")
    expect(live.locator(".votes-clock")).to_have_text(re.compile(r"^(2:00|1:5\d) left$"))
    live.get_by_role("button", name="Close").click()
    expect(live.locator(".votes-outcome")).to_have_text("None chosen")

    # The meeting page: every vote with its state, and the result with the CSV.
    admin = meeting.new_context().new_page()
    sign_in(admin, base)
    admin.set_viewport_size({"width": 1280, "height": 900})
    admin.goto(f"{base}/meetings/{meeting.meeting_id}#votes")
    rows = admin.locator("#votes .vote-row")
    expect(rows).to_have_count(3)
    expect(rows.locator(".vote-status")).to_have_text(["Closed", "Cancelled", "Closed"])
    results = admin.locator("#vote-results tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text(QUESTION)
    expect(results.locator(".vote-outcome")).to_contain_text(["Passed", "None chosen"])
    expect(admin.get_by_role("link", name="Download the results (CSV)")).to_be_visible()
    admin.locator("#votes").screenshot(path=shots / "votes-6-meeting-page.png")
    admin.locator("#vote-results").screenshot(path=shots / "votes-7-results.png")
    admin.locator(".vote-new > summary").click()
    admin.locator(".vote-new").screenshot(path=shots / "votes-8-prepare.png")

    # A proxy: recorded, then the same principal again refused in place.
    proxies = admin.locator("#proxies")
    for _ in range(2):
        proxies.get_by_label("Who cannot come").select_option(label=PEOPLE[0][0])
        proxies.get_by_label("votes through").select_option(label=DELEGATE)
        proxies.get_by_role("button", name="Add proxy").click()
    expect(proxies.locator(".error")).to_have_text(
        "This participant already has a proxy in this meeting."
    )
    expect(proxies.get_by_label("Who cannot come")).to_have_value(
        proxies.locator("tr[data-proxy]").get_attribute("data-proxy") or ""
    )
    expect(proxies.locator("tbody tr")).to_have_text([re.compile(f"{PEOPLE[0][0]}\\s*{DELEGATE}")])
    proxies.screenshot(path=shots / "votes-9-proxies.png")

    # The refusals the test caused, and only those: the choice with one option (400),
    # the missing quorum (409), each logged by the browser too; the second proxy (400).
    expected = [
        e for e in watch.http_errors if re.search(r"/votes: 400$|/open: 409$|/proxies: 400$", e)
    ]
    assert len(expected) == 3, watch.http_errors
    for error in expected:
        watch.http_errors.remove(error)
    logged = [e for e in watch.console_errors if "status of 40" in e]
    assert len(logged) == 3, watch.console_errors
    for error in logged:
        watch.console_errors.remove(error)
    watch.assert_clean()
