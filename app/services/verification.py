"""Public verification: what anyone holding a certificate (or its code) may learn of it, in words."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.certificates import PublicStanding, Transition, after, public_standing, standing
from app.domain.codes import normalise
from app.domain.consultation import local_wall_time
from app.domain.sharing import SharedCredential, linkedin_add_url
from app.models.base import utc_now
from app.models.certification import Certificate
from app.services.certificates import find_certificate, lineage, standing_of
from app.services.policies import policy_of

MAX_ROSTER = 5000


def issued(code: str) -> tuple[str | None, Certificate | None]:
    """The code in canonical form (None when malformed) and its issued certificate, if any."""
    canonical = normalise(code)
    found = find_certificate(canonical) if canonical else None
    return canonical, found if found is not None and found.pdf_sha256 else None


def _day_at_issuer(moment: datetime, certificate: Certificate) -> date:
    """The date a moment fell on where the issuing organisation is: a revocation at 20:00 in
    Los Angeles happened on that day there, though it was already the next day in UTC."""
    zone = policy_of(certificate.organisation_id).timezone or "UTC"
    return local_wall_time(moment, zone).date()


def public_words(certificate: Certificate) -> PublicStanding:
    """The standing of a certificate, with the sentence, date and reason that fit it."""
    changed = certificate.changed_on
    successor = next(
        (other.code for label, other in lineage(certificate) if label == "replaced by"), None
    )
    return public_standing(
        standing_of(certificate),
        certificate.holder_name,
        certificate.credential,
        certificate.expires_on,
        _day_at_issuer(changed, certificate) if changed else None,
        certificate.revoked_reason or certificate.suspended_reason,
        successor,
    )


def public_standing_after(
    certificate: Certificate, move: Transition, reason: str
) -> PublicStanding:
    """What the public verification page will say once the move is made (the director's preview)."""
    state = after(certificate.state, move)
    now = utc_now()
    return public_standing(
        standing(state, certificate.expires_on, now.date()),
        certificate.holder_name,
        certificate.credential,
        certificate.expires_on,
        _day_at_issuer(now, certificate),
        reason if move is not Transition.REINSTATE else None,
    )


@dataclass(frozen=True)
class PublicCertificate:
    """A certificate as the verification page and its JSON show it."""

    certificate: Certificate
    words: PublicStanding
    links: list[tuple[str, Certificate]]

    def as_json(self) -> dict[str, Any]:
        c, words = self.certificate, self.words
        return {
            "code": c.code,
            "status": words.standing.value,
            "headline": words.headline,
            "statement": words.sentence,
            "advice": words.advice,
            "holder": c.holder_name,
            "credential": c.credential,
            "issued_by": c.organisation_name,
            "program": c.program_name,
            "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat(),
            "status_changed_on": words.changed_on.isoformat() if words.changed_on else None,
            "status_reason": words.reason,
            "replaced_by": words.successor,
            "evidence": c.evidence,
            "training_hours": float(c.training_hours),
            "consultation_hours": float(c.consultation_hours),
            "pdf_sha256": c.pdf_sha256,
            "lineage": [
                {"relation": label, "code": other.code, "status": standing_of(other).value}
                for label, other in self.links
                if other.pdf_sha256
            ],
        }


def public_view(certificate: Certificate) -> PublicCertificate:
    return PublicCertificate(certificate, public_words(certificate), lineage(certificate))


def linkedin_link(certificate: Certificate, url: str) -> str:
    """LinkedIn's add-to-profile link for the certificate, pointing back at its public page."""
    return linkedin_add_url(
        SharedCredential(
            certificate.credential,
            certificate.organisation_name,
            certificate.issued_on,
            certificate.expires_on,
            url,
            certificate.code,
        )
    )


def _rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "The file is not a UTF-8 CSV: save it as CSV (UTF-8) and upload it again."
        ) from None
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise ValueError(
            "The file could not be read as a CSV: one of its fields is far longer than a "
            "certificate code, or a quotation mark is not closed. Save the roster as CSV from "
            "your spreadsheet program and upload it again."
        ) from None


def _code_column(header: list[str]) -> int:
    column = next((i for i, name in enumerate(header) if name.strip().lower() == "code"), None)
    if column is None:
        raise ValueError(
            "The file has no column headed “code”. Put the certificate codes in a column whose "
            "first row says code, and upload it again."
        )
    return column


def _result(given: str) -> list[str]:
    canonical, found = issued(given)
    if found is None:
        return [given, "not a valid code" if canonical is None else "not found", "", "", "", ""]
    return [
        given,
        standing_of(found).value,
        found.holder_name,
        found.credential,
        found.organisation_name,
        found.expires_on.isoformat(),
    ]


def roster_results(data: bytes) -> list[list[str]]:
    """Each code of an uploaded CSV with its certificate's public standing (or why it is not found)."""
    rows = _rows(data)
    if not rows:
        raise ValueError("The file is empty.")
    column = _code_column(rows[0])
    body = rows[1:]
    if len(body) > MAX_ROSTER:
        raise ValueError(f"Check at most {MAX_ROSTER} codes at a time; this file has {len(body)}.")
    given = ((row[column] if len(row) > column else "").strip() for row in body)
    return [_result(code) for code in given if code]
