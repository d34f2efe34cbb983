"""LTI Dynamic Registration 1.0, the protocol: read an LMS's OpenID configuration, post ours.

pylti1p3 2.0.0 has no support for it, so this follows the 1EdTech specification directly. The
LMS opens a registration link with `openid_configuration` (and usually `registration_token`);
the tool reads that configuration and checks it as strictly as a launch (https endpoints, an
issuer on the configuration's own host, RS256 and private_key_jwt supported), then posts its
client registration to the platform's `registration_endpoint`. Storing the outcome is
app.services.dynamic_registration's.

Whoever holds a link chooses the addresses the server fetches, so those fetches follow no
redirects, read at most 1 MB within a deadline, never reach loopback or private networks outside
development, and fail with one generic message (the details go to the log): the endpoint cannot
be used to scan ports or read internal services. Outside development the configuration may not
name a private address either (https://10.0.0.5/token, https://169.254.169.254/…): it is
refused by name before anything is stored, as every later call would be refused.

What an LMS sends is stored only once it fits: every value kept (issuer, endpoints, client and
deployment ids) is text its column can hold, without control characters; anything else is
refused by name before a row is written, never left to fail in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy.orm import InstrumentedAttribute

from app.lti.http import UnusableUrl, check_url, registration_session
from app.lti.tool_configuration import (
    PLATFORM_CONFIGURATION,
    RESOURCE_LINK,
    TOOL_CONFIGURATION,
    registration_request,
)
from app.models.base import column_problem
from app.models.lti import Platform
from app.models.tenancy import Organisation

# Canvas Cloud signs every school's launches as canvas.instructure.com but serves each school's
# configuration from its own Instructure host. That exception is as narrow as Canvas documents
# it: a Canvas Cloud issuer is accepted only from a configuration served by Instructure's hosts.
CANVAS_CLOUD_ISSUERS = {
    "https://canvas.instructure.com",
    "https://canvas.beta.instructure.com",
    "https://canvas.test.instructure.com",
}
CANVAS_CLOUD_DOMAINS = ("instructure.com", "canvaslms.com")
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
# Where each URL of the configuration is stored (the registration endpoint is only posted to).
STORED_URLS = {
    "issuer": Platform.issuer,
    "authorization_endpoint": Platform.auth_login_url,
    "token_endpoint": Platform.auth_token_url,
    "jwks_uri": Platform.key_set_url,
}


class RegistrationRefused(Exception):
    """Why a registration could not go ahead, for the LMS administrator watching the window."""

    def __init__(self, title: str, advice: str, status: int = 400) -> None:
        super().__init__(f"{title}: {advice}")
        self.title, self.advice, self.status = title, advice, status


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
    except (requests.RequestException, ValueError, RecursionError) as error:
        # RecursionError: JSON nested too deeply to decode is as unreadable as broken JSON
        current_app.logger.warning("registration: could not read %s: %r", url, error)
        raise _unreadable() from None


def _messages_supported(platform: dict[str, Any]) -> dict[str, set[str]]:
    messages: dict[str, set[str]] = {}
    listed = platform.get("messages_supported")
    for message in listed if isinstance(listed, list) else []:
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            placements = message.get("placements")
            named = placements if isinstance(placements, list) else []
            messages[message["type"]] = {p for p in named if isinstance(p, str)}
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


LISTS_OF_TEXT = (
    "token_endpoint_auth_methods_supported",
    "id_token_signing_alg_values_supported",
    "scopes_supported",
)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _plain_text(value: Any, column: InstrumentedAttribute[Any]) -> str:
    """A descriptive value (product, version) as plain text cut to its column: it is shown,
    never matched, so something unusable is dropped rather than refused."""
    if not isinstance(value, str):
        return ""
    printable = "".join(character for character in value if character.isprintable())
    return printable.strip()[: column.type.length]


def _authorization_server(url: str, value: Any, private_allowed: bool) -> str | None:
    """The audience of access-token requests (spec 3.4.1), a URL when given; None when absent."""
    if value is None or value == "":
        return None
    try:
        checked = check_url("authorization_server", value, private_allowed=private_allowed)
    except UnusableUrl as error:
        raise _refuse_configuration(url, str(error)) from None
    problem = column_problem(checked, Platform.auth_audience)
    if problem:
        raise _refuse_configuration(url, f"its authorization_server {problem}")
    return checked


def _check_configuration(url: str, data: Any) -> PlatformConfiguration:
    if not isinstance(data, dict):
        raise _refuse_configuration(url, "it is not a JSON object")
    missing = [key for key in REQUIRED_CONFIGURATION if not data.get(key)]
    if missing:
        raise _refuse_configuration(url, f"it lacks {', '.join(missing)}")
    private_allowed = current_app.config["IMR_SETTINGS"].private_outbound_allowed
    try:
        for key in (
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "registration_endpoint",
        ):
            check_url(key, data[key], private_allowed=private_allowed)
    except UnusableUrl as error:
        raise _refuse_configuration(url, str(error)) from None
    for key, column in STORED_URLS.items():
        problem = column_problem(data[key], column)
        if problem:
            raise _refuse_configuration(url, f"its {key} {problem}")
    authorization_server = _authorization_server(
        url, data.get("authorization_server"), private_allowed
    )
    listed = [key for key in LISTS_OF_TEXT if not _is_text_list(data[key])]
    if listed:
        raise _refuse_configuration(url, f"{', '.join(listed)} must be lists of text")
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
        authorization_server=authorization_server,
        product=_plain_text(platform.get("product_family_code"), Platform.product) or "LMS",
        # no column of its own: shown beside the product, so held to the product's length
        version=_plain_text(platform.get("version"), Platform.product),
        scopes_supported=frozenset(data["scopes_supported"]),
        messages_supported=messages,
    )


def read_platform_configuration(
    configuration_url: str, registration_token: str | None
) -> PlatformConfiguration:
    """Fetch and check the LMS's OpenID configuration (spec sections 3.3 and 3.4)."""
    private_allowed = current_app.config["IMR_SETTINGS"].private_outbound_allowed
    try:
        check_url("openid_configuration", configuration_url, private_allowed=private_allowed)
    except UnusableUrl as error:
        raise RegistrationRefused(
            "The LMS did not start the registration correctly",
            f"{error}. Start again from your LMS's dynamic registration page.",
        ) from None
    return _check_configuration(configuration_url, _get_json(configuration_url, registration_token))


@dataclass(frozen=True)
class RegistrationAnswer:
    """What the tool keeps of the LMS's answer to its registration (spec 3.6), checked."""

    client_id: str
    deployment_id: str | None  # None: the deployment appears at the first launch (Canvas)


def post_registration(
    configuration: PlatformConfiguration, registration_token: str | None
) -> RegistrationAnswer:
    """Post the tool's registration and read the LMS's answer (RegistrationRefused, 502, if the
    LMS refuses it or answers with something that cannot be stored)."""
    body = registration_request(configuration.scopes_supported, configuration.messages_supported)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    url = configuration.registration_endpoint
    try:
        response = _session().post(url, json=body, headers=headers)
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError, RecursionError) as error:
        current_app.logger.warning("registration: %s refused the registration: %r", url, error)
        raise _refused_by_lms() from None
    if not isinstance(answer, dict) or not isinstance(answer.get("client_id"), str):
        current_app.logger.warning("registration: %s answered without a client_id", url)
        raise _refused_by_lms()
    return _check_answer(url, answer)


def _check_answer(url: str, answer: dict[str, Any]) -> RegistrationAnswer:
    """The client id and deployment id, each text its column holds, or a refusal naming it."""
    client_id = _answered_id(url, "client_id", answer["client_id"], Platform.client_id)
    tool = answer.get(TOOL_CONFIGURATION)
    if tool is not None and not isinstance(tool, dict):
        raise _unusable_answer(
            url, f"its tool configuration ({TOOL_CONFIGURATION}) is not a JSON object"
        )
    deployment_id = (tool or {}).get("deployment_id")
    if deployment_id is None:
        return RegistrationAnswer(client_id, None)
    if isinstance(deployment_id, int) and not isinstance(deployment_id, bool):
        deployment_id = str(deployment_id)  # an id given as a number means its decimal text
    return RegistrationAnswer(
        client_id,
        _answered_id(url, "deployment_id", deployment_id, Organisation.deployment_id),
    )


def _answered_id(url: str, key: str, value: Any, column: InstrumentedAttribute[Any]) -> str:
    if not isinstance(value, str):
        raise _unusable_answer(url, f"its {key} is not text")
    if not value.strip():
        raise _unusable_answer(url, f"its {key} is empty")
    problem = column_problem(value, column)
    if problem:
        raise _unusable_answer(url, f"its {key} {problem}")
    return value


def _unusable_answer(url: str, problem: str) -> RegistrationRefused:
    current_app.logger.warning("registration: %s answered unusably: %s", url, problem)
    return RegistrationRefused(
        "The LMS's answer to IMR Academy's registration could not be used",
        f"Your LMS accepted IMR Academy's registration, but {problem}, so IMR Academy stored "
        "nothing. The link has not been used up: remove the tool your LMS may have added and "
        "try again, or tell your LMS's support team.",
        502,
    )


def _refused_by_lms() -> RegistrationRefused:
    return RegistrationRefused(
        "The LMS did not accept IMR Academy's registration",
        "IMR Academy sent its registration to your LMS, which did not accept it. The link has "
        "not been used up: try again, or tell your LMS's support team.",
        502,
    )
