"""Each role's home as a work queue in a real browser: the practitioner's tracker and its next
steps, the trainer's and the director's counts and the lists behind them, times rewritten in the
browser's own zone, and the schedule form showing one ending at a time. Screenshots of each home
go to the test artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS, PHONE, fresh_page, launch_in_frame, page_problems

pytestmark = pytest.mark.browser


@pytest.fixture
def new_york(browser) -> Iterator[object]:
    """A browser whose clock runs in New York, whatever the machine's zone."""
    yield from fresh_page(browser, 1200, 1100, timezone_id="America/New_York")


def _shot_and_check(page, live_server: str, path: str, name: str) -> None:
    """Open the home outside the LMS frame, save its screenshot, check it at desktop and phone
    width (axe-core, unique ids, no sideways scroll), and go back to the course page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}{path}")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    problems = page_problems(page)
    page.set_viewport_size(PHONE)
    problems += page_problems(page)
    page.screenshot(path=str(ARTIFACTS / name.replace(".png", "-phone.png")), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 1100})
    assert not problems, problems
    page.go_back()


def _priya_waits_for_a_signoff(app) -> None:
    """Priya has done the training, passed every quiz and attended consultation."""
    from tests.support.journey import attend_consultation, complete_training_and_quizzes

    complete_training_and_quizzes(app, "demo-priya-nair")
    attend_consultation(app, "demo-priya-nair", "demo-sam-okafor")


def test_the_practitioner_home_tracks_each_requirement_and_leads_to_the_next_module(
    page, live_server: str, app
):
    from tests.support.content import content_of

    first = content_of(app).catalog.ordered_modules[0]
    frame = launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    tracker = frame.get_by_role("region", name="Your way to certification")
    expect(
        tracker.get_by_role("heading", name=re.compile(r"^Training modules: 0 of \d+"))
    ).to_be_visible()
    expect(
        tracker.get_by_role("heading", name=re.compile("Consultation sessions attended: 0 of 12"))
    ).to_be_visible()
    expect(tracker.locator("progress")).to_have_count(4)
    expect(tracker).to_contain_text("not yet met")
    _shot_and_check(page, live_server, "/practitioner", "home-practitioner.png")
    tracker.get_by_role("link", name=f"Next module: {first.title}").click()
    frame.get_by_label("Yes, my trainers may read my reflections").check()  # asked once, first
    frame.get_by_role("button", name="Save my choice").click()
    frame.get_by_role("heading", name=first.title, level=1).wait_for()


def test_the_trainer_home_counts_who_waits_for_a_signoff_and_lists_them(
    page, live_server: str, app
):
    for who in ("Priya Nair", "Sam Okafor"):
        launch_in_frame(page, live_server, who).locator(".who", has_text=who).wait_for()
    _priya_waits_for_a_signoff(app)
    frame = launch_in_frame(page, live_server, "Sam Okafor")
    frame.get_by_role("heading", name="People in this cohort").wait_for()
    queues = frame.get_by_role("region", name="Waiting for you")
    ready = queues.get_by_role("link", name=re.compile("ready for a competency sign-off"))
    expect(ready).to_have_text(re.compile(r"^1 ready"))
    expect(queues.get_by_role("link", name=re.compile("falling behind"))).to_be_visible()
    expect(queues.get_by_role("link", name=re.compile("new shared reflection"))).to_be_visible()
    _shot_and_check(page, live_server, "/trainer", "home-trainer.png")
    ready.click()
    frame.get_by_role("heading", name="Ready for a competency sign-off", level=1).wait_for()
    row = frame.get_by_role("row").filter(has_text="Priya Nair")
    row.get_by_role("link", name="Record a sign-off for Priya Nair").click()
    frame.get_by_role("heading", level=1, name="Competency sign-off: Priya Nair").wait_for()


def test_the_director_home_counts_what_waits_and_links_each_list(page, live_server: str, app):
    frame = launch_in_frame(page, live_server, "Jordan Lee")
    frame.locator(".who", has_text="Jordan Lee").wait_for()
    queues = frame.get_by_role("region", name="Waiting for you")
    for words in (
        "awaiting your approval",
        "expiring within",
        "due a fidelity review",
        "LMS connection",
    ):
        expect(queues.get_by_role("link", name=re.compile(words))).to_have_text(
            re.compile(r"^\d+ ")
        )
    _shot_and_check(page, live_server, "/director", "home-director.png")
    queues.get_by_role("link", name=re.compile("awaiting your approval")).click()
    expect(frame.get_by_label("Status", exact=True)).to_have_value("awaiting approval")


def test_times_are_rewritten_in_the_browsers_own_zone(new_york, live_server: str, app):
    page = new_york
    for who in ("Priya Nair", "Sam Okafor"):
        launch_in_frame(page, live_server, who).locator(".who", has_text=who).wait_for()
    frame = page.frame_locator("iframe[name=tool-frame]")
    when = frame.locator("time[data-zone=browser]").first
    expect(when).to_have_text(re.compile(r"E[SD]T$"))
    instant = datetime.fromisoformat(when.get_attribute("datetime"))
    there = instant.astimezone(ZoneInfo("America/New_York"))
    expect(when).to_have_text(f"{there.day} {there:%B %Y, %H:%M %Z}")


def test_the_schedule_form_shows_one_ending_and_explains_a_wrong_zone(page, live_server: str):
    page.set_viewport_size(PHONE)
    launch_in_frame(page, live_server, "Sam Okafor").locator(".who", has_text="Sam").wait_for()
    page.goto(f"{live_server}/consultation/")
    sessions = page.get_by_label("Number of sessions (one a week)")
    last = page.get_by_label("Last date", exact=True)
    expect(sessions).to_be_visible()
    expect(last).to_be_hidden()
    page.get_by_label("Until a last date").check()
    expect(last).to_be_visible()
    expect(sessions).to_be_hidden()
    problems = page_problems(page)
    assert not problems, problems
    page.get_by_label("Group name").fill("Thursday consultation")
    page.get_by_label("Where (a room, or a video link)").fill("Room 4")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Create the group and its sessions").click()
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_accessible_description(re.compile("is not a time zone we know"))
    expect(last).to_have_accessible_description(re.compile("Give the last date"))
    assert page.locator("datalist#timezone-options option[value='America/New_York']").count() == 1
    problems = page_problems(page)
    assert not problems, problems
