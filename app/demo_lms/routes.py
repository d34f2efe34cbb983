"""The demo LMS's pages and endpoints: a course page, OIDC authorisation, key set and tokens."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, jsonify, redirect, render_template, request
from jwt import InvalidTokenError
from lti1p3platform.exceptions import LtiException, MissingRequiredClaim, UnsupportedGrantType
from werkzeug.wrappers import Response

from app.demo_lms import bp
from app.demo_lms.demo import COURSE, PERSONAS, RESOURCE_LINK_ID, demo_platform
from app.extensions import csrf


@bp.get("/")
def index() -> str:
    """A course page of the demo LMS with IMR Academy embedded, and a launch button per role.

    The demo LMS is registered by `flask --app wsgi demo seed` (run by `make run`), as an
    operator registers a real one: opening a page registers nothing.
    """
    return render_template("demo_lms/index.html", personas=PERSONAS, course=COURSE)


@bp.get("/launch/<persona>")
def launch(persona: str) -> Response:
    """Start a launch as a persona: the LMS's third-party initiated login to the tool."""
    if persona not in PERSONAS:
        abort(404, f"The demo LMS has no person called {persona!r}.")
    platform = demo_platform()
    params = platform.login_initiation(PERSONAS[persona][0], RESOURCE_LINK_ID)
    return redirect(platform.tool_login_url + "?" + urlencode(params))


@bp.route("/authorise", methods=["GET", "POST"])
@csrf.exempt  # the tool's OIDC authorisation request; an LMS endpoint, not one of our forms
def authorise() -> str:
    """Answer the tool's authorisation request with a signed id_token posted back to it."""
    params = request.values.to_dict()
    user = next(
        (user for user, _ in PERSONAS.values() if user.sub == params.get("login_hint")), None
    )
    if user is None:
        abort(400, "The demo LMS does not know who is signing in (login_hint).")
    try:
        fields = demo_platform().launch(
            params, user, COURSE, params.get("lti_message_hint") or RESOURCE_LINK_ID
        )
    except (ValueError, LtiException) as error:
        abort(400, str(error))
    return render_template("autopost.html", action=params["redirect_uri"], fields=fields)


@bp.get("/jwks")
def jwks() -> Response:
    """The demo LMS's public keys."""
    return jsonify(demo_platform().jwks())


@bp.post("/token")
@csrf.exempt  # the tool's signed client-credentials request, for LTI Advantage services
def token() -> tuple[Response, int] | Response:
    """Issue an access token to the tool (client credentials with a signed JWT assertion)."""
    try:
        return jsonify(demo_platform().access_token(request.form.to_dict()))
    except (MissingRequiredClaim, UnsupportedGrantType) as error:
        return jsonify({"error": "invalid_request", "error_description": str(error)}), 400
    except (LtiException, InvalidTokenError) as error:
        return jsonify({"error": "invalid_client", "error_description": str(error)}), 400
