"""What every request and response goes through: bad bytes refused, headers that keep people safe.

- A NUL character in any parameter is refused with a clear 400 (PostgreSQL cannot store one, and
  no honest form sends one).
- Pages may be framed only by IMR Academy itself and an LMS the page is for: a launched
  session's own LMS; before a launch, the LMS a login or launch names, and the LMS this browser
  last launched from (remembered in a signed cookie, so a session that ended still explains
  itself inside the course). Never by any other site, and no page lists every registered LMS
  (that list, read from any page's header, named every organisation's LMS hosts).
- Responses to an identified person are never cached (`private, no-store`): a shared computer or
  a proxy must not keep someone's training record.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from app.auth import current_identity, frame_origins
from app.lti.frames import origins_for
from app.lti.tool import unverified_platform

BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'"
)
# The registration page opens inside an LMS that is not registered yet (that is the point), so
# any site may frame it; it holds no session, and its single-use link is the secret.
FRAMED_BY_ANY_LMS = frozenset({"connections.register"})
# A year: a browser that has met IMR Academy over https never tries plain http first, where
# the first request (and the session cookie of a tool that signs people in) could be taken.
# Subdomains are left to the operator's own policy.
HSTS_SECONDS = 365 * 24 * 3600
# The endpoints an LMS posts a signed launch (id_token) to.
LAUNCH_ENDPOINTS = frozenset({"lti.launch", "lti.launch_from_storage"})
# The LMS this browser launched from, kept past the session (which ends after hours idle) for
# the pages it may meet in that LMS's frame before the next launch.
FRAMES_COOKIE = "imr_frames"
FRAMES_COOKIE_SECONDS = 30 * 24 * 3600
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _refuse_nul_bytes() -> None:
    """No text column can hold a NUL (PostgreSQL refuses the whole query), so none gets in."""
    if "\x00" in request.path:
        abort(
            400,
            "The address contains a NUL character (%00), which no IMR Academy page has. "
            "Check the link you followed or copy it again.",
        )
    for source in (request.args, request.form):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(
                    400,
                    f"The field “{key.replace(chr(0), '')}” contains a NUL character, which "
                    "IMR Academy cannot accept. Remove it (it often comes from pasting text "
                    "copied out of another program) and try again.",
                )


def frame_ancestors(response: Any) -> str:
    """This response's frame-ancestors: the session's LMS, or before a launch the LMS the page is for.

    A redirect is never shown in a frame (browsers check the page it leads to), so it needs no
    list of LMSs; the login's redirect to the LMS then costs no look-up.
    """
    if request.endpoint == "static" or 300 <= response.status_code < 400:
        return "'self'"
    if request.endpoint in FRAMED_BY_ANY_LMS:
        return "*"
    origins = frame_origins()
    if origins is None and response.mimetype != "text/html":
        return "'self'"  # data for a program (the health check's JSON), never a page in a frame
    if origins is None:
        origins = sorted({*_named_lms_origins(), *remembered_frames()})
    return " ".join(["'self'", *origins])


def _named_lms_origins() -> list[str]:
    """The origins of the LMS a login or a launch names, unverified: they only let that LMS's
    own pages frame the answer (the cookie check, a refusal saying why), which it sees anyway.

    A request whose form cannot be read (too large, say) names none: its refusal page is what
    is being answered, and reading the form again would only raise again.
    """
    try:
        named = _named_lms()
    except HTTPException:
        return []
    return origins_for(*named) if named else []


def _named_lms() -> tuple[str, str | None] | None:
    if request.endpoint in LAUNCH_ENDPOINTS:
        return unverified_platform(request.form.get("id_token", ""))
    if request.endpoint == "lti.login" and request.values.get("iss"):
        return request.values["iss"], request.values.get("client_id") or None
    return None


def _frames_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="imr-frame-origins")


def remembered_frames() -> list[str]:
    """The LMS origins this browser's last launch was framed by, when its signed cookie says."""
    raw = request.cookies.get(FRAMES_COOKIE)
    if not raw:
        return []
    try:
        origins = _frames_signer().loads(raw, max_age=FRAMES_COOKIE_SECONDS)
    except BadData:
        return []
    return [o for o in origins if isinstance(o, str)] if isinstance(origins, list) else []


def _remember_frames(response: Any) -> None:
    """Keep a launched session's LMS origins in their own cookie, set again only when they change.

    The cookie takes the session cookie's attributes (partitioned when the session is), so it
    reaches the same frames the session does.
    """
    origins = frame_origins()
    if origins is None or origins == remembered_frames():
        return
    interface = current_app.session_interface
    response.set_cookie(
        FRAMES_COOKIE,
        _frames_signer().dumps(origins),
        max_age=FRAMES_COOKIE_SECONDS,
        httponly=True,
        secure=interface.get_cookie_secure(current_app),
        samesite=interface.get_cookie_samesite(current_app),
        partitioned=interface.get_cookie_partitioned(current_app),
    )


def _headers(response: Any) -> Any:
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault(
        "Content-Security-Policy", f"{BASE_POLICY}; frame-ancestors {frame_ancestors(response)}"
    )
    if request.is_secure:  # https as the proxy reports it (ProxyFix): never plain http again
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
    if current_identity() is not None:
        response.headers["Cache-Control"] = "private, no-store"
        _remember_frames(response)
    return response


def init_security(app: Flask) -> None:
    """Register the checks and headers on the app."""
    app.before_request(_refuse_nul_bytes)
    app.after_request(_headers)
