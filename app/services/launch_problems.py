"""Keeping the last failed launch on the registration it names, in words an administrator can act on.

Only registrations that already exist are written to (a bounded set of rows), so launches naming
unknown issuers cannot grow the database; those are logged instead. And only a launch whose
signature verified may describe a problem: before that its issuer, client id and deployment are
whatever the sender wrote, so an unverified refusal only adds one to its connection's count.
"""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.lti.errors import LaunchRejected
from app.lti.registry import find_organisation, find_platform
from app.models.base import utc_now


def _kept(deployment_id: str) -> str:
    """The deployment id as its column holds it: one past the spec's 255 characters is cut, marked."""
    return deployment_id if len(deployment_id) <= 255 else deployment_id[:254] + "…"


def record_problem(rejection: LaunchRejected, *, count_unverified: bool) -> None:
    """Store the rejection's cause on its organisation, or on its LMS when no deployment matched.

    Its own committed step: the request itself fails (and rolls back), yet the cause must stay
    for the administrator. `count_unverified` is false for a login, which carries no signature
    to count and is a GET that must not write.
    """
    db.session.rollback()
    facts = rejection.facts
    issuer = facts.get("issuer", "?")
    client_id = facts.get("client_id", "?")
    platform = find_platform(issuer, client_id) or find_platform(issuer, None)
    current_app.logger.info("launch refused (%s): %s", rejection.reason, rejection.detail)
    if platform is None:
        return
    if not rejection.verified:
        if count_unverified:
            platform.unverified_launches = (platform.unverified_launches or 0) + 1
            db.session.commit()
        return
    deployment_id = facts.get("deployment_id", "?")
    organisation = find_organisation(platform, deployment_id)
    target = organisation or platform
    target.last_problem_reason = rejection.reason
    target.last_problem_detail = rejection.cause
    target.last_problem_at = utc_now()
    if organisation is None:
        platform.last_problem_deployment = None if deployment_id == "?" else _kept(deployment_id)
    db.session.commit()
