"""Real-browser launches: Debian's chromium, driven by Playwright, inside the demo LMS's iframe."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.support.browser import ARTIFACTS
from tests.support.browser import launch_in_frame as _launch_in_frame
from tests.support.content import content_of

pytestmark = pytest.mark.browser


def test_practitioner_launches_inside_the_lms_iframe(page, live_server: str):
    frame = _launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    assert frame.locator(".role-badge").inner_text() == "Practitioner"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "practitioner-home.png"), full_page=True)


def test_trainer_sees_the_practitioner_in_the_cohort(page, live_server: str):
    _launch_in_frame(page, live_server, "Alex Rivera").get_by_role(
        "heading", name="Welcome, Alex Rivera"
    ).wait_for()
    frame = _launch_in_frame(page, live_server, "Sam Okafor")
    roster = frame.get_by_role("table")
    roster.wait_for()
    assert "Alex Rivera" in roster.inner_text()
    assert "Sam Okafor" in roster.inner_text()


def test_director_sees_the_organisation_and_switches_to_trainer(page, live_server: str):
    frame = _launch_in_frame(page, live_server, "Jordan Lee")
    frame.get_by_role("heading", name="Open Sky Community Services (demo)").wait_for()
    frame.get_by_role("button", name="View as trainer").click()
    frame.get_by_role("heading", name="People in this cohort").wait_for()
    assert frame.locator(".role-badge").inner_text() == "Trainer"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "director-as-trainer.png"), full_page=True)


_BOXES = """(selector) => {
  const box = document.querySelector('.table-scroll');
  box.scrollTop = 400; box.scrollLeft = 300;
  const frame = box.getBoundingClientRect();
  const header = box.querySelector('thead th').getBoundingClientRect();
  const first = box.querySelector(selector).getBoundingClientRect();
  return {scrolls: box.scrollHeight > box.clientHeight, pageWide: document.documentElement.scrollWidth,
          view: window.innerWidth, boxTop: frame.top, headerTop: header.top,
          boxLeft: frame.left, firstLeft: first.left};
}"""


def test_a_long_table_scrolls_in_its_box_keeping_its_header_and_first_column(
    page, live_server: str, app
):
    from tests.support.bulk import add_practitioners

    _launch_in_frame(page, live_server, "Sam Okafor").get_by_role(
        "heading", name="People in this cohort"
    ).wait_for()
    add_practitioners(app, 80, "demo-sam-okafor")
    tool = page.frame(name="tool-frame")
    tool.goto(f"{live_server}/training/cohort?size=50")
    tool.get_by_text("Showing 1–50 of 80").wait_for()
    boxes = tool.evaluate(_BOXES, "tbody tr:nth-child(20) th")
    assert boxes["scrolls"]
    assert abs(boxes["headerTop"] - boxes["boxTop"]) < 2
    assert abs(boxes["firstLeft"] - boxes["boxLeft"]) < 2
    assert boxes["pageWide"] <= boxes["view"]
    tool.get_by_role("link", name="Page 2").click()
    tool.get_by_text("Showing 51–80 of 80").wait_for()
    expect(tool.locator('.table-pager a[aria-current="page"]')).to_have_text("Page 2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cohort-grid-page-2.png"), full_page=True)


def test_keyboard_user_can_skip_to_the_content(page, live_server: str):
    frame = _launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    skip = frame.get_by_role("link", name="Skip to main content")
    skip.focus()
    assert skip.bounding_box()["x"] >= 0, "the skip link must become visible when focused"
    skip.press("Enter")
    assert frame.locator("#main").evaluate("main => document.activeElement === main")


def _do_activity(frame, activity) -> None:
    section = frame.locator(f"#activity-{activity.id}")
    kind = activity.type.value
    if kind == "reflection":
        section.get_by_label("Your reflection").fill(
            "I notice I explain too quickly; next time I will ask first."
        )
    elif kind == "role-play":
        section.get_by_label("I practised this role-play").check()
    elif kind == "checklist":
        for box in section.locator("input[type=checkbox]").all():
            box.check()
    button = section.get_by_role("button").element_handle()
    button.click()
    # the old page's "Saved." would answer at once: wait for the page it posted from to go first
    with contextlib.suppress(PlaywrightError):  # raised once the old page's button is gone
        button.wait_for_element_state("hidden")
    frame.get_by_text("Saved.").or_(
        frame.get_by_text("Module complete. Well done.")
    ).first.wait_for()


def test_practitioner_completes_a_module_and_the_trainer_sees_it(page, live_server: str, app):

    first = content_of(app).catalog.ordered_modules[0]
    frame = _launch_in_frame(page, live_server, "Alex Rivera")
    day_one = frame.get_by_role("progressbar", name="Day 1")
    expect(day_one).to_have_attribute("value", "0")
    frame.get_by_role("link", name=f"Continue where you left off: {first.title}").click()
    frame.get_by_label("Yes, my trainers may read my reflections").check()
    frame.get_by_role("button", name="Save my choice").click()
    frame.get_by_role("heading", name=first.title, level=1).wait_for()
    reflections = [a for a in first.activities if a.type.value == "reflection"]
    for activity in [
        *reflections,
        *(a for a in first.activities if a.required and a not in reflections),
    ]:
        _do_activity(frame, activity)
    frame.get_by_text("Module complete. Well done.").wait_for()
    frame.get_by_role("link", name="IMR Academy").click()
    expect(day_one).to_have_attribute("value", "16")
    expect(frame.locator(".progress", has=day_one)).to_contain_text("1 of 6 modules · 16%")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "practitioner-progress.png"), full_page=True)

    trainer = _launch_in_frame(page, live_server, "Sam Okafor")
    trainer.get_by_role("link", name="Training progress of the cohort").click()
    # The trainer's home lists Alex Rivera too: wait for the grid's own row, never on luck.
    row = trainer.get_by_role("row").filter(has_text="Alex Rivera")
    expect(row).to_contain_text(f"{first.title}: Complete")
    trainer.get_by_role("link", name="Alex Rivera").click()
    trainer.get_by_text("next time I will ask first").wait_for()


def _answer_correctly(frame, attempt) -> None:
    for item in attempt.draw:
        for drawn in item["questions"]:
            question = drawn["question"]
            qid = question["id"]
            if question["type"] in ("single-choice", "multiple-response"):
                correct = {c["id"] for c in question["choices"] if c["correct"]}
                for token, choice in drawn["choices"]:
                    if choice in correct:
                        frame.locator(f"[id='{qid}-{token}']").check()
            elif question["type"] == "true-false":
                frame.locator(f"[id='{qid}-{str(question['answer']).lower()}']").check()
            else:
                for token, index in drawn["steps"]:
                    frame.locator(f"[id='{qid}-{token}']").select_option(str(index + 1))


def test_practitioner_passes_a_quiz_and_the_trainer_sees_it(page, live_server: str, app):
    from app.extensions import db
    from app.models.quizzes import QuizAttempt

    frame = _launch_in_frame(page, live_server, "Priya Nair")
    frame.get_by_role("link", name="Go to your quizzes").click()
    frame.get_by_role("row").filter(has_text="Day 1 competency quiz").get_by_role(
        "button", name="Start"
    ).click()
    frame.get_by_role("button", name="Review and submit").wait_for()
    with app.app_context():
        attempt = db.session.scalars(db.select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
        db.session.expunge(attempt)
    _answer_correctly(frame, attempt)
    frame.get_by_role("button", name="Review and submit").click()
    frame.get_by_role("button", name="Submit all and finish").click()
    expect(frame.locator(".result-summary")).to_contain_text("100.0%")
    assert "Passed" in frame.locator(".result-summary").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-result.png"), full_page=True)

    trainer = _launch_in_frame(page, live_server, "Sam Okafor")
    trainer.get_by_role("main").get_by_role("link", name="Quiz results").click()
    # The trainer's home lists Priya too: wait for the results table's own row.
    expect(trainer.get_by_role("row").filter(has_text="Priya Nair")).to_contain_text(
        "100.0% (highest) passed"
    )


def test_trainer_schedules_consultation_takes_attendance_and_the_practitioner_sees_it(
    page, live_server: str
):
    from datetime import date, timedelta

    _launch_in_frame(page, live_server, "Alex Rivera").get_by_role(
        "heading", name="Welcome, Alex Rivera"
    ).wait_for()
    frame = _launch_in_frame(page, live_server, "Sam Okafor")
    frame.get_by_role("link", name="Weekly consultation").click()
    frame.get_by_label("Group name").fill("Thursday consultation")
    frame.get_by_label("Where (a room, or a video link)").fill("Room 2, Harbour House")
    frame.get_by_label("Day of the week").select_option(label="Thursday")
    frame.get_by_label("Starts at (local time)").fill("14:00")
    frame.get_by_label("First week starting").fill((date.today() - timedelta(days=14)).isoformat())
    frame.get_by_role("spinbutton", name="Number of sessions (one a week)").fill("12")
    frame.get_by_role("button", name="Create the group and its sessions").click()
    frame.get_by_text("Thursday consultation is scheduled: 12 sessions.").wait_for()
    frame.get_by_label("Alex Rivera").check()
    frame.get_by_role("button", name="Save members").click()
    frame.get_by_text("Members saved.").wait_for()
    frame.get_by_role("link", name="Attendance", exact=True).first.click()
    frame.get_by_role("heading", name="Attendance:").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "attendance.png"), full_page=True)
    expect_present = frame.get_by_role("radio", name="Present").first
    assert expect_present.is_checked(), "everyone starts as present"
    frame.get_by_role("button", name="Save attendance").click()
    frame.get_by_text("Attendance saved.").wait_for()

    mine = _launch_in_frame(page, live_server, "Alex Rivera")
    mine.get_by_role("link", name="Your sessions and attendance").click()
    summary = mine.locator(".summary")
    summary.wait_for()
    assert "You have attended 1 of the 12 sessions" in " ".join(
        summary.inner_text().split()
    )  # at least 12, by the policy
    assert "Room 2, Harbour House" in mine.locator("main").inner_text()
    assert mine.locator(".session-list .status").first.inner_text() == "Present"


def test_practitioner_is_certified_and_the_director_verifies_it(page, live_server: str, app):
    import hashlib

    from tests.support.journey import attend_consultation, complete_training_and_quizzes

    _launch_in_frame(page, live_server, "Alex Rivera").get_by_role(
        "heading", name="Welcome, Alex Rivera"
    ).wait_for()
    trainer = _launch_in_frame(page, live_server, "Sam Okafor")
    trainer.get_by_role("heading", name="People in this cohort").wait_for()
    complete_training_and_quizzes(app, "demo-alex-rivera")
    attend_consultation(app, "demo-alex-rivera", "demo-sam-okafor")
    trainer.get_by_role("link", name="Training progress of the cohort").click()
    trainer.get_by_role("link", name="Alex Rivera").click()
    trainer.get_by_role("link", name="Competency sign-off").click()
    for observed_on, kind in (("2026-11-13", "A role-played session"), ("2026-11-20", None)):
        trainer.get_by_label("Date of the observed session").fill(observed_on)
        trainer.get_by_label(kind or "A real session, observed live").check()
        for item in content_of(app).rubric.items:
            if item.required and item.applies_to("individual"):
                trainer.locator(f"[id='rating-{item.id}-4']").check()
        trainer.get_by_role("button", name="Record sign-off").click()
        if kind:  # a role-play alone is not enough: the policy asks for a real session too
            trainer.get_by_text("Sign-off recorded.").wait_for()
            expect(trainer.get_by_text("the certificate is issued")).to_have_count(0)
    trainer.get_by_text("the certificate is issued").wait_for()

    mine = _launch_in_frame(page, live_server, "Alex Rivera")
    mine.get_by_role("link", name="What is left before certification, and your certificate").click()
    link = mine.get_by_role("link", name="Download the certificate (PDF)")
    link.wait_for()
    pdf = page.request.get(live_server + link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(pdf.body()).hexdigest()

    director = _launch_in_frame(page, live_server, "Jordan Lee")
    director.get_by_role("link", name="Certification dashboard").click()
    row = director.get_by_role("row").filter(has_text="Alex Rivera")
    expect(row).to_contain_text("certified")
    row.get_by_role("link", name="Open Alex Rivera's certificate").click()
    director.get_by_role("heading", name="Standing: issued").wait_for()
    revoked = director.get_by_role("link", name="public verification page").get_attribute("href")
    _director_suspends_reinstates_revokes_and_recertifies(director)
    successor = director.get_by_role("link", name="public verification page").get_attribute("href")

    page.goto(live_server + revoked)
    expect(page.locator("main")).to_contain_text("was revoked on")
    assert digest in page.locator("main").inner_text()
    page.goto(live_server + successor)
    expect(page.locator("main")).to_contain_text("re-certifies")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "verification.png"), full_page=True)


def _change_standing(director, move: str, reason: str, public_words: str) -> None:
    """Choose the move, preview what the public will read, confirm."""
    director.get_by_label(move).check()
    director.get_by_label("Reason (shown on the public verification page)").fill(reason)
    director.get_by_role("button", name="Preview the change").click()
    expect(director.locator("blockquote.public-preview")).to_contain_text(public_words)
    director.get_by_role("button", name="Confirm and").click()


def _director_suspends_reinstates_revokes_and_recertifies(director) -> None:
    _change_standing(director, "Suspend", "a complaint under review", "was suspended on")
    director.get_by_role("heading", name="Standing: suspended").wait_for()
    _change_standing(director, "Reinstate", "the complaint was not upheld", "holds")
    director.get_by_role("heading", name="Standing: issued").wait_for()
    _change_standing(director, "Revoke for good", "practice outside the model", "was revoked on")
    director.get_by_role("heading", name="Standing: revoked").wait_for()
    expect(director.get_by_label("Suspend")).to_have_count(0)  # a revoked certificate stays so
    director.get_by_label("Reason for re-certifying (kept in the audit log)").fill(
        "retrained and observed again by the program's trainer"
    )
    director.get_by_role("button", name="Re-certify").click()
    director.get_by_text("Re-certified: certificate").wait_for()
    director.get_by_role("heading", name="Standing: issued").wait_for()
    expect(director.locator("dl.facts")).to_contain_text("revoked")


def test_the_fidelity_chart_renders_in_a_browser(page, live_server: str, app):
    frame = _launch_in_frame(page, live_server, "Jordan Lee")
    frame.get_by_role("link", name="Manage programs and cohorts").click()
    frame.get_by_label("Program name").fill("Supported housing")
    frame.get_by_role("button", name="Add program").click()
    frame.get_by_text("Added the Supported housing program.").wait_for()
    frame.get_by_role("link", name="IMR Academy").click()
    frame.get_by_role("link", name="Fidelity reviews").click()
    frame.get_by_label("Start a review of Supported housing").check()
    frame.get_by_role("button", name="Start a review of each selected program").click()
    frame.get_by_label("Reviewers (two rate by consensus)").fill("Dana and Eli")
    for item in content_of(app).fidelity_scale.items:
        frame.locator(f"[id='rating-{item.id}-4']").check()
    frame.get_by_role("button", name="Submit review").click()
    chart = frame.locator("figure.chart svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 250
    assert box["height"] > 300
    assert frame.locator("figure.chart svg rect").count() == 13
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fidelity-chart.png"), full_page=True)


def test_dynamic_registration_closes_the_lms_window(page, live_server: str, app, httpserver):
    from app.extensions import db
    from app.services.dynamic_registration import create_invitation
    from tests.support.lms import LocalLms
    from tests.support.registration import RegisteringLms

    registering = RegisteringLms(LocalLms.start(httpserver, client_id="browser-client"))
    registering.serve()
    with app.app_context():
        token = create_invitation("browser test", timedelta(days=1), False, "Harbour Trust")
        db.session.commit()
    tool_url = registering.start_url(f"{live_server}/lti/register/{token}")
    # The LMS's registration page: the tool in an iframe, closed by the tool's postMessage.
    httpserver.expect_request("/lms/admin/register").respond_with_data(
        f"""<!doctype html><title>LMS</title><p id="closed">open</p>
        <iframe name="registration" src="{tool_url}" width="900" height="700"></iframe>
        <script>window.addEventListener("message", function (event) {{
          document.getElementById("closed").textContent = event.data.subject;
        }});</script>""",
        content_type="text/html",
    )
    page.goto(httpserver.url_for("/lms/admin/register"))
    frame = page.frame_locator("iframe[name=registration]")
    assert frame.get_by_label(re.compile("organisation's name")).input_value() == "Harbour Trust"
    frame.get_by_role("button", name="Connect IMR Academy").click()
    frame.get_by_role("heading", name="IMR Academy is connected").wait_for()
    page.locator("#closed", has_text="org.imsglobal.lti.close").wait_for()
    assert registering.registrations[0]["client_name"] == "IMR Academy"


def test_practitioner_finds_a_worksheet_in_the_toolkit(page, live_server: str):
    frame = _launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("link", name="Open the toolkit").click()
    frame.get_by_label("Topic area").select_option(label="Reducing Relapses")
    frame.get_by_label("Kind").select_option(label="Worksheets")
    frame.get_by_role("button", name="Show materials").click()
    frame.get_by_role("heading", name="1 item").wait_for()
    frame.get_by_role("link", name=re.compile("relapse prevention plan", re.I)).first.click()
    # The results list has the title too: wait for the item's own page, its level-1 heading.
    title = frame.get_by_role("heading", level=1, name=re.compile("relapse prevention plan", re.I))
    title.wait_for()
    assert frame.locator("main input, main textarea").count() == 0  # paper only
    assert (
        frame.get_by_role("link", name="Large-print PDF")
        .get_attribute("href")
        .endswith(".pdf?print=large")
    )


def test_director_checks_the_lms_connection_and_copies_a_value(page, live_server: str):
    frame = _launch_in_frame(page, live_server, "Jordan Lee")
    frame.get_by_role("main").get_by_role("link", name="LMS connection", exact=True).click()
    frame.get_by_role("heading", name="Your LMS connection").wait_for()
    assert "active" in frame.locator(".facts").nth(1).inner_text()
    copy = frame.get_by_role("button", name="Copy Public keyset URL (JWKS)")
    copy.wait_for()  # shown by copy.js, so the script loaded under the page's CSP
    # Granted up front, so the clipboard answers the click at once: without it, a loaded
    # machine once left the copy unanswered for 15 s.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    copy.click()
    frame.locator(".copy-status", has_text="Public keyset URL (JWKS)").wait_for()
