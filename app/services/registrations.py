"""Registering an LMS: issuer, client id, its URLs and the deployments (organisations) under it.

The operator's use cases (`lti add-platform`, `update-platform`, `remove-platform`), and the
deployments an LMS registered dynamically creates after the fact (Canvas installs the tool after
the registration window closes: its first signed launch brings a deployment id not seen yet,
which the registration's policy adopts, holds for approval, or refuses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.names import same_name
from app.extensions import db
from app.lti.http import UnusableUrl, check_url
from app.lti.registry import find_organisation, find_platform
from app.models.base import column_problem
from app.models.lti import Platform, RegistrationInvitation
from app.models.people import Person
from app.models.tenancy import Cohort, Organisation


class RegistrationError(ValueError):
    """Input that cannot become a registration; nothing was changed."""


@dataclass(frozen=True)
class PlatformUrls:
    """Where the LMS signs people in, issues access tokens, and publishes its keys."""

    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None = (
        None  # the token endpoint's audience, where it differs (Brightspace)
    )


def within_column(label: str, value: str, column: InstrumentedAttribute[Any]) -> str:
    """Operator input as its column holds it: printable text within the column's length, so a
    paste gone wrong is named here rather than failing in the database."""
    problem = column_problem(value, column)
    if problem:
        raise RegistrationError(f"{label} {problem}")
    return value


def _url(label: str, url: str, column: InstrumentedAttribute[Any] = Platform.key_set_url) -> str:
    """A URL the operator gave, checked; its problem reported as a registration error."""
    try:
        allowed = current_app.config["IMR_SETTINGS"].private_outbound_allowed
        return within_column(label, check_url(label, url, private_allowed=allowed), column)
    except UnusableUrl as unusable:
        raise RegistrationError(str(unusable)) from None


def _new_platform(
    issuer: str, client_id: str, urls: PlatformUrls | None, name: str | None
) -> Platform:
    if urls is None:
        raise RegistrationError(
            f"{issuer} (client id {client_id}) is not registered yet: give --auth-login-url, "
            "--auth-token-url and --key-set-url"
        )
    platform = Platform(
        issuer=issuer,
        client_id=client_id,
        name=name or urlsplit(issuer).hostname or issuer,
        auth_login_url=_url("--auth-login-url", urls.auth_login_url),
        auth_token_url=_url("--auth-token-url", urls.auth_token_url),
        key_set_url=_url("--key-set-url", urls.key_set_url),
        auth_audience=urls.auth_audience
        and within_column("--auth-audience", urls.auth_audience, Platform.auth_audience),
    )
    db.session.add(platform)
    return platform


def _check_same_urls(platform: Platform, urls: PlatformUrls | None) -> None:
    if urls is None:
        return
    for field in ("auth_login_url", "auth_token_url", "key_set_url"):
        if getattr(urls, field) != getattr(platform, field):
            raise RegistrationError(
                f"{platform.issuer} (client id {platform.client_id}) is registered with a "
                f"different {field.replace('_', '-')}: {getattr(platform, field)}. Remove the "
                "platform first to change it."
            )


def add_platform(
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    urls: PlatformUrls | None,
    name: str | None = None,
    organisation_name: str | None = None,
) -> Platform:
    """Register an LMS, or add deployments to one already registered; all or nothing."""
    _url("--issuer", issuer, Platform.issuer)
    if not client_id.strip():
        raise RegistrationError("--client-id must not be empty")
    within_column("--client-id", client_id, Platform.client_id)
    if not deployment_ids or any(not d.strip() for d in deployment_ids):
        raise RegistrationError("give at least one non-empty --deployment-id")
    for deployment_id in deployment_ids:
        within_column("--deployment-id", deployment_id, Organisation.deployment_id)
    if name:
        within_column("--name", name, Platform.name)
    if organisation_name:
        within_column("--organisation", organisation_name, Organisation.name)
    if len(set(deployment_ids)) != len(deployment_ids):
        raise RegistrationError("the same --deployment-id was given twice")
    platform = find_platform(issuer, client_id)
    if platform is None:
        _check_name_free(organisation_name or name, None)
        platform = _new_platform(issuer, client_id, urls, name)
    else:
        _check_same_urls(platform, urls)
        _check_name_free(organisation_name or platform.name, platform)
    existing = {org.deployment_id for org in platform.organisations}
    for deployment_id in deployment_ids:
        if deployment_id in existing:
            db.session.rollback()
            raise RegistrationError(
                f"deployment {deployment_id} is already registered for {issuer} (client id {client_id})"
            )
        db.session.add(
            Organisation(
                platform=platform,
                deployment_id=deployment_id,
                name=organisation_name or platform.name,
            )
        )
    db.session.flush()
    return platform


def update_platform(platform: Platform, changes: dict[str, str]) -> list[str]:
    """Change a registration's URLs (the operator's CLI only); returns what changed, in words."""
    described = []
    for field, value in changes.items():
        label = "--" + field.replace("_", "-")
        new = (
            within_column(label, value, Platform.auth_audience)
            if field == "auth_audience"
            else _url(label, value)
        )
        old = getattr(platform, field)
        if new != old:
            setattr(platform, field, new)
            described.append(f"{field.replace('_', ' ')} {old} → {new}")
    return described


def _has_data(platform: Platform, organisation: Organisation | None) -> bool:
    cohorts = select(func.count()).select_from(Cohort)
    if organisation is not None:
        return bool(db.session.scalar(cohorts.where(Cohort.organisation_id == organisation.id)))
    org_ids = [org.id for org in platform.organisations]
    people = select(func.count()).select_from(Person).where(Person.platform_id == platform.id)
    return bool(db.session.scalar(people)) or bool(
        db.session.scalar(cohorts.where(Cohort.organisation_id.in_(org_ids)))
    )


def remove_platform(issuer: str, client_id: str, deployment_id: str | None = None) -> str:
    """Remove a registration (or one deployment) that holds no training records yet."""
    platform = find_platform(issuer, client_id)
    if platform is None:
        raise RegistrationError(f"no platform with issuer {issuer} and client id {client_id}")
    organisation = None
    if deployment_id is not None:
        organisation = next(
            (o for o in platform.organisations if o.deployment_id == deployment_id), None
        )
        if organisation is None:
            raise RegistrationError(f"deployment {deployment_id} is not registered for {issuer}")
    if _has_data(platform, organisation):
        raise RegistrationError(
            "this registration already holds training records (people or cohorts); removing it "
            "would delete them. Nothing was removed."
        )
    db.session.delete(organisation or platform)
    if organisation is None:
        for org in platform.organisations:
            db.session.delete(org)
    db.session.flush()
    return f"deployment {deployment_id}" if deployment_id else f"platform {platform.name}"


def list_platforms() -> list[Platform]:
    """Every registered LMS, oldest first."""
    return list(db.session.scalars(select(Platform).order_by(Platform.id)))


def _check_name_free(name: str | None, platform: Platform | None) -> None:
    """The operator's registration keeps to the rule a dynamic registration keeps to."""
    if name and organisation_name_taken(name, platform):
        raise RegistrationError(
            f"another organisation is already called “{name}”, and certificates and their "
            "verification pages show that name: give --organisation a name of its own (adding "
            "the town or region, say)"
        )


def organisation_name_taken(name: str, updating: Platform | None = None) -> bool:
    """Whether another organisation is already shown under this name (in any case or spacing),
    which a new connection may not take: verification pages and certificates name the issuer,
    and two alike would let one pass for the other. A connection being updated keeps its own."""
    query = select(Organisation.name)
    if updating is not None:
        query = query.where(Organisation.platform_id != updating.id)
    return any(same_name(taken, name) for taken in db.session.scalars(query))


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
    # Named step: the adopted organisation is kept even when this launch is then refused (a
    # connection awaiting approval), so the director's approval finds it.
    db.session.commit()
    return True
