"""Pages for connecting an LMS: what an LMS administrator opens, and what a director checks."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import abort, jsonify, make_response, redirect, render_template, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.auth import identity, role_required, start_session
from app.domain.roles import Role
from app.extensions import csrf, db
from app.forms import OneLine
from app.launch import connections_bp as bp
from app.launch.navigation import landing_url
from app.launch.same_origin import require_our_own_page
from app.lti.context import LaunchContext
from app.lti.dynamic_registration import RegistrationRefused, read_platform_configuration
from app.lti.frames import origins_for
from app.lti.registry import find_organisation, find_platform
from app.lti.tool_configuration import canvas_configuration, manual_values, tool_urls
from app.models.lti import Platform
from app.models.tenancy import Organisation
from app.services import dynamic_registration as registration
from app.services.audit import audit
from app.services.launches import record_launch
from app.services.registrations import organisation_name_taken
from app.shared_store import current_store
from app.urls import public_url

APPROVAL_TICKET_SECONDS = 15 * 60


class RegistrationForm(FlaskForm):
    """Confirming a dynamic registration; the single-use link itself stands in for CSRF."""

    class Meta:
        csrf = False

    organisation_name = StringField(
        "Your organisation's name, as IMR Academy should show it",
        validators=[
            DataRequired("Give your organisation's name."),
            Length(max=200),
            OneLine("Your organisation's name"),
        ],
    )
    openid_configuration = HiddenField()
    registration_token = HiddenField()


@bp.errorhandler(RegistrationRefused)
def _refused(error: RegistrationRefused) -> tuple[str, int]:
    page = render_template(
        "errors/error.html", status=error.status, title=error.title, advice=error.advice
    )
    return page, error.status


@bp.route("/lti/register/<token>", methods=["GET", "POST"])
@csrf.exempt  # the LMS's window may drop our cookies; the signed single-use token is the secret
def register(token: str) -> str:
    """LTI Dynamic Registration: confirm, then register with the LMS and close its window."""
    invitation = registration.open_invitation(token)
    registration.note_opening(invitation)
    updating = registration.updated_connection(invitation)
    form = RegistrationForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.openid_configuration.data = request.args.get("openid_configuration", "")
        form.registration_token.data = request.args.get("registration_token", "")
        form.organisation_name.data = invitation.organisation_name or _kept_name(updating)
    configuration = read_platform_configuration(
        form.openid_configuration.data or "", form.registration_token.data or None
    )
    if request.method == "POST" and form.validate() and _name_free(form, updating):
        done = registration.register(
            invitation,
            configuration,
            form.registration_token.data or None,
            (form.organisation_name.data or "").strip(),
        )
        if invitation.updates_platform_id is not None:
            for organisation in done.platform.organisations:
                audit(
                    organisation.id,
                    None,
                    "lms-connection-updated",
                    done.platform.issuer,
                    f"by dynamic registration ({invitation.note})",
                )
        return render_template("connections/registered.html", done=done)
    return render_template(
        "connections/register.html",
        form=form,
        configuration=configuration,
        token=token,
        updating=updating,
        awaiting_approval=registration.awaits_approval(invitation, updating),
    )


def _name_free(form: RegistrationForm, updating: Platform | None) -> bool:
    """False, with the field's error, when another organisation already goes by the name."""
    name = (form.organisation_name.data or "").strip()
    if not organisation_name_taken(name, updating):
        return True
    form.organisation_name.errors = [
        f"Another organisation on IMR Academy is already called “{name}”, and certificates and "
        "their verification pages show that name. Give your organisation's full name (adding "
        "its town or region, say)."
    ]
    return False


def _kept_name(updating: Platform | None) -> str:
    """An update keeps its organisations: their name stands in for the one a new link asks."""
    if updating is None:
        return ""
    names = ", ".join(o.name for o in updating.organisations)
    return (names or updating.name or updating.issuer)[:200]


@bp.before_app_request
def _registration_opened_at_the_wrong_url() -> tuple[str, int] | None:
    """An LMS opened some other IMR Academy URL to start a dynamic registration.

    Moodle opens whatever its administrator pasted into the "Tool URL" registration box, with
    `openid_configuration` (and `registration_token`) added; pasting the tool's base URL or its
    launch URL there is a common slip. It gets a page saying what to paste instead, not a
    generic error (a GET to the launch URL would otherwise be "not available here").
    """
    if "openid_configuration" not in request.args or request.endpoint == "connections.register":
        return None
    if request.method != "GET":
        return None
    base = public_url("home.index").rstrip("/")
    page = render_template(
        "connections/not_a_registration_url.html",
        base=base,
        opened=base + request.path,
        launch_url=public_url("lti.launch"),
    )
    return page, 400


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


def _ticket_key(ticket: str) -> str:
    return f"approval-{ticket}"


def _approval_launch(approval: dict[str, Any] | None) -> tuple[LaunchContext, Organisation]:
    """The director's launch an approval ticket carries, and the organisation it would approve."""
    if approval is None:
        abort(404, "This approval has expired. Open IMR Academy from your LMS again.")
    context = LaunchContext.from_claims(approval["launch_id"], approval["claims"])
    platform = find_platform(context.issuer, context.client_id)
    organisation = find_organisation(platform, context.deployment_id) if platform else None
    if organisation is None or Role.DIRECTOR not in context.roles:
        abort(404)
    return context, organisation


def approval_page(launch_id: str, claims: Mapping[str, Any]) -> Response:
    """Where a director's launch into a connection awaiting approval goes.

    The page itself is the launch's answer, and the single-use ticket travels in its form's
    body, never in a URL that browsers, proxies and logs keep. The ticket keeps the verified
    launch's claims for the approval that follows, the one request that reads them again.
    """
    approval = {"launch_id": launch_id, "claims": dict(claims)}
    _, organisation = _approval_launch(approval)
    ticket = secrets.token_urlsafe(24)
    current_store().set(_ticket_key(ticket), approval, APPROVAL_TICKET_SECONDS)
    page = render_template("connections/approve.html", organisation=organisation, ticket=ticket)
    return make_response(page, 200)


@bp.post("/lti/approve")
@csrf.exempt  # the single-use ticket in the body is the secret; the session has not begun yet
def approve() -> str | Response:
    """A director of the new organisation approves its connection, then carries on as usual."""
    require_our_own_page()  # the ticket alone would sign in any browser it was posted from
    ticket = request.form.get("ticket", "")
    context, organisation = _approval_launch(
        current_store().take(_ticket_key(ticket)) if ticket else None
    )
    if not organisation.awaiting_approval:
        return render_template("connections/approve.html", organisation=organisation, ticket=None)
    registration.approve(organisation)
    person, session_identity = record_launch(context)
    audit(organisation.id, person.id, "lms-connection-approved", organisation.deployment_id)
    start_session(person, session_identity, origins_for(context.issuer, context.client_id))
    return redirect(landing_url(session_identity.role))


@bp.get("/connection")
@role_required(Role.DIRECTOR)
def connection() -> str:
    """The director's LMS connection: when it last launched, its last problem, its setup values."""
    organisation = db.session.get_one(Organisation, identity().organisation_id)
    return render_template(
        "connections/connection.html",
        organisation=organisation,
        platform=organisation.platform,
        values=manual_values(),
        urls=tool_urls(),
    )
