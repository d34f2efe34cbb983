"""Two changes to one practitioner's certificates at once make one change (PostgreSQL), and
the daily check keeps each certificate as it issues it (both databases).

The daily check, a quiz submitted and two directors' clicks can meet on the same practitioner;
each checked what existed and then added a certificate, so both added one. Two reminder runs
(a second beat, a retry) each e-mailed the same reminder.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.dispatch import own_task
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import Certificate, CertificationPolicy, RenewalReminder
from app.models.people import Person
from app.models.tenancy import Cohort
from app.services import certificates
from app.services.certificates import issue_when_eligible, one_change_at_a_time
from app.services.reminders import send_renewal_reminders
from app.tasks import issue_all_due_certificates, issue_due_certificates
from tests.support.journey import attend_consultation, complete_training_and_quizzes, everything
from tests.support.lms import PRACTITIONER, PRACTITIONER_2, TRAINER
from tests.support.locks import Meanwhile, postgresql_only


def _eligible(app: Flask, lms) -> tuple[int, int]:
    """Maya with every requirement met (no sign-off asked) and no certificate yet."""
    everything(app, lms)
    with app.app_context():
        person = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER.sub)).one()
        cohort = person.enrolments[0].cohort
        db.session.merge(
            CertificationPolicy(organisation_id=cohort.organisation_id, require_signoff=False)
        )
        db.session.commit()
        return person.id, cohort.id


def test_two_first_issues_at_once_make_one_certificate(app: Flask, lms):
    postgresql_only(app)
    person_id, cohort_id = _eligible(app, lms)

    def daily_check() -> Certificate | None:
        return issue_when_eligible(person_id, db.session.get_one(Cohort, cohort_id), "daily")

    with app.app_context():
        one_change_at_a_time(person_id)  # a quiz's submission is issuing at this moment
        other = Meanwhile(app, daily_check)
        assert other.waits_for_a_lock(), "the daily check went ahead without waiting"
        mine = issue_when_eligible(person_id, db.session.get_one(Cohort, cohort_id), "a quiz")
        db.session.commit()
    assert mine is not None
    assert other.finish() is None, "the daily check found the certificate and issued none"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_two_reminder_runs_at_once_send_each_reminder_once(app: Flask, lms, settings):
    postgresql_only(app)
    person_id, cohort_id = _eligible(app, lms)
    with app.app_context():
        certificate = issue_when_eligible(person_id, db.session.get_one(Cohort, cohort_id), "x")
        assert certificate is not None
        certificate.expires_on = utc_now().date() + timedelta(days=25)
        db.session.commit()
    today = utc_now().date()
    with app.app_context():
        one_change_at_a_time(person_id)  # the first run is e-mailing this reminder now
        other = Meanwhile(app, lambda: send_renewal_reminders(settings, today))
        assert other.waits_for_a_lock(), "the second run went ahead without waiting"
        assert send_renewal_reminders(settings, today) == 1
    assert other.finish() == 0, "the second run saw the reminder sent and sent nothing"
    with app.app_context():
        kept = sorted(db.session.scalars(select(RenewalReminder.days_before)))
    assert kept == [30, 60]


@pytest.mark.parametrize(
    "check",
    [
        lambda _organisation: own_task(issue_all_due_certificates).apply(),  # the daily check
        lambda organisation: own_task(issue_due_certificates).apply(  # a change of requirements
            (organisation, "the certification requirements changed")
        ),
    ],
    ids=["daily", "requirements-changed"],
)
def test_a_check_of_the_organisation_keeps_each_certificate_as_it_issues_it(
    app: Flask, lms, monkeypatch, check
):
    """One practitioner's failure (a PDF that will not render) keeps the certificate issued
    before it, and each practitioner is let go as soon as their certificate is decided: a
    director's change of requirements held the whole organisation until it had checked all."""
    everything(app, lms)  # Maya has met everything but a sign-off
    lms.launch(app.test_client(), PRACTITIONER_2)
    complete_training_and_quizzes(app, PRACTITIONER_2.sub)
    attend_consultation(app, PRACTITIONER_2.sub, TRAINER.sub)
    with app.app_context():
        organisation_id = db.session.scalars(select(Cohort)).one().organisation_id
        db.session.merge(
            CertificationPolicy(organisation_id=organisation_id, require_signoff=False)
        )
        db.session.commit()  # the sign-off dropped without the policy page's own check
    sealed = []

    def seal_once(certificate: Certificate) -> None:
        if sealed:
            raise RuntimeError("the PDF could not be rendered")
        sealed.append(real_seal(certificate))

    real_seal = certificates.seal
    monkeypatch.setattr(certificates, "seal", seal_once)
    with app.app_context(), pytest.raises(RuntimeError, match="could not be rendered"):
        check(organisation_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
