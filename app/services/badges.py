"""Certificates as Open Badges 3.0 credentials (W3C verifiable credentials), signed by the organisation.

Each credential is a VC-JWT signed with the issuing organisation's own key (published in its
JWKS), and names a 1EdTech revocation list, so a revoked badge fails verification too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import jwt

from app.domain.certificates import CertificateState
from app.extensions import db
from app.lti.keys import new_rsa_key, parsed_private_key
from app.models.certification import Certificate, IssuerKey
from app.models.tenancy import Organisation

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@dataclass(frozen=True)
class BadgeUrls:
    """Where the credential, its issuer and the issuer's keys and revocations live (absolute URLs)."""

    credential: str
    issuer: str
    jwks: str
    revocations: str
    achievement: str


def new_issuer_key(organisation_id: int) -> IssuerKey:
    """A fresh RSA signing key for an organisation's badges (its kid is the RFC 7638 thumbprint)."""
    made = new_rsa_key()
    return IssuerKey(
        organisation_id=organisation_id,
        kid=made.kid,
        public_jwk=json.dumps(made.public_jwk),
        private_key_pem=made.private_key_pem,
    )


def ensure_issuer_key(organisation_id: int) -> IssuerKey:
    """The organisation's key, made when it issues its first certificate (flushed, not committed).

    Only issuing makes a key: no GET does, so nobody can make the server generate keys for
    organisations by asking for their issuer profiles.
    """
    key = db.session.get(IssuerKey, organisation_id)
    if key is None:
        key = new_issuer_key(organisation_id)
        db.session.add(key)
        db.session.flush()
    return key


def issuer_key(organisation_id: int) -> IssuerKey | None:
    """The organisation's signing key, if it has issued anything."""
    return db.session.get(IssuerKey, organisation_id)


def has_issued(organisation_id: int) -> bool:
    """Whether the organisation has sealed at least one certificate (and so is an issuer)."""
    query = db.select(Certificate.id).where(
        Certificate.organisation_id == organisation_id, Certificate.pdf_sha256.is_not(None)
    )
    return db.session.scalar(query.limit(1)) is not None


def issuer_profile(organisation: Organisation, urls: BadgeUrls) -> dict[str, Any]:
    return {"@context": CONTEXTS, "id": urls.issuer, "type": ["Profile"], "name": organisation.name}


def _timestamp(day: Any) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def credential(certificate: Certificate, urls: BadgeUrls) -> dict[str, Any]:
    """The Open Badges 3.0 credential for a certificate."""
    return {
        "@context": CONTEXTS,
        "id": urls.credential,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": urls.issuer, "type": ["Profile"], "name": certificate.organisation_name},
        "validFrom": _timestamp(certificate.issued_on).isoformat(),
        "validUntil": _timestamp(certificate.expires_on)
        .replace(hour=23, minute=59, second=59)
        .isoformat(),
        "name": certificate.credential,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": {
                "id": urls.achievement,
                "type": ["Achievement"],
                "name": certificate.credential,
                "description": "Certified to deliver Illness Management and Recovery (IMR).",
                "criteria": {
                    "narrative": "Completed the five-day IMR intensive training, passed every competency "
                    "quiz, met the weekly consultation requirement and was signed off by a "
                    "trainer after an observed session."
                },
            },
        },
        "credentialStatus": {"id": urls.revocations, "type": "1EdTechRevocationList"},
    }


def signed(certificate: Certificate, urls: BadgeUrls) -> str:
    """The credential as a VC-JWT signed with the issuing organisation's key."""
    key = db.session.get_one(IssuerKey, certificate.organisation_id)
    body = credential(certificate, urls)
    claims = {
        "iss": urls.issuer,
        "jti": urls.credential,
        "sub": certificate.holder_name,
        "nbf": int(_timestamp(certificate.issued_on).timestamp()),
        "exp": int(datetime.fromisoformat(body["validUntil"]).timestamp()),
        "vc": body,
    }
    signer = parsed_private_key(key.private_key_pem)  # a public page: never parse per request
    return jwt.encode(claims, signer, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})


def revocation_list(organisation_id: int, urls_for: Any, list_url: str) -> dict[str, Any]:
    """Every revoked credential of the organisation, with the reason (suspended ones count as revoked)."""
    revoked = db.session.scalars(
        db.select(Certificate).where(
            Certificate.organisation_id == organisation_id,
            Certificate.state.in_(
                [CertificateState.SUSPENDED, CertificateState.REVOKED, CertificateState.REPLACED]
            ),
        )
    )
    return {
        "id": list_url,
        "revokedCredentials": [
            {
                "id": urls_for(c.code).credential,
                "revocationReason": c.revoked_reason
                or c.suspended_reason
                or "replaced by a corrected certificate",
            }
            for c in revoked
        ],
    }
