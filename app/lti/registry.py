"""Finding a registered LMS and its deployments: the lookups a launch and the services share."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.lti import Platform
from app.models.tenancy import Organisation


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The registration for an issuer and client id; without a client id, the issuer's only one."""
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return db.session.scalar(query.where(Platform.client_id == client_id))
    candidates = list(db.session.scalars(query.limit(2)))
    return candidates[0] if len(candidates) == 1 else None


def find_organisation(platform: Platform, deployment_id: str) -> Organisation | None:
    """The organisation an LTI deployment stands for."""
    return db.session.scalar(
        select(Organisation).where(
            Organisation.platform_id == platform.id,
            Organisation.deployment_id == deployment_id,
        )
    )
