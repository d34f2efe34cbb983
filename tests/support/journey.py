"""A practitioner's whole journey, done through the services, for certification tests."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import undefer
from werkzeug.test import TestResponse

from app.content.model import Module
from app.domain.consultation import Mark
from app.domain.quizzes import Draw
from app.extensions import db
from app.models.certification import Certificate, CertificationPolicy
from app.models.consultation import ConsultationGroup
from app.models.people import Person
from app.models.tenancy import Cohort
from app.services import certificates
from app.services import consultation as consultation_service
from app.services.programs import create_program
from app.services.quizzes import start_or_resume, submit
from app.services.training import save_response
from tests.support.content import content_of
from tests.support.lms import DIRECTOR, PRACTITIONER, TRAINER, LocalLms, csrf_token
from tests.support.quizzes import FormData, form_for


def complete_module(person_id: int, organisation_id: int, module: Module) -> None:
    """Do every required activity of a module, as a practitioner would."""
    for activity in module.activities:
        if activity.required:
            save_response(
                person_id,
                organisation_id,
                module,
                activity,
                text="About my own practice.",
                practised=True,
                checked=list(range(len(activity.items))),
            )


def complete_training_and_quizzes(app: Flask, subject: str) -> None:
    """Every required activity of every module, and a correct attempt at every quiz."""
    catalog, banks = content_of(app).catalog, content_of(app).quizzes
    with app.app_context():
        person = db.session.scalars(select(Person).filter_by(subject=subject)).one()
        cohort = person.enrolments[0].cohort
        for module in catalog.ordered_modules:
            complete_module(person.id, cohort.organisation_id, module)
        for bank in banks.values():
            attempt = start_or_resume(bank, person.id, cohort.organisation_id, cohort.id)
            submit(attempt.id, bank, Draw.of(attempt.draw).read(FormData(form_for(attempt))))
        db.session.commit()


def weekly_group(
    cohort: Cohort,
    weeks_ago: int,
    sessions: int,
    name: str = "Consultation",
    location: str = "Room 1",
    first: date | None = None,
) -> ConsultationGroup:
    """A weekly group at 10:00 UTC whose first session was `weeks_ago` weeks ago (or is on
    the `first` date, when given)."""
    start = first or date.today() - timedelta(weeks=weeks_ago)
    return consultation_service.create_group(
        cohort,
        name=name,
        location=location,
        excused_allowed=2,
        weekday=start.weekday(),
        local_time=time(10),
        timezone="UTC",
        duration_minutes=60,
        first_date=start,
        weeks=sessions,
        end_date=None,
    )


def attend_consultation(
    app: Flask,
    subject: str,
    trainer_subject: str,
    sessions: int = 12,
    attended: int | None = None,
    name: str = "Consultation",
) -> None:
    """A group whose every session has already happened: the first `attended` (all, unless
    given) marked present, the rest absent."""
    attended = sessions if attended is None else attended
    with app.app_context():
        person = db.session.scalars(select(Person).filter_by(subject=subject)).one()
        trainer = db.session.scalars(select(Person).filter_by(subject=trainer_subject)).one()
        cohort: Cohort = person.enrolments[0].cohort
        group = weekly_group(cohort, sessions + 1, sessions, name=name)
        consultation_service.set_members(group, [person])
        group = db.session.get_one(ConsultationGroup, group.id)
        for index, session in enumerate(group.sessions):
            mark = Mark.PRESENT if index < attended else Mark.ABSENT
            consultation_service.record_attendance(session, {person.id: (mark, None)}, trainer.id)
        db.session.commit()


def sign_off(
    app: Flask,
    lms: LocalLms,
    rating: int = 4,
    observed: tuple[str, ...] = ("role-play", "real session"),
) -> tuple[FlaskClient, TestResponse]:
    """A trainer signs the practitioner off once per observed session given (two by default,
    one of them a real session, as the default policy asks); the last response is returned."""
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    with app.app_context():
        person_id = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER.sub)).one().id
    rubric = content_of(app).rubric
    ratings = {
        f"rating-{item.id}": str(rating)
        for item in rubric.items
        if item.required and item.applies_to("individual")
    }
    for kind in observed:
        page = trainer.get(f"/certification/signoff/{person_id}")
        data = {
            "csrf_token": csrf_token(page),
            "observed_on": "2026-11-20",
            "observed": kind,
            "session_format": "individual",
            "summary": "Confident structure; keep working on action planning.",
            **ratings,
        }
        response = trainer.post(f"/certification/signoff/{person_id}", data=data)
    return trainer, response


def everything(app: Flask, lms: LocalLms) -> FlaskClient:
    """Maya has done the training, passed every quiz and attended consultation (not signed off)."""
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    lms.launch(app.test_client(), TRAINER)
    complete_training_and_quizzes(app, PRACTITIONER.sub)
    attend_consultation(app, PRACTITIONER.sub, TRAINER.sub)
    return practitioner


def certificate_of(app: Flask) -> Certificate:
    """The one certificate there is, read whole (its deferred PDF and evidence too) in its own app
    context."""
    with app.app_context():
        whole = select(Certificate).options(undefer(Certificate.pdf), undefer(Certificate.evidence))
        certificate = db.session.scalars(whole).one()
        db.session.expunge(certificate)
        return certificate


def seed_a_living_cohort(app: Flask) -> list[str]:
    """Priya is certified after a consultation group; a program exists; Alex has just begun,
    with a Day 1 quiz attempt open. The open attempt's pages, which no link reaches (a form
    starts them), are returned for Alex's walk."""
    complete_training_and_quizzes(app, "demo-priya-nair")
    attend_consultation(app, "demo-priya-nair", "demo-sam-okafor")
    with app.app_context():
        priya = db.session.scalars(select(Person).filter_by(subject="demo-priya-nair")).one()
        cohort = priya.enrolments[0].cohort
        db.session.merge(
            CertificationPolicy(organisation_id=cohort.organisation_id, require_signoff=False)
        )
        create_program(cohort.organisation_id, "Supported housing")
        db.session.flush()
        certificates.issue_when_eligible(priya.id, cohort, "the walk needs a certificate")
        db.session.commit()
        alex = db.session.scalars(select(Person).filter_by(subject="demo-alex-rivera")).one()
        bank = content_of(app).quizzes["day-1"]
        attempt = start_or_resume(bank, alex.id, cohort.organisation_id, cohort.id)
        db.session.commit()
        return [f"/quizzes/attempts/{attempt.id}", f"/quizzes/attempts/{attempt.id}/summary"]


def revoke(app: Flask, lms: LocalLms, certificate_id: int, reason: str) -> FlaskClient:
    """A director revokes the certificate (the preview confirmed); their client is returned."""
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    director.post(
        f"/certification/certificates/{certificate_id}/standing",
        data={
            "csrf_token": csrf_token(director.get("/certification/dashboard")),
            "move": "revoke",
            "confirmed": "yes",
            "reason": reason,
        },
    )
    return director
