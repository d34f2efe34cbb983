"""The tool's own RSA keys: made on first use, stored server-side, rotated without downtime.

The newest unretired key signs (service access tokens, deep-linking responses); every unretired
key stays in the published JWKS, so an LMS that cached the old key keeps verifying until the
operator retires it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwcrypto.jwk import JWK
from sqlalchemy import insert, select

from app.extensions import db
from app.models.base import utc_now
from app.models.lti import ToolKey

KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    """What signing needs: the key id for the JWT header, the private key, and its public half."""

    kid: str
    private_key_pem: str
    public_jwk: str

    @property
    def public_key_pem(self) -> str:
        """The public half, from which pylti1p3 derives the same kid (the RFC 7638 thumbprint).

        Built from the stored public JWK: parsing the private PEM to derive it costs tens of
        milliseconds of RSA key checks on every login and launch.
        """
        return _public_pem(self.public_jwk)

    @property
    def private_key(self) -> RSAPrivateKey:
        """The parsed private key, for PyJWT (which would otherwise parse the PEM per token)."""
        return parsed_private_key(self.private_key_pem)


@lru_cache(maxsize=16)
def _public_pem(public_jwk: str) -> str:
    return JWK(**json.loads(public_jwk)).export_to_pem().decode()


@lru_cache(maxsize=64)
def parsed_private_key(private_key_pem: str) -> RSAPrivateKey:
    """An RSA private key parsed once per process: cryptography checks the key for tens of
    milliseconds on every load, and PyJWT would load the PEM again for every token it signs.
    A key's PEM never changes (a rotation makes a new key), so the cache cannot go stale."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("the stored signing key is not an RSA key")
    return key


@dataclass(frozen=True)
class NewKey:
    """A key pair just made: the public JWK (kid, alg and use set) and the private PEM."""

    public_jwk: dict[str, Any]
    private_key_pem: str

    @property
    def kid(self) -> str:
        return str(self.public_jwk["kid"])


def new_rsa_key() -> NewKey:
    """A 2,048-bit RSA signing key whose kid is its RFC 7638 thumbprint (as pylti1p3 derives
    it). Made with cryptography directly: through jwcrypto's generate, building the key back
    from its numbers checked it again and doubled the time."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public = JWK.from_pyca(key.public_key())
    jwk = json.loads(public.export_public()) | {
        "kid": public.thumbprint(),
        "alg": "RS256",
        "use": "sig",
    }
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return NewKey(jwk, pem)


def _new_key() -> ToolKey:
    made = new_rsa_key()
    return ToolKey(
        kid=made.kid, private_key_pem=made.private_key_pem, public_jwk=json.dumps(made.public_jwk)
    )


def _active_keys() -> list[ToolKey]:
    query = select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc())
    return list(db.session.scalars(query))


def _first_keys() -> list[ToolKey]:
    """The tool's first key, made on first need in a short transaction of its own.

    The first login (a GET) or key set request of a new installation needs a key before any
    command has run; making it is setting the tool up, not a change to any record, so it does
    not ride on the request's session (which refuses writes on GET).
    """
    key = _new_key()
    with db.engine.begin() as conn:
        conn.execute(
            insert(ToolKey).values(
                kid=key.kid,
                private_key_pem=key.private_key_pem,
                public_jwk=key.public_jwk,
                created_at=utc_now(),
            )
        )
    return _active_keys()


def signing_key() -> SigningKey:
    """The key that signs now, generating the first one if the tool has none yet."""
    key = (_active_keys() or _first_keys())[0]
    return SigningKey(kid=key.kid, private_key_pem=key.private_key_pem, public_jwk=key.public_jwk)


def published_jwks() -> dict[str, list[dict[str, Any]]]:
    """The JWKS document: every key not yet retired, newest first."""
    return {"keys": [json.loads(key.public_jwk) for key in _active_keys() or _first_keys()]}


def rotate() -> ToolKey:
    """Add a new signing key; the previous ones stay published until retired (flushed)."""
    key = _new_key()
    db.session.add(key)
    db.session.flush()
    return key


class ToolKeyError(LookupError):
    """A key operation named a key that cannot take it."""


def retire(kid: str) -> ToolKey:
    """Stop publishing a key. The last active key cannot be retired: nothing could sign."""
    key = db.session.scalar(select(ToolKey).where(ToolKey.kid == kid))
    if key is None:
        raise ToolKeyError(
            f"no tool key with kid {kid!r}; `flask --app wsgi lti list-keys` lists them"
        )
    if key.retired_at is not None:
        raise ToolKeyError(f"key {kid} was already retired on {key.retired_at:%Y-%m-%d}")
    if len(_active_keys()) == 1:
        raise ToolKeyError(f"key {kid} is the only active key: rotate first, then retire it")
    key.retired_at = utc_now()
    db.session.flush()
    return key


def all_keys() -> list[ToolKey]:
    """Every key the tool ever had, oldest first."""
    return list(db.session.scalars(select(ToolKey).order_by(ToolKey.id)))
