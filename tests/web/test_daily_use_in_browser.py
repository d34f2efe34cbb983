"""Daily use in a real browser, where no other browser test looks: the practitioner's tracker
leading to the next quiz and session, a trainer finding who used every attempt, the quiz summary
and results as a practitioner reads them, long tables keeping their header and first column, the
sign-off form's level descriptions, a director's logo on the public page, dates in words there,
and the pages the phone-width walk misses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from app.domain.certificates import Transition, date_in_words
from app.domain.codes import new_code
from app.domain.quizzes import Draw
from app.extensions import db
from app.layout import local
from app.models.certification import Certificate
from app.models.people import Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort
from app.services import certificates, consultation, queues
from app.services.dynamic_registration import create_invitation
from app.services.programs import create_program
from app.services.quizzes import start_or_resume, submit
from app.services.training import record_consent
from app.services.verification import public_view
from tests.support.browser import PHONE, fresh_page, launched, page_problems
from tests.support.bulk import grow
from tests.support.content import content_of
from tests.support.images import logo_png, noisy_png
from tests.support.journey import complete_module, seed_a_living_cohort, weekly_group
from tests.support.lms import TRAINER, LocalLms, deep_linking_claims
from tests.support.quizzes import FormData, stored
from tests.support.registration import RegisteringLms

pytestmark = pytest.mark.browser

ALEX, PRIYA, SAM, JORDAN = "Alex Rivera", "Priya Nair", "Sam Okafor", "Jordan Lee"
CHOICES = ("single-choice", "multiple-response")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def utc_page(browser) -> Iterator[Any]:
    """A browser whose clock runs in UTC, the zone the test's consultation group meets in."""
    yield from fresh_page(browser, 1200, 1100, timezone_id="UTC")


@pytest.fixture
def stranger(browser) -> Iterator[Any]:
    """A second browser with no session of its own: the public, as it reaches a public page."""
    yield from fresh_page(browser, 1200, 1100)


def _person(subject: str) -> Person:
    return db.session.scalars(select(Person).filter_by(subject=subject)).one()


def _cohort_of(person: Person) -> Cohort:
    return person.enrolments[0].cohort


def _finish_every_module(app: Flask, subject: str) -> None:
    """Every required activity of the training done, and the sharing question answered."""
    with app.app_context():
        person = _person(subject)
        organisation_id = _cohort_of(person).organisation_id
        for module in content_of(app).catalog.ordered_modules:
            complete_module(person.id, organisation_id, module)
        record_consent(person.id, organisation_id, shares=True)
        db.session.commit()


def _drawn(attempt: QuizAttempt) -> list[dict[str, Any]]:
    """The attempt's questions in the order it shows them (numbered from 1 on its pages)."""
    return [question for item in attempt.draw for question in item["questions"]]


def _submitted(
    app: Flask, subject: str, quiz: str, right: Callable[[int, str], bool] = lambda *_: False
) -> QuizAttempt:
    """One attempt at `quiz`, submitted: right about the questions for which `right(number,
    type)` holds, wrong about the rest."""
    bank = content_of(app).quizzes[quiz]
    with app.app_context():
        person = _person(subject)
        cohort = _cohort_of(person)
        attempt = start_or_resume(bank, person.id, cohort.organisation_id, cohort.id)
        shown = {
            q["question"]["id"]: (number, q["question"]["type"])
            for number, q in enumerate(_drawn(attempt), start=1)
        }
        drawn = Draw.of(attempt.draw)
        answers = drawn.answers(lambda question: right(*shown[question]))
        form: dict[str, object] = {}
        for question, answer in answers.items():
            if isinstance(answer, dict):  # ordering: one position field per step
                form.update({f"q-{question}-{token}": str(p) for token, p in answer.items()})
            else:
                form[f"q-{question}"] = answer
        submit(attempt.id, bank, drawn.read(FormData(form)))
        db.session.commit()
        made = attempt.id
    return stored(app, made)


def _now() -> datetime:
    return datetime.now(UTC)


# 1. The practitioner's tracker -------------------------------------------------------------


def test_the_tracker_leads_to_the_next_quiz_and_the_next_consultation_session(
    utc_page, live_server: str, app
):
    page = utc_page
    launched(page, live_server, ALEX)
    _finish_every_module(app, "demo-alex-rivera")
    _submitted(app, "demo-alex-rivera", "day-1", lambda *_: True)
    with app.app_context():
        alex = _person("demo-alex-rivera")
        tomorrow = _now().date() + timedelta(days=1)  # the next session is hours away
        group = weekly_group(
            _cohort_of(alex), 0, 12, "Harbour group", "Room 3, Harbour House", first=tomorrow
        )
        consultation.set_members(group, [alex])
        db.session.commit()
        coming = queues.next_session([group], _now())
        assert coming is not None
        when = local(coming.starts_at, "UTC")
    day_two = content_of(app).quizzes["day-2"].title

    page.goto(f"{live_server}/practitioner")
    tracker = page.get_by_role("region", name="Your way to certification")
    expect(
        tracker.get_by_role("heading", name=re.compile(r"^Training modules: (\d+) of \1 met$"))
    ).to_be_visible()
    expect(tracker.get_by_role("link", name=re.compile("^Next module"))).to_have_count(0)
    tracker.get_by_role("link", name=f"Next quiz: {day_two}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency quizzes")
    expect(page.locator("tr:target")).to_contain_text(day_two)  # the link lands on its row
    row = page.get_by_role("row").filter(has_text=day_two)
    row.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(day_two)

    page.goto(f"{live_server}/practitioner")
    session_link = tracker.get_by_role("link", name=f"Next session: Harbour group, {when}")
    session_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your weekly consultation")
    group_panel = page.get_by_role("region", name="Harbour group")
    coming_item = group_panel.get_by_role("listitem").filter(has_text=when)
    expect(coming_item).to_have_count(1)
    expect(coming_item.get_by_text("Send an apology")).to_be_visible()


# 2. The trainer's falling-behind queue -----------------------------------------------------


def test_a_practitioner_with_every_attempt_used_is_falling_behind_and_linked(
    page, live_server: str, app
):
    for who in (PRIYA, SAM):
        launched(page, live_server, who)
    _finish_every_module(app, "demo-priya-nair")
    for _ in range(content_of(app).quizzes["day-1"].attempts_allowed):
        _submitted(app, "demo-priya-nair", "day-1")
    day_one = content_of(app).quizzes["day-1"].title

    launched(page, live_server, SAM)
    frame = page.frame_locator("iframe[name=tool-frame]")
    queue = frame.get_by_role("region", name="Waiting for you").get_by_role(
        "link", name=re.compile("falling behind")
    )
    expect(queue).to_have_text(re.compile(r"^1 practitioner falling behind"))
    queue.click()
    frame.get_by_role("heading", level=1, name="Practitioners falling behind").wait_for()
    row = frame.get_by_role("row").filter(has_text=PRIYA)
    expect(row.get_by_role("cell").nth(1)).to_have_text(day_one)
    row.get_by_role("link", name=f"Results and extra attempts for {PRIYA}").click()
    frame.get_by_role("heading", level=1, name=f"{PRIYA}: quiz attempts").wait_for()
    expect(frame.get_by_role("row").filter(has_text=day_one)).to_have_count(3)
    expect(frame.get_by_role("heading", name="Grant one extra attempt")).to_be_visible()


# 3. The attempt's summary ------------------------------------------------------------------


def _choose_rightly(page: Any, drawn: dict[str, Any]) -> Any:
    """Answer one drawn question rightly by clicking; the control a reader sees chosen."""
    question, qid = drawn["question"], drawn["question"]["id"]
    if question["type"] == "true-false":
        chosen = page.locator(f"[id='{qid}-{str(question['answer']).lower()}']")
        chosen.check()
        return chosen
    if question["type"] == "ordering":
        for token, index in drawn["steps"]:
            page.locator(f"[id='{qid}-{token}']").select_option(str(index + 1))
        return page.locator(f"[id='{qid}-{drawn['steps'][0][0]}']")
    correct = {c["id"] for c in question["choices"] if c["correct"]}
    token = next(token for token, choice in drawn["choices"] if choice in correct)
    chosen = page.locator(f"[id='{qid}-{token}']")
    chosen.check()
    return chosen


def test_the_summary_lists_what_is_unanswered_and_returns_to_the_attempt_with_answers_kept(
    page, live_server: str, app
):
    launched(page, live_server, PRIYA)
    _finish_every_module(app, "demo-priya-nair")
    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("row").filter(has_text="Day 1 competency quiz").get_by_role(
        "button", name="Start"
    ).click()
    page.get_by_role("button", name="Review and submit").wait_for()
    attempt = stored(app, int(page.url.rstrip("/").rsplit("/", 1)[1]))
    drawn = _drawn(attempt)
    total = len(drawn)
    chosen = [_choose_rightly(page, question) for question in drawn[:2]]
    page.get_by_role("button", name="Review and submit").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("before you submit")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"{total - 2} questions are not answered"
    )
    for number in range(1, total + 1):
        words = "Answered" if number <= 2 else "Not answered"
        expect(page.get_by_role("row", name=re.compile(f"^Question {number} "))).to_contain_text(
            words
        )
    page.get_by_role("link", name="Return to attempt").click()
    expect(page.locator(".answered-count")).to_have_text(f"2 of {total} answered")
    for control in chosen:
        if control.evaluate("element => element.tagName") == "SELECT":
            expect(control).not_to_have_value("")
        else:
            expect(control).to_be_checked()
    assert stored(app, attempt.id).status == "in-progress", "returning never submits"

    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit all and finish").click()
    summary = page.locator(".result-summary")
    expect(summary).to_contain_text("Not passed")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(": attempt 1$"))
    assert stored(app, attempt.id).status == "submitted"


# 4. The results page -----------------------------------------------------------------------


def test_the_results_mark_choices_in_words_and_link_each_gap_to_its_module(
    page, live_server: str, app
):
    launched(page, live_server, PRIYA)
    _finish_every_module(app, "demo-priya-nair")
    bank = content_of(app).quizzes["day-1"]
    for _ in range(bank.attempts_allowed - 1):
        _submitted(app, "demo-priya-nair", "day-1")
    first_choice: list[int] = []  # the last attempt is right about its first choice question only

    def right(number: int, kind: str) -> bool:
        if kind in CHOICES and not first_choice:
            first_choice.append(number)
        return first_choice == [number]

    attempt = _submitted(app, "demo-priya-nair", "day-1", right)

    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("row").filter(has_text=bank.title).get_by_role(
        "link", name=re.compile(r"%$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{bank.title}: attempt {bank.attempts_allowed}"
    )
    expect(page.locator(".result-summary")).to_contain_text("Not passed")
    asked = [
        (n, q) for n, q in enumerate(_drawn(attempt), start=1) if q["question"]["type"] in CHOICES
    ]
    assert len(asked) > 1, "a choice question answered rightly, and one wrongly"
    for number, drawn in asked:
        review = page.locator(f"#review-{number}")
        question, given = drawn["question"], attempt.answers[drawn["question"]["id"]]
        shown = dict(drawn["choices"])  # token: choice id, in the order shown
        picked = {shown[t] for t in ([given] if isinstance(given, str) else given or [])}
        by_id = {choice["id"]: choice for choice in question["choices"]}
        for choice in (by_id[choice_id] for choice_id in shown.values()):
            words = (
                review.get_by_role("listitem")
                .filter(has=page.get_by_text(choice["text"], exact=True))
                .locator(".choice-marks")
            )
            chosen, correct = choice["id"] in picked, choice["correct"]
            expect(words).to_have_text(
                {
                    (True, True): "✓ Your choice ★ Correct answer",
                    (True, False): "✗ Your choice, not correct",
                    (False, True): "★ Correct answer",
                    (False, False): "",
                }[(chosen, correct)]
            )

    gaps = page.get_by_role("table", name="Competencies in this attempt")
    weak = gaps.get_by_role("row").filter(has_text="(a gap to work on)")
    expect(weak.first).to_be_visible()
    for number in range(weak.count()):
        study = weak.nth(number).get_by_role("link")
        expect(study).to_have_count(1)
        title = study.inner_text()
        study.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.go_back()


# 5. Long tables keep their header and first column in view ---------------------------------

_SCROLLED = """(caption) => {
  const box = document.querySelector(`.table-scroll[aria-labelledby="${caption}"]`);
  box.scrollTop = 300; box.scrollLeft = 200;
  const frame = box.getBoundingClientRect();
  const header = box.querySelector('thead th:last-child').getBoundingClientRect();
  const rows = Array.from(box.querySelectorAll('tbody tr'));
  const row = rows.find((r) => r.getBoundingClientRect().top > frame.top + 80) || rows[0];
  const first = row.firstElementChild.getBoundingClientRect();
  return {down: box.scrollTop, across: box.scrollLeft,
          headerGap: Math.abs(header.top - frame.top), firstGap: Math.abs(first.left - frame.left)};
}"""


def _scroll_problems(page: Any, live_server: str, path: str, caption: str) -> list[str]:
    """Scroll the table captioned `caption` down and across inside its box; what scrolled away."""
    page.goto(f"{live_server}{path}")
    page.locator(f".table-scroll[aria-labelledby='{caption}'] tbody tr").first.wait_for()
    page.wait_for_load_state("load")  # the stylesheet that makes them sticky has applied
    found = page.evaluate(_SCROLLED, caption)
    problems = []
    if not (found["down"] > 0 and found["across"] > 0):
        problems.append(f"{path}: its box does not scroll both ways ({found})")
    if found["headerGap"] > 2:
        problems.append(f"{path}: the header row scrolled away ({found})")
    if found["firstGap"] > 2:
        problems.append(f"{path}: the first column scrolled away ({found})")
    return problems


def test_long_tables_scroll_in_their_box_keeping_the_header_and_first_column(
    page, live_server: str, app
):
    for who in (SAM, JORDAN):
        launched(page, live_server, who)
    grow(app, 40, 0, "demo-sam-okafor", "demo-jordan-lee")
    page.set_viewport_size(PHONE)
    problems = []
    launched(page, live_server, SAM)
    for path, caption in (
        ("/trainer", "roster-caption"),
        ("/quizzes/results", "results-caption"),
        ("/quizzes/analysis", "analysis-caption"),
    ):
        problems += _scroll_problems(page, live_server, f"{path}?size=50", caption)
    launched(page, live_server, JORDAN)
    for path, caption in (
        ("/certification/dashboard", "people-caption"),
        ("/certification/audit", "audit-caption"),
    ):
        problems += _scroll_problems(page, live_server, f"{path}?size=50", caption)
    assert not problems, "\n".join(problems)


# 6. The sign-off form's levels -------------------------------------------------------------


_LEVELS = """() => Array.from(document.querySelectorAll("input[type=radio][id^='rating-']"))
  .filter((radio) => /-[1-5]$/.test(radio.id)).map((radio) => {
    const label = radio.labels[0], mark = radio.getBoundingClientRect();
    const words = label.getBoundingClientRect();
    return {id: radio.id, text: label.innerText, seen: label.checkVisibility(),
            gap: words.left - mark.right, level: Math.abs(words.top - mark.top) < mark.height};
  })"""
_ALL_BESIDE = f"""() => {{
  const levels = ({_LEVELS})();
  return levels.length > 0 && levels.every((l) => l.seen && l.level && l.gap >= 0 && l.gap < 24);
}}"""


def test_the_signoff_form_shows_each_levels_description_beside_its_choice(
    page, live_server: str, app
):
    for who in (PRIYA, SAM):
        launched(page, live_server, who)
    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("link", name="Training progress of the cohort").click()
    frame.get_by_role("link", name=PRIYA).click()
    frame.get_by_role("link", name="Competency sign-off").click()
    frame.get_by_role("heading", level=1, name=f"Competency sign-off: {PRIYA}").wait_for()
    rated = [item for item in content_of(app).rubric.items if item.applies_to("individual")]
    expected = {
        f"rating-{item.id}-{value}": f"{value} {words}"
        for item in rated
        for value, words in enumerate(item.levels, start=1)
    }
    assert len(expected) == 5 * len(rated), "every item describes its five levels"
    tool = page.frame(name="tool-frame")
    tool.wait_for_load_state("load")
    # The layout settles once the stylesheet applies and the frame has its size; should it
    # never settle, the assertions below say which choice is not beside its words.
    with suppress(PlaywrightTimeoutError):
        tool.wait_for_function(_ALL_BESIDE, timeout=10_000)
    shown = {found["id"]: found for found in tool.evaluate(_LEVELS)}
    assert {key: found["text"] for key, found in shown.items()} == expected
    beside = [key for key, found in shown.items() if not found["seen"] or not found["level"]]
    assert not beside, f"descriptions not shown on their choice's line: {beside}"
    apart = {key: found["gap"] for key, found in shown.items() if not 0 <= found["gap"] < 24}
    assert not apart, f"words not next to their choice (px between): {apart}"
    first = rated[0]
    group = frame.get_by_role("group", name=re.compile(f"^{re.escape(first.title)}"))
    for value, words in enumerate(first.levels, start=1):  # as a screen reader names each choice
        expect(group.get_by_role("radio", name=f"{value} {words}", exact=True)).to_have_count(1)
    group.get_by_text(first.levels[3]).click()  # the words choose their level
    expect(group.get_by_role("radio", name=f"4 {first.levels[3]}")).to_be_checked()


# 7. The director's logo on the public page --------------------------------------------------


def _code(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(Certificate.code)).one()


def test_a_director_uploads_a_logo_that_the_public_page_shows_and_keeps_it_on_a_bad_upload(
    page, stranger, live_server: str, app
):
    for who in (ALEX, PRIYA, SAM, JORDAN):
        launched(page, live_server, who)
    seed_a_living_cohort(app)
    public = f"{live_server}/verify/{_code(app)}"
    stranger.goto(public)
    issuer = "Open Sky Community Services (demo)"
    expect(stranger.get_by_role("img", name=f"Logo of {issuer}")).to_have_count(0)

    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("link", name="Certification dashboard").click()
    frame.get_by_role("link", name="Logo on verification pages").click()
    frame.get_by_role("heading", level=1, name="Your organisation's logo").wait_for()
    upload = frame.get_by_label("Logo file")
    upload.set_input_files({"name": "logo.png", "mimeType": "image/png", "buffer": logo_png()})
    frame.get_by_role("button", name="Upload the logo").click()
    expect(frame.get_by_text("Logo saved")).to_be_visible()
    now = frame.get_by_role("img", name="Your organisation's logo as verification pages show it")
    expect(now).to_be_visible()
    source = now.get_attribute("src")

    stranger.goto(public)
    logo = stranger.get_by_role("img", name=f"Logo of {issuer}")
    expect(logo).to_be_visible()
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")
    assert logo.get_attribute("src") == source

    refusals = [
        ({"name": "logo.png", "mimeType": "image/png", "buffer": b"not a picture"}, "not a PNG"),
        ({"name": "big.png", "mimeType": "image/png", "buffer": noisy_png()}, "larger than 512"),
    ]
    for upload_file, words in refusals:
        frame.get_by_label("Logo file").set_input_files(upload_file)
        frame.get_by_role("button", name="Replace the logo").click()
        error = frame.get_by_role("alert").filter(has_text=words)
        expect(error).to_be_visible()
        expect(frame.get_by_label("Logo file")).to_have_accessible_description(
            re.compile(f"{words}.*PNG or JPEG file of at most 512 KB")
        )
        expect(now).to_have_attribute("src", source)
        stranger.reload()
        expect(logo).to_have_attribute("src", source)
        assert logo.evaluate("image => image.complete && image.naturalWidth > 0")


# 8. Dates in words on the public page ------------------------------------------------------


def _fact(page: Any, term: str) -> Any:
    """The value the certificate's list of facts gives for `term`."""
    return page.locator("dl.facts").locator(f"dt:text-is('{term}') + dd")


def _dates_shown(stranger: Any, address: str) -> str:
    stranger.goto(address)
    text = stranger.locator("body").inner_text()
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)
    return text


def test_the_verification_page_writes_every_date_in_words(page, stranger, live_server: str, app):
    for who in (ALEX, PRIYA, SAM, JORDAN):
        launched(page, live_server, who)
    seed_a_living_cohort(app)
    with app.app_context():
        issued = db.session.scalars(select(Certificate)).one()
        code, on, until = issued.code, issued.issued_on, issued.expires_on
        quizzes = [r["passed_on"] for r in issued.evidence["quizzes_passed"].values()]
    address = f"{live_server}/verify/{code}"
    _dates_shown(stranger, address)
    expect(_fact(stranger, "Issued on")).to_have_text(date_in_words(on))
    expect(_fact(stranger, "Valid until")).to_have_text(date_in_words(until))
    expect(
        stranger.get_by_role("heading", level=2, name=f"Valid until {date_in_words(until)}")
    ).to_be_visible()
    evidence = stranger.get_by_role("region", name="What it certifies")
    for passed_on in quizzes:
        expect(evidence).to_contain_text(f"on {date_in_words(date.fromisoformat(passed_on))}")

    with app.app_context():
        jordan = _person("demo-jordan-lee")
        revoked = db.session.scalars(select(Certificate).filter_by(code=code)).one()
        certificates.change_standing(
            revoked, Transition.REVOKE, "practice outside the model", jordan.id
        )
        db.session.flush()
        changed = public_view(revoked).words.changed_on
        successor = certificates.recertify(revoked, "observed again", jordan.id)
        db.session.commit()
        new_code_ = successor.code
    _dates_shown(stranger, address)
    expect(
        stranger.get_by_role("heading", level=2, name=f"Revoked on {date_in_words(changed)}")
    ).to_be_visible()
    expect(_fact(stranger, "Revoked on")).to_have_text(date_in_words(changed))
    _dates_shown(stranger, f"{live_server}/verify/{new_code_}")
    expect(stranger.locator("main")).to_contain_text("re-certifies")


# 9. Pages the phone-width walk misses ------------------------------------------------------


def _checked(page: Any, where: str) -> list[str]:
    """The page's problems, once its scripts have run (they wrap wide tables, for one)."""
    page.wait_for_load_state("load")
    return [f"{where}: {problem}" for problem in page_problems(page)]


def _shown(page: Any, heading: str, where: str) -> list[str]:
    """Once the page under `heading` is on screen, its problems (see `_checked`)."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    return _checked(page, where)


def test_the_pages_the_walk_misses_fit_a_phone_and_pass_axe(page, stranger, live_server: str, app):
    page.set_viewport_size(PHONE)
    stranger.set_viewport_size(PHONE)
    problems: list[str] = []

    stranger.goto(f"{live_server}/verify/")
    problems += _shown(stranger, "Verify an IMR certificate", "/verify/")
    unknown = new_code()
    stranger.get_by_label("Certificate code").fill(unknown)
    stranger.get_by_role("button", name="Verify").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Certificate not found")
    expect(stranger.locator("main")).to_contain_text("No certificate has this code.")
    problems += _checked(stranger, "an unknown code")
    stranger.get_by_role("link", name="Try another code").click()
    stranger.get_by_label("Certificate code").fill("NOT-A-CODE")
    stranger.get_by_role("button", name="Verify").click()
    expect(stranger.locator("main")).to_contain_text("That is not a valid certificate code")
    problems += _checked(stranger, "a malformed code")
    stranger.goto(f"{live_server}/lti/setup")
    problems += _shown(stranger, "Connect IMR Academy to your LMS", "/lti/setup")

    launched(page, live_server, ALEX)
    page.goto(f"{live_server}/training/day/3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Day 3 is not open yet")
    expect(page.locator("main")).to_contain_text("Day 3 opens when Day 1 and Day 2 are complete.")
    problems += _checked(page, "a locked day")

    launched(page, live_server, JORDAN)
    with app.app_context():
        organisation_id = _cohort_of(_person("demo-jordan-lee")).organisation_id
        create_program(organisation_id, "Supported housing")
        db.session.commit()
    page.goto(f"{live_server}/fidelity/")
    page.get_by_label("Start a review of Supported housing").check()
    page.get_by_role("button", name="Start a review of each selected program").click()
    problems += _shown(page, "Fidelity review: Supported housing", "a draft fidelity review")
    page.get_by_label("Reviewers (two rate by consensus)").fill("Dana Whitfield and Eli Marsh")
    for item in content_of(app).fidelity_scale.items:
        page.locator(f"[id='rating-{item.id}-4']").check()
        page.locator(f"[id='evidence-{item.id}']").fill(
            "Seen in two observed sessions and the last quarter's records."
        )
    page.get_by_role("button", name="Submit review").click()
    page.locator("figure.chart svg").wait_for()
    page.get_by_role("link", name=re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")).click()
    expect(page.locator("main")).to_contain_text("mean 4.00")
    problems += _checked(page, "a submitted fidelity review")
    assert not problems, "\n".join(problems)


def test_registration_and_error_pages_fit_a_phone_and_pass_axe(
    page, stranger, live_server: str, app, httpserver
):
    """An LMS administrator registering from a phone, and the pages people meet when they
    reach something that is not theirs or not there."""
    page.set_viewport_size(PHONE)
    stranger.set_viewport_size(PHONE)
    problems: list[str] = []
    moodle = RegisteringLms(
        LocalLms.start(httpserver, client_id="dyn-client-9", deployment_id="moodle-deployment-9")
    )
    moodle.serve()
    with app.app_context():
        token = create_invitation("phone check", timedelta(days=1), False, "Harbourside")
        db.session.commit()
    stranger.goto(moodle.start_url(f"{live_server}/lti/register/{token}"))
    problems += _shown(stranger, "Connect IMR Academy to your LMS", "the registration page")
    stranger.get_by_role("button", name=re.compile("^Connect")).click()
    problems += _shown(stranger, "IMR Academy is connected", "the registered page")
    stranger.goto(f"{live_server}/?openid_configuration={moodle.configuration_url}")
    problems += _shown(
        stranger, "This is not a registration URL", "a registration opened at the base URL"
    )

    launched(page, live_server, ALEX)
    page.goto(f"{live_server}/director")
    expect(page.locator("main")).to_contain_text("not part of your role")
    problems += _checked(page, "another role's page")
    page.goto(f"{live_server}/training/module/no-such-module")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems += _checked(page, "a module that does not exist")
    assert not problems, "\n".join(problems)


def test_the_deep_linking_picker_fits_a_phone_and_passes_axe(page, live_server: str, app, lms):
    """A trainer adding IMR Academy to a course from a phone. The deep-linking launch is a real
    signed one, made by the test LMS; the browser then carries the session it started (the
    live server is the same app, so its signed session cookie is good there)."""
    lms.platform = replace(lms.platform, tool_launch_url=f"{live_server}/lti/launch")
    trainer = app.test_client()
    fields = lms.launch_fields(trainer, TRAINER, claims=deep_linking_claims())
    assert trainer.post("/lti/launch", data=fields).location == "/training/deep-link"
    cookie = trainer.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server}])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/training/deep-link")
    problems = _shown(page, "Add IMR Academy to your course", "the deep-linking picker")
    assert not problems, "\n".join(problems)
