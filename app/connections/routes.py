"""Pages for connecting an LMS: what an LMS administrator opens, and what a director checks."""

from __future__ import annotations

import secrets

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.auth import identity, role_required, start_session
from app.connections import bp
from app.domain.roles import Role
from app.extensions import csrf, db
from app.home.navigation import landing_url
from app.lti import dynamic_registration as registration
from app.lti.context import LaunchContext
from app.lti.deployments import find_organisation
from app.lti.tool import find_platform, stored_launch
from app.lti.tool_configuration import canvas_configuration, manual_values, tool_urls
from app.models.tenancy import Organisation
from app.services.audit import audit
from app.services.launches import record_launch
from app.shared_store import current_store

APPROVAL_TICKET_SECONDS = 15 * 60


class RegistrationForm(FlaskForm):
    """Confirming a dynamic registration; the single-use link itself stands in for CSRF."""

    class Meta:
        csrf = False

    organisation_name = StringField(
        "Your organisation's name, as IMR Academy should show it",
        validators=[DataRequired("Give your organisation's name."), Length(max=200)],
    )
    openid_configuration = HiddenField()
    registration_token = HiddenField()


@bp.errorhandler(registration.RegistrationRefused)
def _refused(error: registration.RegistrationRefused) -> tuple[str, int]:
    page = render_template(
        "errors/error.html", status=error.status, title=error.title, advice=error.advice
    )
    return page, error.status


@bp.route("/lti/register/<token>", methods=["GET", "POST"])
@csrf.exempt  # the LMS's window may drop our cookies; the signed single-use token is the secret
def register(token: str) -> str:
    """LTI Dynamic Registration: confirm, then register with the LMS and close its window."""
    invitation = registration.open_invitation(token)
    form = RegistrationForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.openid_configuration.data = request.args.get("openid_configuration", "")
        form.registration_token.data = request.args.get("registration_token", "")
        form.organisation_name.data = invitation.organisation_name or ""
    configuration = registration.read_platform_configuration(
        form.openid_configuration.data or "", form.registration_token.data or None
    )
    if request.method == "POST" and form.validate():
        done = registration.register(
            invitation,
            configuration,
            form.registration_token.data or None,
            form.organisation_name.data.strip(),
        )
        return render_template("connections/registered.html", done=done)
    return render_template(
        "connections/register.html", form=form, configuration=configuration, token=token
    )


@bp.get("/lti/setup")
def setup() -> str:
    """The values an LMS administrator needs, with copy buttons; public (nothing here is secret)."""
    return render_template("connections/setup.html", values=manual_values(), urls=tool_urls())


@bp.get("/lti/canvas.json")
def canvas_configuration_json() -> Response:
    """Canvas's LTI 1.3 developer-key configuration, at a stable URL ("Enter URL" in Canvas)."""
    response = jsonify(canvas_configuration())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def approval_ticket(launch_id: str) -> str:
    """A short-lived, single-use ticket letting the launching director approve a connection."""
    ticket = secrets.token_urlsafe(24)
    current_store().set(f"approval-{ticket}", launch_id, APPROVAL_TICKET_SECONDS)
    return ticket


def _approval_launch(ticket: str) -> tuple[LaunchContext, Organisation]:
    launch_id = current_store().get(f"approval-{ticket}")
    body = stored_launch(launch_id) if launch_id else None
    if body is None:
        abort(404, "This approval link has expired. Open IMR Academy from your LMS again.")
    context = LaunchContext.from_claims(launch_id, body)
    platform = find_platform(context.issuer, context.client_id)
    organisation = find_organisation(platform, context.deployment_id) if platform else None
    if organisation is None or Role.DIRECTOR not in context.roles:
        abort(404)
    return context, organisation


@bp.route("/lti/approve/<ticket>", methods=["GET", "POST"])
def approve(ticket: str) -> str | Response:
    """A director of the new organisation approves its connection, then carries on as usual."""
    context, organisation = _approval_launch(ticket)
    form = FlaskForm()
    if not organisation.awaiting_approval:
        return render_template("connections/approve.html", organisation=organisation, form=None)
    if request.method == "POST" and form.validate_on_submit():
        current_store().delete(f"approval-{ticket}")
        registration.approve(organisation)
        person, session_identity = record_launch(context)
        audit(organisation.id, person.id, "lms-connection-approved", organisation.deployment_id)
        db.session.commit()
        start_session(person, session_identity)
        return redirect(landing_url(session_identity.role))
    return render_template("connections/approve.html", organisation=organisation, form=form)


@bp.get("/connection")
@role_required(Role.DIRECTOR)
def connection() -> str:
    """The director's LMS connection: when it last launched, its last problem, its setup values."""
    organisation = db.session.get(Organisation, identity().organisation_id)
    return render_template(
        "connections/connection.html",
        organisation=organisation,
        platform=organisation.platform,
        values=manual_values(),
        urls=tool_urls(),
    )


def redirect_to_approval(launch_id: str) -> Response:
    """Where a director's launch into a connection awaiting approval goes."""
    return redirect(url_for("connections.approve", ticket=approval_ticket(launch_id)))
