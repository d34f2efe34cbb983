"""LTI Dynamic Registration 1.0: an LMS administrator pastes one URL and the LMS is connected.

pylti1p3 2.0.0 has no support for it, so this follows the 1EdTech specification directly:

1. An operator makes a registration URL: single-use, expiring, signed with the app's secret so a
   changed or truncated link is told apart from an unknown one. Only its hash is stored.
2. The LMS opens it with `openid_configuration` (and usually `registration_token`). The tool
   reads the platform's OpenID configuration and checks it as strictly as a launch: https
   endpoints, an issuer on the configuration's own host, RS256 and private_key_jwt supported.
3. On confirmation the tool posts its client registration to the platform's
   `registration_endpoint`, stores the client id and deployment it gets back, and the page closes
   the LMS's registration window with the `org.imsglobal.lti.close` postMessage.

Whoever holds a link chooses the addresses the server fetches, so those fetches follow no
redirects, read at most 1 MB within a deadline, never reach loopback or private networks outside
development, and fail with one generic message (the details go to the log): the endpoint cannot
be used to scan ports or read internal services. A registration never changes a connection it
did not make: an existing issuer and client id is refused, unless the operator made the link to
update exactly that connection (`lti registration-url --for-connection`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update

from app.extensions import db
from app.lti.deployments import add_deployment
from app.lti.http import registration_session
from app.lti.registrations import RegistrationError, check_url
from app.lti.tool import find_platform
from app.lti.tool_configuration import (
    PLATFORM_CONFIGURATION,
    RESOURCE_LINK,
    TOOL_CONFIGURATION,
    registration_request,
)
from app.models.base import utc_now
from app.models.lti import Platform, RegistrationInvitation
from app.models.tenancy import Organisation
from app.shared_store import current_store
from app.urls import public_url

# Canvas Cloud signs every school's launches as canvas.instructure.com but serves each school's
# configuration from its own Instructure host. That exception is as narrow as Canvas documents
# it: a Canvas Cloud issuer is accepted only from a configuration served by Instructure's hosts.
CANVAS_CLOUD_ISSUERS = {
    "https://canvas.instructure.com",
    "https://canvas.beta.instructure.com",
    "https://canvas.test.instructure.com",
}
CANVAS_CLOUD_DOMAINS = ("instructure.com", "canvaslms.com")
# How often a registration link may be opened (the LMS's window, a reload or two, a retry).
OPENINGS_ALLOWED = 10
REQUIRED_CONFIGURATION = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "token_endpoint_auth_methods_supported",
    "id_token_signing_alg_values_supported",
    "scopes_supported",
    PLATFORM_CONFIGURATION,
)


class RegistrationRefused(Exception):
    """Why a registration could not go ahead, for the LMS administrator watching the window."""

    def __init__(self, title: str, advice: str, status: int = 400) -> None:
        super().__init__(f"{title}: {advice}")
        self.title, self.advice, self.status = title, advice, status


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
    """A new registration token; shown once in its URL and never stored.

    With `updates`, the link may only refresh that connection's URLs (Moodle's "Update" of a
    tool already registered on the domain); its organisations stay as they are.
    """
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


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool needs from an LMS's OpenID configuration, checked."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    product: str
    version: str
    scopes_supported: frozenset[str]
    messages_supported: dict[str, set[str]]

    @property
    def description(self) -> str:
        """The LMS as an administrator knows it: product and host."""
        return f"{self.product} ({urlsplit(self.issuer).netloc})"


def _refuse_configuration(url: str, problem: str) -> RegistrationRefused:
    return RegistrationRefused(
        "The LMS's registration details could not be used",
        f"IMR Academy read {url} and found that {problem}. Tell your LMS's support team; "
        "until then, register IMR Academy by hand with the values on the setup page.",
    )


def _unreadable() -> RegistrationRefused:
    """One message for every failed fetch, so the page says nothing about what is at the address."""
    return RegistrationRefused(
        "IMR Academy could not read your LMS's registration details",
        "The address your LMS gave could not be used to read a registration configuration. Start "
        "the registration again from your LMS; if it keeps failing, register IMR Academy by hand "
        "with the values on the setup page, or tell your IMR Academy operator the time it happened.",
        502,
    )


def _session() -> requests.Session:
    return registration_session(
        private_allowed=current_app.config["IMR_SETTINGS"].private_outbound_allowed
    )


def _get_json(url: str, registration_token: str | None) -> Any:
    """The configuration document, or the one generic refusal: nothing about why reaches the page."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = _session().get(url, headers=headers)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("registration: could not read %s: %r", url, error)
        raise _unreadable() from None


def _messages_supported(platform: dict[str, Any]) -> dict[str, set[str]]:
    messages: dict[str, set[str]] = {}
    for message in platform.get("messages_supported") or []:
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            placements = message.get("placements") or []
            messages[message["type"]] = {p for p in placements if isinstance(p, str)}
    return messages


def _on_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _issuer_matches(issuer: str, configuration_url: str) -> bool:
    """The issuer must live on the host that served its configuration (spec 3.5.1).

    The one exception: Canvas Cloud's shared issuers, only from Instructure's own hosts.
    """
    configured_on = urlsplit(configuration_url)
    if issuer in CANVAS_CLOUD_ISSUERS:
        host = configured_on.hostname or ""
        return configured_on.scheme == "https" and any(
            _on_domain(host, domain) for domain in CANVAS_CLOUD_DOMAINS
        )
    return urlsplit(issuer).netloc == configured_on.netloc


def _check_configuration(url: str, data: Any) -> PlatformConfiguration:
    if not isinstance(data, dict):
        raise _refuse_configuration(url, "it is not a JSON object")
    missing = [key for key in REQUIRED_CONFIGURATION if not data.get(key)]
    if missing:
        raise _refuse_configuration(url, f"it lacks {', '.join(missing)}")
    local = current_app.config["IMR_SETTINGS"].private_outbound_allowed
    try:
        for key in (
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "registration_endpoint",
        ):
            check_url(key, data[key], local_http=local)
    except RegistrationError as error:
        raise _refuse_configuration(url, str(error)) from None
    if not _issuer_matches(data["issuer"], url):
        raise _refuse_configuration(url, f"its issuer {data['issuer']} is on another host")
    if "private_key_jwt" not in data["token_endpoint_auth_methods_supported"]:
        raise _refuse_configuration(url, "it does not accept private_key_jwt client assertions")
    if "RS256" not in data["id_token_signing_alg_values_supported"]:
        raise _refuse_configuration(url, "it does not sign launches with RS256")
    platform = data[PLATFORM_CONFIGURATION]
    messages = _messages_supported(platform) if isinstance(platform, dict) else {}
    if RESOURCE_LINK not in messages:
        raise _refuse_configuration(url, "it does not list LtiResourceLinkRequest messages")
    return PlatformConfiguration(
        issuer=data["issuer"],
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        registration_endpoint=data["registration_endpoint"],
        authorization_server=data.get("authorization_server"),
        product=str(platform.get("product_family_code") or "LMS"),
        version=str(platform.get("version") or ""),
        scopes_supported=frozenset(data["scopes_supported"]),
        messages_supported=messages,
    )


def read_platform_configuration(
    configuration_url: str, registration_token: str | None
) -> PlatformConfiguration:
    """Fetch and check the LMS's OpenID configuration (spec sections 3.3 and 3.4)."""
    local = current_app.config["IMR_SETTINGS"].private_outbound_allowed
    try:
        check_url("openid_configuration", configuration_url, local_http=local)
    except RegistrationError as error:
        raise RegistrationRefused(
            "The LMS did not start the registration correctly",
            f"{error}. Start again from your LMS's dynamic registration page.",
        ) from None
    return _check_configuration(configuration_url, _get_json(configuration_url, registration_token))


def _claim(invitation: RegistrationInvitation) -> bool:
    """Mark the invitation used, atomically: of two registrations racing, one wins.

    Committed here, as a named step, before the LMS is called: no transaction is ever held open
    across the LMS's HTTP call, and a second window sees the link taken at once.
    """
    claimed = db.session.execute(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation.id, RegistrationInvitation.used_at.is_(None))
        .values(used_at=utc_now())
    )
    db.session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _release(invitation_id: int) -> None:
    """Give the link back after a failed registration (its own committed step, like the claim)."""
    db.session.rollback()
    db.session.execute(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation_id)
        .values(used_at=None)
    )
    db.session.commit()


def _post_registration(
    configuration: PlatformConfiguration, registration_token: str | None
) -> dict[str, Any]:
    body = registration_request(configuration.scopes_supported, configuration.messages_supported)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    url = configuration.registration_endpoint
    try:
        response = _session().post(url, json=body, headers=headers)
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("registration: %s refused the registration: %r", url, error)
        raise _refused_by_lms() from None
    if not isinstance(answer, dict) or not isinstance(answer.get("client_id"), str):
        current_app.logger.warning("registration: %s answered without a client_id", url)
        raise _refused_by_lms()
    return answer


def _refused_by_lms() -> RegistrationRefused:
    return RegistrationRefused(
        "The LMS did not accept IMR Academy's registration",
        "IMR Academy sent its registration to your LMS, which did not accept it. The link has "
        "not been used up: try again, or tell your LMS's support team.",
        502,
    )


@dataclass(frozen=True)
class Registered:
    """The outcome shown before the window closes."""

    platform: Platform
    organisation: Organisation | None
    awaiting_approval: bool


def _already_connected(issuer: str, client_id: str) -> RegistrationRefused:
    return RegistrationRefused(
        "This LMS is already connected to IMR Academy",
        f"IMR Academy already has a connection for issuer {issuer} with client id {client_id}, "
        "and a registration link never changes a connection it did not make: nothing was "
        "changed. If you meant to update that connection, ask your IMR Academy operator for an "
        "update link for it. Otherwise remove the new registration in your LMS and register "
        "IMR Academy as a new tool.",
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
    platform.name = configuration.description
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
        answer = _post_registration(configuration, registration_token)
        platform = _platform_for(configuration, answer["client_id"], invitation)
        db.session.flush()
        deployment_id = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
        organisation = (
            add_deployment(
                platform, str(deployment_id), organisation_name, invitation.needs_approval
            )
            if deployment_id and invitation.updates_platform_id is None
            else None
        )
        invitation.platform_id = platform.id
        invitation.organisation_name = organisation_name
        db.session.flush()
    except Exception:
        _release(invitation_id)
        raise
    return Registered(platform, organisation, invitation.needs_approval)


def approve(organisation: Organisation) -> None:
    """Let launches into a deployment registered dynamically (committed by the caller)."""
    organisation.awaiting_approval = False
