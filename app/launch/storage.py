"""Finishing a launch through the LMS's platform storage, and carrying it into a session.

The launch arrives without cookies (app.lti.platform_storage says why), so its page reads the
state and nonce back from the LMS's window and posts them here with the id_token. A verified
launch then needs a session that works in the same cross-site frame. The choice, and why:

- A launch token exchanged for a partitioned cookie. The check answers with a launch token
  (signed by the tool, good for 60 seconds and one exchange, naming this launch's person, role
  and landing page) in a form; the tool's page posts it to `/lti/session`, whose answer sets the
  session cookie with `SameSite=None; Secure; Partitioned` (CHIPS). Chromium and Firefox keep a partitioned cookie in a cross-site
  frame when they block third-party cookies, keyed to the LMS's site, so no other site sees it.
  The token travels in the form body, never in a URL that history, logs and Referer headers keep.
- Where the browser refuses even a partitioned cookie, the page says so and offers the same
  token to a new window, where the session is first-party. Nothing has to start again.
- The Storage Access API is not used: it needs a click and, in Chromium, an earlier first-party
  visit to the tool, which someone launching from their course has not made; the new window
  serves them at once.

Neither endpoint has a CSRF token (no session exists yet). Both accept only a request sent by
IMR Academy's own page (the browser's Origin and Sec-Fetch-Site headers, which no page can
forge), so another site cannot finish someone else's launch in a victim's browser with values
it knows, and the token is good for one exchange only.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from app.auth import end_session
from app.domain.identity import Identity
from app.extensions import csrf, db
from app.launch import bp
from app.launch.routes import Accepted, accept_launch, open_session
from app.launch.same_origin import require_our_own_page
from app.lti.errors import LaunchRejected
from app.lti.platform_storage import issue_launch_token, redeem_launch_token
from app.lti.tool import storage_message_launch
from app.models.people import Person
from app.services.registrations import adopt_new_deployment
from app.shared_store import current_store

PARTITIONED_KEY = "imr_partitioned"


class PartitionedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, made partitioned for a session begun through storage.

    Other sessions keep the configured attributes: a partitioned cookie is keyed to the site
    that frames the tool, so making every cookie partitioned would cut off the tabs a first-party
    session opens.
    """

    def _partitioned(self) -> bool:
        return bool(session.get(PARTITIONED_KEY))

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return self._partitioned() or super().get_cookie_partitioned(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return self._partitioned() or super().get_cookie_secure(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if self._partitioned() else super().get_cookie_samesite(app)


def _token_for(accepted: Accepted) -> str:
    launch = {
        "person_id": accepted.person.id,
        "identity": accepted.identity.to_session(),
        "frames": accepted.frames,
        "target": accepted.target,
        "notice": accepted.notice,
    }
    return issue_launch_token(current_app.config["SECRET_KEY"], launch)


@bp.post("/launch/storage")
@csrf.exempt  # no session exists yet: the Origin check, state and single-use nonce replace it
def launch_from_storage() -> Response | str:
    """Verify a launch against the values read back from the LMS's storage, then hand a token."""
    require_our_own_page()
    end_session()
    checked = storage_message_launch(adopt_new_deployment)
    accepted = accept_launch(checked.validate(), checked.posted_from)
    if isinstance(accepted, Response):
        return accepted
    return render_template("lti/storage_session.html", token=_token_for(accepted))


def _accepted(launch: dict[str, Any]) -> Accepted:
    person = db.session.get(Person, int(launch["person_id"]))
    if person is None:
        abort(401)
    identity = Identity.from_session(launch["identity"])
    return Accepted(person, identity, list(launch["frames"]), launch["target"], launch["notice"])


@bp.post("/session")
@csrf.exempt  # the single-use launch token in the body is the secret; no session exists yet
def exchange_launch_token() -> Response:
    """Exchange a launch token, once, for a session cookie that works in the LMS's frame."""
    require_our_own_page()
    token = request.form.get("token", "")
    launch = redeem_launch_token(current_store(), current_app.config["SECRET_KEY"], token)
    if launch is None:
        raise LaunchRejected("replayed", "the launch token was used already or has expired")
    response = open_session(_accepted(launch))
    session[PARTITIONED_KEY] = True
    return response
