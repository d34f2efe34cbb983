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
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app, url_for
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update

from app.extensions import db
from app.lti.deployments import add_deployment
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

HTTP_TIMEOUT_SECONDS = 15
# Canvas Cloud signs as canvas.instructure.com but serves each school's configuration on the
# school's own host, so its issuers are the documented exception to the host check.
CANVAS_CLOUD_ISSUERS = {
    "https://canvas.instructure.com",
    "https://canvas.beta.instructure.com",
    "https://canvas.test.instructure.com",
}
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
    note: str, valid_for: timedelta, needs_approval: bool, organisation_name: str | None = None
) -> str:
    """A new registration token; shown once in its URL and never stored."""
    token = _signer().sign(secrets.token_urlsafe(24)).decode()
    db.session.add(
        RegistrationInvitation(
            token_hash=_hash(token),
            note=note,
            organisation_name=organisation_name,
            expires_at=utc_now() + valid_for,
            needs_approval=needs_approval,
        )
    )
    db.session.commit()
    return token


def registration_url(token: str) -> str:
    """The URL an LMS administrator pastes into their LMS (for the current request's host)."""
    return url_for("connections.register", token=token, _external=True)


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


def _get_json(url: str, registration_token: str | None) -> Any:
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = requests.get(url, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise _refuse_configuration(url, f"it could not be reached ({error})") from None
    if not response.ok:
        raise _refuse_configuration(url, f"the LMS answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise _refuse_configuration(url, "the answer is not JSON") from None


def _messages_supported(platform: dict[str, Any]) -> dict[str, set[str]]:
    messages: dict[str, set[str]] = {}
    for message in platform.get("messages_supported") or []:
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            placements = message.get("placements") or []
            messages[message["type"]] = {p for p in placements if isinstance(p, str)}
    return messages


def _issuer_matches(issuer: str, configuration_url: str) -> bool:
    """The issuer must live on the host that served its configuration (spec 3.5.1)."""
    return (
        issuer in CANVAS_CLOUD_ISSUERS
        or urlsplit(issuer).netloc == urlsplit(configuration_url).netloc
    )


def _check_configuration(url: str, data: Any) -> PlatformConfiguration:
    if not isinstance(data, dict):
        raise _refuse_configuration(url, "it is not a JSON object")
    missing = [key for key in REQUIRED_CONFIGURATION if not data.get(key)]
    if missing:
        raise _refuse_configuration(url, f"it lacks {', '.join(missing)}")
    try:
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            check_url(key, data[key])
        check_url("registration_endpoint", data["registration_endpoint"])
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
    try:
        check_url("openid_configuration", configuration_url)
    except RegistrationError as error:
        raise RegistrationRefused(
            "The LMS did not start the registration correctly",
            f"{error}. Start again from your LMS's dynamic registration page.",
        ) from None
    return _check_configuration(configuration_url, _get_json(configuration_url, registration_token))


def _claim(invitation: RegistrationInvitation) -> bool:
    """Mark the invitation used, atomically: of two registrations racing, one wins."""
    claimed = db.session.execute(
        update(RegistrationInvitation)
        .where(RegistrationInvitation.id == invitation.id, RegistrationInvitation.used_at.is_(None))
        .values(used_at=utc_now())
    )
    db.session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _release(invitation_id: int) -> None:
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
        response = requests.post(url, json=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise _refused_by_lms(f"it could not be reached ({error})") from None
    if not response.ok:
        raise _refused_by_lms(f"it answered HTTP {response.status_code}: {response.text[:300]}")
    try:
        answer = response.json()
    except ValueError:
        raise _refused_by_lms("its answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("client_id"), str):
        raise _refused_by_lms("its answer has no client_id")
    return answer


def _refused_by_lms(problem: str) -> RegistrationRefused:
    return RegistrationRefused(
        "The LMS did not accept IMR Academy's registration",
        f"IMR Academy sent its registration to the LMS and {problem}. The link has not been "
        "used up: try again, or tell your LMS's support team.",
        502,
    )


@dataclass(frozen=True)
class Registered:
    """The outcome shown before the window closes."""

    platform: Platform
    organisation: Organisation | None
    awaiting_approval: bool


def _platform_for(
    configuration: PlatformConfiguration, client_id: str, invitation: RegistrationInvitation
) -> Platform:
    platform = find_platform(configuration.issuer, client_id)
    if platform is None:
        platform = Platform(issuer=configuration.issuer, client_id=client_id)
        db.session.add(platform)
    platform.name = configuration.description
    platform.product = configuration.product
    platform.registered_via = "dynamic"
    platform.auth_login_url = configuration.authorization_endpoint
    platform.auth_token_url = configuration.token_endpoint
    platform.key_set_url = configuration.jwks_uri
    platform.auth_audience = configuration.authorization_server
    platform.new_deployment_policy = "await-approval" if invitation.needs_approval else "accept"
    return platform


def register(
    invitation: RegistrationInvitation,
    configuration: PlatformConfiguration,
    registration_token: str | None,
    organisation_name: str,
) -> Registered:
    """Post the registration, then store the platform and its deployment; all or nothing."""
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
            if deployment_id
            else None
        )
        invitation.platform_id = platform.id
        invitation.organisation_name = organisation_name
        db.session.commit()
    except Exception:
        _release(invitation_id)
        raise
    return Registered(platform, organisation, invitation.needs_approval)


def approve(organisation: Organisation) -> None:
    """Let launches into a deployment registered dynamically (committed by the caller)."""
    organisation.awaiting_approval = False


def invitations() -> list[RegistrationInvitation]:
    """Every registration URL made, newest first, for the operator."""
    return list(
        db.session.scalars(
            select(RegistrationInvitation).order_by(RegistrationInvitation.created_at.desc())
        )
    )
