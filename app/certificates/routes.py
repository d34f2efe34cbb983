"""Certification pages for practitioners, trainers and directors."""

from __future__ import annotations

import io
import zipfile

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
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.certificates import bp
from app.certificates.dashboard import director_dashboard
from app.certificates.forms import PolicyForm, RosterForm, SignoffForm, StandingForm
from app.domain.certification import SESSION_FORMATS, RatingError
from app.domain.roles import Role
from app.exports import csv_response
from app.extensions import content, db
from app.forms import posted_rating, whole_number
from app.models.certification import AuditEntry, Certificate, CertificationPolicy
from app.models.tenancy import Cohort
from app.services import certification as service
from app.services.audit import audit
from app.services.certification import roster_results
from app.services.hours import Ledger, ledgers
from app.services.people import practitioner_in_cohort
from app.services.reminders import reminders_for
from app.urls import public_url


def _verify_url(code: str) -> str:
    return public_url("verify.certificate", code=code)


@bp.get("/")
@role_required(Role.PRACTITIONER)
def mine() -> str:
    """What is left before certification, and the practitioner's certificates."""
    me = identity()
    catalog, banks = content().catalog, content().quizzes
    cohort = db.session.get_one(Cohort, me.cohort_id)
    service.issue_if_eligible(catalog, banks, me.person_id, cohort, _verify_url)
    return render_template(
        "certificates/mine.html",
        renewal_gap=service.renewal_gap,
        reminders=reminders_for(me.person_id, me.organisation_id),
        result=service.check(catalog, banks, me.person_id, cohort),
        certificates=service.certificates_of(me.person_id, me.organisation_id),
        standing_of=service.standing_of,
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@role_required(*Role)
def pdf(certificate_id: int) -> Response:
    """The issued PDF, exactly as sealed at issue."""
    missing = "There is no issued certificate PDF here for you."
    certificate = load_owned(Certificate, certificate_id, missing)
    if certificate.pdf is None:
        abort(404, missing)
    return send_file(
        io.BytesIO(certificate.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"imr-certificate-{certificate.code}.pdf",
    )


@bp.route("/signoff/<int:person_id>", methods=["GET", "POST"])
@role_required(Role.TRAINER)
def signoff(person_id: int) -> Response:
    """Rate an observed session on the rubric, item by item, with comments."""
    me = identity()
    person = practitioner_in_cohort(me.cohort_id or 0, person_id)
    if person is None:
        abort(404, "That practitioner is not in your cohort.")
    catalog, banks, rubric = content().catalog, content().quizzes, content().rubric
    form, errors, status = SignoffForm(), [], 200
    if not form.is_submitted():
        form.session_format.data = request.args.get("format", "individual")
    session_format = (
        form.session_format.data if form.session_format.data in SESSION_FORMATS else "individual"
    )
    items = [item for item in rubric.items if item.applies_to(session_format)]
    ratings = {item.id: request.form.get(f"rating-{item.id}", "") for item in items}
    comments = {item.id: request.form.get(f"comment-{item.id}", "")[:500] for item in items}
    if form.validate_on_submit():
        try:
            titles = {item.id: item.title for item in items}
            parsed = {k: posted_rating(titles[k], v) for k, v in ratings.items()}
            service.record_signoff(
                rubric,
                person.id,
                me.organisation_id,
                me.person_id,
                form.observed_on.data,
                form.observed.data,
                parsed,
                comments,
                form.summary.data or "",
                session_format=session_format,
            )
        except RatingError as error:
            errors.append(str(error).capitalize())
        else:
            cohort = db.session.get_one(Cohort, me.cohort_id)
            issued = service.issue_if_eligible(
                catalog, banks, person.id, cohort, _verify_url, me.person_id
            )
            flash(
                "Sign-off recorded."
                + (" Every requirement is now met: the certificate is issued." if issued else ""),
                "success",
            )
            return redirect(url_for("certification.signoff", person_id=person.id))
    if form.is_submitted():
        status = 400
    page = render_template(
        "certificates/signoff.html",
        person=person,
        rubric=rubric,
        items=items,
        session_format=session_format,
        form=form,
        errors=errors,
        ratings=ratings,
        comments=comments,
        certificate=service.current_certificate(person.id, me.organisation_id),
        latest=service.latest_signoff(person.id, me.organisation_id),
        result=service.check(catalog, banks, person.id, db.session.get_one(Cohort, me.cohort_id)),
    )
    return make_response(page, status)


def _dashboard_view():
    """The dashboard with the search and filters of this request."""
    args = request.args
    return director_dashboard(
        identity().organisation_id,
        args.get("q", ""),
        args.get("standing", ""),
        args.get("program", ""),
    )


@bp.get("/dashboard")
@role_required(Role.DIRECTOR)
def dashboard() -> str:
    """Every program's certification status, with search and filters."""
    view = _dashboard_view()
    return render_template(
        "certificates/dashboard.html", view=view, standing_form=StandingForm(), plain=FlaskForm()
    )


@bp.get("/dashboard.csv")
@role_required(Role.DIRECTOR)
def dashboard_csv() -> Response:
    view = _dashboard_view()
    catalog, banks = content().catalog, content().quizzes
    hours = ledgers(catalog, banks, identity().organisation_id)
    header = [
        "Practitioner",
        "Email",
        "Program",
        "Cohort",
        "Status",
        "Certificate code",
        "Issued",
        "Expires",
        "Training hours",
        "Consultation hours",
    ]
    rows = []
    for r in view.rows:
        ledger = hours.get(r.person.id, Ledger())
        rows.append(
            [
                r.person.display_name,
                r.person.email or "",
                r.program or "",
                r.cohort,
                r.status,
                r.certificate.code if r.certificate else "",
                r.certificate.issued_on if r.certificate else "",
                r.certificate.expires_on if r.certificate else "",
                f"{float(ledger.training_hours):.2f}",
                f"{float(ledger.consultation_hours):.2f}",
            ]
        )
    return csv_response("certification-status.csv", header, rows)


@bp.post("/dashboard.zip")
@role_required(Role.DIRECTOR)
def dashboard_zip() -> Response:
    """A zip of the selected certificates' PDFs."""
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired: reload the dashboard and try again.")
    ids = [whole_number(i) for i in request.form.getlist("certificate")]
    if None in ids:
        abort(400, "Choose certificates from the dashboard's list, then download them again.")
    certificates = db.session.scalars(
        select(Certificate).where(
            Certificate.id.in_(ids),
            Certificate.organisation_id == identity().organisation_id,
            Certificate.pdf.is_not(None),
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(f"imr-certificate-{certificate.code}.pdf", certificate.pdf)
    buffer.seek(0)
    return send_file(
        buffer, mimetype="application/zip", as_attachment=True, download_name="imr-certificates.zip"
    )


def _director_certificate(certificate_id: int) -> Certificate:
    return load_owned(
        Certificate, certificate_id, "That certificate does not belong to your organisation."
    )


@bp.post("/certificates/<int:certificate_id>/approve")
@role_required(Role.DIRECTOR)
def approve(certificate_id: int) -> Response:
    certificate = _director_certificate(certificate_id)
    if not FlaskForm().validate_on_submit() or not certificate.awaiting_approval:
        abort(400, "This certificate is not waiting for approval.")
    service.approve(certificate, _verify_url(certificate.code), identity().person_id)
    flash(f"Certificate {certificate.code} issued to {certificate.holder_name}.", "success")
    return redirect(url_for("certification.dashboard"))


@bp.post("/certificates/<int:certificate_id>/standing")
@role_required(Role.DIRECTOR)
def change_standing(certificate_id: int) -> Response:
    """Suspend, revoke or reinstate, always with a reason."""
    certificate = _director_certificate(certificate_id)
    form = StandingForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        service.change_standing(
            certificate, form.action.data, form.reason.data or "", identity().person_id
        )
        flash(
            f"Certificate {certificate.code}: {service.STANDING_ACTIONS[form.action.data]}.",
            "success",
        )
    return redirect(url_for("certification.dashboard"))


@bp.get("/audit")
@role_required(Role.DIRECTOR)
def audit_log() -> Response | str:
    """The audit log, filterable by action, exportable for an accreditor."""
    query = (
        select(AuditEntry)
        .filter_by(organisation_id=identity().organisation_id)
        .order_by(AuditEntry.at.desc())
    )
    action = request.args.get("action", "")
    if action:
        query = query.filter_by(action=action)
    entries = list(db.session.scalars(query.limit(2000)))
    if request.args.get("format") == "csv":
        rows = [
            [
                e.at.isoformat(),
                e.actor.display_name if e.actor else "system",
                e.action,
                e.subject,
                e.reason or "",
            ]
            for e in entries
        ]
        return csv_response(
            "audit-log.csv", ["When (UTC)", "Who", "What", "Concerning", "Why"], rows
        )
    actions = sorted(
        set(
            db.session.scalars(
                select(AuditEntry.action).filter_by(organisation_id=identity().organisation_id)
            )
        )
    )
    return render_template(
        "certificates/audit.html", entries=entries, actions=actions, chosen=action
    )


@bp.route("/policy", methods=["GET", "POST"])
@role_required(Role.DIRECTOR)
def policy() -> Response:
    """The organisation's certification requirements and signatory."""
    organisation_id = identity().organisation_id
    form = PolicyForm(obj=service.policy_of(organisation_id))
    if form.validate_on_submit():
        db.session.merge(
            CertificationPolicy(
                organisation_id=organisation_id,
                consultation_sessions=form.consultation_sessions.data,
                consultation_rate=form.consultation_rate.data,
                require_signoff=form.require_signoff.data,
                approval=form.approval.data,
                validity_months=form.validity_months.data,
                renewal_sessions=form.renewal_sessions.data,
                reminder_days=form.reminder_offsets(),
                signatory_name=form.signatory_name.data,
                signatory_title=form.signatory_title.data,
            )
        )
        audit(
            organisation_id,
            identity().person_id,
            "certification policy changed",
            "certification requirements",
            f"{form.consultation_sessions.data} sessions, {form.consultation_rate.data}%, sign-off "
            f"{'required' if form.require_signoff.data else 'not required'}, {form.approval.data} issuing, "
            f"valid {form.validity_months.data} months",
        )
        db.session.commit()
        flash(
            "Certification requirements saved. Certificates already issued keep the terms they were issued under.",
            "success",
        )
        return redirect(url_for("certification.policy"))
    return make_response(
        render_template("certificates/policy.html", form=form), 400 if form.is_submitted() else 200
    )


@bp.route("/verify-roster", methods=["GET", "POST"])
@role_required(Role.DIRECTOR)
def verify_roster() -> Response:
    """Check a whole roster of certificate codes at once, as a table or a CSV."""
    form = RosterForm()
    if not form.validate_on_submit():
        page = render_template("certificates/roster.html", form=form, results=None)
        return make_response(page, 400 if form.is_submitted() else 200)
    try:
        results = roster_results(form.roster.data.read())
    except ValueError as error:
        form.roster.errors.append(str(error))
        return make_response(
            render_template("certificates/roster.html", form=form, results=None), 400
        )
    if request.form.get("format") == "csv":
        header = ["Code as given", "Status", "Holder", "Credential", "Issued by", "Expires"]
        return csv_response("verified-certificates.csv", header, results)
    return make_response(render_template("certificates/roster.html", form=form, results=results))


@bp.post("/certificates/<int:certificate_id>/correct")
@role_required(Role.DIRECTOR)
def correct(certificate_id: int) -> Response:
    """Issue a corrected certificate that replaces this one (the original is kept, marked replaced)."""
    certificate = _director_certificate(certificate_id)
    reason = request.form.get("reason", "").strip()
    if not FlaskForm().validate_on_submit() or not reason:
        flash("Give the reason for the correction: it is kept in the audit log.", "error")
        return redirect(url_for("certification.dashboard"))
    try:
        new = service.correct(certificate, reason[:500], _verify_url, identity().person_id)
        flash(f"Corrected certificate {new.code} replaces {certificate.code}.", "success")
    except service.ReissueRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("certification.dashboard"))


@bp.post("/certificates/<int:certificate_id>/renew")
@role_required(Role.DIRECTOR)
def renew(certificate_id: int) -> Response:
    """Renew a certificate whose holder meets the renewal requirements."""
    certificate = _director_certificate(certificate_id)
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired: reload the dashboard and try again.")
    try:
        new = service.renew(certificate, _verify_url, identity().person_id)
        flash(f"Renewed: certificate {new.code}, valid until {new.expires_on:%d %b %Y}.", "success")
    except service.ReissueRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("certification.dashboard"))
