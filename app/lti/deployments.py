"""Deployments (organisations) of a registered LMS, and adopting new ones it creates later.

An LMS registered by dynamic registration may create its deployment only after the registration
window closes (Canvas installs the tool afterwards). Its first signed launch then brings a
deployment id we have not seen; the registration's policy says whether it becomes an
organisation at once, waits for approval, or is refused as for an operator's registration.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.lti import Platform, RegistrationInvitation
from app.models.tenancy import Organisation


def find_organisation(platform: Platform, deployment_id: str) -> Organisation | None:
    """The organisation an LTI deployment stands for."""
    return db.session.scalar(
        select(Organisation).where(
            Organisation.platform_id == platform.id,
            Organisation.deployment_id == deployment_id,
        )
    )


def add_deployment(
    platform: Platform, deployment_id: str, name: str, needs_approval: bool
) -> Organisation:
    """The deployment's organisation, created (awaiting approval if asked) when new."""
    organisation = find_organisation(platform, deployment_id)
    if organisation is None:
        organisation = Organisation(
            platform=platform,
            deployment_id=deployment_id,
            name=name,
            awaiting_approval=needs_approval,
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation


def adopt_new_deployment(platform: Platform, deployment_id: str, fallback_name: str) -> bool:
    """Create the organisation for a deployment first seen in a verified launch, if allowed."""
    if platform.new_deployment_policy == "refuse":
        return False
    invitation = db.session.scalar(
        select(RegistrationInvitation).where(RegistrationInvitation.platform_id == platform.id)
    )
    name = (invitation.organisation_name if invitation else None) or fallback_name
    add_deployment(
        platform, deployment_id, name, platform.new_deployment_policy == "await-approval"
    )
    db.session.commit()
    return True
