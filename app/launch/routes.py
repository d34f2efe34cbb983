"""The three endpoints an LMS talks to: login initiation, launch, and the tool's public keys."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import end_session, start_session
from app.domain.roles import Role
from app.extensions import csrf
from app.launch import bp
from app.launch.connections import approval_page
from app.launch.navigation import item_url, landing_url
from app.lti import keys
from app.lti.context import LaunchContext
from app.lti.errors import LaunchRejected
from app.lti.frames import origins_for, remember_frame_origin
from app.lti.tool import authorisation_url, cookie_service, message_launch
from app.services.launches import record_launch
from app.services.registrations import adopt_new_deployment
from app.urls import is_public_url, public_url

NEW_WINDOW_PARAM = "lti1p3_new_window"


def _login_facts() -> dict[str, str]:
    return {
        "issuer": request.values.get("iss", "?"),
        "client_id": request.values.get("client_id", "?"),
        "deployment_id": request.values.get("lti_deployment_id", "?"),
    }


def _check_login_request() -> None:
    missing = [
        name for name in ("iss", "login_hint", "target_link_uri") if not request.values.get(name)
    ]
    if missing:
        raise LaunchRejected("login", f"missing {', '.join(missing)}", _login_facts())
    if not is_public_url(request.values["target_link_uri"]):
        raise LaunchRejected("login", "target_link_uri points outside IMR Academy", _login_facts())


def _embedded() -> bool:
    """True when the browser says this page loads in a frame (the LMS iframe)."""
    return request.headers.get("Sec-Fetch-Dest") == "iframe"


def _new_window_url() -> str:
    params = {key: value for key, value in request.values.items() if value}
    params[NEW_WINDOW_PARAM] = "1"
    return public_url("lti.login") + "?" + urlencode(params)


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the LMS posts this; state and nonce protect the flow instead of a CSRF token
def login() -> Response | str:
    """OIDC third-party initiated login: remember state and nonce, send the browser to the LMS."""
    _check_login_request()
    cookies = cookie_service()
    authorise_url = authorisation_url(cookies, public_url("lti.launch"), _login_facts())
    if _embedded() and not request.values.get(NEW_WINDOW_PARAM):
        response = make_response(
            render_template(
                "lti/cookie_check.html",
                authorise_url=authorise_url,
                new_window_url=_new_window_url(),
            )
        )
    else:
        response = redirect(authorise_url)
    cookies.update_response(response)
    return response


@bp.post("/launch")
@csrf.exempt  # the LMS posts a signed id_token; its signature, nonce and state replace CSRF
def launch() -> Response:
    """Validate the LMS's signed launch, record the person, and open their session."""
    end_session()
    validated = message_launch(adopt_new_deployment).validate()
    context = LaunchContext.from_claims(validated.get_launch_id(), validated.get_launch_data())
    try:
        person, identity = record_launch(context)
    except LaunchRejected as rejected:
        if rejected.reason == "awaiting-approval" and Role.DIRECTOR in context.roles:
            return approval_page(context.launch_id)
        raise
    remember_frame_origin(context.issuer, context.client_id, request.headers.get("Origin"))
    start_session(person, identity, origins_for(context.issuer, context.client_id))
    if context.message_type == "LtiDeepLinkingRequest":
        return redirect(url_for("training.deep_link"))
    item = context.custom.get("imr_item")
    target = item_url(item)
    if item and target is None:
        flash(
            "The IMR Academy item linked in your course no longer exists; here is your home page.",
            "error",
        )
    return redirect(target or landing_url(identity.role))


@bp.get("/jwks")
def jwks() -> Response:
    """The tool's public keys, as the JWKS document LMSs fetch (already `{"keys": [...]}`)."""
    response = jsonify(keys.published_jwks())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
