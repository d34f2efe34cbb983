"""Role home pages: where each kind of person lands after a launch."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import (
    course_id,
    current_identity,
    end_session,
    identity,
    role_required,
    switch_role,
)
from app.domain.paging import PageRequest
from app.domain.roles import Role
from app.domain.tracker import steps
from app.extensions import content, db
from app.home import bp
from app.home.forms import SwitchRoleForm
from app.launch.navigation import landing_url
from app.models.base import utc_now
from app.models.tenancy import Cohort
from app.services import consultation, queues
from app.services.certificates import certificates_of, standing_of
from app.services.evidence import gather
from app.services.people import (
    ROSTER_SORTS,
    cohort_roster,
    organisation_overview,
    roster_page,
    sign_out_everywhere,
)


@bp.get("/")
def index() -> Response | str:
    """A launched person goes to their home; anyone else learns how to open the tool."""
    found = current_identity()
    if found is not None:
        return redirect(landing_url(found.role))
    demo = current_app.config["IMR_SETTINGS"].demo_lms_enabled
    return render_template("home/welcome.html", demo_lms_enabled=demo)


def _cohort() -> Cohort:
    return db.session.get_one(Cohort, course_id())


@bp.get("/practitioner")
@role_required(Role.PRACTITIONER)
def practitioner() -> str:
    """The practitioner's home: a tracker of the four requirements, each unmet one with its next
    step, read from the evidence certification itself decides on (gathered once)."""
    cohort = _cohort()
    trainers = [e for e in cohort_roster(cohort.id, Role.TRAINER) if e.active]
    gathered = gather(identity().person_id, cohort)
    evidence, result = gathered.evidence(), gathered.eligibility()
    progress = gathered.progress
    held = certificates_of(gathered.person_id, cohort.organisation_id) if result.eligible else []
    return render_template(
        "home/practitioner.html",
        cohort=cohort,
        trainers=trainers,
        catalog=content().catalog,
        banks=content().quizzes,
        progress=progress,
        result=result,
        certificate_standing=standing_of(held[0]).value if held else None,
        steps=steps(
            evidence,
            gathered.rules,
            result,
            (progress.completed, progress.total),
            len(content().quizzes),
        ),
        next_quiz=next(iter(evidence.quizzes_not_passed), None),
        next_session=queues.next_session(gathered.groups, utc_now()),
    )


@bp.get("/trainer")
@role_required(Role.TRAINER)
def trainer() -> str:
    """The trainer's home: the work waiting (attendance to take, apologies to decide), then who
    is in the cohort and when each last opened IMR Academy, a page at a time."""
    cohort = _cohort()
    page, roster = roster_page(cohort.id, PageRequest.from_args(request.args, ROSTER_SORTS, "name"))
    return render_template(
        "home/trainer.html",
        cohort=cohort,
        roster=roster,
        page=page,
        attendance_to_take=consultation.attendance_to_take(cohort.id),
        apologies_waiting=consultation.apologies_waiting(cohort.id),
        queues=queues.trainer_queues(cohort, utc_now(), _behind_days()),
        behind_days=_behind_days(),
        recent_days=queues.RECENT.days,
    )


def _behind_days() -> int:
    return int(current_app.config["IMR_SETTINGS"].falling_behind_days)


@bp.get("/trainer/queues/<kind>")
@role_required(Role.TRAINER)
def trainer_queue(kind: str) -> str:
    """One of the trainer's queues in full (falling behind, ready for sign-off, new reflections),
    a page at a time, each practitioner linked to where the trainer acts on them."""
    sorts = queues.QUEUE_SORTS.get(kind)
    if sorts is None:
        abort(404, "There is no such list: go back to your home and follow one of its links.")
    cohort = _cohort()
    asked = PageRequest.from_args(request.args, sorts, "name")
    page, rows = queues.trainer_queue_page(kind, cohort, utc_now(), _behind_days(), asked)
    return render_template(
        "home/queue.html",
        kind=kind,
        cohort=cohort,
        page=page,
        rows=rows,
        banks=content().quizzes,
        behind_days=_behind_days(),
        recent_days=queues.RECENT.days,
    )


@bp.get("/director")
@role_required(Role.DIRECTOR)
def director() -> str:
    """The director's home: what waits on them (approvals, expiring certificates, fidelity
    reviews due, LMS problems), then the organisation's programs and the cohorts in each."""
    organisation_id = identity().organisation_id
    now = utc_now()
    return render_template(
        "home/director.html",
        overview=organisation_overview(organisation_id),
        queues=queues.director_queues(organisation_id, now, now.date()),
    )


@bp.post("/sign-out")
@role_required(*Role)
def sign_out() -> Response:
    """End the session now, as on a computer others use too, and every copy of it with it
    (the LMS's own sign-in stays)."""
    sign_out_everywhere(identity().person_id)
    end_session()
    return redirect(url_for("home.signed_out"))


@bp.get("/signed-out")
def signed_out() -> str:
    """Where signing out lands: how to come back, and that the LMS needs its own sign-out."""
    return render_template("home/signed_out.html")


@bp.post("/role")
@role_required(*Role)
def change_role() -> Response:
    """Switch to another role this launch granted, and go to that role's home."""
    form = SwitchRoleForm()
    if not form.validate_on_submit():
        abort(400, "Choose one of the roles offered in the role menu.")
    changed = switch_role(Role(str(form.role.data)))
    return redirect(landing_url(changed.role))
