"""What IMR Academy tells an LMS about itself: its URLs, the services it uses, where it appears.

One source for the three ways an LMS learns it: the dynamic registration request, the Canvas
developer-key JSON, and the values an administrator types by hand. Keeping them in one place means
a new placement or scope reaches every LMS the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from app.urls import public_host, public_url

TOOL_NAME = "IMR Academy"
DESCRIPTION = (
    "Training and certification for Illness Management and Recovery (IMR) practitioners: the "
    "five-day intensive training, competency quizzes, weekly consultation, and certificates."
)
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
ROSTER_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# Quiz grades go to the gradebook (a line item per quiz, then scores); rosters come from NRPS.
SCOPES = (LINEITEM_SCOPE, SCORE_SCOPE, ROSTER_SCOPE)
# What each launch needs to greet a person by name and e-mail renewal reminders.
CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")

# Where each message may appear, by the names LMSs use for their placements.
PLACEMENTS = {
    RESOURCE_LINK: (
        "course_navigation",
        "account_navigation",
        "https://canvas.instructure.com/lti/course_navigation",
        "https://canvas.instructure.com/lti/account_navigation",
    ),
    DEEP_LINKING: (
        "ContentArea",
        "link_selection",
        "assignment_selection",
        "https://canvas.instructure.com/lti/link_selection",
        "https://canvas.instructure.com/lti/assignment_selection",
    ),
}


@dataclass(frozen=True)
class ToolUrls:
    """The tool's own addresses, as an LMS must call them."""

    domain: str
    login: str
    launch: str
    jwks: str
    logo: str
    canvas_json: str


def tool_urls() -> ToolUrls:
    """The tool's URLs at its configured public address (never the request's Host)."""
    return ToolUrls(
        domain=public_host(),
        login=public_url("lti.login"),
        launch=public_url("lti.launch"),
        jwks=public_url("lti.jwks"),
        logo=public_url("static", filename="imr-academy-logo.svg"),
        canvas_json=public_url("connections.canvas_configuration_json"),
    )


def _messages(
    urls: ToolUrls, supported: Mapping[str, AbstractSet[str]] | None
) -> list[dict[str, Any]]:
    """Our two messages, limited to those (and the placements) the platform says it supports."""
    messages = []
    for message_type in (RESOURCE_LINK, DEEP_LINKING):
        if supported is not None and message_type not in supported:
            continue
        message: dict[str, Any] = {
            "type": message_type,
            "target_link_uri": urls.launch,
            "label": TOOL_NAME,
            "icon_uri": urls.logo,
        }
        offered = supported.get(message_type, set()) if supported else set()
        placements = [p for p in PLACEMENTS[message_type] if p in offered]
        if placements:
            message["placements"] = placements
        messages.append(message)
    return messages


def registration_request(
    scopes_supported: AbstractSet[str], messages_supported: Mapping[str, AbstractSet[str]]
) -> dict[str, Any]:
    """The client registration IMR Academy posts in LTI Dynamic Registration 1.0 (section 3.5)."""
    urls = tool_urls()
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": TOOL_NAME,
        "jwks_uri": urls.jwks,
        "logo_uri": urls.logo,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scope for scope in SCOPES if scope in scopes_supported),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "description": DESCRIPTION,
            "target_link_uri": urls.launch,
            "claims": list(CLAIMS),
            "messages": _messages(urls, messages_supported),
            "https://canvas.instructure.com/lti/privacy_level": "public",
        },
    }


def _canvas_placement(placement: str, message_type: str, urls: ToolUrls) -> dict[str, Any]:
    return {
        "placement": placement,
        "message_type": message_type,
        "target_link_uri": urls.launch,
        "text": TOOL_NAME,
        "icon_url": urls.logo,
        "enabled": True,
    }


def canvas_configuration() -> dict[str, Any]:
    """The JSON an admin pastes (or points Canvas at) to create an LTI 1.3 developer key."""
    urls = tool_urls()
    placements = [
        _canvas_placement("course_navigation", RESOURCE_LINK, urls),
        _canvas_placement("account_navigation", RESOURCE_LINK, urls),
        _canvas_placement("link_selection", DEEP_LINKING, urls),
        _canvas_placement("assignment_selection", DEEP_LINKING, urls),
    ]
    return {
        "title": TOOL_NAME,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(SCOPES),
        "extensions": [
            {
                "domain": urls.domain,
                "tool_id": "imr-academy",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {"text": TOOL_NAME, "icon_url": urls.logo, "placements": placements},
            }
        ],
        "custom_fields": {},
    }


@dataclass(frozen=True)
class ManualValue:
    """One value an LMS administrator copies into their LMS's tool form."""

    label: str
    value: str
    where: str


def manual_values() -> list[ManualValue]:
    """The values for LMSs configured by hand (Moodle, Blackboard, Brightspace, Open edX)."""
    urls = tool_urls()
    return [
        ManualValue("Tool URL / Target link URI", urls.launch, "where launches are sent"),
        ManualValue("Login initiation URL (OIDC login)", urls.login, "where sign-in starts"),
        ManualValue("Redirect URI(s)", urls.launch, "the only URL launches return to"),
        ManualValue("Public keyset URL (JWKS)", urls.jwks, "the tool's public keys"),
        ManualValue("Deep linking URL (content selection)", urls.launch, "placing items"),
        ManualValue("Domain", urls.domain, "the tool's host name"),
        ManualValue("Scopes to enable", " ".join(SCOPES), "grades (AGS) and rosters (NRPS)"),
    ]
