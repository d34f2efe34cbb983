"""Quiz pages: practitioners take competency quizzes; trainers review results and item quality."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.content.model import TOPIC_AREAS, Strategy
from app.dispatch import dispatch
from app.domain.paging import PageRequest
from app.domain.quizzes import QuizBank
from app.domain.roles import Role
from app.errors import NotOpenYet
from app.exports import csv_response
from app.extensions import content, db
from app.forms import options, whole_number
from app.models.people import Person
from app.models.quizzes import SUBMITTED, QuizAttempt
from app.models.tenancy import Cohort
from app.quizzes import bp
from app.quizzes.forms import ExtraAttemptForm
from app.services import certificates, quiz_results
from app.services.grades import grade_of
from app.services.people import practitioner_in_cohort
from app.services.quizzes import (
    QuizRefused,
    allowed_attempts,
    attempts_of,
    competencies,
    grant_extra_attempt,
    question_review_open,
    review,
    save_answers,
    start_or_resume,
    submit,
)
from app.services.training import quiz_opens_when
from app.tasks import send_grade

COMPETENCY_LABELS = {s.value: f"{s.label} strategies" for s in Strategy} | TOPIC_AREAS


def _bank(quiz_id: str) -> QuizBank:
    bank = content().quizzes.get(quiz_id)
    if bank is None:
        abort(404, "There is no such quiz (it may have been renamed or removed).")
    return bank


def _own_attempt(attempt_id: int) -> QuizAttempt:
    return load_owned(QuizAttempt, attempt_id, "That attempt is not one of yours.")


def _cohort_attempt(attempt_id: int) -> QuizAttempt:
    return load_owned(QuizAttempt, attempt_id, "That attempt does not belong to your cohort.")


NOT_THIS_ATTEMPT = (
    "An answer did not match this attempt's questions. Go back and reload the attempt: your "
    "saved answers are kept."
)


def _one_of(given: str, allowed: set[str]) -> str:
    if given not in allowed:
        abort(400, NOT_THIS_ATTEMPT)
    return given


def _positions(form: Mapping[str, Any], name: str, steps: list[list[Any]]) -> dict[str, int]:
    positions = {}
    for token, _ in steps:
        given = form.get(f"{name}-{token}", "").strip()
        if not given:
            continue
        place = whole_number(given)
        if place is None or not 1 <= place <= len(steps):
            abort(400, f"Give each step's place in the order as a number from 1 to {len(steps)}.")
        positions[token] = place
    return positions


def raw_answers(attempt: QuizAttempt, form: Mapping[str, Any]) -> dict[str, Any]:
    """What the attempt page posted, by question id, still in the attempt's tokens.

    Anything that is not one of the attempt's own tokens, or a place in an order, is a 400:
    a forged or stale form is refused, never scored.
    """
    raw: dict[str, Any] = {}
    for item in attempt.draw:
        for drawn in item["questions"]:
            question = drawn["question"]
            name = f"q-{question['id']}"
            tokens = {token for token, _ in drawn.get("choices", [])}
            if question["type"] == "multiple-response":
                raw[question["id"]] = [_one_of(t, tokens) for t in form.getlist(name)]
            elif question["type"] == "ordering":
                raw[question["id"]] = _positions(form, name, drawn["steps"])
            elif form.get(name):
                allowed = {"true", "false"} if question["type"] == "true-false" else tokens
                raw[question["id"]] = _one_of(form.get(name), allowed)
    return raw


@bp.get("/")
@role_required(Role.PRACTITIONER)
def index() -> str:
    """Every competency quiz with the practitioner's attempts, quiz grade and what is left."""
    me = identity()
    mine = attempts_of(me.person_id, me.organisation_id)
    rows = []
    for bank in content().quizzes.values():
        attempts = [a for a in mine if a.quiz_id == bank.id]
        allowed = allowed_attempts(bank, me.person_id, me.organisation_id)
        rows.append((bank, attempts, allowed, grade_of(bank.grading, attempts)))
    return render_template(
        "quizzes/index.html", rows=rows, profile=competencies(mine), labels=COMPETENCY_LABELS
    )


@bp.post("/<quiz_id>/start")
@role_required(Role.PRACTITIONER)
def start(quiz_id: str) -> Response:
    """Start a new attempt, or resume the open one."""
    bank = _bank(quiz_id)
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired: go back to the quizzes and start again.")
    me = identity()
    cohort = db.session.get_one(Cohort, me.cohort_id)
    waiting = quiz_opens_when(content().catalog, bank.days, me.person_id, cohort)
    if waiting:
        raise NotOpenYet(f"{bank.title} is not open yet", waiting)
    try:
        attempt = start_or_resume(bank, me.person_id, me.organisation_id, me.cohort_id)  # type: ignore[arg-type]
    except QuizRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("quizzes.index"))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@role_required(Role.PRACTITIONER)
def attempt(attempt_id: int) -> Response | str:
    """The attempt page: questions and choices as drawn; never the answers."""
    found = _own_attempt(attempt_id)
    if found.status == SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=found.id))
    return render_template(
        "quizzes/attempt.html",
        attempt=found,
        bank=_bank(found.quiz_id),
        questions=review(found),
        form=FlaskForm(),
    )


@bp.post("/attempts/<int:attempt_id>")
@role_required(Role.PRACTITIONER)
def answer(attempt_id: int) -> Response:
    """Save answers for later, or submit the attempt (a repeat submission changes nothing)."""
    found = _own_attempt(attempt_id)
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired. Your saved answers are kept: reopen the quiz to continue.")
    bank = _bank(found.quiz_id)
    answers = raw_answers(found, request.form)
    if request.form.get("action") == "save":
        try:
            save_answers(found, answers)
        except QuizRefused as refused:
            flash(str(refused), "error")
            return redirect(url_for("quizzes.result", attempt_id=found.id))
        flash(
            "Your answers are saved. You can come back and finish before the attempt closes.",
            "success",
        )
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    recorded = submit(found.id, bank, answers)
    if recorded.passed:
        cohort = db.session.get_one(Cohort, recorded.cohort_id)
        certificates.issue_when_eligible(recorded.person_id, cohort, f"{bank.title} was passed")
    return redirect(url_for("quizzes.result", attempt_id=found.id))


@bp.get("/attempts/<int:attempt_id>/result")
@role_required(Role.PRACTITIONER)
def result(attempt_id: int) -> Response | str:
    """Score, pass or fail and competencies; the questions once the quiz's review setting opens."""
    found = _own_attempt(attempt_id)
    if found.status != SUBMITTED:
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    bank = _bank(found.quiz_id)
    return render_template(
        "quizzes/result.html",
        attempt=found,
        bank=bank,
        questions=review(found),
        detail=question_review_open(bank, found.person_id, found.organisation_id),
        reviewer=False,
        profile=competencies([found]),
        labels=COMPETENCY_LABELS,
    )


@bp.get("/results")
@role_required(Role.TRAINER)
def results() -> str:
    """The cohort's quiz results, a page at a time: quiz grade and attempts per practitioner and quiz."""
    banks = list(content().quizzes.values())
    asked = PageRequest.from_args(request.args, ["name", *(b.id for b in banks)], "name")
    page, table = quiz_results.cohort_table(identity().cohort_id, banks, asked)  # type: ignore[arg-type]
    return render_template("quizzes/results.html", table=table, banks=banks, page=page)


def _cohort_practitioner(person_id: int) -> Person:
    person = practitioner_in_cohort(identity().cohort_id, person_id)  # type: ignore[arg-type]
    if person is None:
        abort(404, "That practitioner is not in your cohort.")
    return person


def _practitioner_page(person: Person, form: ExtraAttemptForm, status: int = 200) -> Response:
    organisation_id = identity().organisation_id
    attempts = attempts_of(person.id, organisation_id)
    page = render_template(
        "quizzes/practitioner.html",
        person=person,
        attempts=attempts,
        banks=content().quizzes,
        form=form,
        profile=competencies(attempts),
        labels=COMPETENCY_LABELS,
        allowed={
            b.id: allowed_attempts(b, person.id, organisation_id)
            for b in content().quizzes.values()
        },
    )
    return make_response(page, status)


def _extra_form() -> ExtraAttemptForm:
    form = ExtraAttemptForm()
    form.quiz.choices = options((bank.id, bank.title) for bank in content().quizzes.values())
    return form


@bp.get("/results/<int:person_id>")
@role_required(Role.TRAINER)
def practitioner(person_id: int) -> Response:
    """One practitioner's attempts, delivery states and competency profile."""
    return _practitioner_page(_cohort_practitioner(person_id), _extra_form())


@bp.post("/results/<int:person_id>/extra")
@role_required(Role.TRAINER)
def extra(person_id: int) -> Response:
    """Grant one extra attempt at a quiz, with a reason."""
    person = _cohort_practitioner(person_id)
    form = _extra_form()
    if not form.validate_on_submit():
        return _practitioner_page(person, form, status=400)
    me = identity()
    grant_extra_attempt(
        person.id, me.organisation_id, form.quiz.data, me.person_id, form.reason.data or ""
    )
    flash(
        f"{person.display_name} may make one more attempt at {_bank(form.quiz.data).title}.",
        "success",
    )
    return redirect(url_for("quizzes.practitioner", person_id=person.id))


@bp.get("/review/<int:attempt_id>")
@role_required(Role.TRAINER)
def review_attempt(attempt_id: int) -> str:
    """A practitioner's attempt exactly as they saw it, with their answers and the key.

    A trainer always sees the key, whatever the quiz lets the practitioner review.
    """
    found = _cohort_attempt(attempt_id)
    return render_template(
        "quizzes/result.html",
        attempt=found,
        bank=content().quizzes.get(found.quiz_id),
        questions=review(found),
        detail=True,
        reviewer=True,
        profile=competencies([found]),
        labels=COMPETENCY_LABELS,
    )


@bp.post("/review/<int:attempt_id>/resend")
@role_required(Role.TRAINER)
def resend(attempt_id: int) -> Response:
    """Send an attempt's grade to the LMS again now."""
    found = _cohort_attempt(attempt_id)
    if not FlaskForm().validate_on_submit() or found.delivery is None:
        abort(400, "This attempt has no grade to send to the LMS.")
    dispatch(send_grade, found.delivery.id)
    flash("The grade was sent to the LMS again; its delivery state below is up to date.", "success")
    return redirect(url_for("quizzes.practitioner", person_id=found.person_id))


@bp.get("/analysis")
@role_required(Role.TRAINER, Role.DIRECTOR)
def analysis() -> str:
    """Item analysis of every question across the organisation's cohorts, worst first, in pages."""
    report = quiz_results.item_report(identity().organisation_id, content().quizzes)
    asked = PageRequest.from_args(request.args, quiz_results.ITEM_SORTS, "concerns")
    page, rows = quiz_results.item_page(report, asked)
    return render_template("quizzes/analysis.html", report=rows, page=page)


@bp.get("/analysis.csv")
@role_required(Role.TRAINER, Role.DIRECTOR)
def analysis_csv() -> Response:
    """The item analysis as CSV."""
    report = quiz_results.item_report(identity().organisation_id, content().quizzes)
    header = [
        "Quiz",
        "Question",
        "Prompt",
        "Responses",
        "Facility",
        "Discrimination index",
        "Point-biserial",
        "Choice counts",
        "Concerns",
    ]
    rows = [
        [
            r.quiz_title,
            r.stats.question_id,
            r.prompt,
            r.stats.responses,
            f"{r.stats.facility:.2f}",
            "" if r.stats.discrimination is None else f"{r.stats.discrimination:.2f}",
            "" if r.stats.point_biserial is None else f"{r.stats.point_biserial:.2f}",
            "; ".join(f"{text}: {count}" for text, count in r.choices),
            r.stats.waiting or "; ".join(r.stats.concerns),
        ]
        for r in report
    ]
    return csv_response("item-analysis.csv", header, rows)
