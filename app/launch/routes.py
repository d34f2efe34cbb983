"""The endpoints an LMS talks to: login initiation, launch, and the tool's public keys.

A launch through the LMS's platform storage has two more steps, in app/launch/storage.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import flash, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import end_session, start_session
from app.domain.identity import Identity
from app.domain.roles import Role
from app.extensions import csrf
from app.launch import bp
from app.launch.connections import approval_page
from app.launch.navigation import item_url, landing_url
from app.lti import keys, platform_storage
from app.lti.context import LaunchContext
from app.lti.errors import LaunchRejected
from app.lti.frames import origins_for, remember_frame_origin
from app.lti.platform_storage import storage_target, stored_login
from app.lti.tool import (
    ToolMessageLaunch,
    authorisation_url,
    cookie_service,
    message_launch,
    state_cookie_returned,
    unverified_nonce,
)
from app.models.people import Person
from app.services.launches import record_launch
from app.services.registrations import adopt_new_deployment
from app.shared_store import current_store
from app.urls import is_public_url, public_url

NEW_WINDOW_PARAM = "lti1p3_new_window"


@dataclass(frozen=True)
class Accepted:
    """A verified, recorded launch: who it was, which LMS may frame them, where they land."""

    person: Person
    identity: Identity
    frames: list[str]
    target: str
    notice: str | None


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


def _login_page(authorise_url: str) -> Response:
    """The login's answer: platform storage when the LMS offers it, else the cookie route.

    A new window opened from the fallback page is first-party: its cookies work, so it skips
    the storage even though its URL still names the target.
    """
    new_window = bool(request.values.get(NEW_WINDOW_PARAM))
    target = storage_target(request.values.get("lti_storage_target"))
    stored = stored_login(authorise_url, target) if target and not new_window else None
    pages = {"authorise_url": authorise_url, "new_window_url": _new_window_url()}
    if stored is not None:
        platform_storage.remember(current_store(), stored.state, stored.storage)
        return make_response(render_template("lti/storage_login.html", stored=stored, **pages))
    if _embedded() and not new_window:
        return make_response(render_template("lti/cookie_check.html", **pages))
    return redirect(authorise_url)


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the LMS posts this; state and nonce protect the flow instead of a CSRF token
def login() -> Response:
    """OIDC third-party initiated login: remember state and nonce, send the browser to the LMS."""
    _check_login_request()
    cookies = cookie_service()
    authorise_url = authorisation_url(cookies, public_url("lti.launch"), _login_facts())
    response = _login_page(authorise_url)
    cookies.update_response(response)
    return response


def _storage_launch_page() -> Response | None:
    """The page that reads state and nonce back from the LMS's storage, when the login used it.

    Only when the state cookie did not come back: a browser that keeps cookies in the frame
    finishes the launch the ordinary way. Nothing is spent here (the check that follows spends
    it); the origin the LMS posted from is kept with the login's marker, on the server.
    """
    state = request.form.get("state", "")
    if state_cookie_returned(state):
        return None
    storage = platform_storage.storage_for(current_store(), state)
    nonce = unverified_nonce(request.form.get("id_token", ""))
    if storage is None or nonce is None:
        return None
    posted_from = request.headers.get("Origin")
    platform_storage.remember(current_store(), state, replace(storage, posted_from=posted_from))
    page = render_template(
        "lti/storage_launch.html",
        storage=storage,
        state=state,
        state_key=platform_storage.state_key(state),
        nonce_key=platform_storage.nonce_key(nonce),
        id_token=request.form["id_token"],
    )
    return make_response(page)


def accept_launch(validated: ToolMessageLaunch, posted_from: str | None) -> Response | Accepted:
    """Record a verified launch: an approval page for a waiting director, else who and where."""
    claims = validated.get_launch_data()
    context = LaunchContext.from_claims(validated.get_launch_id(), claims)
    try:
        person, identity = record_launch(context)
    except LaunchRejected as rejected:
        if rejected.reason == "awaiting-approval" and Role.DIRECTOR in context.roles:
            return approval_page(context.launch_id, claims)
        raise
    remember_frame_origin(context, posted_from)
    frames = origins_for(context.issuer, context.client_id)
    return Accepted(person, identity, frames, *_destination(context, identity))


def _destination(context: LaunchContext, identity: Identity) -> tuple[str, str | None]:
    """Where the launch lands, with a notice when the linked item no longer exists."""
    if context.message_type == "LtiDeepLinkingRequest":
        return url_for("training.deep_link"), None
    item = context.custom.get("imr_item")
    target = item_url(item)
    if item and target is None:
        return landing_url(identity.role), (
            "The IMR Academy item linked in your course no longer exists; here is your home page."
        )
    return target or landing_url(identity.role), None


def open_session(accepted: Accepted) -> Response:
    """Start the launched person's session and send them where the launch pointed."""
    start_session(accepted.person, accepted.identity, accepted.frames)
    if accepted.notice:
        flash(accepted.notice, "error")
    return redirect(accepted.target)


def _end_the_session_it_replaces() -> None:
    """Sign out whoever this browser had signed in, when this browser began the launch.

    A launch whose login this browser made (the state cookie came back) replaces the session
    before it is checked, so at a shared computer a launch that then fails never leaves the last
    person's pages open. A form another site posts carries no such state: it leaves the session
    alone (and fails), so no site can sign someone out of a quiz by posting here.
    """
    if state_cookie_returned(request.form.get("state", "")):
        end_session()


@bp.post("/launch")
@csrf.exempt  # the LMS posts a signed id_token; its signature, nonce and state replace CSRF
def launch() -> Response:
    """Validate the LMS's signed launch, record the person, and open their session."""
    storage_page = _storage_launch_page()
    if storage_page is not None:
        return storage_page
    _end_the_session_it_replaces()
    accepted = accept_launch(
        message_launch(adopt_new_deployment).validate(), request.headers.get("Origin")
    )
    return accepted if isinstance(accepted, Response) else open_session(accepted)


@bp.get("/jwks")
def jwks() -> Response:
    """The tool's public keys, as the JWKS document LMSs fetch (already `{"keys": [...]}`)."""
    response = jsonify(keys.published_jwks())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
