"""Certification pages for practitioners (what is left, their certificates) and trainers (sign-off).

Opening any of these pages writes nothing: certificates are issued when evidence changes, by
app.services.certificates.issue_when_eligible.
"""

from __future__ import annotations

import io

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.certificates import bp
from app.certificates.forms import SignoffForm
from app.domain.certification import SESSION_FORMATS, RatingError
from app.domain.codes import in_file_names
from app.domain.roles import Role
from app.extensions import content, db
from app.forms import posted_rating, validated
from app.models.certification import Certificate
from app.models.people import Person
from app.models.tenancy import Cohort
from app.services import certificates, signoffs
from app.services.evidence import gather
from app.services.people import practitioner_in_cohort
from app.services.reminders import reminders_for


@bp.get("/")
@role_required(Role.PRACTITIONER)
def mine() -> str:
    """What is left before certification, and the practitioner's certificates."""
    me = identity()
    cohort = db.session.get_one(Cohort, me.cohort_id)
    return render_template(
        "certificates/mine.html",
        renewal_gap=certificates.renewal_gap,
        reminders=reminders_for(me.person_id, me.organisation_id),
        result=gather(me.person_id, cohort).eligibility(),
        certificates=certificates.certificates_of(me.person_id, me.organisation_id),
        standing_of=certificates.standing_of,
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@role_required(*Role)
def pdf(certificate_id: int) -> Response:
    """The issued PDF, exactly as sealed at issue (always a download, never inside the frame)."""
    missing = "There is no issued certificate PDF here for you."
    certificate = load_owned(Certificate, certificate_id, missing)
    if certificate.pdf is None:
        abort(404, missing)
    return send_file(
        io.BytesIO(certificate.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"imr-certificate-{in_file_names(certificate.code)}.pdf",
    )


def _cohort_practitioner(person_id: int) -> Person:
    person = practitioner_in_cohort(identity().cohort_id or 0, person_id)
    if person is None:
        abort(404, "That practitioner is not in your cohort.")
    return person


def _posted_ratings(items: list, form: SignoffForm) -> tuple[dict, dict]:
    ratings = {item.id: request.form.get(f"rating-{item.id}", "") for item in items}
    comments = {item.id: request.form.get(f"comment-{item.id}", "")[:500] for item in items}
    return ratings, comments


def _record(person: Person, form: SignoffForm, session_format: str, items: list) -> str | None:
    """Record the sign-off and issue a certificate if it completed the evidence; an error or None."""
    me = identity()
    ratings, comments = _posted_ratings(items, form)
    titles = {item.id: item.title for item in items}
    try:
        signoffs.record_signoff(
            content().rubric,
            person.id,
            me.organisation_id,
            me.person_id,
            validated(form.observed_on.data),
            form.observed.data,
            {k: posted_rating(titles[k], v) for k, v in ratings.items()},
            comments,
            form.summary.data or "",
            session_format=session_format,
        )
    except RatingError as error:
        message = str(error)  # capitalize() would lower-case the rubric item it names
        return message[:1].upper() + message[1:]
    cohort = db.session.get_one(Cohort, me.cohort_id)
    issued = certificates.issue_when_eligible(
        person.id, cohort, "a competency sign-off was recorded"
    )
    flash(
        "Sign-off recorded."
        + (" Every requirement is now met: the certificate is issued." if issued else ""),
        "success",
    )
    return None


@bp.route("/signoff/<int:person_id>", methods=["GET", "POST"])
@role_required(Role.TRAINER)
def signoff(person_id: int) -> Response:
    """Rate an observed session on the rubric, item by item, with each level's description."""
    person = _cohort_practitioner(person_id)
    form, errors = SignoffForm(), []
    if not form.is_submitted():
        form.session_format.data = request.args.get("format", "individual")
    session_format = (
        form.session_format.data if form.session_format.data in SESSION_FORMATS else "individual"
    )
    items = [item for item in content().rubric.items if item.applies_to(session_format)]
    if form.validate_on_submit():
        error = _record(person, form, session_format, items)
        if error is None:
            return redirect(url_for("certification.signoff", person_id=person.id))
        errors.append(error)
    return _signoff_page(person, form, errors, session_format, items)


def _signoff_page(
    person: Person, form: SignoffForm, errors: list[str], session_format: str, items: list
) -> Response:
    me = identity()
    ratings, comments = _posted_ratings(items, form)
    page = render_template(
        "certificates/signoff.html",
        person=person,
        rubric=content().rubric,
        items=items,
        session_format=session_format,
        form=form,
        errors=errors,
        ratings=ratings,
        comments=comments,
        certificate=certificates.current_certificate(person.id, me.organisation_id),
        history=signoffs.signoffs_of(person.id, me.organisation_id),
        result=gather(person.id, db.session.get_one(Cohort, me.cohort_id)).eligibility(),
    )
    return make_response(page, 400 if form.is_submitted() else 200)
