"""A quiz attempt in a real browser: by keyboard alone through the summary to the results, the
navigator following answers and flags, and the countdown warning and saving as time runs short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS, launch_in_frame
from tests.support.content import content_of
from tests.support.quizzes import stored

pytestmark = pytest.mark.browser

MAX_TABS = 400


@pytest.fixture
def day_one(app: Flask) -> Iterator[Any]:
    """Day 1's quiz with a time limit the test sets (its settings, as a trainer's file would)."""
    real = content_of(app)

    def limited(minutes: int) -> Any:
        bank = replace(real.quizzes["day-1"], time_limit_minutes=minutes)
        app.extensions["imr_content"] = real.with_quiz(bank)
        return bank

    yield limited
    app.extensions["imr_content"] = real


def _start_day_one(page: Any, live_server: str, app: Flask) -> Any:
    """Launch as Priya, open the quizzes in the whole window and start Day 1; the attempt."""
    launch_in_frame(page, live_server, "Priya Nair").locator(".who", has_text="Priya").wait_for()
    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("row").filter(has_text="Day 1 competency quiz").get_by_role(
        "button", name="Start"
    ).click()
    page.get_by_role("button", name="Review and submit").wait_for()
    return stored(app, int(page.url.rstrip("/").rsplit("/", 1)[1]))


def _tab_to(page: Any, target: Any) -> None:
    """Press Tab until `target` has the focus, as someone without a mouse does."""
    for _ in range(MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def _answer_by_keyboard(page: Any, drawn: dict[str, Any]) -> None:
    """Answer one drawn question rightly with Tab, arrows, Space and digits only."""
    question, qid = drawn["question"], drawn["question"]["id"]
    if question["type"] == "ordering":
        for token, index in drawn["steps"]:
            _tab_to(page, page.locator(f"[id='{qid}-{token}']"))
            page.keyboard.type(str(index + 1))
        return
    if question["type"] == "true-false":
        shown, right = ["true", "false"], [str(question["answer"]).lower()]
    else:
        shown = [token for token, _ in drawn["choices"]]
        correct = {c["id"] for c in question["choices"] if c["correct"]}
        right = [token for token, choice in drawn["choices"] if choice in correct]
    if question["type"] == "multiple-response":
        for token in right:
            _tab_to(page, page.locator(f"[id='{qid}-{token}']"))
            page.keyboard.press("Space")
        return
    _tab_to(page, page.locator(f"[id='{qid}-{shown[0]}']"))  # Tab enters a group at its first
    page.keyboard.press("Space")
    for _ in range(shown.index(right[0])):
        page.keyboard.press("ArrowDown")  # arrows move the choice within the group
    expect(page.locator(f"[id='{qid}-{right[0]}']")).to_be_checked()


def test_a_keyboard_only_attempt_through_the_summary_to_the_results(page, live_server, app):
    attempt = _start_day_one(page, live_server, app)
    drawn = [q for item in attempt.draw for q in item["questions"]]
    count = page.locator(".answered-count")
    expect(count).to_have_text(f"0 of {len(drawn)} answered")
    page.get_by_role("button", name="Review and submit").focus()
    page.keyboard.press("Shift+Tab")  # back into the form from its end, then from the top
    page.locator("main").focus()
    for number, question in enumerate(drawn, start=1):
        _answer_by_keyboard(page, question)
        expect(count).to_have_text(f"{number} of {len(drawn)} answered")
    flagged = drawn[2]["question"]["id"]
    _tab_to(page, page.locator(f"#flag-{flagged}"))
    page.keyboard.press("Space")
    navigator = page.get_by_role("navigation", name="Questions")
    link = navigator.locator(f"a[href='#question-{flagged}']")
    expect(link).to_contain_text("flagged", use_inner_text=True)  # what is shown, not hidden
    expect(navigator.get_by_text("flagged").filter(visible=True)).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-attempt.png"), full_page=True)

    _tab_to(page, page.get_by_role("button", name="Review and submit"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("before you submit")
    expect(page.locator("main")).to_contain_text("Every question has an answer.")
    expect(page.get_by_role("row", name=re.compile("^Question 3 "))).to_contain_text("Flagged")
    page.screenshot(path=str(ARTIFACTS / "quiz-summary.png"), full_page=True)
    assert stored(app, attempt.id).status == "in-progress", "reviewing never submits"

    _tab_to(page, page.get_by_role("button", name="Submit all and finish"))
    page.keyboard.press("Enter")
    summary = page.locator(".result-summary")
    expect(summary).to_contain_text("100.0%")
    expect(summary).to_contain_text("Passed")
    expect(summary.get_by_role("button", name="Start Day 2 competency quiz")).to_be_visible()
    marks = page.get_by_role("table", name="Your mark on each question")
    expect(marks.get_by_role("row")).to_have_count(len(drawn) + 1)
    expect(marks.locator("tbody")).to_contain_text("Correct")
    expect(marks.locator("tbody")).not_to_contain_text("Not right")
    page.screenshot(path=str(ARTIFACTS / "quiz-result-after-keyboard-attempt.png"), full_page=True)


def test_the_countdown_warns_and_saves_the_answers_as_time_runs_short(
    page, live_server, app, day_one
):
    day_one(6)
    page.clock.install()
    attempt = _start_day_one(page, live_server, app)
    clock = page.locator(".countdown")
    expect(clock).to_contain_text(re.compile(r"Time left: [56]:\d\d"))
    drawn = next(q for item in attempt.draw for q in item["questions"])
    first = drawn["question"]["id"]
    page.locator(f"fieldset#question-{first} input, fieldset#question-{first} select").first.click()
    warning = page.get_by_role("alert").filter(has_text="minute")
    expect(warning).to_have_count(0)

    with page.expect_request(lambda r: r.url.endswith("/autosave") and r.method == "POST"):
        page.clock.fast_forward("01:05")  # five minutes are left
    expect(warning).to_have_text(re.compile("^5 minutes left"))
    expect(page.locator(".autosave-status")).to_contain_text("Answers saved at")
    assert first in stored(app, attempt.id).answers, "the draft is on the server"

    with page.expect_request(lambda r: r.url.endswith("/autosave") and r.method == "POST"):
        page.clock.fast_forward("04:00")  # one minute is left
    expect(warning).to_have_text(re.compile("^1 minute left"))
    expect(clock).to_contain_text(re.compile(r"Time left: 0:\d\d"))
