"""A test LMS: a real LTI 1.3 platform with its own RSA key, serving its JWKS over HTTP.

It is the same platform code the demo LMS uses (lti1p3platform underneath); the tool fetches
its key set from a real local HTTP server, exactly as it would from Canvas or Moodle.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from werkzeug.test import TestResponse

from app.demo_lms.platform import (
    LIS,
    LmsCourse,
    LmsPlatform,
    LmsUser,
    new_private_key_pem,
)
from app.extensions import db
from app.lti.keys import parsed_private_key
from app.services.registrations import PlatformUrls, add_platform

TOOL = "http://localhost"
LEARNER = f"{LIS}membership#Learner"
INSTRUCTOR = f"{LIS}membership#Instructor"
ADMINISTRATOR = f"{LIS}institution/person#Administrator"

PRACTITIONER = LmsUser("user-practitioner-1", "Maya Chen", "maya.chen@example.org", (LEARNER,))
PRACTITIONER_2 = LmsUser("user-practitioner-2", "Tom Baker", "tom.baker@example.org", (LEARNER,))
TRAINER = LmsUser("user-trainer-1", "Ruth Adeyemi", "ruth.adeyemi@example.org", (INSTRUCTOR,))
DIRECTOR = LmsUser("user-director-1", "Omar Haddad", "omar.haddad@example.org", (ADMINISTRATOR,))
COURSE = LmsCourse("course-imr-autumn", "IMR Intensive, Autumn cohort", "IMR-AUT")
LINK = "resource-link-1"

Mutation = Callable[[dict[str, Any]], None]


_KEY_POOL: list[str] = []
_KEY_POOL_SIZE = 6
_key_turn = itertools.count()


def pooled_key() -> str:
    """A signing key from a small pool made once per process, each call the next one: making a
    2,048-bit key takes about 50 ms, which every test paid for its LMS. Consecutive calls (two
    LMSs in one test, a rotation) always get different keys."""
    turn = next(_key_turn) % _KEY_POOL_SIZE
    if turn == len(_KEY_POOL):
        _KEY_POOL.append(new_private_key_pem())
    return _KEY_POOL[turn]


@dataclass
class LocalLms:
    """One LMS registered with the tool, with helpers for honest and hostile launches."""

    platform: LmsPlatform
    server: HTTPServer
    name: str = "Test LMS"
    key_pem: str = field(default="")

    @classmethod
    def start(
        cls,
        server: HTTPServer,
        issuer_path: str = "/lms",
        client_id: str = "tool-client-1",
        deployment_id: str = "deployment-1",
        tool: str = TOOL,
    ) -> LocalLms:
        """The LMS, serving its keys, configured with the tool at `tool` (the test client's
        address unless a real server runs it)."""
        key = pooled_key()
        platform = LmsPlatform(
            issuer=server.url_for(issuer_path),
            client_id=client_id,
            deployment_id=deployment_id,
            private_key_pem=key,
            tool_login_url=f"{tool}/lti/login",
            tool_launch_url=f"{tool}/lti/launch",
            tool_jwks_url=f"{tool}/lti/jwks",
        )
        lms = cls(platform=platform, server=server, key_pem=key)
        lms.serve_keys()
        return lms

    @property
    def jwks_path(self) -> str:
        return urlsplit(self.platform.issuer).path + "/jwks"

    def serve_keys(self) -> None:
        """(Re)publish the platform's current key set at its key set URL."""
        self.server.expect_request(self.jwks_path).respond_with_json(self.platform.jwks())

    def rotate_key(self) -> None:
        """The LMS rotates its signing key and publishes the new key set."""
        self.key_pem = pooled_key()
        self.platform = replace(self.platform, private_key_pem=self.key_pem)
        self.server.clear()
        self.serve_keys()

    def register(self, organisation: str = "Riverside Mental Health") -> None:
        """Register this LMS with the tool, as an operator does (needs an app context)."""
        issuer = self.platform.issuer
        add_platform(
            issuer,
            self.platform.client_id,
            [self.platform.deployment_id],
            PlatformUrls(issuer + "/auth", issuer + "/token", self.server.url_for(self.jwks_path)),
            name=self.name,
            organisation_name=organisation,
        )
        db.session.commit()

    def begin(self, client: FlaskClient, user: LmsUser) -> dict[str, str]:
        """The OIDC login: returns the tool's authorisation request to the LMS."""
        response = client.get("/lti/login", query_string=self.platform.login_initiation(user, LINK))
        assert response.status_code == 302, response.get_data(as_text=True)
        return dict(parse_qsl(urlsplit(response.location).query))

    def launch_fields(
        self,
        client: FlaskClient,
        user: LmsUser,
        course: LmsCourse | None = COURSE,
        claims: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        """Login, then the LMS's signed answer (id_token and state), not yet posted."""
        return self.platform.launch(self.begin(client, user), user, course, LINK, claims)

    def launch(
        self,
        client: FlaskClient,
        user: LmsUser,
        course: LmsCourse | None = COURSE,
        claims: dict[str, Any] | None = None,
    ) -> TestResponse:
        """A complete, honest launch."""
        return client.post("/lti/launch", data=self.launch_fields(client, user, course, claims))

    def tampered(
        self,
        fields: dict[str, str],
        mutate: Mutation,
        key_pem: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        """Re-sign the id_token after changing its claims (with another key if given)."""
        token = fields["id_token"]
        payload = jwt.decode(token, options={"verify_signature": False})
        mutate(payload)
        header = {"kid": jwt.get_unverified_header(token)["kid"], **(headers or {})}
        key = parsed_private_key(key_pem or self.key_pem)
        resigned = jwt.encode(payload, key, algorithm="RS256", headers=header)
        return {**fields, "id_token": resigned}


def csrf_token(page: TestResponse) -> str:
    """The CSRF token a page carries in its meta tag (or, before a session exists, its form)."""
    html = page.get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert found, "page has no CSRF token"
    return found.group(1)


RETURN_URL = "https://lms.example.org/deep_link_return"


def deep_linking_claims() -> dict[str, Any]:
    """The claims that make a launch a deep-linking request (LTI Deep Linking 2.0, section 4.4)."""
    return {
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            "data": "lms-opaque-42",
        },
    }
