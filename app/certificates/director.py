"""The director's certification pages: the dashboard, each certificate's page and its moves, the
requirements, verifying a roster, and the audit log."""

from __future__ import annotations

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
from app.certificates import bp
from app.certificates.forms import PolicyForm, ReasonForm, RosterForm, StandingForm
from app.dispatch import dispatch
from app.domain.certificates import IllegalTransition, Transition, date_in_words
from app.domain.codes import in_file_names
from app.domain.paging import PageRequest
from app.domain.roles import Role
from app.exports import csv_response, zip_response
from app.extensions import content, db
from app.forms import validated, whole_number
from app.models.certification import Certificate
from app.models.people import Person
from app.services import certificates
from app.services.audit import AUDIT_SORTS, audit_actions, audit_entries, audit_page
from app.services.dashboard import (
    COUNTED,
    CSV_HEADER,
    SORTS,
    STATUSES,
    Filters,
    csv_rows,
    dashboard_rows,
    director_dashboard,
)
from app.services.hours import ledgers
from app.services.policies import PolicyChange, policy_of, save_policy
from app.services.verification import public_standing_after, roster_results
from app.tasks import issue_due_certificates


def _filters() -> Filters:
    """The search and filters from the URL; an unknown status is refused with what is offered."""
    args = request.args
    standing = args.get("standing", "")
    if standing and standing not in STATUSES:
        abort(400, f"There is no status “{standing}”: choose one of {', '.join(STATUSES)}.")
    return Filters(args.get("q", "")[:200], standing, args.get("program", "")[:200])


@bp.get("/dashboard")
@role_required(Role.DIRECTOR)
def dashboard() -> str:
    """Every program's certification status, with search and filters, a page at a time."""
    asked = PageRequest.from_args(request.args, SORTS, "name")
    view = director_dashboard(identity().organisation_id, _filters(), asked)
    return render_template(
        "certificates/dashboard.html",
        view=view,
        statuses=STATUSES,
        counted=COUNTED,
        plain=FlaskForm(),
    )


@bp.get("/dashboard.csv")
@role_required(Role.DIRECTOR)
def dashboard_csv() -> Response:
    """Every row the filters match (not only one page), with each practitioner's hours."""
    hours = ledgers(content().catalog, content().quizzes, identity().organisation_id)
    found = dashboard_rows(identity().organisation_id, _filters())
    return csv_response("certification-status.csv", CSV_HEADER, csv_rows(found, hours))


@bp.post("/dashboard.zip")
@role_required(Role.DIRECTOR)
def dashboard_zip() -> Response:
    """A zip of the selected certificates' PDFs."""
    ids = [whole_number(i) for i in request.form.getlist("certificate")]
    if None in ids:
        abort(400, "Choose certificates from the dashboard's list, then download them again.")
    chosen = certificates.sealed_pdfs(identity().organisation_id, [i for i in ids if i is not None])
    members = ((f"imr-certificate-{in_file_names(code)}.pdf", pdf) for code, pdf in chosen)
    return zip_response("imr-certificates.zip", members)


def _director_certificate(certificate_id: int) -> Certificate:
    return load_owned(
        Certificate, certificate_id, "That certificate does not belong to your organisation."
    )


def _certificate_page(certificate: Certificate, status: int = 200, **forms: object) -> Response:
    page = render_template(
        "certificates/certificate.html",
        certificate=certificate,
        holder=db.session.get_one(Person, certificate.person_id),
        standing=certificates.standing_of(certificate),
        moves=certificates.open_moves(certificate),
        # Each linked certificate as it stands today: a renewed one reads "renewed", not "issued".
        lineage=[
            (label, other, certificates.standing_of(other))
            for label, other in certificates.lineage(certificate)
        ],
        renewal_gap=certificates.renewal_gap(certificate),
        standing_form=forms.get("standing_form") or StandingForm(),
        reason_form=forms.get("reason_form") or ReasonForm(),
        preview=forms.get("preview"),
        plain=FlaskForm(),
    )
    return make_response(page, status)


@bp.get("/certificates/<int:certificate_id>")
@role_required(Role.DIRECTOR)
def certificate(certificate_id: int) -> Response:
    """One certificate: its standing, lineage, and the moves open to it."""
    return _certificate_page(_director_certificate(certificate_id))


def _done(certificate: Certificate, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("certification.certificate", certificate_id=certificate.id))


@bp.post("/certificates/<int:certificate_id>/approve")
@role_required(Role.DIRECTOR)
def approve(certificate_id: int) -> Response:
    found = _director_certificate(certificate_id)
    try:
        certificates.approve(found, identity().person_id)
    except IllegalTransition as refused:
        abort(400, str(refused))
    return _done(found, f"Certificate {found.code} issued to {found.holder_name}.")


@bp.post("/certificates/<int:certificate_id>/standing")
@role_required(Role.DIRECTOR)
def change_standing(certificate_id: int) -> Response:
    """Suspend, reinstate or revoke: first a preview of what the public will see, then the move."""
    found = _director_certificate(certificate_id)
    form = StandingForm()
    if not form.validate_on_submit():
        return _certificate_page(found, 400, standing_form=form)
    move = Transition(form.move.data)
    try:  # the preview refuses a move the certificate may not make, as the move itself would
        certificates.refuse_unless_open(found, move)
        if form.confirmed.data != "yes":
            preview = public_standing_after(found, move, form.reason.data or "")
            return _certificate_page(found, standing_form=form, preview=preview)
        certificates.change_standing(found, move, form.reason.data or "", identity().person_id)
    except IllegalTransition as refused:
        abort(409, str(refused))
    return _done(found, f"Certificate {found.code} {move.verb}.")


def _reason_move(certificate_id: int, make, message: str) -> Response:
    found = _director_certificate(certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _certificate_page(found, 400, reason_form=form)
    try:
        new = make(found, validated(form.reason.data).strip())
    except (IllegalTransition, certificates.ReissueRefused) as refused:
        flash(str(refused), "error")
        return redirect(url_for("certification.certificate", certificate_id=found.id))
    return _done(new, message.format(new=new, old=found))


@bp.post("/certificates/<int:certificate_id>/correct")
@role_required(Role.DIRECTOR)
def correct(certificate_id: int) -> Response:
    """Issue a corrected certificate that replaces this one (the original is kept, marked replaced)."""
    return _reason_move(
        certificate_id,
        lambda old, reason: certificates.correct(old, reason, identity().person_id),
        "Corrected certificate {new.code} replaces {old.code}.",
    )


@bp.post("/certificates/<int:certificate_id>/recertify")
@role_required(Role.DIRECTOR)
def recertify(certificate_id: int) -> Response:
    """Re-certify a practitioner whose certificate was revoked: explicit, with a reason."""
    return _reason_move(
        certificate_id,
        lambda old, reason: certificates.recertify(old, reason, identity().person_id),
        "Re-certified: certificate {new.code} follows the revoked {old.code}.",
    )


@bp.post("/certificates/<int:certificate_id>/renew")
@role_required(Role.DIRECTOR)
def renew(certificate_id: int) -> Response:
    """Renew a certificate whose holder meets the renewal requirements."""
    found = _director_certificate(certificate_id)
    try:
        new = certificates.renew(found, identity().person_id)
    except certificates.ReissueRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("certification.certificate", certificate_id=found.id))
    return _done(
        new, f"Renewed: certificate {new.code}, valid until {date_in_words(new.expires_on)}."
    )


@bp.get("/audit")
@role_required(Role.DIRECTOR)
def audit_log() -> Response | str:
    """The audit log, filterable by action, exportable for an accreditor."""
    organisation_id, action = identity().organisation_id, request.args.get("action", "")
    if request.args.get("format") == "csv":
        entries = audit_entries(organisation_id, action)
        rows = [
            [
                e.at.isoformat(),
                e.actor.display_name if e.actor else "IMR Academy (automatic)",
                e.action,
                e.subject,
                e.reason or "",
            ]
            for e in entries
        ]
        return csv_response(
            "audit-log.csv", ["When (UTC)", "Who", "What", "Concerning", "Why"], rows
        )
    page, entries = audit_page(
        organisation_id, action, PageRequest.from_args(request.args, AUDIT_SORTS, "-at")
    )
    return render_template(
        "certificates/audit.html",
        page=page,
        entries=entries,
        actions=audit_actions(organisation_id),
        chosen=action,
    )


def _policy_form() -> PolicyForm:
    """The form filled with the saved requirements, in the form it accepts, signatory included."""
    policy = policy_of(identity().organisation_id)
    form = PolicyForm(obj=policy)
    if not form.is_submitted() and not policy.signatory_name:
        me = db.session.get_one(Person, identity().person_id)
        form.signatory_name.data = me.display_name
    return form


def _change(form: PolicyForm) -> PolicyChange:
    return PolicyChange(
        consultation_sessions=validated(form.consultation_sessions.data),
        consultation_rate=validated(form.consultation_rate.data),
        require_signoff=form.require_signoff.data,
        approval=form.approval.data,
        validity_months=validated(form.validity_months.data),
        renewal_sessions=validated(form.renewal_sessions.data),
        reminder_days=form.reminder_offsets(),
        signatory_name=validated(form.signatory_name.data),
        signatory_title=validated(form.signatory_title.data),
        signoffs_needed=validated(form.signoffs_needed.data),
        real_session_needed=form.real_session_needed.data,
        signoff_rule=form.signoff_rule.data,
        timezone=form.timezone.data,
        quizzes_wait_for_day=form.quizzes_wait_for_day.data,
    )


@bp.route("/policy", methods=["GET", "POST"])
@role_required(Role.DIRECTOR)
def policy() -> Response:
    """The organisation's certification requirements, what its rubric requires, and who signs."""
    form = _policy_form()
    if form.validate_on_submit():
        save_policy(identity().organisation_id, identity().person_id, _change(form))
        dispatch_issue_due(identity().organisation_id)
        flash(
            "Certification requirements saved. Certificates already issued keep the terms they were issued under.",
            "success",
        )
        return redirect(url_for("certification.policy"))
    page = render_template("certificates/policy.html", form=form, rubric=content().rubric)
    return make_response(page, 400 if form.is_submitted() else 200)


def dispatch_issue_due(organisation_id: int) -> None:
    """After a change of requirements, issue whatever has come due (in the background)."""
    dispatch(issue_due_certificates, organisation_id, "the certification requirements changed")


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
