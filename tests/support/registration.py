"""A test LMS that supports LTI Dynamic Registration 1.0, exactly as the specification defines.

It serves an OpenID configuration (section 3.4, with the LTI platform configuration claim) that
requires the registration token, and a registration endpoint (section 3.5) that checks the token,
records the tool's client registration and answers with a client id and, like Moodle, a deployment
id (or, like Canvas, none: the deployment appears at the first launch).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.lms import LocalLms

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass
class RegisteringLms:
    """An LMS (the LocalLms that will launch afterwards) offering dynamic registration."""

    lms: LocalLms
    registration_token: str = "registration-token-7f3a"
    returns_deployment: bool = True
    registrations: list[dict[str, Any]] = field(default_factory=list)
    configuration_overrides: dict[str, Any] = field(default_factory=dict)
    registration_status: int = 201
    # a hostile or broken LMS: rewrites the answer (the dict, or raw text to send as it is)
    answer_changes: Callable[[dict[str, Any]], dict[str, Any] | str] | None = None

    @property
    def server(self) -> HTTPServer:
        return self.lms.server

    @property
    def issuer(self) -> str:
        return self.lms.platform.issuer

    @property
    def configuration_url(self) -> str:
        return self.server.url_for("/lms/.well-known/openid-configuration")

    def configuration(self) -> dict[str, Any]:
        """The platform's OpenID configuration (LTI DR 1.0, section 3.4.1)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": self.server.url_for(self.lms.jwks_path),
            "registration_endpoint": self.server.url_for("/lms/register"),
            "scopes_supported": [
                "openid",
                AGS + "lineitem",
                AGS + "score",
                AGS + "result.readonly",
                NRPS,
            ],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                ],
            },
            **self.configuration_overrides,
        }

    def serve(self) -> None:
        self.server.expect_request("/lms/.well-known/openid-configuration").respond_with_handler(
            self._configuration
        )
        self.server.expect_request("/lms/register", method="POST").respond_with_handler(
            self._register
        )

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.registration_token}"

    def _configuration(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response("registration token required", status=401)
        return _json(self.configuration(), 200)

    def _register(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response("registration token required", status=401)
        if self.registration_status >= 400:
            return Response("the LMS is having a bad day", status=self.registration_status)
        body = json.loads(request.get_data(as_text=True))
        self.registrations.append(body)
        answer = {**body, "client_id": self.lms.platform.client_id}
        tool = dict(body[TOOL_CONFIGURATION])
        if self.returns_deployment:
            tool["deployment_id"] = self.lms.platform.deployment_id
        answer[TOOL_CONFIGURATION] = tool
        changed = self.answer_changes(answer) if self.answer_changes else answer
        if isinstance(changed, str):
            return Response(
                changed, status=self.registration_status, content_type="application/json"
            )
        return _json(changed, self.registration_status)

    def confirm_fields(self, organisation_name: str) -> dict[str, str]:
        """What the registration page posts back when the administrator confirms it."""
        return {
            "organisation_name": organisation_name,
            "openid_configuration": self.configuration_url,
            "registration_token": self.registration_token,
        }

    def start_url(self, registration_url: str) -> str:
        """Where the LMS sends the administrator's browser (section 3.3)."""
        return (
            f"{registration_url}?openid_configuration={self.configuration_url}"
            f"&registration_token={self.registration_token}"
        )


def _json(data: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")
