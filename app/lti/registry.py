"""Finding a registered LMS and its deployments: the lookups a launch and the services share.

A launch asks for the same registration five times (pylti1p3 for the registration and the
deployment, then recording the launch, then the frame origins twice), and for its deployment's
organisation twice; the first ask finds both in one statement. Within one request each
answer is remembered (in `g`, which also keeps the row alive in the session's weak identity
map), so the later asks cost no statement; a remembered row is used only while it is still in
the session, still the row asked for, and not deleted.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import and_, inspect, select

from app.extensions import db
from app.lti.context import UNSTORABLE
from app.models.lti import Platform
from app.models.tenancy import Organisation

Row = TypeVar("Row", Platform, Organisation)


def storable(value: object) -> bool:
    """Text a column could hold: asked before a lookup, since a launch's values come unverified
    and a NUL or half a character fails the query itself."""
    return isinstance(value, str) and not UNSTORABLE.search(value)


def _remembered(key: tuple[Any, ...], matches: dict[str, Any]) -> Any:
    """The row this request already found for this question, if it still answers it."""
    row = g.get("imr_registry", {}).get(key) if has_request_context() else None
    if row is None or row not in db.session or inspect(row).deleted or inspect(row).was_deleted:
        return None
    return row if all(getattr(row, name) == value for name, value in matches.items()) else None


def _remember(key: tuple[Any, ...], row: Row | None) -> Row | None:
    if row is not None and has_request_context():
        g.setdefault("imr_registry", {})[key] = row
    return row


def find_platform(
    issuer: str, client_id: str | None, deployment_id: str | None = None
) -> Platform | None:
    """The registration for an issuer and client id; without a client id, the issuer's only one.

    Given the deployment id a launch names, the same statement also finds that deployment's
    organisation, which the launch asks for next (`find_organisation` then answers from memory).
    """
    if not storable(issuer) or (client_id and not storable(client_id)):
        return None  # an unverified launch's values that no row can hold: no registration
    if deployment_id is not None and not storable(deployment_id):
        deployment_id = None  # refused by name once the launch's signature is checked
    if not client_id:
        query = select(Platform).where(Platform.issuer == issuer).limit(2)
        candidates = list(db.session.scalars(query))
        return candidates[0] if len(candidates) == 1 else None
    key = ("platform", issuer, client_id)
    found = _remembered(key, {"issuer": issuer, "client_id": client_id})
    if found is not None:
        return found
    query = select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    if deployment_id is None:
        return _remember(key, db.session.scalar(query))
    deployed = and_(
        Organisation.platform_id == Platform.id, Organisation.deployment_id == deployment_id
    )
    row = db.session.execute(
        query.add_columns(Organisation).outerjoin(Organisation, deployed)
    ).first()
    if row is None:
        return None
    platform, organisation = row
    _remember(("organisation", platform.id, deployment_id), organisation)
    return _remember(key, platform)


def find_organisation(platform: Platform, deployment_id: str) -> Organisation | None:
    """The organisation an LTI deployment stands for."""
    if not storable(deployment_id):
        return None
    key = ("organisation", platform.id, deployment_id)
    matches = {"platform_id": platform.id, "deployment_id": deployment_id}
    found = _remembered(key, matches)
    if found is not None:
        return found
    query = select(Organisation).where(
        Organisation.platform_id == platform.id, Organisation.deployment_id == deployment_id
    )
    return _remember(key, db.session.scalar(query))
