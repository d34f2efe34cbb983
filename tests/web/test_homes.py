"""Each home is a work queue: the practitioner's tracker with next steps, the trainer's and the
director's counts with links to the lists behind them, each in as many statements for an
organisation of 3 practitioners as for one of 30."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from app.domain.certificates import CertificateState
from app.domain.quizzes import Draw
from app.domain.roles import Role
from app.extensions import db
from app.layout import local
from app.models.base import utc_now
from app.models.certification import Certificate
from app.models.lti import Platform
from app.models.people import Enrolment, Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort, Program
from app.models.training import ActivityResponse, ModuleCompletion, ReflectionConsent
from app.services import consultation
from app.services.policies import policy_of
from app.services.quizzes import start_or_resume, submit
from app.services.training import record_consent
from tests.support.bulk import grow
from tests.support.content import content_of
from tests.support.forms import own_links
from tests.support.journey import everything, sign_off, weekly_group
from tests.support.lms import DIRECTOR, PRACTITIONER, TRAINER, LmsUser, LocalLms
from tests.support.statements import statements

TOM = LmsUser("user-practitioner-2", "Tom Baker", "tom.baker@example.org", PRACTITIONER.roles)


def _person(subject: str) -> Person:
    return db.session.scalars(select(Person).filter_by(subject=subject)).one()


def _count(html: str, words: str) -> int:
    """The number a home's queue shows before its words."""
    found = re.search(r'queue-count">(\d+)</span> ' + words, html)
    assert found, words
    return int(found.group(1))


def _stale(app: Flask, subject: str, days: int = 30) -> None:
    """The practitioner first launched, and last did anything, `days` days ago."""
    with app.app_context():
        person = _person(subject)
        then = utc_now() - timedelta(days=days)
        db.session.execute(update(Person).filter_by(id=person.id).values(created_at=then))
        for model, column in (
            (ModuleCompletion, "completed_at"),
            (ActivityResponse, "updated_at"),
            (QuizAttempt, "submitted_at"),
        ):
            db.session.execute(update(model).filter_by(person_id=person.id).values({column: then}))
        db.session.commit()


def _fail_every_attempt(app: Flask, subject: str) -> str:
    """Every attempt allowed at the first quiz submitted with every answer wrong; its title."""
    bank = next(iter(content_of(app).quizzes.values()))
    with app.app_context():
        person = _person(subject)
        cohort = person.enrolments[0].cohort
        for _ in range(bank.attempts_allowed):
            attempt = start_or_resume(bank, person.id, cohort.organisation_id, cohort.id)
            submit(attempt.id, bank, Draw.of(attempt.draw).answers(lambda _: False))
        db.session.commit()
    return bank.title


@pytest.fixture
def trainer(app: Flask, lms: LocalLms) -> FlaskClient:
    everything(app, lms)  # Maya: training, quizzes and consultation done, not signed off
    with app.app_context():
        maya = _person(PRACTITIONER.sub)
        record_consent(maya.id, maya.enrolments[0].cohort.organisation_id, True)
        db.session.commit()
    lms.launch(app.test_client(), TOM)
    _stale(app, TOM.sub)
    client = app.test_client()
    lms.launch(client, TRAINER)
    return client


def test_a_queue_keeps_its_own_links_whatever_names_the_query_adds(trainer):
    asked = "/trainer/queues/behind?kind=ready&endpoint=x&_method=POST&_external=1"
    response = trainer.get(asked)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert "Tom Baker" in html
    sort_links = own_links(html, "sort")
    assert sort_links
    for path, names in sort_links:
        assert path == "/trainer/queues/behind", path
        assert "kind" not in names, names  # the queue is the path's, not the query's


def test_the_trainer_home_counts_each_queue_and_links_the_list_behind_it(app, trainer):
    home = trainer.get("/trainer").get_data(as_text=True)
    assert _count(home, "practitioner falling behind") == 1
    assert _count(home, "ready for a competency sign-off") == 1
    assert _count(home, "new shared reflections") > 0
    assert 'href="/trainer/queues/behind"' in home
    behind = trainer.get("/trainer/queues/behind").get_data(as_text=True)
    assert "Tom Baker" in behind
    assert "Maya Chen" not in behind
    ready = trainer.get("/trainer/queues/ready").get_data(as_text=True)
    with app.app_context():
        maya = _person(PRACTITIONER.sub).id
    assert f'href="/certification/signoff/{maya}"' in ready
    assert "Tom Baker" not in ready
    shared = trainer.get("/trainer/queues/reflections").get_data(as_text=True)
    assert "Maya Chen" in shared
    assert f'href="/training/cohort/practitioners/{maya}"' in shared


def test_a_practitioner_signed_off_leaves_the_ready_queue(app, lms, trainer):
    sign_off(app, lms)
    home = trainer.get("/trainer").get_data(as_text=True)
    assert _count(home, "ready for a competency sign-off") == 0
    assert "Nobody is in this list today" in trainer.get("/trainer/queues/ready").get_data(
        as_text=True
    )


def test_reflections_of_someone_who_does_not_share_them_are_not_counted(app, trainer):
    with app.app_context():
        maya = _person(PRACTITIONER.sub)
        record_consent(maya.id, maya.enrolments[0].cohort.organisation_id, False)
        db.session.commit()
    home = trainer.get("/trainer").get_data(as_text=True)
    assert _count(home, "new shared reflections") == 0


def test_every_attempt_used_without_a_pass_is_falling_behind_even_when_recent(app, lms):
    lms.launch(app.test_client(), PRACTITIONER)
    title = _fail_every_attempt(app, PRACTITIONER.sub)
    client = app.test_client()
    lms.launch(client, TRAINER)
    behind = client.get("/trainer/queues/behind").get_data(as_text=True)
    assert "Maya Chen" in behind
    assert title in behind
    assert "Results and extra attempts" in behind


def test_an_unknown_queue_says_where_to_go(app, trainer):
    response = trainer.get("/trainer/queues/everyone")
    assert response.status_code == 404
    assert "follow one of its links" in response.get_data(as_text=True)


def test_the_director_home_counts_approvals_expiring_reviews_and_lms_problems(app, lms):
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    lms.launch(app.test_client(), PRACTITIONER)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        maya = _person(PRACTITIONER.sub)
        today = utc_now().date()
        _certificate(cohort, maya.id, "IMR-WAIT", CertificateState.AWAITING_APPROVAL, today)
        _certificate(cohort, maya.id, "IMR-SOON", CertificateState.ISSUED, today, 20)
        _certificate(cohort, maya.id, "IMR-LATER", CertificateState.ISSUED, today, 400)
        db.session.add(Program(organisation_id=cohort.organisation_id, name="Residential"))
        db.session.execute(update(Platform).values(last_problem_at=utc_now()))
        db.session.commit()
    home = director.get("/director").get_data(as_text=True)
    assert _count(home, "certificate awaiting your approval") == 1
    assert _count(home, "certificate expiring within 60 days") == 1
    assert _count(home, "program due a fidelity review") == 1
    assert _count(home, "LMS connection problem") == 1
    assert 'href="/certification/dashboard?standing=awaiting+approval"' in home


def test_the_director_home_and_the_dashboard_it_links_to_agree_on_what_is_expiring(app, lms):
    """Both read "expiring" from the organisation's first reminder, here 30 days, not 60."""
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    lms.launch(app.test_client(), PRACTITIONER)
    lms.launch(app.test_client(), TOM)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        today = utc_now().date()
        _certificate(cohort, _person(PRACTITIONER.sub).id, "IMR-SOON", "issued", today, 20)
        _certificate(cohort, _person(TOM.sub).id, "IMR-LATER", "issued", today, 45)
        policy = policy_of(cohort.organisation_id)
        policy.reminder_days = [30, 7]
        db.session.add(policy)
        db.session.commit()
    home = director.get("/director").get_data(as_text=True)
    assert _count(home, "certificate expiring within 30 days") == 1
    link = re.search(r'href="(/certification/dashboard\?standing=[^"]+)"[^>]*><span[^>]*>1<', home)
    assert link, home
    dashboard = director.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Showing 1–1 of 1" in dashboard
    assert "IMR-SOON" in dashboard
    assert "IMR-LATER" not in dashboard
    assert "<td>expiring within 30 days</td>" in dashboard


def _certificate(
    cohort: Cohort, person_id: int, code: str, state: str, today, expires_in: int = 700
) -> None:
    db.session.add(
        Certificate(
            code=code,
            organisation_id=cohort.organisation_id,
            person_id=person_id,
            holder_name="Maya Chen",
            organisation_name="Riverside",
            credential="IMR Practitioner",
            issued_on=today,
            expires_on=today + timedelta(days=expires_in),
            training_hours=30,
            consultation_hours=12,
            evidence={},
            signatory_name="Director",
            signatory_title="Program Director",
            pdf_sha256="0" * 64,
            state=state,
        )
    )


def test_the_practitioner_home_tracks_each_requirement_with_its_next_step(app, lms):
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    html = practitioner.get("/practitioner").get_data(as_text=True)
    modules = len(content_of(app).catalog.modules)
    quizzes = len(content_of(app).quizzes)
    assert f'Training modules: <span class="tracker-count">0 of {modules}</span>' in html
    assert f'Competency quizzes passed: <span class="tracker-count">0 of {quizzes}</span>' in html
    assert 'Consultation sessions attended: <span class="tracker-count">0 of 12</span>' in html
    assert 'Competency sign-offs passed: <span class="tracker-count">0 of 2</span>' in html
    first = content_of(app).catalog.ordered_modules[0]
    assert f"Next module: {first.title}" in html
    first_quiz = next(iter(content_of(app).quizzes.values()))
    assert f"Next quiz: {first_quiz.title}" in html
    assert html.count("<progress") >= 4


def test_the_practitioner_home_offers_the_next_consultation_session(app, lms):
    practitioner = everything(app, lms)
    html = practitioner.get("/practitioner").get_data(as_text=True)
    assert "tracker-step met" in html
    assert "Next module" not in html
    assert "Next quiz" not in html


def test_the_practitioner_home_names_their_groups_next_session_and_asks_nothing_without_a_group(
    app, lms
):
    client = app.test_client()
    lms.launch(client, PRACTITIONER)
    with statements(app) as seen:
        html = client.get("/practitioner").get_data(as_text=True)
    assert "Next session" not in html
    assert not [s for s in seen if "FROM consultation_session" in s]
    with app.app_context():
        maya = _person(PRACTITIONER.sub)
        cohort = db.session.scalars(select(Cohort)).one()
        group = weekly_group(cohort, 0, 3, "Harbour group", first=date.today() + timedelta(days=1))
        consultation.set_members(group, [maya])
        first, second = sorted(group.sessions, key=lambda s: s.starts_at)[:2]
        consultation.cancel_session(first, "Trainer away")
        db.session.commit()
        expected = f"Next session: Harbour group, {local(second.starts_at, 'UTC')}"
    html = client.get("/practitioner").get_data(as_text=True)
    assert expected in re.sub(r"<[^>]+>", "", html)


# --- statements at two sizes -------------------------------------------------------------------

QUEUE_PAGES = [
    ("trainer", "/trainer"),
    ("trainer", "/trainer/queues/behind"),
    ("trainer", "/trainer/queues/ready"),
    ("trainer", "/trainer/queues/reflections"),
    ("director", "/director"),
]


def _fill_queues(app: Flask) -> None:
    """Put every bulk practitioner in a queue: half finished their training (sign-off
    candidates, each sharing a reflection saved today), half went quiet a month ago.

    Halved in the order people were added, so the first three keep their half when the
    cohort grows (PostgreSQL returns rows in no promised order)."""
    catalog = content_of(app).catalog
    module = catalog.ordered_modules[0]
    reflection = next(
        a for m in catalog.ordered_modules for a in m.activities if a.type == "reflection"
    )
    owner = next(m for m in catalog.ordered_modules if reflection in m.activities)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        organisation = cohort.organisation_id
        ids = list(
            db.session.scalars(
                select(Enrolment.person_id)
                .filter_by(cohort_id=cohort.id, role=Role.PRACTITIONER)
                .order_by(Enrolment.person_id)
            )
        )
        done = {
            (p, m)
            for p, m in db.session.execute(
                select(ModuleCompletion.person_id, ModuleCompletion.module_id)
            )
        }
        shared = set(db.session.scalars(select(ReflectionConsent.person_id)))
        answered = set(db.session.scalars(select(ActivityResponse.person_id)))
        finished = ids[::2]
        rows = [
            {"person_id": p, "organisation_id": organisation, "module_id": m.id}
            | {"content_version": module.version}
            for p in finished
            for m in catalog.ordered_modules
            if (p, m.id) not in done
        ]
        if rows:
            db.session.execute(insert(ModuleCompletion), rows)
        new = [p for p in ids if p not in shared]
        if new:
            db.session.execute(
                insert(ReflectionConsent),
                [
                    {"person_id": p, "organisation_id": organisation, "shares_with_trainers": True}
                    for p in new
                ],
            )
        fresh = [p for p in finished if p not in answered]
        if fresh:
            db.session.execute(
                insert(ActivityResponse),
                [
                    {"person_id": p, "organisation_id": organisation, "module_id": owner.id}
                    | {"activity_id": reflection.id, "content_version": owner.version}
                    | {"done": True, "text": "What I noticed in my own practice this week."}
                    for p in fresh
                ],
            )
        then = utc_now() - timedelta(days=30)
        quiet = ids[1::2]
        db.session.execute(update(Person).where(Person.id.in_(quiet)).values(created_at=then))
        db.session.execute(
            update(ModuleCompletion)
            .where(ModuleCompletion.person_id.in_(quiet))
            .values(completed_at=then)
        )
        db.session.execute(
            update(QuizAttempt).where(QuizAttempt.person_id.in_(quiet)).values(submitted_at=then)
        )
        db.session.commit()


def _statements(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return len(seen), response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "url"), QUEUE_PAGES)
def test_a_home_and_its_queues_run_as_many_statements_for_30_practitioners_as_for_3(
    app, lms, who, url
):
    clients = {"trainer": app.test_client(), "director": app.test_client()}
    lms.launch(clients["trainer"], TRAINER)
    lms.launch(clients["director"], DIRECTOR)
    grow(app, 3, 0, TRAINER.sub, DIRECTOR.sub)
    _fill_queues(app)
    small, _ = _statements(app, clients[who], url + "?size=10")
    grow(app, 27, 3, TRAINER.sub, DIRECTOR.sub)
    _fill_queues(app)
    large, html = _statements(app, clients[who], url + "?size=10")
    assert large == small
    if url == "/trainer":
        assert _count(html, "practitioners falling behind") >= 15
        assert _count(html, "new shared reflections") >= 15
    if url.startswith("/trainer/queues/") and not url.endswith("ready"):
        assert re.search(r"Showing 1–10 of \d\d", html), html[:3000]


@pytest.mark.parametrize(
    ("user", "home"),
    [(PRACTITIONER, "/practitioner"), (TRAINER, "/trainer"), (DIRECTOR, "/director")],
)
def test_every_page_checks_access_in_one_statement_that_brings_the_header_its_rows(
    app, lms, user, home
):
    client = app.test_client()
    lms.launch(client, user)
    with statements(app) as seen:
        assert client.get(home).status_code == 200
    by_key = re.compile(r"\sFROM (person|organisation|cohort)\s+WHERE \1\.id = ")
    alone = [s for s in seen if by_key.search(s)]
    assert not alone, "the access check's statement already brought these rows"
