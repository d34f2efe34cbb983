"""Renewal reminders at the organisation's chosen offsets before a certificate expires."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.domain.certificates import CertificateState, date_in_words
from app.extensions import db
from app.mail import send_mail
from app.models.certification import Certificate, RenewalReminder, not_renewed
from app.models.people import Director, Person
from app.services.certificates import one_change_at_a_time, renewal_gap
from app.services.policies import policy_of
from config import Settings


def _live(today: date) -> list[Certificate]:
    query = select(Certificate).where(
        Certificate.state == CertificateState.ISSUED,
        Certificate.expires_on >= today,
        not_renewed(),
    )
    return list(db.session.scalars(query))


def _due_offset(
    certificate: Certificate, offsets: list[int], sent: set[int], today: date
) -> int | None:
    """The nearest offset reached and not yet sent (earlier, larger offsets missed are not sent late)."""
    days_left = (certificate.expires_on - today).days
    reached = [offset for offset in offsets if days_left <= offset]
    nearest = min(reached, default=None)
    return None if nearest is None or nearest in sent else nearest


def _recipients(certificate: Certificate) -> list[str]:
    holder = db.session.get_one(Person, certificate.person_id)
    directors = db.session.scalars(
        select(Person.email)
        .join(Director, Director.person_id == Person.id)
        .where(Director.organisation_id == certificate.organisation_id, Person.email.is_not(None))
    )
    return sorted({e for e in [holder.email, *directors] if e})


def _body(certificate: Certificate, today: date) -> str:
    days = (certificate.expires_on - today).days
    gap = renewal_gap(certificate, today)
    next_step = gap or "The renewal requirements are met: a director can renew the certificate now."
    return (
        f"{certificate.holder_name}'s certificate {certificate.code} ({certificate.credential}, "
        f"{certificate.organisation_name}) expires on {date_in_words(certificate.expires_on)}, "
        f"in {days} days.\n\n{next_step}\n"
    )


def _sent(certificate: Certificate) -> set[int]:
    query = select(RenewalReminder.days_before).filter_by(certificate_id=certificate.id)
    return set(db.session.scalars(query))


def _due_now(
    certificate: Certificate, offsets: list[int], today: date
) -> tuple[int, set[int]] | None:
    """The reminder due for the certificate, with those already sent, once no other run is
    sending one for it.

    Another run at the same time (a second beat, a retry) holds the practitioner until it has
    committed what it sent; this run then reads that, and never e-mails the same reminder twice.
    The wait is only for a certificate with a reminder due, so the run holds nobody else.
    """
    if _due_offset(certificate, offsets, _sent(certificate), today) is None:
        return None
    one_change_at_a_time(certificate.person_id, certificate)
    sent = _sent(certificate)
    due = (
        _due_offset(certificate, offsets, sent, today)
        if certificate.state is CertificateState.ISSUED
        else None
    )
    if due is None:
        db.session.commit()  # Named step: the other run sent it; let go of the practitioner now
        return None
    return due, sent


def send_renewal_reminders(settings: Settings, today: date) -> int:
    """Record (and e-mail, when SMTP is configured) each reminder that has come due; returns how many."""
    sent_count = 0
    for certificate in _live(today):
        offsets = sorted(policy_of(certificate.organisation_id).reminder_days or [60, 30, 7])
        due = _due_now(certificate, offsets, today)
        if due is None:
            continue
        offset, sent = due
        recipients = _recipients(certificate)
        emailed = send_mail(
            settings,
            recipients,
            f"IMR certificate expiring on {date_in_words(certificate.expires_on)}",
            _body(certificate, today),
        )
        for skipped in offsets:
            if skipped >= offset and skipped not in sent:
                db.session.add(
                    RenewalReminder(
                        certificate_id=certificate.id,
                        days_before=skipped,
                        emailed_to=", ".join(recipients) if emailed and skipped == offset else None,
                    )
                )
        # Named step: kept as soon as the e-mail has gone, so a failure later in the run never
        # sends the same reminder twice (and the practitioner is let go at once).
        db.session.commit()
        sent_count += 1
    return sent_count


def reminders_for(person_id: int, organisation_id: int) -> list[tuple[Certificate, int]]:
    """Each of the practitioner's certificates with its nearest reminder (days before expiry), to show in the app."""
    rows = db.session.execute(
        select(Certificate, func.min(RenewalReminder.days_before))
        .join(RenewalReminder, RenewalReminder.certificate_id == Certificate.id)
        .where(
            Certificate.person_id == person_id,
            Certificate.organisation_id == organisation_id,
            Certificate.state == CertificateState.ISSUED,
            not_renewed(),
        )
        .group_by(Certificate.id)
    )
    return [(certificate, days) for certificate, days in rows]
