"""Taking competency quizzes: the key stays on the server, limits hold, one submission counts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction
from random import Random

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from app.content.quizzes import load_quizzes
from app.demo_lms.platform import LmsCourse, LmsUser
from app.domain.competency import CompetencyResult
from app.domain.quizzes import Draw, QuestionReview, QuizBank, draw_attempt
from app.extensions import db
from app.layout import local
from app.models.base import utc_now
from app.models.certification import AuditEntry, CertificationPolicy
from app.models.people import Enrolment, Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort, Organisation
from app.services.quizzes import modules_teaching, start_or_resume, submit
from tests.support.content import content_of
from tests.support.journey import complete_training_and_quizzes
from tests.support.lms import PRACTITIONER, PRACTITIONER_2, TRAINER, LocalLms, csrf_token
from tests.support.quizzes import (
    FIXTURES,
    FormData,
    form_for,
    sample_bank,
    start,
    stored,
    submit_attempt,
)


@pytest.fixture
def sample(app: Flask) -> Iterator[QuizBank]:
    """The small fixture bank, offered by the app next to the real ones for this test."""
    with sample_bank(app) as bank:
        yield bank


def practitioner(app: Flask, lms: LocalLms, user=PRACTITIONER) -> tuple[FlaskClient, str]:
    client = app.test_client()
    lms.launch(client, user)
    return client, csrf_token(client.get("/practitioner"))


def move_deadline(app: Flask, attempt_id: int, minutes: int) -> None:
    with app.app_context():
        db.session.get_one(QuizAttempt, attempt_id).deadline = utc_now() + timedelta(
            minutes=minutes
        )
        db.session.commit()


def count_attempts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuizAttempt))


def test_the_answer_key_never_reaches_the_browser(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    html = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    for question in sample.questions.values():
        assert question.rationale not in html
        for choice in question.choices:
            assert choice.why not in html
            assert f'value="{choice.id}"' not in html, (
                "choice ids must not reach the page, only tokens"
            )
    for item in attempt.draw:
        for drawn in item["questions"]:
            for token, _ in drawn.get("choices", []) + drawn.get("steps", []):
                assert re.fullmatch(r"[0-9a-f]{10}", token), (
                    "tokens are random, not positions or ids"
                )
    assert "correct" not in html.lower()


def test_a_full_attempt_scores_passes_and_explains(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submitted = submit_attempt(client, attempt, token)
    assert submitted.location == f"/quizzes/attempts/{attempt.id}/result"
    page = client.get(submitted.location).get_data(as_text=True)
    attempt = stored(app, attempt.id)
    assert (attempt.percent, attempt.passed, attempt.bank_version) == (100, True, sample.version)
    assert "100.0%" in page
    assert "Passed" in page
    drawn_ids = [q["question"]["id"] for item in attempt.draw for q in item["questions"]]
    assert str(escape(sample.questions[drawn_ids[0]].rationale)) in page


def test_wrong_answers_fail_with_partial_credit_shown(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token, right=False)
    attempt = stored(app, attempt.id)
    assert attempt.passed is False
    assert attempt.percent == 0
    assert "Not passed" in client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(
        as_text=True
    )


def test_an_abandoned_attempt_resumes_with_its_saved_answers(app, lms, sample):
    client, token = practitioner(app, lms)
    first = start(app, client, token)
    answers = form_for(first)
    client.post(
        f"/quizzes/attempts/{first.id}", data={**answers, "csrf_token": token, "action": "save"}
    )
    again = start(app, client, token)
    assert again.id == first.id
    page = client.get(f"/quizzes/attempts/{first.id}").get_data(as_text=True)
    for item in first.draw:
        for drawn in item["questions"]:
            question = drawn["question"]
            if question["type"] == "single-choice":
                chosen = answers[f"q-{question['id']}"]
                assert re.search(rf'value="{chosen}"\s+checked', page), question["id"]
                others = [t for t, _ in drawn["choices"] if t != chosen]
                assert not any(re.search(rf'value="{t}"\s+checked', page) for t in others)


def test_attempt_limits_and_a_trainers_extra_attempt(app, lms, sample):
    client, token = practitioner(app, lms)
    for _ in range(sample.attempts_allowed):
        attempt = start(app, client, token)
        submit_attempt(client, attempt, token, False)
    refused = client.post(
        "/quizzes/sample/start", data={"csrf_token": token}, follow_redirects=True
    )
    assert "You have used all 2 attempts" in refused.get_data(as_text=True)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    trainer_token = csrf_token(trainer.get("/quizzes/results"))
    person_id = attempt.person_id
    no_reason = trainer.post(
        f"/quizzes/results/{person_id}/extra",
        data={"quiz": "sample", "reason": "", "csrf_token": trainer_token},
    )
    assert no_reason.status_code == 400
    assert "Give the reason" in no_reason.get_data(as_text=True)
    trainer.post(
        f"/quizzes/results/{person_id}/extra",
        data={
            "quiz": "sample",
            "reason": "Was unwell during attempt 2",
            "csrf_token": trainer_token,
        },
    )
    third = start(app, client, token)
    assert third.number == 3
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEntry).filter_by(action="extra quiz attempt granted")
        ).all()
        assert (entry.subject, entry.reason) == ("Maya Chen: sample", "Was unwell during attempt 2")


def test_the_time_limit_is_enforced_on_the_server(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    move_deadline(app, attempt.id, -5)
    submit_attempt(client, attempt, token)
    attempt = stored(app, attempt.id)
    assert attempt.status == "submitted"
    assert attempt.percent == 0, "answers sent after the time limit do not count"


def test_a_timed_attempt_gives_its_times_in_the_organisations_time_zone(app, lms, sample):
    """The settings promise every time in the organisation's zone; a practitioner in New York
    read "Closes at 15:20 UTC" on a timed quiz."""
    client, token = practitioner(app, lms)
    with app.app_context():
        organisation_id = db.session.scalars(db.select(Organisation.id)).one()
        db.session.merge(
            CertificationPolicy(organisation_id=organisation_id, timezone="America/New_York")
        )
        db.session.commit()
    attempt = start(app, client, token)
    closes = local(attempt.deadline, "America/New_York")
    assert re.search(r" E[SD]T$", closes)
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert f"data-local-time>{closes}</time>" in page
    assert "UTC" not in page
    submit_attempt(client, attempt, token)
    submitted = stored(app, attempt.id).submitted_at
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "submitted <time datetime=" in result
    assert f"data-local-time>{local(submitted, 'America/New_York')}</time>" in result
    assert "UTC" not in result


def test_a_double_submit_records_one_result(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token)
    submit_attempt(client, attempt, token, False)
    attempt = stored(app, attempt.id)
    assert attempt.percent == 100
    assert count_attempts(app) == 1


def test_two_simultaneous_submissions_record_one_result(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    forms = [form_for(attempt, True), form_for(attempt, False)]
    attempt_id = attempt.id
    barrier, outcomes = threading.Barrier(2), []

    def submit_in_its_own_session(answers: dict[str, object]) -> None:
        with app.app_context():
            fresh = db.session.get_one(QuizAttempt, attempt_id)
            raw = Draw.of(fresh.draw).read(FormData(answers))
            barrier.wait()
            recorded = submit(attempt_id, sample, raw)
            db.session.commit()  # as the request's boundary does
            outcomes.append(recorded.percent)
            db.session.remove()

    threads = [threading.Thread(target=submit_in_its_own_session, args=(f,)) for f in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = stored(app, attempt_id)
    assert len(set(outcomes)) == 1, "both callers see the one recorded result"
    assert outcomes[0] == recorded.percent
    assert recorded.percent in (0, 100)


def test_editing_the_bank_later_never_rescores_or_rewrites_an_attempt(app, lms, sample, tmp_path):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token)
    edited_dir = tmp_path / "quizzes"
    edited_dir.mkdir()
    text = (
        (FIXTURES / "sample.yaml")
        .read_text()
        .replace("What do you do first?", "What is your first move?")
    )
    text = text.replace(
        "{id: a, text: Ask how managing symptoms could help keep a job., correct: true",
        "{id: a, text: Ask how managing symptoms could help keep a job.",
    )
    text = text.replace(
        "{id: b, text: Recite the evidence on adherence.,",
        "{id: b, text: Recite the evidence on adherence., correct: true,",
    )
    (edited_dir / "sample.yaml").write_text(text)
    edited = load_quizzes(edited_dir, content_of(app).catalog)["sample"]
    app.extensions["imr_content"] = content_of(app).with_quiz(edited)
    page = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    attempt = stored(app, attempt.id)
    assert attempt.percent == 100
    assert attempt.bank_version == sample.version
    assert "100.0%" in page


def _with_review(app: Flask, bank: QuizBank, setting: QuestionReview) -> QuizBank:
    """The fixture bank under another question review setting, served for the rest of the test."""
    changed = replace(bank, question_review=setting)
    app.extensions["imr_content"] = content_of(app).with_quiz(changed)
    return changed


def _take(app: Flask, client: FlaskClient, token: str, right: bool) -> QuizAttempt:
    """Start, answer (all right or all wrong) and submit one attempt; the attempt as stored."""
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token, right)
    return stored(app, attempt.id)


def _shows_the_key(page: str, attempt: QuizAttempt) -> bool:
    drawn = [q["question"] for item in attempt.draw for q in item["questions"]]
    return any(str(escape(q["rationale"])) in page for q in drawn) or "correct answer" in page


def _result(client: FlaskClient, attempt: QuizAttempt) -> str:
    return client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)


def test_a_failed_first_attempt_shows_score_and_competencies_but_not_the_key(app, lms, sample):
    client, token = practitioner(app, lms)
    first = _take(app, client, token, right=False)
    page = _result(client, first)
    assert "0.0%" in page
    assert "Not passed" in page
    assert "Competencies in this attempt" in page
    assert not _shows_the_key(page, first)
    assert "Question-by-question review opens after your last attempt or once you pass." in page


def test_by_default_the_review_opens_after_the_last_attempt(app, lms, sample):
    client, token = practitioner(app, lms)
    first = _take(app, client, token, right=False)
    last = _take(app, client, token, right=False)
    assert last.number == sample.attempts_allowed
    assert _shows_the_key(_result(client, last), last)
    assert _shows_the_key(_result(client, first), first), "every attempt opens with the last"


def test_by_default_the_review_opens_once_passed(app, lms, sample):
    client, token = practitioner(app, lms)
    first = _take(app, client, token, right=False)
    passed = _take(app, client, token, right=True)
    assert passed.passed
    assert _shows_the_key(_result(client, passed), passed)
    assert _shows_the_key(_result(client, first), first)


def test_once_passed_keeps_the_review_closed_after_the_last_failed_attempt(app, lms, sample):
    _with_review(app, sample, QuestionReview.ONCE_PASSED)
    client, token = practitioner(app, lms)
    _take(app, client, token, right=False)
    last = _take(app, client, token, right=False)
    page = _result(client, last)
    assert not _shows_the_key(page, last)
    assert "Question-by-question review opens once you pass." in page


def test_after_last_attempt_keeps_a_passed_attempt_closed_while_attempts_remain(app, lms, sample):
    _with_review(app, sample, QuestionReview.AFTER_LAST_ATTEMPT)
    client, token = practitioner(app, lms)
    passed = _take(app, client, token, right=True)
    page = _result(client, passed)
    assert "Passed" in page
    assert not _shows_the_key(page, passed)
    assert "Question-by-question review opens after your last attempt." in page
    last = _take(app, client, token, right=False)
    assert _shows_the_key(_result(client, passed), passed)
    assert _shows_the_key(_result(client, last), last)


def test_an_extra_attempt_closes_the_review_until_it_is_used(app, lms, sample):
    _with_review(app, sample, QuestionReview.AFTER_LAST_ATTEMPT)
    client, token = practitioner(app, lms)
    _take(app, client, token, right=False)
    last = _take(app, client, token, right=False)
    assert _shows_the_key(_result(client, last), last)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    trainer.post(
        f"/quizzes/results/{last.person_id}/extra",
        data={
            "quiz": "sample",
            "reason": "Missed a day",
            "csrf_token": csrf_token(trainer.get("/quizzes/results")),
        },
    )
    assert not _shows_the_key(_result(client, last), last)


def test_a_quiz_that_never_opens_its_review_still_opens_it_to_the_trainer(app, lms, sample):
    _with_review(app, sample, QuestionReview.NEVER)
    client, token = practitioner(app, lms)
    _take(app, client, token, right=True)
    last = _take(app, client, token, right=False)
    page = _result(client, last)
    assert "100.0%" not in page
    assert "0.0%" in page
    assert not _shows_the_key(page, last)
    assert "This quiz never opens a question-by-question review." in page
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    attempts = trainer.get(f"/quizzes/results/{last.person_id}").get_data(as_text=True)
    assert f'href="/quizzes/review/{last.id}"' in attempts
    review = trainer.get(f"/quizzes/review/{last.id}").get_data(as_text=True)
    assert _shows_the_key(review, last)
    assert "Competencies in this attempt" in review


def test_a_practitioner_of_another_cohort_cannot_see_an_attempt_or_its_review(app, lms, sample):
    client, token = practitioner(app, lms)
    first = _take(app, client, token, right=False)
    _take(app, client, token, right=False)
    stranger = app.test_client()
    other = LmsUser(
        "user-practitioner-9", "Other Practitioner", "p9@example.org", PRACTITIONER.roles
    )
    lms.launch(stranger, other, course=LmsCourse("course-x", "Another cohort", "X"))
    refused = stranger.get(f"/quizzes/attempts/{first.id}/result")
    assert refused.status_code == 404
    assert not _shows_the_key(refused.get_data(as_text=True), first)
    assert stranger.get(f"/quizzes/review/{first.id}").status_code == 403


def test_the_trainer_reviews_results_competencies_and_item_analysis(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    results = trainer.get("/quizzes/results").get_data(as_text=True)
    assert "Maya Chen" in results
    assert "100.0%</a>" in results
    detail = trainer.get(f"/quizzes/results/{attempt.person_id}").get_data(as_text=True)
    assert "Strengths and gaps by competency" in detail
    review = trainer.get(f"/quizzes/review/{attempt.id}").get_data(as_text=True)
    # each question marked right in words, in the summary and in the review (the draw varies,
    # so no single question type is sure to be in it)
    drawn = sum(len(section["questions"]) for section in attempt.draw)
    assert review.count("</span> Correct</span>") == 2 * drawn
    analysis = trainer.get("/quizzes/analysis").get_data(as_text=True)
    assert next(iter(q["question"]["id"] for q in attempt.draw[0]["questions"])) in analysis
    csv_text = trainer.get("/quizzes/analysis.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith('"Quiz","Question","Prompt","Responses","Facility"')


def test_a_trainer_cannot_review_another_cohorts_attempt(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    other = LmsUser("user-trainer-2", "Other Trainer", "o@example.org", TRAINER.roles)
    trainer = app.test_client()
    lms.launch(trainer, other, course=LmsCourse("course-x", "Another cohort", "X"))
    assert trainer.get(f"/quizzes/review/{attempt.id}").status_code == 404


def test_item_analysis_says_how_many_more_responses_an_item_needs_instead_of_flagging_it(
    app, lms, sample
):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token, right=False)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    page = trainer.get("/quizzes/analysis").get_data(as_text=True)
    assert "4 more responses needed" in page
    assert "very hard" not in page
    csv_text = trainer.get("/quizzes/analysis.csv").get_data(as_text=True)
    assert "4 more responses needed" in csv_text
    assert "very hard" not in csv_text


def test_a_days_quiz_waits_for_its_day_unless_the_organisation_allows_it(app, lms):
    client, token = practitioner(app, lms)
    refused = client.post("/quizzes/day-2/start", data={"csrf_token": token})
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "is not open yet" in page
    assert "Day 2 opens when Day 1 is complete." in page
    assert count_attempts(app) == 0
    with app.app_context():
        organisation_id = db.session.scalars(db.select(Organisation.id)).one()
        db.session.merge(
            CertificationPolicy(organisation_id=organisation_id, quizzes_wait_for_day=False)
        )
        db.session.commit()
    assert client.post("/quizzes/day-2/start", data={"csrf_token": token}).status_code == 302
    assert count_attempts(app) == 1


def test_no_post_of_the_attempt_page_ends_the_attempt(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    for action in ("submit", "", "review"):  # Enter in a field posts the form's first button
        sent = client.post(
            f"/quizzes/attempts/{attempt.id}",
            data={**form_for(attempt), "csrf_token": token, "action": action},
        )
        assert sent.location == f"/quizzes/attempts/{attempt.id}/summary"
    assert stored(app, attempt.id).status == "in-progress"
    finished = client.post(f"/quizzes/attempts/{attempt.id}/finish", data={"csrf_token": token})
    assert finished.location == f"/quizzes/attempts/{attempt.id}/result"
    assert stored(app, attempt.id).percent == 100, "the answers saved on the way are graded"


def test_the_summary_lists_unanswered_and_flagged_questions(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    drawn = [q for item in attempt.draw for q in item["questions"]]
    answers = form_for(attempt)
    # Any question answered in one field (whatever the draw holds); ordering uses one per step.
    one = next(q["question"]["id"] for q in drawn if f"q-{q['question']['id']}" in answers)
    other = next(q["question"]["id"] for q in drawn if q["question"]["id"] != one)
    client.post(
        f"/quizzes/attempts/{attempt.id}",
        data={f"q-{one}": answers[f"q-{one}"], "flag": [other], "csrf_token": token},
    )
    page = client.get(f"/quizzes/attempts/{attempt.id}/summary").get_data(as_text=True)
    total = len(drawn)
    assert f"1 of {total} answered" in page
    assert f"{total - 1} questions are not answered" in page
    assert "You flagged 1 question to come back to." in page
    assert page.count("Not answered") == total - 1
    assert "Return to attempt" in page
    assert "Submit all and finish" in page
    attempt_page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert f"1</span> of {total} answered" in attempt_page
    assert re.search(rf'id="flag-{other}"[^>]*checked', attempt_page)


def test_autosave_keeps_the_draft_and_the_server_judges_time(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    url = f"/quizzes/attempts/{attempt.id}/autosave"
    saved = client.post(url, data={**form_for(attempt), "csrf_token": token})
    assert saved.status_code == 200
    assert saved.json["saved"] is True
    assert saved.json["answered"] == len(stored(app, attempt.id).answers)
    assert client.post(url, data=form_for(attempt)).status_code == 400, "CSRF as on every form"
    move_deadline(app, attempt.id, -5)
    late = client.post(url, data={**form_for(attempt, False), "csrf_token": token})
    assert late.status_code == 409
    assert "closed" in late.json["message"]
    finished = client.post(f"/quizzes/attempts/{attempt.id}/finish", data={"csrf_token": token})
    assert finished.location == f"/quizzes/attempts/{attempt.id}/result"
    graded = stored(app, attempt.id)
    assert graded.percent == 100, "past its time, an attempt is graded on what was saved"
    page = client.get(finished.location).get_data(as_text=True)
    assert "answers saved in time were graded" in page


def test_the_result_opens_with_a_summary_marks_and_the_next_step(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token, right=False)
    page = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    summary = page.index("result-summary")
    assert summary < page.index("Your mark on each question") < page.index("Competencies in")
    assert page.index("Try Sample quiz again") < page.index("Your mark on each")
    drawn = [q for item in attempt.draw for q in item["questions"]]
    assert page.count("Not right</span>") == len(drawn)
    assert "0.0 of 1.0" in page
    assert "☑" not in page
    assert "☐" not in page
    catalog = content_of(app).catalog
    gaps = {t for q in drawn for t in (*q["question"]["strategies"], *q["question"]["topic_areas"])}
    teaching = {m.id for m in catalog.ordered_modules if {s.value for s in m.strategies} & gaps} | {
        m.id for m in catalog.ordered_modules if set(m.topic_areas) & gaps
    }
    linked = set(re.findall(r'href="/training/module/([^"]+)"', page))
    assert linked, "each weak competency links to a module that teaches it"
    assert linked <= teaching


def test_the_reviewed_choices_are_marked_in_words(app, lms, sample):
    client, token = practitioner(app, lms)
    attempt = start(app, client, token)
    submit_attempt(client, attempt, token)  # passed: the review opens
    page = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Your choice</span>" in page
    assert "Correct answer</span>" in page
    assert "Your choice, not correct" not in page


# --- Where a weak competency sends the practitioner to study ---


def _first_taught(catalog, tag: str) -> int:
    return next(m.day for m in catalog.ordered_modules if tag in {*m.strategies, *m.topic_areas})


def test_a_gap_is_studied_in_the_modules_of_the_quizs_own_day_first(app):
    catalog, bank = content_of(app).catalog, content_of(app).quizzes["day-2"]
    weak = {"motivational": CompetencyResult("motivational", Fraction(0), Fraction(1), 1)}
    assert _first_taught(catalog, "motivational") == 1, "Day 1 also teaches it"
    assert modules_teaching(catalog, bank, weak)["motivational"].day == 2


def test_a_gap_taught_on_a_day_still_locked_is_named_with_when_it_opens_not_linked(app, lms):
    client, token = practitioner(app, lms)
    catalog, bank = content_of(app).catalog, content_of(app).quizzes["day-1"]
    with app.app_context():
        enrolment = db.session.scalars(select(Enrolment)).one()
        later: set[str] = set()
        for seed in range(50):  # a draw that asks about something only later days teach
            drawn = [
                bank.questions[d.question.id]
                for d in Draw.of(draw_attempt(bank, Random(seed))).questions
            ]
            later = {
                tag
                for question in drawn
                for tag in {*question.strategies, *question.topic_areas}
                if _first_taught(catalog, tag) >= 3
            }
            if later:
                break
        assert later, "Day 1's quiz asks about what Day 3 or later teaches"
        attempt = start_or_resume(
            bank,
            enrolment.person_id,
            enrolment.cohort.organisation_id,
            enrolment.cohort_id,
            rng=Random(seed),
        )
        db.session.commit()
        attempt_id = attempt.id
    finished = submit_attempt(client, stored(app, attempt_id), token, right=False)
    html = client.get(finished.location).get_data(as_text=True)
    study = html.split("<caption>Competencies in this attempt", 1)[1].split("</table>", 1)[0]
    for tag in later:
        module = modules_teaching(
            catalog, bank, {tag: CompetencyResult(tag, Fraction(0), Fraction(1), 1)}
        )[tag]
        row = next(r for r in study.split("<tr>") if module.title in r)
        assert f'href="/training/module/{module.id}"' not in row
        assert f"Day {module.day} opens when" in row
    assert 'href="/training/module/' in study, "what Day 1 teaches stays a link"


def test_sorting_by_a_quiz_uses_the_scores_the_cells_show(app, lms):
    """The cells count every attempt in the organisation; the sort counted this course's only,
    so someone who passed in an earlier course sorted below a score of nothing."""
    lms.launch(app.test_client(), PRACTITIONER)
    lms.launch(app.test_client(), PRACTITIONER_2)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    complete_training_and_quizzes(app, PRACTITIONER.sub)  # Maya: every quiz at 100%
    quiz = next(iter(content_of(app).quizzes))
    with app.app_context():
        bank = content_of(app).quizzes[quiz]
        tom = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER_2.sub)).one()
        cohort = tom.enrolments[0].cohort
        attempt = start_or_resume(bank, tom.id, cohort.organisation_id, cohort.id)
        submit(attempt.id, bank, {})  # Tom: nothing answered
        earlier = Cohort(
            organisation_id=cohort.organisation_id, context_id="earlier", title="Spring"
        )
        db.session.add(earlier)
        db.session.flush()
        for mine in db.session.scalars(select(QuizAttempt).filter(QuizAttempt.person_id != tom.id)):
            mine.cohort_id = earlier.id  # Maya passed in the spring course
        db.session.commit()
    page = trainer.get(f"/quizzes/results?sort=-{quiz}").get_data(as_text=True)
    assert page.index("Maya Chen") < page.index("Tom Baker"), "the higher score first"
