"""A real LTI 1.3 platform (the LMS side), built on lti1p3platform.

The demo LMS page uses it so a newcomer can launch IMR Academy as each role through the genuine
OIDC login and signed id_token flow, and the test suite uses it as the LMS that launches the tool.
It signs with its own RSA key and publishes its own JWKS; it never touches the tool's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
COURSE_OFFERING = f"{LIS}course#CourseOffering"


def new_private_key_pem() -> str:
    """A fresh 2048-bit RSA private key in PEM form."""
    return (
        JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode()
    )


@dataclass(frozen=True)
class LmsUser:
    """Someone in the LMS: the identity and roles a launch will carry."""

    sub: str
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LmsCourse:
    """An LMS course (the LTI context)."""

    id: str
    title: str
    label: str


@dataclass(frozen=True)
class LmsPlatform:
    """One platform registration as the LMS sees it."""

    issuer: str
    client_id: str
    deployment_id: str
    private_key_pem: str
    tool_login_url: str
    tool_launch_url: str
    tool_jwks_url: str
    extra_claims: Mapping[str, Any] = field(default_factory=dict)

    def _registration(self) -> Registration:
        registration = Registration()
        registration.set_iss(self.issuer).set_client_id(self.client_id)
        registration.set_deployment_id(self.deployment_id)
        registration.set_launch_url(self.tool_launch_url)
        registration.set_oidc_login_url(self.tool_login_url)
        registration.set_tool_key_set_url(self.tool_jwks_url)
        registration.set_platform_private_key(self.private_key_pem)
        public = JWK.from_pem(self.private_key_pem.encode()).export_to_pem().decode()
        registration.set_platform_public_key(public)
        return registration

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The platform's public key set, served at its key set URL."""
        return {"keys": self._registration().get_jwks()}

    def login_initiation(self, user: LmsUser, resource_link_id: str) -> dict[str, str]:
        """The parameters of the third-party initiated login the LMS sends to the tool."""
        return {
            "iss": self.issuer,
            "login_hint": user.sub,
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": resource_link_id,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def check_authorisation_request(self, params: Mapping[str, str]) -> None:
        """What an LMS checks before answering the tool's OIDC authorisation request."""
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.client_id,
            "redirect_uri": self.tool_launch_url,
        }
        wrong = [key for key, value in expected.items() if params.get(key) != value]
        missing = [key for key in ("state", "nonce", "login_hint") if not params.get(key)]
        if wrong or missing:
            raise ValueError(f"authorisation request refused: wrong {wrong}, missing {missing}")

    def launch(
        self,
        params: Mapping[str, str],
        user: LmsUser,
        course: LmsCourse | None,
        resource_link_id: str,
        claims: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """Answer the tool's authorisation request: the form fields (id_token, state) to post back."""
        self.check_authorisation_request(params)
        message = _Launch(_Preflight(dict(params)), _Config(self._registration()))
        message._registration = message._platform_config.get_registration()
        message.validate_preflight_response(dict(params))
        message.set_user_data(
            user.sub, list(user.roles), full_name=user.name, email_address=user.email
        )
        message.set_resource_link_claim(resource_link_id, title="IMR Academy")
        if course is not None:
            message.set_launch_context_claim(
                course.id, [COURSE_OFFERING], course.title, course.label
            )
        message.set_extra_claims({**self.extra_claims, **(claims or {})})
        return dict(message.generate_launch_request())

    def access_token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Issue a service access token after checking the tool's assertion against its JWKS."""
        return dict(_Config(self._registration()).get_access_token(dict(form)))


class _Preflight(Request):
    """The tool's authorisation request, as lti1p3platform reads it."""

    def build_metadata(self, request: Any) -> TRequest:
        return {
            "method": "GET",
            "form_data": {},
            "get_data": request,
            "headers": {},
            "content_type": None,
            "path": "",
            "json": None,
        }


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        return None

    def __init__(self, registration: Registration) -> None:
        super().__init__()
        self._registration = registration

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Any:
        return launch_data
