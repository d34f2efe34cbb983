"""IMR Academy's one wrapper around pylti1p3 2.0.0, closing the gaps that version leaves open.

- Registrations come from the database, not a JSON file.
- Launch state lives in the shared store, so any worker can finish a launch another began.
- The nonce is spent on first use (2.0.0 only checks that it exists, so a replay passes), and
  the state must come back in the browser's cookie (2.0.0 also accepts a repeat of a launch).
- The nonce must be the one issued with this browser's state: the login stores the pair (the
  nonce is kept nowhere else), the launch takes it (single use) and compares, so a launch begun
  in one browser cannot be finished in another (login CSRF), nor finished twice.
- A launch's claims are kept for later only for a deep-linking request, which is answered by a
  later request; other launches' claims (names, e-mail) are not stored.
- Only RS256 is accepted, and audience, issuer, expiry and `azp` are verified by PyJWT.
- The platform's key set is cached, and fetched again once when a launch names an unknown `kid`
  (platforms rotate keys; 2.0.0 would fail until the cache expired).
- Service access tokens are cached in the shared store until they expire (2.0.0 asks for a new
  token on every call).
- Every HTTP call it makes (key sets, tokens, AGS, NRPS) goes through a bounded session
  (app/lti/http.py), public-only unless private outbound calls are allowed: pylti1p3 itself
  sets no timeout at all.
- Claims are checked before anything is stored or looked up: the JSON type the spec gives each
  claim read, no NUL characters (PostgreSQL cannot store them) and identifiers within the spec's
  255 characters.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import jwt
import requests
from flask import current_app
from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
    FlaskSessionService,
)
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, LtiServiceException, OIDCException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration, TKeySet
from pylti1p3.service_connector import ServiceConnector, TServiceConnectorResponse
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from app.extensions import db
from app.lti import claims, keys
from app.lti.context import UNSTORABLE
from app.lti.errors import LaunchRejected
from app.lti.http import OutboundSession, lms_session
from app.lti.platform_storage import take_storage
from app.lti.registry import find_organisation, find_platform, storable
from app.models.lti import Platform
from app.shared_store import SharedStore, current_store

# Called with the platform, a deployment id first seen in a verified launch and a name for it;
# answers whether the deployment may be used (the registration's policy lives in the services).
AdoptDeployment = Callable[[Platform, str, str], bool]
ACCEPTED_ALGORITHM = "RS256"
CLOCK_LEEWAY_SECONDS = 60
KEYSET_REFETCH_GUARD_SECONDS = 60
TOKEN_EXPIRY_MARGIN_SECONDS = 60
LOGIN_STATE_SECONDS = 10 * 60
# The LTI Core spec limits these identifiers to 255 characters; longer ones are refused by name.
IDENTIFIER_CLAIMS = {
    "sub": ("sub",),
    "deployment_id": (claims.DEPLOYMENT_ID,),
    "context id": (claims.CONTEXT, "id"),
    "resource link id": (claims.RESOURCE_LINK, "id"),
}
IDENTIFIER_LIMIT = 255
# Claims the spec makes JSON objects, and claims it makes text or lists of text: any other shape
# is refused by name before a value is read (a string where an object belongs failed later).
OBJECT_CLAIMS = {
    "context": (claims.CONTEXT,),
    "resource link": (claims.RESOURCE_LINK,),
    "custom": (claims.CUSTOM,),
    "tool platform": (claims.TOOL_PLATFORM,),
    "launch presentation": (claims.LAUNCH_PRESENTATION,),
    "AGS endpoint": (claims.AGS_ENDPOINT,),
    "names and roles service": (claims.NRPS,),
    "deep linking settings": (claims.DEEP_LINKING_SETTINGS,),
}
TEXT_CLAIMS = {
    **IDENTIFIER_CLAIMS,
    "target_link_uri": (claims.TARGET_LINK_URI,),
    "AGS line items": (claims.AGS_ENDPOINT, "lineitems"),
    "names and roles URL": (claims.NRPS, "context_memberships_url"),
    "deep linking return URL": (claims.DEEP_LINKING_SETTINGS, "deep_link_return_url"),
    "the custom imr_item": (claims.CUSTOM, "imr_item"),
}
TEXT_LIST_CLAIMS = {"roles": (claims.ROLES,), "AGS scopes": (claims.AGS_ENDPOINT, "scope")}


class _Registration(Registration):
    """A registration that reads the tool's signing key only when something signs with it.

    Validating a launch never needs the tool's own key; deep linking and service calls do. A
    launch and a login therefore cost no key lookup.
    """

    def get_tool_private_key(self) -> str:
        return keys.signing_key().private_key_pem

    def get_tool_public_key(self) -> str:
        return keys.signing_key().public_key_pem


def pylti_registration(platform: Platform) -> Registration:
    """A pylti1p3 registration for a platform, carrying the tool's current signing key."""
    registration = _Registration()
    registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
    registration.set_auth_login_url(platform.auth_login_url)
    registration.set_auth_token_url(platform.auth_token_url)
    registration.set_key_set_url(platform.key_set_url)
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class DatabaseToolConf(ToolConfAbstract[FlaskRequest]):
    """pylti1p3's tool configuration, read from the platform and organisation tables."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        # A launch passes its id_token's claims: its deployment is looked up in the same statement.
        deployment_id = (kwargs.get("jwt_body") or {}).get(claims.DEPLOYMENT_ID)
        usable = deployment_id if isinstance(deployment_id, str) else None
        platform = find_platform(iss, client_id, usable)
        # pylti1p3 declares Registration but its callers test for None, which "not registered" is.
        return pylti_registration(platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(iss, client_id)
        if platform is None or find_organisation(platform, deployment_id) is None:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any):
        return keys.published_jwks()


class SharedLaunchDataStorage(LaunchDataStorage[Any]):
    """pylti1p3's launch data storage on the shared store, keyed without a session cookie.

    A session cookie would be one more thing an LMS iframe can lose; state and nonce are random
    and single-use, so global keys are safe.
    """

    _session_cookie_name = None  # type: ignore[assignment]  # pylti1p3 reads None as "no cookie"

    def __init__(self, store: SharedStore) -> None:
        super().__init__()
        self._store = store

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._store.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._store.set(self._prepare_key(key), value, exp or 3600)

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def remove_value(self, key: str) -> None:
        self._store.delete(self._prepare_key(key))


def _binding_key(state: str) -> str:
    return "oidc-binding-" + hashlib.sha256(state.encode()).hexdigest()


class _NonceInBinding(FlaskSessionService):
    """pylti1p3's session service, less its own nonce entry.

    The nonce is kept once, in the state's binding (`ToolOIDCLogin`), and spent with it at the
    launch; an entry of its own would be written at every login and spent for nothing.
    """

    def save_nonce(self, nonce: str) -> None:
        """Kept in the state's binding instead (see the class)."""


class ToolOIDCLogin(FlaskOIDCLogin):
    """pylti1p3's OIDC login, which also remembers which nonce it issued with which state."""

    def __init__(self, store: SharedStore, cookies: FlaskCookieService) -> None:
        super().__init__(
            FlaskRequest(),
            DatabaseToolConf(),
            session_service=_NonceInBinding(FlaskRequest()),
            cookie_service=cookies,
            launch_data_storage=SharedLaunchDataStorage(store),
        )
        self._store = store

    def _prepare_redirect_url(self, launch_url: str) -> str:
        url = super()._prepare_redirect_url(launch_url)
        issued = dict(parse_qsl(urlsplit(url).query))
        self._store.set(_binding_key(issued["state"]), issued["nonce"], LOGIN_STATE_SECONDS)
        return url


def _scopes_key(issuer: str, client_id: str, scopes: Sequence[str]) -> str:
    raw = "|".join([issuer, client_id, *sorted(scopes)])
    return "access-token-" + hashlib.sha256(raw.encode()).hexdigest()


class CachingServiceConnector(ServiceConnector):
    """Asks the LMS for an access token once per scope set, and reuses it until it expires."""

    def __init__(
        self, registration: Registration, store: SharedStore, session: requests.Session
    ) -> None:
        super().__init__(registration, session)
        self._store = store

    def get_access_token(self, scopes: Sequence[str]) -> str:
        key = self._token_key(scopes)
        cached = self._store.get(key)
        if cached:
            return cached
        token, lifetime = self._request_access_token(scopes)
        self._store.set(key, token, max(1, lifetime - TOKEN_EXPIRY_MARGIN_SECONDS))
        return token

    def _token_key(self, scopes: Sequence[str]) -> str:
        registration = self._registration
        issuer, client_id = registration.get_issuer() or "", registration.get_client_id() or ""
        return _scopes_key(issuer, client_id, scopes)

    def make_service_request(
        self, scopes: Sequence[str], url: str, *args: Any, **kwargs: Any
    ) -> TServiceConnectorResponse:
        """A service call; a 401 forgets the cached token, so the next call asks for a new one
        instead of reusing one the LMS has revoked until it would have expired."""
        try:
            return super().make_service_request(scopes, url, *args, **kwargs)
        except LtiServiceException as refused:
            if refused.response.status_code == 401:
                self._store.delete(self._token_key(scopes))
            raise

    def _request_access_token(self, scopes: Sequence[str]) -> tuple[str, int]:
        """The client-credentials grant with a signed JWT assertion (1EdTech Security Framework)."""
        registration = self._registration
        token_url = registration.get_auth_token_url()
        if not token_url:
            raise LtiException("The LMS's registration names no access token URL")
        now = int(time.time())
        signing = keys.signing_key()
        assertion = jwt.encode(
            {
                "iss": registration.get_client_id(),
                "sub": registration.get_client_id(),
                "aud": registration.get_auth_audience() or token_url,
                "iat": now - 5,
                "exp": now + 60,
                "jti": f"imr-{uuid.uuid4()}",
            },
            signing.private_key,
            algorithm=ACCEPTED_ALGORITHM,
            headers={"kid": signing.kid},
        )
        response = self._requests_session.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            timeout=15,
        )
        if not response.ok:
            raise LtiServiceException(response)
        return _token_in(_json_of(response, "access token answer"))


TOKEN_LIMIT = 4096
TOKEN_LIFETIME_SECONDS = (60, 86_400, 3600)  # the shortest and longest kept, and the default


def _json_of(response: requests.Response, what: str) -> Any:
    """A reply's JSON, or LtiException saying in a few words that the LMS's answer was not JSON
    (its body goes nowhere: an LMS's error page can run to megabytes)."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise LtiException(f"the LMS's {what} was not JSON (HTTP {response.status_code})") from None


def _token_in(body: Any) -> tuple[str, int]:
    """The access token and how long to keep it, from a token answer checked field by field.

    A token goes into an Authorization header and the shared store, so it must be plain text;
    its lifetime is kept within a day, so a token the LMS revokes is not reused for years.
    """
    token = body.get("access_token") if isinstance(body, dict) else None
    if (
        not isinstance(token, str)
        or not token
        or len(token) > TOKEN_LIMIT
        or not token.isprintable()
    ):
        raise LtiException("the LMS's access token answer holds no usable access_token")
    shortest, longest, default = TOKEN_LIFETIME_SECONDS
    lifetime = body.get("expires_in", default)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime != lifetime:
        lifetime = default
    return token, int(min(max(lifetime, shortest), longest))


MIN_RSA_BITS = 2048  # the 1EdTech Security Framework's floor for RS256 keys


class KeySetUnreadable(LtiException):
    """The LMS's key set could not be fetched or holds no key to check a launch with: nothing
    this launch did wrong, so it is refused as the LMS's keys, not as a bad signature."""


def _readable_rsa_key(key: object) -> bool:
    """An RS256 public key with a kid that jwcrypto can build and verify with, at least 2048
    bits (read once, when the set is fetched, so a key no launch could use is never cached)."""
    if not isinstance(key, dict) or key.get("kty") != "RSA" or not isinstance(key.get("kid"), str):
        return False
    if key.get("alg", ACCEPTED_ALGORITHM) != ACCEPTED_ALGORITHM:
        return False
    try:
        verifier = JWK(**key).get_op_key("verify")
    except (JWException, ValueError, TypeError):
        return False
    return getattr(verifier, "key_size", 0) >= MIN_RSA_BITS


def _rsa_key_set(body: Any) -> TKeySet:
    """A JWKS with only the RSA public keys in it (LTI signs with RS256), or LtiException."""
    listed = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        raise LtiException("the LMS's key set is not a JSON key set (no list of keys)")
    usable = [key for key in listed if _readable_rsa_key(key)]
    if not usable:
        raise LtiException("the LMS's key set holds no RSA key IMR Academy can use")
    return cast(TKeySet, {"keys": usable})


KEY_SET_UNFETCHED = "the LMS's key set could not be fetched (the reason is in IMR Academy's log)"


def _fetched_key_set(session: requests.Session, url: str) -> TKeySet:
    """The RSA keys at the key set URL, or KeySetUnreadable.

    Why a fetch failed (refused, timed out, HTTP 403) goes to the log only: anyone may post a
    launch naming an issuer, so a page that said what answered at the key set URL, or at the
    address it redirected to, would be a port and status scanner of wherever that points.
    """
    try:
        response = session.get(url)
    except requests.RequestException as error:
        current_app.logger.warning("launch: key set %s could not be fetched: %s", url, error)
        raise KeySetUnreadable(KEY_SET_UNFETCHED) from None
    if not response.ok:
        current_app.logger.warning(
            "launch: key set %s answered HTTP %s %s", url, response.status_code, response.reason
        )
        raise KeySetUnreadable(KEY_SET_UNFETCHED)
    try:
        return _rsa_key_set(response.json())
    except (ValueError, RecursionError):
        raise KeySetUnreadable("the LMS's key set was not JSON") from None
    except LtiException as error:
        raise KeySetUnreadable(str(error)) from None


def _lms_session() -> OutboundSession:
    """A session for calls to an LMS, public-only unless this app allows private outbound calls."""
    return lms_session(private_allowed=current_app.config["IMR_SETTINGS"].private_outbound_allowed)


def _keyset_cache_key(url: str) -> str:
    """The key under which pylti1p3 caches a key set (its own md5 naming, kept for compatibility)."""
    return "key-set-url-" + hashlib.md5(url.encode("utf-8")).hexdigest()  # noqa: S324 (a cache key, not security)


class ToolMessageLaunch(FlaskMessageLaunch):
    """A launch validated in full, in an order that only spends the nonce on a genuine message."""

    def __init__(
        self,
        request: FlaskRequest,
        store: SharedStore,
        adopt_deployment: AdoptDeployment | None = None,
        **kwargs: Any,
    ) -> None:
        self._adopt_deployment = adopt_deployment
        self._storage = SharedLaunchDataStorage(store)
        super().__init__(
            request,
            DatabaseToolConf(),
            launch_data_storage=self._storage,
            requests_session=_lms_session(),
            **kwargs,
        )
        settings = current_app.config["IMR_SETTINGS"]
        self.set_public_key_caching(self._storage, settings.platform_keyset_cache_seconds)
        self.set_launch_data_lifetime(settings.launch_state_seconds)
        self._store = store
        self._refetched_keyset = False
        self._signature_verified = False

    def validate(self) -> ToolMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            self._step("state", self.validate_state)
            self._step("malformed", self.validate_jwt_format)
            self._step("replayed", self.validate_nonce)
            self._step("not-registered", self.validate_registration)
            self._step("bad-signature", self.validate_jwt_signature)
            self._check_claim_values()  # signed, so refusals name the LMS; before any lookup
            self._step("unknown-deployment", self.validate_deployment)
            self._step("missing-claims", self.validate_message)
            # Spent only now, on a message the LMS signed, and in one commit: the browser's
            # binding (its nonce with it), and a deep-linking request's claims for its answer.
            with self._store.together():
                self._check_browser_binding()
                if self._is_deep_linking():
                    self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    def _step(self, reason: str, check: Callable[[], object]) -> None:
        try:
            check()
        except KeySetUnreadable as error:  # the LMS's keys, not this launch, are what failed
            raise self._rejected("key-set", str(error)) from error
        except LtiException as error:
            raise self._rejected(reason, str(error)) from error

    def _rejected(self, reason: str, detail: str) -> LaunchRejected:
        """A refusal, marked verified only once the LMS's signature has been checked."""
        return LaunchRejected(reason, detail, self._facts(), verified=self._signature_verified)

    def _facts(self) -> dict[str, str]:
        body = self._jwt.get("body", {})
        audience = body.get("aud", "?")
        return {
            "issuer": str(body.get("iss", "?")),
            "client_id": str(audience[0] if isinstance(audience, list) and audience else audience),
            "deployment_id": str(body.get(claims.DEPLOYMENT_ID, "?")),
        }

    def validate_state(self) -> ToolMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("The launch has no state parameter")
        if self._cookie_service.get_cookie(state) != state:
            raise LtiException("The state cookie set at login did not come back")
        return self

    def validate_jwt_format(self) -> ToolMessageLaunch:
        """pylti1p3 checks that the parts decode as JSON; each must also be an object, or every
        later step (and the refusal's own facts) would fail on a list or a string."""
        super().validate_jwt_format()
        if not all(isinstance(self._jwt.get(part), dict) for part in ("header", "body")):
            self._jwt = {"header": {}, "body": {}}
            raise LtiException("Invalid JWT format: its header and claims must be JSON objects")
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        """The id_token names a nonce; whether it was issued with this state, and is still
        unused, is settled when the state's binding is taken."""
        if not self._jwt["body"].get("nonce"):
            raise LtiException('"nonce" is empty')
        return self

    def _check_browser_binding(self) -> None:
        """The id_token's nonce must be the one issued with this browser's state; both single-use."""
        issued = self._store.take(_binding_key(self._get_request_param("state")))
        if issued is None:
            raise self._rejected("replayed", "the sign-in state was already used or has expired")
        if issued != self._jwt["body"].get("nonce"):
            raise self._rejected("wrong-browser", "the nonce was issued with another state")

    def _check_claim_values(self) -> None:
        body = self._jwt["body"]
        self._check_claim_shapes(body)
        for where, value in _strings(body, "id_token"):
            if "\x00" in value:
                raise self._rejected("bad-claim", f"{where} contains a NUL character")
            if UNSTORABLE.search(value):  # valid JSON, yet no encoding can store it alone
                raise self._rejected(
                    "bad-claim", f"{where} contains half of a character (a lone UTF-16 surrogate)"
                )
        if body.get(claims.MESSAGE_TYPE) == "LtiDeepLinkingRequest" and not _dig(
            body, (claims.DEEP_LINKING_SETTINGS, "deep_link_return_url")
        ):
            raise self._rejected(
                "bad-claim", "a deep-linking request names no deep_link_return_url to answer to"
            )
        for label, path in IDENTIFIER_CLAIMS.items():
            value = _dig(body, path)
            if isinstance(value, str) and len(value) > IDENTIFIER_LIMIT:
                raise self._rejected(
                    "bad-claim", f"{label} is {len(value)} characters (the limit is 255)"
                )

    def _check_claim_shapes(self, body: Mapping[str, Any]) -> None:
        """Each claim IMR Academy reads has the JSON type the spec gives it, where present."""
        for label, path, wanted, words in (
            *((label, path, dict, "a JSON object") for label, path in OBJECT_CLAIMS.items()),
            *((label, path, str, "text") for label, path in TEXT_CLAIMS.items()),
            *((label, path, list, "a list of text") for label, path in TEXT_LIST_CLAIMS.items()),
        ):
            value = _dig(body, path)
            if value is None:
                continue
            if not isinstance(value, wanted) or (
                wanted is list and not all(isinstance(item, str) for item in value)
            ):
                raise self._rejected("bad-claim", f"{label} must be {words}")

    def save_launch_data(self) -> ToolMessageLaunch:
        """Keep the claims for later calls; pylti1p3 also marks the state valid for its own
        `validate_state`, which this class replaces with the cookie check, so that write is left out."""
        self._session_service.save_launch_data(self._launch_id, self._jwt["body"])
        return self

    def _is_deep_linking(self) -> bool:
        return bool(self._jwt["body"].get(claims.MESSAGE_TYPE) == "LtiDeepLinkingRequest")

    def validate_registration(self) -> ToolMessageLaunch:
        try:
            super().validate_registration()
        except LtiException:
            if self._issuer_known():
                raise LaunchRejected(
                    "wrong-audience", "no registration for this client id", self._facts()
                ) from None
            raise
        return self

    def _issuer_known(self) -> bool:
        if not storable(self.get_iss()):
            return False
        query = select(Platform.id).where(Platform.issuer == self.get_iss()).limit(1)
        return db.session.scalar(query) is not None

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        header = self._jwt.get("header", {})
        if header.get("alg") != ACCEPTED_ALGORITHM:
            raise LtiException(f"alg {header.get('alg')!r} refused: LTI 1.3 requires RS256")
        public_key, _ = self.get_public_key()
        body: dict[str, Any] = dict(self._jwt["body"])
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[ACCEPTED_ALGORITHM],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as error:
            raise LtiException(f"id_token did not verify: {error}") from error
        self._signature_verified = True
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[ACCEPTED_ALGORITHM],
                audience=self.get_client_id(),
                issuer=body.get("iss"),
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise self._rejected("expired", str(error)) from error
        except jwt.InvalidAudienceError as error:
            raise self._rejected("wrong-audience", str(error)) from error
        except jwt.InvalidTokenError as error:
            raise self._rejected(
                "missing-claims", f"id_token claims did not verify: {error}"
            ) from error
        if "azp" in body and body["azp"] != self.get_client_id():
            raise self._rejected("wrong-audience", "azp is not our client id")
        return self

    def validate_deployment(self) -> ToolMessageLaunch:
        """A deployment first seen now may be adopted, once the signature has been verified."""
        try:
            super().validate_deployment()
            return self
        except LtiException:
            body: dict[str, Any] = dict(self._jwt["body"])
            platform = find_platform(self.get_iss(), self.get_client_id())
            deployment_id = body.get(claims.DEPLOYMENT_ID)
            if platform is None or not deployment_id or self._adopt_deployment is None:
                raise
            name = (body.get(claims.TOOL_PLATFORM) or {}).get("name") or platform.name
            if not self._adopt_deployment(platform, str(deployment_id), str(name)):
                raise
        super().validate_deployment()
        return self

    def fetch_public_key(self, key_set_url: str) -> TKeySet:
        """The LMS's key set, cached only once it is one: a reply that is not (an error page, a
        list, keys of the wrong shape) is refused in a few words and never cached, so a
        moment's breakage on the LMS's side cannot stop its launches until the cache expires."""
        cache_key = _keyset_cache_key(key_set_url)
        cached = self._storage.get_value(cache_key)
        if cached:
            return cast(TKeySet, cached)
        key_set = _fetched_key_set(self._requests_session, key_set_url)
        self._storage.set_value(cache_key, key_set, self._public_key_cache_lifetime)
        return key_set

    def get_public_key(self) -> tuple[str, str]:
        try:
            return self._public_key()
        except LtiException as error:
            if "Unable to find public key" not in str(error) or not self._may_refetch_keyset():
                raise
            self._known_registration().set_key_set(None)
            return self._public_key()

    def _public_key(self) -> tuple[str, str]:
        """pylti1p3's key lookup, with a key that cannot be read refused like a missing one."""
        try:
            return super().get_public_key()
        except JWException:
            raise LtiException("the LMS's key for this launch is not a usable RSA key") from None

    def _may_refetch_keyset(self) -> bool:
        """Fetch the platform's key set again, at most once a minute per key set URL."""
        url = self._known_registration().get_key_set_url() or ""
        guard = "keyset-refetched-" + hashlib.sha256(url.encode()).hexdigest()
        if self._refetched_keyset or self._store.get(guard):
            return False
        self._refetched_keyset = True
        self._store.set(guard, True, KEYSET_REFETCH_GUARD_SECONDS)
        self._storage.remove_value(_keyset_cache_key(url))
        return True

    def get_service_connector(self) -> ServiceConnector:
        return CachingServiceConnector(
            self._known_registration(), self._store, self._requests_session
        )

    def _known_registration(self) -> Registration:
        """The registration validate_registration found (pylti1p3 types it as optional)."""
        if self._registration is None:
            raise LtiException("The launch's registration was not looked up first")
        return self._registration


class StorageMessageLaunch(ToolMessageLaunch):
    """A launch whose state and nonce came back from the LMS's storage instead of a cookie.

    The tool's launch page read `state_<state>` and `nonce_<nonce>` back from the LMS's window
    and posted them with the id_token. Both must match, and the login's platform-storage marker
    is spent here; the binding of nonce to state and the nonce itself are still taken on the
    server exactly as in a cookie launch, so each works once.
    """

    posted_from: str | None = None

    def validate_state(self) -> ToolMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LtiException("The launch has no state parameter")
        storage = take_storage(self._store, state)
        if storage is None:
            raise self._rejected("replayed", "no platform-storage login with this state")
        self.posted_from = storage.posted_from
        if self._get_request_param("stored_state") != state:
            raise self._rejected("storage", "the state read from the LMS page did not match")
        return self

    def _check_browser_binding(self) -> None:
        super()._check_browser_binding()
        if self._get_request_param("stored_nonce") != self._jwt["body"].get("nonce"):
            raise self._rejected("storage", "the nonce read from the LMS page did not match")


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in a claim set, with where it sits (for naming a bad one)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(str(key), f"{where} key")
            yield from _strings(item, f"{where} {key}")
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, where)


def _dig(body: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def message_launch(
    adopt_deployment: AdoptDeployment | None = None, store: SharedStore | None = None
) -> ToolMessageLaunch:
    """A launch for the current request; `adopt_deployment` decides about deployments first seen."""
    return ToolMessageLaunch(FlaskRequest(), store or current_store(), adopt_deployment)


def storage_message_launch(
    adopt_deployment: AdoptDeployment | None = None,
) -> StorageMessageLaunch:
    """A launch for the current request, verified against the LMS's platform storage."""
    return StorageMessageLaunch(FlaskRequest(), current_store(), adopt_deployment)


def state_cookie_returned(state: str) -> bool:
    """Whether the browser sent back the state cookie the login set (it may block cookies)."""
    return bool(state) and cookie_service().get_cookie(state) == state


def _unverified_claims(id_token: str) -> dict[str, Any]:
    try:
        body = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}
    return body if isinstance(body, dict) else {}


def unverified_nonce(id_token: str) -> str | None:
    """The nonce an id_token names, unverified: only to ask the LMS's storage for its key."""
    nonce = _unverified_claims(id_token).get("nonce")
    return nonce if isinstance(nonce, str) else None


def unverified_platform(id_token: str) -> tuple[str, str] | None:
    """The issuer and client id an id_token names, unverified: only to let that LMS's own pages
    frame the answer to it (a page saying why the launch was refused, say)."""
    body = _unverified_claims(id_token)
    issuer, audience = body.get("iss"), body.get("aud")
    client_id = audience[0] if isinstance(audience, list) and audience else audience
    if isinstance(issuer, str) and isinstance(client_id, str):
        return issuer, client_id
    return None


def service_connector(platform: Platform, store: SharedStore | None = None) -> ServiceConnector:
    """A connector for LTI Advantage calls outside a launch (background grade and roster tasks)."""
    return CachingServiceConnector(
        pylti_registration(platform), store or current_store(), _lms_session()
    )


def cookie_service() -> FlaskCookieService:
    """The cookie service that sets the OIDC state cookie on our response."""
    return FlaskCookieService(FlaskRequest())


def authorisation_url(cookies: FlaskCookieService, launch_url: str, facts: dict[str, str]) -> str:
    """Where the login sends the browser (the LMS's OIDC endpoint), with state and nonce kept.

    An LMS that is not registered gets the `not-registered` refusal, with the facts it sent.
    """
    store = current_store()
    login = ToolOIDCLogin(store, cookies)
    try:
        with store.together():  # the nonce and its binding to the state: one commit
            return login.get_redirect_object(launch_url).get_redirect_url()
    except OIDCException as error:
        raise LaunchRejected("not-registered", str(error), facts) from error


def _stored_launch(launch_id: str) -> dict[str, Any] | None:
    """The claims of an earlier validated launch, kept in the shared store for later calls."""
    return SharedLaunchDataStorage(current_store()).get_value(launch_id)


def is_deep_linking(launch_id: str) -> bool:
    """Whether a stored launch asked the tool to pick content for the LMS."""
    body = _stored_launch(launch_id) or {}
    return body.get(claims.MESSAGE_TYPE) == "LtiDeepLinkingRequest"


@dataclass(frozen=True)
class DeepLinkingResponse:
    """The signed answer to a deep-linking request, and where the browser must post it."""

    return_url: str
    jwt: str


def deep_linking_response(
    launch_id: str, title: str, url: str, custom: dict[str, str]
) -> DeepLinkingResponse:
    """Sign an LtiDeepLinkingResponse placing one IMR Academy link in the LMS."""
    body = _stored_launch(launch_id)
    if not body or body.get(claims.MESSAGE_TYPE) != "LtiDeepLinkingRequest":
        raise LookupError("this session did not start from a deep-linking request")
    audience = body["aud"][0] if isinstance(body["aud"], list) else body["aud"]
    platform = find_platform(body["iss"], audience)
    if platform is None:
        raise LookupError("the LMS registration was removed")
    settings = body[claims.DEEP_LINKING_SETTINGS]
    resource = DeepLinkResource().set_url(url).set_title(title).set_custom_params(custom)
    link = DeepLink(pylti_registration(platform), body[claims.DEPLOYMENT_ID], settings)
    return DeepLinkingResponse(settings["deep_link_return_url"], link.get_response_jwt([resource]))
