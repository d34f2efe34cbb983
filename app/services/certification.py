"""Certification use cases: evidence, eligibility, issuing, verification, and the audit log."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from app.content.model import Catalog
from app.domain.certification import (
    Approval,
    CertificationRules,
    Eligibility,
    Evidence,
    Rubric,
    RubricResult,
    Standing,
    add_months,
    eligibility,
    score_rubric,
    standing,
)
from app.domain.codes import new_code, normalise
from app.domain.quizzes import QuizBank
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import Certificate, CertificationPolicy, CompetencySignoff
from app.models.people import Person
from app.models.quizzes import SUBMITTED, QuizAttempt
from app.models.tenancy import Cohort, Organisation, Program
from app.pdf.certificate import CertificateFace, render
from app.services import badges
from app.services.audit import audit
from app.services.consultation import group_standings, groups_of, sessions_attended_since
from app.services.hours import Ledger, ledgers
from app.services.training import progress_of

CREDENTIAL = "IMR Practitioner"
STANDING_ACTIONS = {
    "suspend": "certificate suspended",
    "revoke": "certificate revoked",
    "reinstate": "certificate reinstated",
}


def policy_of(organisation_id: int) -> CertificationPolicy:
    """The organisation's policy (its defaults until a director changes them)."""
    found = db.session.get(CertificationPolicy, organisation_id)
    return found or CertificationPolicy(
        organisation_id=organisation_id,
        consultation_sessions=12,
        consultation_rate=75,
        require_signoff=True,
        approval="automatic",
        validity_months=24,
        signatory_name="",
        signatory_title="Program Director",
        renewal_sessions=6,
        reminder_days=[60, 30, 7],
    )


def rules_of(policy: CertificationPolicy) -> CertificationRules:
    return CertificationRules(
        policy.consultation_sessions,
        policy.consultation_rate,
        policy.require_signoff,
        Approval(policy.approval),
        policy.validity_months,
    )


def latest_signoff(person_id: int, organisation_id: int) -> CompetencySignoff | None:
    query = select(CompetencySignoff).filter_by(
        person_id=person_id, organisation_id=organisation_id
    )
    return db.session.scalar(query.order_by(CompetencySignoff.id.desc()).limit(1))


def _consultation(person_id: int, organisation_id: int) -> tuple[int | None, Fraction | None]:
    """The best standing among the person's groups in this organisation: only its evidence counts."""
    best = None
    for group in groups_of(person_id, organisation_id):
        summary = next(s.summary for s in group_standings(group) if s.person.id == person_id)
        if best is None or summary.credited > best.credited:
            best = summary
    return (best.credited, best.rate) if best else (None, None)


def _passed_quizzes(person_id: int, organisation_id: int) -> set[str]:
    query = select(QuizAttempt.quiz_id).where(
        QuizAttempt.person_id == person_id,
        QuizAttempt.organisation_id == organisation_id,
        QuizAttempt.status == SUBMITTED,
        QuizAttempt.passed.is_(True),
    )
    return set(db.session.scalars(query))


def evidence_of(
    catalog: Catalog, banks: dict[str, QuizBank], person_id: int, cohort: Cohort
) -> Evidence:
    """Everything certification looks at, for one practitioner of one cohort."""
    progress = progress_of(catalog, person_id, cohort)
    passed = _passed_quizzes(person_id, cohort.organisation_id)
    credited, rate = _consultation(person_id, cohort.organisation_id)
    signoff = latest_signoff(person_id, cohort.organisation_id)
    result = (
        RubricResult(
            Fraction(str(signoff.mean)), signoff.band, signoff.passed, len(signoff.ratings)
        )
        if signoff
        else None
    )
    return Evidence(
        days_incomplete=tuple(day.number for day in progress.days if not day.complete),
        quizzes_not_passed=tuple(quiz for quiz in banks if quiz not in passed),
        consultation_credited=credited,
        consultation_rate=rate,
        signoff=result,
        quiz_titles={quiz: bank.title for quiz, bank in banks.items()},
    )


def check(
    catalog: Catalog, banks: dict[str, QuizBank], person_id: int, cohort: Cohort
) -> Eligibility:
    return eligibility(
        evidence_of(catalog, banks, person_id, cohort), rules_of(policy_of(cohort.organisation_id))
    )


def certificates_of(person_id: int, organisation_id: int) -> list[Certificate]:
    query = select(Certificate).filter_by(person_id=person_id, organisation_id=organisation_id)
    return list(db.session.scalars(query.order_by(Certificate.id.desc())))


def current_certificate(person_id: int, organisation_id: int) -> Certificate | None:
    """The latest certificate that has not been replaced, revoked or left awaiting approval."""
    return next(
        (
            c
            for c in certificates_of(person_id, organisation_id)
            if c.replaced_by_id is None and c.revoked_at is None
        ),
        None,
    )


def standing_of(certificate: Certificate, today: date | None = None) -> Standing:
    return standing(
        certificate.expires_on,
        today or utc_now().date(),
        revoked=certificate.revoked_at is not None,
        suspended=certificate.suspended_at is not None,
        replaced=certificate.replaced_by_id is not None,
    )


def _hours(value: Fraction | float) -> Decimal:
    return round(Decimal(str(float(value))), 2)


def _evidence_snapshot(
    catalog: Catalog, banks: dict[str, QuizBank], person_id: int, cohort: Cohort
) -> dict[str, Any]:
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(
            QuizAttempt.person_id == person_id,
            QuizAttempt.organisation_id == cohort.organisation_id,
            QuizAttempt.passed.is_(True),
        )
        .order_by(QuizAttempt.submitted_at)
    )
    quizzes = {}
    for attempt in attempts:
        title = banks[attempt.quiz_id].title if attempt.quiz_id in banks else attempt.quiz_id
        quizzes.setdefault(
            title,
            {
                "passed_on": attempt.submitted_at.date().isoformat(),
                "percent": float(attempt.percent),
            },
        )
    credited, rate = _consultation(person_id, cohort.organisation_id)
    signoff = latest_signoff(person_id, cohort.organisation_id)
    return {
        "training_completed": [
            day.number for day in progress_of(catalog, person_id, cohort).days if day.complete
        ],
        "quizzes_passed": quizzes,
        "consultation_sessions": credited or 0,
        "consultation_rate": round(float(rate or 0), 1),
        "signoff": {
            "observed_on": signoff.observed_on.isoformat(),
            "mean": float(signoff.mean),
            "band": signoff.band,
        }
        if signoff
        else None,
    }


def _face(certificate: Certificate, verify_url: str) -> CertificateFace:
    return CertificateFace(
        certificate.holder_name,
        certificate.credential,
        certificate.organisation_name,
        certificate.program_name,
        certificate.issued_on,
        certificate.expires_on,
        f"{certificate.training_hours:.1f}",
        f"{certificate.consultation_hours:.1f}",
        certificate.code,
        verify_url,
        certificate.signatory_name or certificate.organisation_name,
        certificate.signatory_title,
    )


def seal(certificate: Certificate, verify_url: str) -> None:
    """Render the PDF once and record its SHA-256; from now on the certificate never changes."""
    certificate.pdf = render(_face(certificate, verify_url))
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    certificate.awaiting_approval = False
    badges.ensure_issuer_key(certificate.organisation_id)


def issue_if_eligible(
    catalog: Catalog,
    banks: dict[str, QuizBank],
    person_id: int,
    cohort: Cohort,
    verify_url_for: Any,
    actor_id: int | None = None,
) -> Certificate | None:
    """Issue (or queue for approval) a certificate once every requirement is met; never twice."""
    if current_certificate(person_id, cohort.organisation_id) is not None:
        return None
    if not check(catalog, banks, person_id, cohort).eligible:
        return None
    policy = policy_of(cohort.organisation_id)
    person = db.session.get_one(Person, person_id)
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    program = db.session.get(Program, cohort.program_id) if cohort.program_id else None
    today = utc_now().date()
    ledger = ledgers(catalog, banks, organisation.id, person.id).get(person.id, Ledger())
    certificate = Certificate(
        code=new_code(),
        organisation_id=organisation.id,
        person_id=person.id,
        program_name=program.name if program else None,
        holder_name=person.display_name,
        organisation_name=organisation.name,
        credential=CREDENTIAL,
        issued_on=today,
        expires_on=add_months(today, policy.validity_months),
        training_hours=_hours(ledger.training_hours),
        consultation_hours=_hours(ledger.consultation_hours),
        evidence=_evidence_snapshot(catalog, banks, person.id, cohort),
        signatory_name=policy.signatory_name,
        signatory_title=policy.signatory_title,
    )
    db.session.add(certificate)
    if policy.approval == Approval.DIRECTOR:
        certificate.awaiting_approval = True
        audit(
            organisation.id,
            actor_id,
            "certificate awaiting approval",
            f"{person.display_name} ({certificate.code})",
        )
    else:
        seal(certificate, verify_url_for(certificate.code))
        audit(
            organisation.id,
            actor_id,
            "certificate issued",
            f"{person.display_name} ({certificate.code})",
        )
    db.session.commit()
    return certificate


def approve(certificate: Certificate, verify_url: str, director_id: int) -> None:
    if not certificate.awaiting_approval:
        raise ValueError("this certificate is not awaiting approval")
    seal(certificate, verify_url)
    certificate.issued_on = utc_now().date()
    audit(
        certificate.organisation_id,
        director_id,
        "certificate issued",
        f"{certificate.holder_name} ({certificate.code})",
        "approved by a director",
    )
    db.session.commit()


def change_standing(certificate: Certificate, action: str, reason: str, actor_id: int) -> None:
    """Suspend, revoke or reinstate, with a reason kept publicly; certificates are never deleted."""
    now = utc_now()
    if action == "suspend":
        certificate.suspended_at, certificate.suspended_reason = now, reason
    elif action == "revoke":
        certificate.revoked_at, certificate.revoked_reason = now, reason
    elif action == "reinstate":
        certificate.suspended_at = certificate.revoked_at = None
        certificate.suspended_reason = certificate.revoked_reason = None
    else:
        raise ValueError(f"unknown action {action!r}")
    audit(
        certificate.organisation_id,
        actor_id,
        STANDING_ACTIONS[action],
        f"{certificate.holder_name} ({certificate.code})",
        reason,
    )
    db.session.commit()


def record_signoff(
    rubric: Rubric,
    person_id: int,
    organisation_id: int,
    trainer_id: int,
    observed_on: date,
    observed: str,
    ratings: dict[str, int | None],
    comments: dict[str, str],
    summary: str,
    session_format: str = "individual",
) -> CompetencySignoff:
    """A trainer's rubric ratings of an individual or group session; raises RatingError for a
    missing or out-of-range rating, or a rating of an item the session's format does not have."""
    result = score_rubric(rubric, ratings, session_format)
    signoff = CompetencySignoff(
        person_id=person_id,
        organisation_id=organisation_id,
        trainer_id=trainer_id,
        observed_on=observed_on,
        observed=observed,
        ratings=ratings,
        comments={k: v for k, v in comments.items() if v},
        summary=summary or None,
        mean=round(Decimal(result.mean.numerator) / Decimal(result.mean.denominator), 3),
        band=result.band,
        passed=result.passed,
        rubric_id=rubric.id,
    )
    db.session.add(signoff)
    person = db.session.get_one(Person, person_id)
    audit(
        organisation_id,
        trainer_id,
        "competency sign-off",
        person.display_name,
        f"mean {float(result.mean):.2f}, {result.band}, {'passed' if result.passed else 'not passed'}",
    )
    db.session.commit()
    return signoff


def find_certificate(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).filter_by(code=code))


MAX_ROSTER = 5000


def roster_results(data: bytes) -> list[list[str]]:
    """Each code of an uploaded CSV with its certificate's public standing (or why it is not found)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            "The file is not a UTF-8 CSV: save it as CSV (UTF-8) and upload it again."
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise ValueError(
            "The file could not be read as a CSV: one of its fields is far longer than a "
            "certificate code, or a quotation mark is not closed. Save the roster as CSV from "
            "your spreadsheet program and upload it again."
        ) from None
    if not rows:
        raise ValueError("The file is empty.")
    column = next((i for i, name in enumerate(rows[0]) if name.strip().lower() == "code"), None)
    if column is None:
        raise ValueError(
            "The file has no column headed “code”. Put the certificate codes in a column whose "
            "first row says code, and upload it again."
        )
    body = rows[1:]
    if len(body) > MAX_ROSTER:
        raise ValueError(f"Check at most {MAX_ROSTER} codes at a time; this file has {len(body)}.")
    results = []
    for row in body:
        given = (row[column] if len(row) > column else "").strip()
        if not given:
            continue
        canonical = normalise(given)
        found = find_certificate(canonical) if canonical else None
        if found is None or found.pdf_sha256 is None:
            results.append(
                [given, "not a valid code" if canonical is None else "not found", "", "", "", ""]
            )
        else:
            results.append(
                [
                    given,
                    standing_of(found).value,
                    found.holder_name,
                    found.credential,
                    found.organisation_name,
                    found.expires_on.isoformat(),
                ]
            )
    return results


class ReissueRefused(ValueError):
    """The certificate cannot be corrected or renewed now (the message says why)."""


def _successor(old: Certificate, **changes: object) -> Certificate:
    fields = {
        c.name: getattr(old, c.name)
        for c in Certificate.__table__.columns
        if c.name
        not in {
            "id",
            "code",
            "created_at",
            "pdf",
            "pdf_sha256",
            "suspended_at",
            "suspended_reason",
            "revoked_at",
            "revoked_reason",
            "replaces_id",
            "renews_id",
            "replaced_by_id",
        }
    }
    return Certificate(**{**fields, "code": new_code(), **changes})


def correct(old: Certificate, reason: str, verify_url_for: Any, actor_id: int) -> Certificate:
    """A corrected copy (current name, program and signatory) that replaces the old certificate."""
    if old.replaced_by_id is not None or old.pdf_sha256 is None:
        raise ReissueRefused("Only the current issued certificate can be corrected.")
    person = db.session.get_one(Person, old.person_id)
    policy = policy_of(old.organisation_id)
    new = _successor(
        old,
        holder_name=person.display_name,
        signatory_name=policy.signatory_name,
        signatory_title=policy.signatory_title,
        replaces_id=old.id,
    )
    db.session.add(new)
    db.session.flush()
    old.replaced_by_id = new.id
    seal(new, verify_url_for(new.code))
    audit(
        old.organisation_id,
        actor_id,
        "certificate corrected",
        f"{old.holder_name} ({old.code} → {new.code})",
        reason,
    )
    db.session.commit()
    return new


def renewal_gap(old: Certificate, today: date | None = None) -> str | None:
    """Why the certificate cannot be renewed yet, or None when it can."""
    today = today or utc_now().date()
    policy = policy_of(old.organisation_id)
    if old.replaced_by_id is not None or old.revoked_at is not None:
        return "Only a current certificate that has not been revoked can be renewed."
    if renewed_by(old) is not None:
        return "This certificate has already been renewed."
    if old.expires_on > add_months(today, 2):
        return (
            f"Renewal opens two months before expiry ({add_months(old.expires_on, -2):%d %b %Y})."
        )
    attended = sessions_attended_since(old.person_id, old.organisation_id, old.issued_on)
    if attended < policy.renewal_sessions:
        return f"{policy.renewal_sessions - attended} more consultation sessions since {old.issued_on:%d %b %Y} are needed to renew."
    return None


def renew(old: Certificate, verify_url_for: Any, actor_id: int | None) -> Certificate:
    """A new certificate for a new validity period, linked to the one it renews."""
    gap = renewal_gap(old)
    if gap:
        raise ReissueRefused(gap)
    today = utc_now().date()
    policy = policy_of(old.organisation_id)
    person = db.session.get_one(Person, old.person_id)
    new = _successor(
        old,
        holder_name=person.display_name,
        issued_on=today,
        expires_on=add_months(max(today, old.expires_on), policy.validity_months),
        signatory_name=policy.signatory_name,
        signatory_title=policy.signatory_title,
        renews_id=old.id,
    )
    db.session.add(new)
    db.session.flush()
    seal(new, verify_url_for(new.code))
    audit(
        old.organisation_id,
        actor_id,
        "certificate renewed",
        f"{old.holder_name} ({old.code} → {new.code})",
    )
    db.session.commit()
    return new


def renewed_by(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(select(Certificate).filter_by(renews_id=certificate.id))


def lineage(certificate: Certificate) -> list[tuple[str, Certificate]]:
    """The certificates this one is linked to, in words verification can show."""
    links = []
    for label, other_id in (
        ("renews", certificate.renews_id),
        ("replaces", certificate.replaces_id),
        ("replaced by", certificate.replaced_by_id),
    ):
        if other_id:
            links.append((label, db.session.get_one(Certificate, other_id)))
    successor = renewed_by(certificate)
    if successor is not None:
        links.append(("renewed by", successor))
    return links
