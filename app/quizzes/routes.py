"""Quiz pages: practitioners take competency quizzes; trainers review results and item quality."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.auth import course_id, identity, load_owned, role_required
from app.content.model import TOPIC_AREAS, Module, Strategy
from app.dispatch import dispatch
from app.domain.paging import PageRequest
from app.domain.quizzes import AnswerRefused, AttemptStatus, Draw, QuizBank
from app.domain.roles import Role
from app.errors import NotOpenYet
from app.exports import csv_response
from app.extensions import content, db
from app.forms import options
from app.models.people import Person
from app.models.quizzes import QuizAttempt
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
    expired,
    grant_extra_attempt,
    modules_teaching,
    next_step,
    question_review_open,
    review,
    save_answers,
    seconds_left,
    start_or_resume,
    states,
    submit,
)
from app.services.training import progress_of, quiz_opens_when
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
    me = identity()
    cohort = db.session.get_one(Cohort, course_id())
    waiting = quiz_opens_when(content().catalog, bank.days, me.person_id, cohort)
    if waiting:
        raise NotOpenYet(f"{bank.title} is not open yet", waiting)
    try:
        attempt = start_or_resume(bank, me.person_id, me.organisation_id, cohort.id)
    except QuizRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("quizzes.index"))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _open_attempt_page(attempt_id: int, template: str) -> Response | str:
    """One of an open attempt's pages; a submitted attempt shows its result instead."""
    found = _own_attempt(attempt_id)
    if found.status == AttemptStatus.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=found.id))
    return render_template(
        template,
        attempt=found,
        bank=_bank(found.quiz_id),
        questions=review(found),
        states=states(found),
        seconds_left=seconds_left(found),
    )


@bp.get("/attempts/<int:attempt_id>")
@role_required(Role.PRACTITIONER)
def attempt(attempt_id: int) -> Response | str:
    """The attempt page: questions and choices as drawn, never the answers; a navigator and a
    countdown on top of a plain form that works without JavaScript."""
    return _open_attempt_page(attempt_id, "quizzes/attempt.html")


def _posted(found: QuizAttempt) -> tuple[dict[str, Any], list[str]]:
    """The answers and flags the attempt form posted; a forged or stale answer is a 400."""
    try:
        return Draw.of(found.draw).read(request.form), request.form.getlist("flag")
    except AnswerRefused as refused:
        abort(400, str(refused))


def _record(found: QuizAttempt, bank: QuizBank) -> QuizAttempt:
    """Grade the saved answers (a repeat changes nothing) and issue a certificate it completes."""
    recorded = submit(found.id, bank, None)
    if recorded.passed:
        cohort = db.session.get_one(Cohort, recorded.cohort_id)
        certificates.issue_when_eligible(recorded.person_id, cohort, f"{bank.title} was passed")
    return recorded


def _time_ran_out(found: QuizAttempt, bank: QuizBank) -> Response:
    """Past its time the server grades what was saved, whatever arrives late, and says so."""
    _record(found, bank)
    flash(
        "The time limit passed before this attempt was submitted, so the answers saved in time "
        "were graded.",
        "error",
    )
    return redirect(url_for("quizzes.result", attempt_id=found.id))


@bp.post("/attempts/<int:attempt_id>")
@role_required(Role.PRACTITIONER)
def answer(attempt_id: int) -> Response:
    """Save the answers: to finish later, or on the way to the summary before submitting.

    Nothing here ends the attempt, so pressing Enter in a field can never submit it.
    """
    found = _own_attempt(attempt_id)
    bank = _bank(found.quiz_id)
    if found.status == AttemptStatus.SUBMITTED:
        return redirect(url_for("quizzes.result", attempt_id=found.id))
    answers, flagged = _posted(found)
    if expired(found):
        return _time_ran_out(found, bank)
    save_answers(found, answers, flagged)
    if request.form.get("action") == "save":
        flash(
            "Your answers are saved. You can come back and finish before the attempt closes.",
            "success",
        )
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    return redirect(url_for("quizzes.summary", attempt_id=found.id))


@bp.post("/attempts/<int:attempt_id>/autosave")
@role_required(Role.PRACTITIONER)
def autosave(attempt_id: int) -> Response | tuple[Response, int]:
    """Keep the draft as the practitioner answers (the attempt page's script posts it).

    The server judges time: past the limit nothing changes, and the saved draft is what counts.
    """
    found = _own_attempt(attempt_id)
    if found.status == AttemptStatus.SUBMITTED or expired(found):
        return jsonify(
            saved=False, message="This attempt is closed: its answers can no longer change."
        ), 409
    answers, flagged = _posted(found)
    save_answers(found, answers, flagged)
    done = [state for state in states(found) if state.answered]
    return jsonify(saved=True, answered=len(done), seconds_left=seconds_left(found))


@bp.get("/attempts/<int:attempt_id>/summary")
@role_required(Role.PRACTITIONER)
def summary(attempt_id: int) -> Response | str:
    """Before submitting: which questions are unanswered or flagged, and a way back to them."""
    return _open_attempt_page(attempt_id, "quizzes/summary.html")


@bp.post("/attempts/<int:attempt_id>/finish")
@role_required(Role.PRACTITIONER)
def finish(attempt_id: int) -> Response:
    """Submit all and finish: grade the answers saved on the way to the summary."""
    found = _own_attempt(attempt_id)
    bank = _bank(found.quiz_id)
    if found.status == AttemptStatus.IN_PROGRESS and expired(found):
        return _time_ran_out(found, bank)
    _record(found, bank)
    return redirect(url_for("quizzes.result", attempt_id=found.id))


@bp.get("/attempts/<int:attempt_id>/result")
@role_required(Role.PRACTITIONER)
def result(attempt_id: int) -> Response | str:
    """A summary first (score, pass or not, a mark per question, the next step), then the
    competencies with the modules that teach the weak ones, then the questions once the quiz's
    review setting opens."""
    found = _own_attempt(attempt_id)
    if found.status != AttemptStatus.SUBMITTED:
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    bank = _bank(found.quiz_id)
    profile = competencies([found])
    teaching = modules_teaching(content().catalog, bank, profile)
    return render_template(
        "quizzes/result.html",
        attempt=found,
        bank=bank,
        questions=review(found),
        detail=question_review_open(bank, found.person_id, found.organisation_id),
        reviewer=False,
        profile=profile,
        labels=COMPETENCY_LABELS,
        teaching=teaching,
        not_open=_not_open_yet(found, teaching),
        step=next_step(found, bank, list(content().quizzes.values())),
    )


def _not_open_yet(attempt: QuizAttempt, teaching: dict[str, Module]) -> dict[str, str]:
    """For each module to study that is on a day still locked to the practitioner, when it
    opens: the result names it instead of linking to a page that would only say so."""
    cohort = db.session.get_one(Cohort, attempt.cohort_id)
    progress = progress_of(content().catalog, attempt.person_id, cohort)
    waiting = {tag: progress.opens_when(module.day) for tag, module in teaching.items()}
    return {tag: words for tag, words in waiting.items() if words}


@bp.get("/results")
@role_required(Role.TRAINER)
def results() -> str:
    """The cohort's quiz results, a page at a time: quiz grade and attempts per practitioner and quiz."""
    banks = list(content().quizzes.values())
    asked = PageRequest.from_args(request.args, ["name", *(b.id for b in banks)], "name")
    page, table = quiz_results.cohort_table(course_id(), banks, asked)
    return render_template("quizzes/results.html", table=table, banks=banks, page=page)


def _cohort_practitioner(person_id: int) -> Person:
    person = practitioner_in_cohort(course_id(), person_id)
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
    bank = content().quizzes.get(found.quiz_id)
    profile = competencies([found])
    return render_template(
        "quizzes/result.html",
        attempt=found,
        bank=bank,
        questions=review(found),
        detail=True,
        reviewer=True,
        profile=profile,
        labels=COMPETENCY_LABELS,
        teaching=modules_teaching(content().catalog, bank, profile),
    )


@bp.post("/review/<int:attempt_id>/resend")
@role_required(Role.TRAINER)
def resend(attempt_id: int) -> Response:
    """Send an attempt's grade to the LMS again now."""
    found = _cohort_attempt(attempt_id)
    if found.delivery is None:
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
