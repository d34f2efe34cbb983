"""Certificates: issued through one service, changed only by named moves, never by opening a page.

A practitioner's first certificate is issued when their evidence changes (a quiz passed, a module
completed, attendance saved, a sign-off recorded, the requirements changed) or by the daily check,
through `issue_when_eligible`, and the audit log says it was issued automatically and after what.
From then on only a director changes anything: approve, suspend, reinstate, revoke, correct,
renew, or re-certify after a revocation. A revoked or suspended certificate therefore stays so:
nothing issues a new one behind the director's back. Once renewed, a certificate is retired by
its renewal (app.domain.certificates): it takes no more moves, its page points to the renewal,
and a suspension or revocation of the renewal reaches its badge too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.domain.certificates import (
    CertificateState,
    Standing,
    Transition,
    after,
    allowed_moves,
    date_in_words,
    line_end,
    standing,
)
from app.domain.certification import Approval, add_months, renewal_opens
from app.domain.codes import new_code
from app.extensions import content, db
from app.models.base import utc_now
from app.models.certification import Certificate
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Organisation, Program
from app.models.training import ModuleCompletion
from app.pdf.certificate import CertificateFace, render
from app.services import badges
from app.services.audit import audit
from app.services.consultation import sessions_attended_since
from app.services.evidence import Gathered, gather
from app.services.hours import Ledger, ledgers
from app.services.policies import policy_of
from app.urls import public_url

CREDENTIAL = "IMR Practitioner"


class ReissueRefused(ValueError):
    """The certificate cannot be corrected, renewed or re-certified now (the message says why)."""


def certificates_of(person_id: int, organisation_id: int) -> list[Certificate]:
    """A practitioner's certificates in one organisation, newest first."""
    query = select(Certificate).filter_by(person_id=person_id, organisation_id=organisation_id)
    return list(db.session.scalars(query.order_by(Certificate.id.desc())))


def current_certificate(person_id: int, organisation_id: int) -> Certificate | None:
    """The latest issued certificate (not replaced, renewed, revoked, suspended or awaiting
    approval): once a renewal is revoked, the certificate it renewed is not current again."""
    held = certificates_of(person_id, organisation_id)
    renewed = {c.renews_id for c in held}
    return next(
        (c for c in held if c.state is CertificateState.ISSUED and c.id not in renewed), None
    )


PDF_BATCH = 50  # certificates (with their PDFs) loaded at a time while a zip is written


def sealed_pdfs(
    organisation_id: int, certificate_ids: list[int], batch: int = PDF_BATCH
) -> Iterator[tuple[str, bytes]]:
    """The chosen certificates' codes and sealed PDFs, read `batch` at a time as a zip is written,
    so a thousand PDFs never sit in memory together; others' certificates are skipped."""
    chosen = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.id.in_(certificate_ids),
            Certificate.organisation_id == organisation_id,
            Certificate.pdf.is_not(None),
        )
        .options(undefer(Certificate.pdf))
        .execution_options(yield_per=batch)
    )
    return ((c.code, c.pdf) for c in chosen if c.pdf is not None)


def standing_of(certificate: Certificate, today: date | None = None) -> Standing:
    """What verification says of the certificate today (renewed, once a renewal follows it)."""
    return standing(
        certificate.state,
        certificate.expires_on,
        today or utc_now().date(),
        renewed=renewed_by(certificate) is not None,
    )


def open_moves(certificate: Certificate) -> tuple[Transition, ...]:
    """The moves a director may make on the certificate now (none once it is renewed)."""
    return allowed_moves(certificate.state, renewed=renewed_by(certificate) is not None)


def refuse_unless_open(certificate: Certificate, move: Transition) -> None:
    """IllegalTransition, in words, unless the move is open to the certificate now: checked
    before a preview, a replacement or a re-certification is made, as the move itself would."""
    after(certificate.state, move, renewed=renewed_by(certificate) is not None)


def find_certificate(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).filter_by(code=code))


def _hours(value: Fraction) -> Decimal:
    return round(Decimal(str(float(value))), 2)


def _face(certificate: Certificate) -> CertificateFace:
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
        public_url("verify.certificate", code=certificate.code),
        certificate.signatory_name or certificate.organisation_name,
        certificate.signatory_title,
    )


def seal(certificate: Certificate) -> None:
    """Render the PDF once and record its SHA-256; from now on the certificate never changes."""
    certificate.pdf = render(_face(certificate))
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    badges.ensure_issuer_key(certificate.organisation_id)


def _new_certificate(gathered: Gathered, **links: int) -> Certificate:
    """A certificate for the gathered evidence, under the organisation's current policy."""
    cohort, policy = gathered.cohort, gathered.policy
    person = db.session.get_one(Person, gathered.person_id)
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    program = db.session.get(Program, cohort.program_id) if cohort.program_id else None
    ledger = ledgers(content().catalog, content().quizzes, organisation.id, person.id).get(
        person.id, Ledger()
    )
    today = utc_now().date()
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
        evidence=gathered.snapshot(),
        signatory_name=policy.signatory_name,
        signatory_title=policy.signatory_title,
        **links,
    )
    waits = Approval(policy.approval) is Approval.DIRECTOR
    certificate.state = CertificateState.AWAITING_APPROVAL if waits else CertificateState.ISSUED
    db.session.add(certificate)
    db.session.flush()
    if not waits:
        seal(certificate)
    return certificate


def _subject(certificate: Certificate) -> str:
    return f"{certificate.holder_name} ({certificate.code})"


def one_change_at_a_time(person_id: int, *held: Certificate) -> None:
    """Wait for any other transaction changing this practitioner's certificates, then read
    the certificates already loaded afresh.

    Issuing, renewing, correcting and re-certifying each first check what exists, then add a
    certificate: two at once (the daily check beside a quiz submitted, two directors' clicks)
    both found none and issued two, under different public codes. The practitioner's row is
    locked until the transaction ends (PostgreSQL; SQLite already lets one writer in at a time),
    so it is taken only once a change is about to be made, never on the paths that change nothing.
    """
    db.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
    for certificate in held:
        db.session.refresh(certificate)


def issue_when_eligible(person_id: int, cohort: Cohort, because: str) -> Certificate | None:
    """Issue a practitioner's first certificate once every requirement is met (or queue it for
    approval); afterwards, and after any revocation or suspension, only a director acts."""
    if certificates_of(person_id, cohort.organisation_id):
        return None
    gathered = gather(person_id, cohort)
    if not gathered.eligibility().eligible:
        return None
    one_change_at_a_time(person_id)  # about to issue: wait for anyone issuing it right now
    if certificates_of(person_id, cohort.organisation_id):
        return None  # they did, while this waited
    certificate = _new_certificate(gathered)
    action = (
        "certificate awaiting approval"
        if certificate.awaiting_approval
        else "certificate issued automatically"
    )
    audit(certificate.organisation_id, None, action, _subject(certificate), f"after {because}")
    return certificate


def issue_due(organisation_id: int, because: str, kept_one_by_one: bool = False) -> int:
    """Issue every certificate that has come due in an organisation (the daily check and a
    change of requirements); only practitioners with every module done are looked at.

    `kept_one_by_one` (the daily task, its own boundary) commits each practitioner's outcome
    as soon as it is known: their row is let go at once instead of staying locked until the
    whole organisation is done, and a failure later in the run keeps what was issued before it.
    """
    modules = len(content().catalog.modules)
    done = (
        select(ModuleCompletion.person_id)
        .where(ModuleCompletion.organisation_id == organisation_id)
        .group_by(ModuleCompletion.person_id)
        .having(func.count() >= modules)
    )
    without = select(Certificate.person_id).where(Certificate.organisation_id == organisation_id)
    candidates = db.session.execute(
        select(Enrolment.person_id, Cohort)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Cohort.organisation_id == organisation_id,
            Enrolment.active.is_(True),
            Enrolment.person_id.in_(done),
            Enrolment.person_id.not_in(without),
        )
    ).all()
    issued: set[int] = set()
    for person_id, cohort in candidates:
        if issue_when_eligible(person_id, cohort, because):
            issued.add(person_id)
        if kept_one_by_one:
            db.session.commit()  # Named step: see the docstring
    return len(issued)


def issue_when_eligible_each(person_ids: Iterable[int], cohort: Cohort, because: str) -> int:
    """Issue to each of the cohort's people whom one change (an attendance saved) made eligible."""
    return sum(1 for person_id in person_ids if issue_when_eligible(person_id, cohort, because))


def approve(certificate: Certificate, director_id: int) -> None:
    """A director approves a certificate that waited for them: it is sealed and issued today,
    valid for the policy's whole period from today (not from the day it began to wait)."""
    one_change_at_a_time(certificate.person_id, certificate)
    certificate.apply(Transition.APPROVE, utc_now())
    certificate.issued_on = utc_now().date()
    validity = policy_of(certificate.organisation_id).validity_months
    certificate.expires_on = add_months(certificate.issued_on, validity)
    seal(certificate)
    audit(
        certificate.organisation_id,
        director_id,
        "certificate issued",
        _subject(certificate),
        "approved by a director",
    )


STANDING_ACTIONS = {
    Transition.SUSPEND: "certificate suspended",
    Transition.REINSTATE: "certificate reinstated",
    Transition.REVOKE: "certificate revoked",
}


def change_standing(certificate: Certificate, move: Transition, reason: str, actor_id: int) -> None:
    """Suspend, reinstate or revoke, with the reason kept publicly; certificates are never deleted."""
    if move not in STANDING_ACTIONS:
        raise ValueError(f"{move} is not a change of standing")
    one_change_at_a_time(certificate.person_id, certificate)
    refuse_unless_open(certificate, move)
    certificate.apply(move, utc_now(), reason)
    audit(
        certificate.organisation_id, actor_id, STANDING_ACTIONS[move], _subject(certificate), reason
    )


def _successor_fields(old: Certificate) -> dict[str, object]:
    kept = {
        "organisation_id", "person_id", "program_name", "holder_name", "organisation_name",
        "credential", "issued_on", "expires_on", "training_hours", "consultation_hours",
        "evidence", "signatory_name", "signatory_title",
    }  # fmt: skip
    return {name: getattr(old, name) for name in kept}


def _successor(old: Certificate, **changes: object) -> Certificate:
    """A new sealed certificate following `old`: its terms, the holder's current name and the
    policy's current signatory, with the changes given."""
    person = db.session.get_one(Person, old.person_id)
    policy = policy_of(old.organisation_id)
    fields = _successor_fields(old) | {
        "holder_name": person.display_name,
        "signatory_name": policy.signatory_name,
        "signatory_title": policy.signatory_title,
    }
    new = Certificate(**(fields | changes), code=new_code(), state=CertificateState.ISSUED)
    db.session.add(new)
    db.session.flush()
    seal(new)
    return new


def correct(old: Certificate, reason: str, actor_id: int) -> Certificate:
    """A corrected copy (current name, program and signatory) that replaces the old certificate."""
    one_change_at_a_time(old.person_id, old)
    if old.pdf_sha256 is None:
        raise ReissueRefused("Only an issued certificate can be corrected.")
    refuse_unless_open(old, Transition.REPLACE)  # refuses before anything is made
    new = _successor(old, replaces_id=old.id)
    old.apply(Transition.REPLACE, utc_now())
    old.replaced_by_id = new.id
    audit(
        old.organisation_id,
        actor_id,
        "certificate corrected",
        f"{old.holder_name} ({old.code} → {new.code})",
        reason,
    )
    return new


def renewed_by(certificate: Certificate) -> Certificate | None:
    """The certificate that renewed this one, if any (there is at most one: see renewal_gap)."""
    return db.session.scalar(select(Certificate).filter_by(renews_id=certificate.id))


def renewal_gap(old: Certificate, today: date | None = None) -> str | None:
    """Why the certificate cannot be renewed yet, or None when it can."""
    today = today or utc_now().date()
    if old.state is not CertificateState.ISSUED:
        return f"Only an issued certificate can be renewed; this one is {old.state.words}."
    if renewed_by(old) is not None:
        return "This certificate has already been renewed."
    opens = renewal_opens(old.expires_on)
    if today < opens:
        return f"Renewal opens two months before expiry, on {date_in_words(opens)}."
    needed = policy_of(old.organisation_id).renewal_sessions
    attended = sessions_attended_since(old.person_id, old.organisation_id, old.issued_on)
    if attended < needed:
        short = needed - attended
        sessions, are = ("session", "is") if short == 1 else ("sessions", "are")
        return (
            f"{short} more consultation {sessions} since "
            f"{date_in_words(old.issued_on)} {are} needed to renew."
        )
    return None


def renew(old: Certificate, actor_id: int | None) -> Certificate:
    """A new certificate for a new validity period, linked to the one it renews."""
    one_change_at_a_time(old.person_id, old)
    gap = renewal_gap(old)
    if gap:
        raise ReissueRefused(gap)
    today = utc_now().date()
    validity = policy_of(old.organisation_id).validity_months
    new = _successor(
        old,
        issued_on=today,
        expires_on=add_months(max(today, old.expires_on), validity),
        renews_id=old.id,
    )
    audit(
        old.organisation_id,
        actor_id,
        "certificate renewed",
        f"{old.holder_name} ({old.code} → {new.code})",
    )
    return new


def recertify(revoked: Certificate, reason: str, director_id: int) -> Certificate:
    """After a revocation, a director decides explicitly that the practitioner is certified again.

    Only from the practitioner's latest certificate, only once, only with the evidence met now;
    the new certificate links to the revoked one, which stays revoked.
    """
    one_change_at_a_time(revoked.person_id, revoked)
    refuse_unless_open(revoked, Transition.RECERTIFY)
    if certificates_of(revoked.person_id, revoked.organisation_id)[0].id != revoked.id:
        raise ReissueRefused("A newer certificate already follows this one.")
    cohort = _cohort_of(revoked)
    gathered = gather(revoked.person_id, cohort)
    unmet = [r for r in gathered.eligibility().requirements if not r.met]
    if unmet:
        raise ReissueRefused(
            "Not every requirement is met now: " + "; ".join(r.missing or r.label for r in unmet)
        )
    new = _new_certificate(gathered, recertifies_id=revoked.id)
    audit(
        revoked.organisation_id,
        director_id,
        "certificate re-certified",
        f"{revoked.holder_name} ({revoked.code} → {new.code})",
        reason,
    )
    return new


def _cohort_of(certificate: Certificate) -> Cohort:
    """The practitioner's cohort in the certificate's organisation (their most recent one)."""
    query = (
        select(Cohort)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.person_id == certificate.person_id,
            Cohort.organisation_id == certificate.organisation_id,
        )
        .order_by(Enrolment.active.desc(), Enrolment.last_launch_at.desc())
        .limit(1)
    )
    found = db.session.scalar(query)
    if found is None:
        raise ReissueRefused("The practitioner is no longer in any of the organisation's cohorts.")
    return found


def line_head(certificate: Certificate) -> Certificate:
    """The certificate that speaks for this one's line today: its renewal's renewal, or the
    correction of it, and so on (the certificate itself when nothing has taken its place)."""
    held = {c.id: c for c in certificates_of(certificate.person_id, certificate.organisation_id)}
    continued_by = {c.renews_id: c.id for c in held.values() if c.renews_id is not None}
    continued_by |= {c.id: c.replaced_by_id for c in held.values() if c.replaced_by_id}
    return held.get(line_end(certificate.id, continued_by), certificate)


def lineage(certificate: Certificate) -> list[tuple[str, Certificate]]:
    """The certificates this one is linked to, in words verification can show; past a renewal or
    a correction, the one that now speaks for the line too, so that an old code shows what
    became of the certificates that followed it."""
    links = []
    for label, other_id in (
        ("renews", certificate.renews_id),
        ("replaces", certificate.replaces_id),
        ("re-certifies", certificate.recertifies_id),
        ("replaced by", certificate.replaced_by_id),
    ):
        if other_id:
            links.append((label, db.session.get_one(Certificate, other_id)))
    successor = renewed_by(certificate)
    if successor is not None:
        links.append(("renewed by", successor))
    recertified = db.session.scalar(select(Certificate).filter_by(recertifies_id=certificate.id))
    if recertified is not None:
        links.append(("re-certified by", recertified))
    head = line_head(certificate)
    if head.id not in {certificate.id, *(other.id for _, other in links)}:
        links.append(("now continued by", head))
    return links


WITHDRAWN = (CertificateState.SUSPENDED, CertificateState.REVOKED)


def withdrawn_through_renewal(organisation_id: int) -> list[tuple[str, str]]:
    """The codes of renewed certificates whose line has since been suspended or revoked, with
    why: their badges and PDFs are still out there, and withdrawing the renewal withdraws them.

    Walked back from each withdrawn certificate that speaks for its line (a handful), never
    forward from every renewed one (thousands).
    """
    withdrawn = db.session.scalars(
        select(Certificate).where(
            Certificate.organisation_id == organisation_id, Certificate.state.in_(WITHDRAWN)
        )
    ).all()
    covered = []
    for last in withdrawn:
        if renewed_by(last) is not None:
            continue  # renewed before it was withdrawn: its renewal speaks for the line
        why = last.revoked_reason or last.suspended_reason or last.state.words
        reason = f"{why} (the certificate now continuing it, {last.code}, is {last.state.words})"
        covered += [(c.code, reason) for c in _before(last) if c.state is CertificateState.ISSUED]
    return covered


def _before(certificate: Certificate) -> list[Certificate]:
    """Every certificate whose line leads to this one, through renewals and corrections (the
    ones still issued among them are the renewed ones: a corrected one is marked replaced)."""
    found: dict[int, Certificate] = {}
    waiting = [certificate.renews_id, certificate.replaces_id]
    while waiting:
        other_id = waiting.pop()
        if other_id is None or other_id in found:
            continue
        other = found[other_id] = db.session.get_one(Certificate, other_id)
        waiting += [other.renews_id, other.replaces_id]
    return list(found.values())
