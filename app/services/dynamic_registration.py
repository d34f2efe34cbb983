"""LTI Dynamic Registration, IMR Academy's side: single-use links, and storing what the LMS answers.

The protocol (reading and checking the LMS's OpenID configuration, posting the tool's
registration) is app.lti.dynamic_registration. This module is the use case around it:

1. An operator makes a registration URL: single-use, expiring, signed with the app's secret so a
   changed or truncated link is told apart from an unknown one. Only its hash is stored.
2. The link may be opened a few times (the LMS's window, a reload), never without limit.
3. On confirmation the link is claimed (committed, before the LMS is called), the registration is
   posted, and the platform and its deployment are stored; a failure gives the link back.

A registration never changes a connection it did not make: an existing issuer and client id is
refused, unless the operator made the link to update exactly that connection.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update

from app.extensions import db, rows_changed
from app.lti.dynamic_registration import (
    PlatformConfiguration,
    RegistrationRefused,
    post_registration,
)
from app.lti.registry import find_platform
from app.models.base import utc_now
from app.models.lti import Platform, RegistrationInvitation
from app.models.tenancy import Organisation
from app.services.registrations import add_deployment, within_column
from app.shared_store import current_store
from app.urls import public_url

# How often a registration link may be opened (the LMS's window, a reload or two, a retry).
OPENINGS_ALLOWED = 10


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="lti-dynamic-registration")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    note: str,
    valid_for: timedelta,
    needs_approval: bool,
    organisation_name: str | None = None,
    updates: Platform | None = None,
) -> str:
    """A new registration token; shown once in its URL and never stored (RegistrationError for
    a note or organisation name its column cannot hold).

    With `updates`, the link may only refresh that connection's URLs (Moodle's "Update" of a
    tool already registered on the domain); its organisations stay as they are.
    """
    within_column("--note", note, RegistrationInvitation.note)
    if organisation_name:
        within_column("--organisation", organisation_name, RegistrationInvitation.organisation_name)
    token = _signer().sign(secrets.token_urlsafe(24)).decode()
    db.session.add(
        RegistrationInvitation(
            token_hash=_hash(token),
            note=note,
            organisation_name=organisation_name,
            expires_at=utc_now() + valid_for,
            needs_approval=needs_approval and updates is None,
            updates_platform_id=updates.id if updates else None,
        )
    )
    db.session.flush()
    return token


def registration_url(token: str) -> str:
    """The URL an LMS administrator pastes into their LMS, at the tool's public address."""
    return public_url("connections.register", token=token)


def open_invitation(token: str) -> RegistrationInvitation:
    """The invitation behind a registration URL, refused if altered, unknown, expired or used."""
    try:
        _signer().unsign(token)
    except BadSignature:
        raise RegistrationRefused(
            "This registration link is not valid",
            "It was changed or cut short on the way. Copy the whole link again from the message "
            "your IMR Academy operator sent, or ask them for a new one.",
        ) from None
    invitation = db.session.scalar(
        select(RegistrationInvitation).where(RegistrationInvitation.token_hash == _hash(token))
    )
    if invitation is None:
        raise RegistrationRefused(
            "This registration link is not known",
            "It may have been withdrawn. Ask your IMR Academy operator for a new one.",
            404,
        )
    if invitation.used_at is not None:
        raise RegistrationRefused(
            "This registration link has already been used",
            f"It connected an LMS on {invitation.used_at:%d %B %Y at %H:%M} UTC, and each link "
            "works once. If that was not you, tell your IMR Academy operator; otherwise ask them "
            "for a new link.",
            410,
        )
    if invitation.expires_at <= utc_now():
        raise RegistrationRefused(
            "This registration link has expired",
            f"It was valid until {invitation.expires_at:%d %B %Y at %H:%M} UTC. Ask your IMR "
            "Academy operator for a new one.",
            410,
        )
    return invitation


def note_opening(invitation: RegistrationInvitation) -> None:
    """Count one more opening of the link; refuse once it has been opened too often."""
    opened = current_store().increment(
        f"registration-opened-{invitation.id}", int(timedelta(days=31).total_seconds())
    )
    if opened > OPENINGS_ALLOWED:
        raise RegistrationRefused(
            "This registration link has been opened too many times",
            "For your security a link can be opened only a few times. Ask your IMR Academy "
            "operator for a new one.",
            429,
        )


def _claim(invitation: RegistrationInvitation) -> bool:
    """Mark the invitation used, atomically: of two registrations racing, one wins.

    Committed here, as a named step, before the LMS is called: no transaction is ever held open
    across the LMS's HTTP call, and a second window sees the link taken at once.
    """
    claimed = rows_changed(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation.id, RegistrationInvitation.used_at.is_(None))
        .values(used_at=utc_now())
    )
    db.session.commit()
    return claimed == 1


def _release(invitation_id: int) -> None:
    """Give the link back after a failed registration (its own committed step, like the claim)."""
    db.session.rollback()
    db.session.execute(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation_id)
        .values(used_at=None)
    )
    db.session.commit()


@dataclass(frozen=True)
class Registered:
    """The outcome shown before the window closes."""

    platform: Platform
    organisation: Organisation | None
    awaiting_approval: bool
    updated: bool


def updated_connection(invitation: RegistrationInvitation) -> Platform | None:
    """The connection an update link refreshes, or None for a link that makes a new one."""
    if invitation.updates_platform_id is None:
        return None
    return db.session.get_one(Platform, invitation.updates_platform_id)


def awaits_approval(invitation: RegistrationInvitation, platform: Platform | None) -> bool:
    """Whether people must wait for an approval before they can launch, as things stand.

    A new connection waits if its link says so. An update leaves approval as it was: it waits
    only if one of its organisations is still waiting, or (with none yet, Canvas-like) if new
    deployments wait.
    """
    if platform is None:
        return invitation.needs_approval
    if platform.organisations:
        return any(organisation.awaiting_approval for organisation in platform.organisations)
    return platform.new_deployment_policy == "await-approval"


def _already_connected(issuer: str, client_id: str) -> RegistrationRefused:
    return RegistrationRefused(
        "This LMS is already connected to IMR Academy",
        f"IMR Academy already has a connection for issuer {issuer} with client id {client_id}, "
        "and a registration link never changes a connection it did not make: nothing was "
        "changed. If you chose Update in Moodle (or meant to update that connection), ask "
        "your IMR Academy operator for an update link for this connection, paste it into the "
        "LMS's Tool URL box and choose Update again. To connect a new organisation instead, "
        'start again with this link and choose "Register as a new external tool" (in other '
        "LMSs, register IMR Academy as a new tool).",
        409,
    )


def _platform_for(
    configuration: PlatformConfiguration, client_id: str, invitation: RegistrationInvitation
) -> Platform:
    """A new platform row, or the one connection this link was made to update; never another."""
    existing = find_platform(configuration.issuer, client_id)
    if invitation.updates_platform_id is not None:
        target = db.session.get_one(Platform, invitation.updates_platform_id)
        if existing is not target:
            raise _wrong_update(target)
        _copy_configuration(target, configuration)
        return target
    if existing is not None:
        raise _already_connected(configuration.issuer, client_id)
    platform = Platform(
        issuer=configuration.issuer,
        client_id=client_id,
        registered_via="dynamic",
        new_deployment_policy="await-approval" if invitation.needs_approval else "accept",
    )
    db.session.add(platform)
    _copy_configuration(platform, configuration)
    return platform


def _wrong_update(target: Platform) -> RegistrationRefused:
    return RegistrationRefused(
        "This update link is for another connection",
        f"The link updates IMR Academy's connection for issuer {target.issuer} with client id "
        f"{target.client_id}, but your LMS answered for a different one. Nothing was changed. "
        "Start the update from the LMS tool that IMR Academy is already registered as.",
        409,
    )


def _copy_configuration(platform: Platform, configuration: PlatformConfiguration) -> None:
    platform.name = configuration.description[: Platform.name.type.length]
    platform.product = configuration.product
    platform.registered_via = "dynamic"
    platform.auth_login_url = configuration.authorization_endpoint
    platform.auth_token_url = configuration.token_endpoint
    platform.key_set_url = configuration.jwks_uri
    platform.auth_audience = configuration.authorization_server


def register(
    invitation: RegistrationInvitation,
    configuration: PlatformConfiguration,
    registration_token: str | None,
    organisation_name: str,
) -> Registered:
    """Post the registration, then store the platform and its deployment; all or nothing.

    The caller commits the outcome; a refusal gives the link back.
    """
    if not _claim(invitation):
        raise RegistrationRefused(
            "This registration link has already been used",
            "Another window finished the registration a moment ago. Each link works once.",
            410,
        )
    invitation_id = invitation.id
    try:
        answer = post_registration(configuration, registration_token)  # checked: fits its columns
        platform = _platform_for(configuration, answer.client_id, invitation)
        db.session.flush()
        organisation = (
            add_deployment(
                platform, answer.deployment_id, organisation_name, invitation.needs_approval
            )
            if answer.deployment_id is not None and invitation.updates_platform_id is None
            else None
        )
        invitation.platform_id = platform.id
        invitation.organisation_name = organisation_name
        db.session.flush()
    except Exception:
        _release(invitation_id)
        raise
    updated = invitation.updates_platform_id is not None
    return Registered(platform, organisation, awaits_approval(invitation, platform), updated)


def approve(organisation: Organisation) -> None:
    """Let launches into a deployment registered dynamically (committed by the caller)."""
    organisation.awaiting_approval = False
