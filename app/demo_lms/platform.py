"""A real LTI 1.3 platform (the LMS side), built on lti1p3platform.

The demo LMS page uses it so a newcomer can launch IMR Academy as each role through the genuine
OIDC login and signed id_token flow, and the test suite uses it as the LMS that launches the tool.
It signs with its own RSA key and publishes its own JWKS; it never touches the tool's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest

from app.lti.keys import new_rsa_key, parsed_private_key

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
COURSE_OFFERING = f"{LIS}course#CourseOffering"


def new_private_key_pem() -> str:
    """A fresh 2048-bit RSA private key in PEM form."""
    return new_rsa_key().private_key_pem


@dataclass(frozen=True)
class _PublicHalf:
    """The platform key's public PEM and its kid, as lti1p3platform derives them."""

    pem: str
    kid: str


@lru_cache(maxsize=64)
def _public_half(private_key_pem: str) -> _PublicHalf:
    """Derived once per key from the key parsed once (`parsed_private_key`): lti1p3platform
    loads the private PEM five times for each launch it signs, and each load checks the key for
    about 50 ms, so a demo launch waited a quarter of a second on the LMS's side (and the suite
    minutes)."""
    public = parsed_private_key(private_key_pem).public_key()
    pem = JWK.from_pyca(public).export_to_pem().decode()
    return _PublicHalf(pem, Registration.get_jwk(pem)["kid"])


class _Registration(Registration):
    """lti1p3platform's registration, signing with the key parsed once."""

    def get_kid(self) -> str | None:
        private = self.get_platform_private_key()
        return _public_half(private).kid if private else None

    def platform_encode_and_sign(
        self, payload: dict[str, Any], expiration: int | None = None
    ) -> str:
        private = self.get_platform_private_key()
        if not private:
            raise ValueError("the platform has no signing key")
        return self.encode_and_sign(payload, private, {"kid": self.get_kid()}, expiration)

    def encode_and_sign(  # the library's is static; this one parses the key once
        self,
        payload: dict[str, Any],
        private_key: str,
        headers: Any = None,
        expiration: int | None = None,
    ) -> str:
        parsed = parsed_private_key(private_key)
        return Registration.encode_and_sign(payload, parsed, headers, expiration)


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
        registration = _Registration()
        registration.set_iss(self.issuer).set_client_id(self.client_id)
        registration.set_deployment_id(self.deployment_id)
        registration.set_launch_url(self.tool_launch_url)
        registration.set_oidc_login_url(self.tool_login_url)
        registration.set_tool_key_set_url(self.tool_jwks_url)
        registration.set_platform_private_key(self.private_key_pem)
        registration.set_platform_public_key(_public_half(self.private_key_pem).pem)
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
