"""The floor in a real browser: in an opened meeting, the delegate asks to speak from
the tablet (a point of order, which needs its subject, consenting to the microphone),
and is told their place; the chair asks too and sees both in the Speakers tab, moves
their own request up with the keyboard's button and drags the delegate's back to the
top with the mouse, then gives the delegate the floor. The delegate's page shows them
as the speaker with a running countdown; the chair sets 0:31 (the warning, the last 30
s), one more minute, then 0:10 (overrun counted up: "+0:0x"; a shorter time is
refused with a toast), the projector shows the speaker large with
the same clock, and the chair ends the speech. A closed list offers points of order
only. The delegate's tablet goes: the chair's quorum indicator turns to "No quorum".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import Watch
from tests.browser.live_page import connected
from tests.browser.scenario import CHAIR, DELEGATE, Scenario
from tests.processes import ServerProcess


def entry(chair: Page, name: str) -> Locator:
    return chair.locator(".floor-list > li", has_text=name)


def names_in_queue(chair: Page, *names: str) -> None:
    expect(chair.locator(".floor-list > li .floor-name")).to_have_text(list(names))


def drag_to_top(chair: Page, name: str) -> None:
    grip = entry(chair, name).locator(".floor-grip").bounding_box()
    top = chair.locator(".floor-list > li").first.bounding_box()
    assert grip and top
    chair.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    chair.mouse.down()
    chair.mouse.move(top["x"] + 20, top["y"] + 4, steps=8)
    chair.mouse.up()


def set_time(chair: Page, text: str) -> None:
    chair.locator(".floor-time-input").fill(text)
    chair.locator(".floor-time button[type=submit]").click()


def test_a_delegate_asks_and_the_chair_runs_the_floor(
    server: ServerProcess, scenario: Callable[..., Scenario], watch: Watch
) -> None:
    base = server.base_url
    meeting = scenario(base, "Floor")
    meeting.start()
    chair, delegate = meeting.on_pages("chair", "delegate")
    projector = chair.context.new_page()
    projector.goto(f"{base}/m/{meeting.meeting_id}/projector")
    connected(projector)

    # The delegate: a point of order is not sent without its subject.
    ask = delegate.locator(".floor-ask-button")
    expect(ask).to_have_text("Ask to speak")
    ask.click()
    dialog = delegate.locator(".floor-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Point of order", exact=True).check()
    dialog.get_by_role("button", name="Ask to speak").click()
    expect(dialog).to_be_visible()  # the subject is required
    dialog.get_by_label("Subject of the point of order").fill("Quorum check")
    dialog.get_by_label("MeetRoom may open my microphone when I get the floor").check()
    dialog.get_by_role("button", name="Ask to speak").click()
    expect(dialog).to_be_hidden()
    expect(delegate.locator(".floor-mine")).to_have_text("You are number 1")
    expect(delegate.locator(".floor-withdraw")).to_be_visible()
    expect(delegate.locator(".floor-next li")).to_have_text([re.compile(DELEGATE)])

    # The chair asks too (an ordinary speech: after the point of order).
    chair.locator(".floor-ask-button").click()
    chair.locator(".floor-dialog").get_by_role("button", name="Ask to speak").click()
    expect(chair.locator(".floor-mine")).to_have_text("You are number 2")

    chair.get_by_role("tab", name="Speakers").click()
    names_in_queue(chair, DELEGATE, CHAIR)
    expect(entry(chair, DELEGATE)).to_contain_text("Point of order: Quorum check")
    expect(entry(chair, DELEGATE).locator(".floor-mic")).to_have_count(1)
    waited = entry(chair, DELEGATE).locator(".floor-waited")
    expect(waited).to_have_text(re.compile(r"waiting 0:\d\d"))
    quorum = chair.locator(".floor-quorum")
    expect(quorum).to_have_attribute("data-state", "reached")

    # Reordered with the button, then dragged back.
    chair.get_by_role("button", name=f"Move {CHAIR} up").click()
    names_in_queue(chair, CHAIR, DELEGATE)
    expect(delegate.locator(".floor-mine")).to_have_text("You are number 2")
    drag_to_top(chair, DELEGATE)
    names_in_queue(chair, DELEGATE, CHAIR)
    expect(delegate.locator(".floor-mine")).to_have_text("You are number 1")

    # The delegate gets the floor: the countdown runs on every page.
    chair.get_by_role("button", name=f"Give the floor to {DELEGATE}").click()
    expect(delegate.locator(".floor-mine")).to_have_text("You have the floor")
    expect(delegate.locator(".floor-board .floor-speaker")).to_have_text(DELEGATE)
    clock = delegate.locator(".floor-board .floor-clock")
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock).to_have_text(re.compile(r"^\d+:\d\d$"))
    names_in_queue(chair, CHAIR)
    expect(projector.locator(".floor-projector .floor-speaker")).to_have_text(DELEGATE)
    expect(projector.locator(".floor-projector")).to_be_visible()

    set_time(chair, "0:31")
    expect(clock).to_have_attribute("data-state", "warning")
    expect(clock).to_have_text(re.compile(r"^0:[0-3]\d$"))
    on_screen = projector.locator(".floor-projector .floor-clock")
    expect(on_screen).to_have_attribute("data-state", "warning")
    chair.get_by_role("button", name="One more minute for this speech").click()
    expect(clock).to_have_attribute("data-state", "running")
    expect(clock).to_have_text(re.compile(r"^1:[23]\d$"))
    set_time(chair, "0:5")
    expect(chair.locator(".live-toast")).to_contain_text("10")  # the least the server takes
    # The least: ten seconds, then the overrun is counted up (nobody is cut off).
    set_time(chair, "0:10")
    expect(clock).to_have_attribute("data-state", "over", timeout=15_000)
    expect(clock).to_have_text(re.compile(r"^\+0:\d\d$"))
    expect(clock).to_have_attribute("aria-label", re.compile("^Over time: "))

    chair.get_by_role("button", name="End speech").click()
    expect(delegate.locator(".floor-board .floor-speaker")).to_have_text("")
    expect(delegate.locator(".floor-board .floor-label").first).to_have_text("Nobody has the floor")
    expect(delegate.locator(".floor-ask-button")).to_be_visible()
    expect(projector.locator(".floor-projector .floor-speaker")).to_have_text("")

    # A closed list: only a point of order may be asked.
    chair.get_by_role("button", name="Close the list").click()
    expect(chair.locator(".floor-close-list")).to_have_text("Reopen the list")
    delegate.locator(".floor-ask-button").click()
    expect(dialog.get_by_label("Speech", exact=True)).to_be_disabled()
    expect(dialog.get_by_label("Point of order", exact=True)).to_be_checked()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # The delegate's tablet goes: the chair's quorum indicator moves (2 voting members).
    expect(quorum).to_have_attribute("data-state", "reached")
    expect(chair.locator(".floor-quorum-counts")).to_contain_text("2 of 2 present")
    delegate.context.close()
    expect(quorum).to_have_attribute("data-state", "missing")
    expect(chair.locator(".floor-quorum-counts")).to_contain_text("1 of 2 present")
    expect(chair.locator(".floor-quorum-state")).to_have_text("No quorum")
    watch.assert_clean()
