"""LTI platform storage: the OIDC state and nonce kept in the LMS's page instead of a cookie.

Current browsers give a cross-site frame no cookies, so the state cookie pylti1p3 sets at login
never comes back with the launch. 1EdTech's "LTI OIDC Login with LTI Client Side postMessages"
and "Platform Storage" let the tool keep the pair in the LMS's window instead: when the login
request names `lti_storage_target` (a frame of the LMS's window, or `_parent`), the tool's
page sends `lti.put_data` for `state_<state>` and `nonce_<nonce>` to that frame, with the
LMS's origin (from its registered OIDC authorisation URL) as the target origin, and reads them
back with `lti.get_data` when the launch arrives. The LMS answers only its own window and keeps
each tool origin's values apart, so a value read back proves the launch is finished in the
window that began it.

What this module keeps on the server, in the shared store (every worker sees it):
- a marker per login state, saying that this login used platform storage and where it lives
  (the frame name and the LMS's origin); it is taken (single use) when the launch is verified;
- which launch tokens were spent (the token itself is signed: see issue_launch_token).

Everything here is plain values and the store; the pages and routes are in app/launch.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer

from app.lti.frames import origin_of
from app.shared_store import SharedStore

# A window name as LMSs send it (`post_message_forwarding` in Canvas, `_parent` in the spec's
# examples); anything else is not a frame the page could address, so the login falls back.
TARGET_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
MARKER_SECONDS = 10 * 60  # as long as the login's state lives (app.lti.tool.LOGIN_STATE_SECONDS)
LAUNCH_TOKEN_SECONDS = 60  # from a verified launch to its session: one page away


@dataclass(frozen=True)
class PlatformStorage:
    """Where the LMS keeps a login's values: a frame of its window, answering from one origin.

    `posted_from` is the origin the launch was posted from (the browser's Origin header), kept
    until the launch is verified to remember it as a frame origin of this LMS.
    """

    target: str
    origin: str
    posted_from: str | None = None


@dataclass(frozen=True)
class StoredLogin:
    """A login whose state and nonce the tool's page puts into the LMS's storage."""

    storage: PlatformStorage
    state: str
    nonce: str
    state_key: str
    nonce_key: str


def storage_target(raw: str | None) -> str | None:
    """The frame named by `lti_storage_target`, or None when absent or not a window name."""
    if raw is None or not TARGET_PATTERN.fullmatch(raw):
        return None
    return raw


def state_key(state: str) -> str:
    """The platform storage key for a state (the spec's `state_<state>`)."""
    return f"state_{state}"


def nonce_key(nonce: str) -> str:
    """The platform storage key for a nonce (the spec's `nonce_<nonce>`)."""
    return f"nonce_{nonce}"


def stored_login(authorise_url: str, target: str) -> StoredLogin | None:
    """What the login page puts into the LMS's storage, read off the authorisation request.

    The target origin is the origin of the LMS's registered OIDC authorisation URL, the URL the
    login sends the browser to: never `*`, so no other site's window can read the values.
    """
    origin = origin_of(authorise_url)
    query = dict(parse_qsl(urlsplit(authorise_url).query))
    state, nonce = query.get("state"), query.get("nonce")
    if origin is None or not state or not nonce:
        return None
    storage = PlatformStorage(target, origin)
    return StoredLogin(storage, state, nonce, state_key(state), nonce_key(nonce))


def _marker_key(state: str) -> str:
    return "platform-storage-" + hashlib.sha256(state.encode()).hexdigest()


def remember(store: SharedStore, state: str, storage: PlatformStorage) -> None:
    """Note that this login's state lives in the LMS's storage, and where."""
    store.set(_marker_key(state), asdict(storage), MARKER_SECONDS)


def _storage(value: Any) -> PlatformStorage | None:
    return PlatformStorage(**value) if isinstance(value, dict) else None


def storage_for(store: SharedStore, state: str) -> PlatformStorage | None:
    """Where a login's values live, if it used platform storage (read only)."""
    return _storage(store.get(_marker_key(state))) if state else None


def take_storage(store: SharedStore, state: str) -> PlatformStorage | None:
    """Where a login's values live, spent: a second launch with this state finds nothing."""
    return _storage(store.take(_marker_key(state))) if state else None


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="imr-launch-token")


def issue_launch_token(secret_key: str, launch: dict[str, Any]) -> str:
    """A signed token for one verified launch, good for one exchange within a minute.

    Signed rather than stored: the launch has already written its records in the request's
    transaction, and the embedded store (SQLite) cannot take a second writer until it commits.
    """
    return _serializer(secret_key).dumps({"launch": launch, "id": secrets.token_urlsafe(16)})


def redeem_launch_token(store: SharedStore, secret_key: str, token: str) -> dict[str, Any] | None:
    """The launch a token was issued for, once: a second exchange, or a late one, gets None."""
    try:
        body = _serializer(secret_key).loads(token, max_age=LAUNCH_TOKEN_SECONDS)
    except BadData:
        return None
    spent = "launch-token-spent-" + hashlib.sha256(body["id"].encode()).hexdigest()
    if store.increment(spent, 2 * LAUNCH_TOKEN_SECONDS) != 1:
        return None
    return body["launch"]
