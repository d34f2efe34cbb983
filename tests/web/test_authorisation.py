"""Every route, every role, and a second organisation: the server enforces who sees what."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time, timedelta
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.consultation import Mark
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import Certificate
from app.models.fidelity import FidelityReview
from app.models.people import Person
from app.models.tenancy import Cohort, Organisation, Program
from app.services.consultation import create_group, record_attendance, send_apology, set_members
from app.services.evidence import gather
from app.services.quizzes import start_or_resume
from app.services.registrations import add_platform
from app.services.signoffs import record_signoff
from tests.support.content import content_of
from tests.support.journey import everything, weekly_group
from tests.support.lms import (
    COURSE,
    DIRECTOR,
    PRACTITIONER,
    PRACTITIONER_2,
    TRAINER,
    LocalLms,
    csrf_token,
)
from tests.support.toolkit import fixture_toolkit

ANON, PRAC, TRAIN, DIR = "anonymous", "practitioner", "trainer", "director"
HOMES = {PRAC: "/practitioner", TRAIN: "/trainer", DIR: "/director"}
USERS = {PRAC: PRACTITIONER, TRAIN: TRAINER, DIR: DIRECTOR}

# (method, url template, {role: expected status}); {program} and {cohort} are the launch's own.
MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/", {ANON: 200, PRAC: 302, TRAIN: 302, DIR: 302}),
    ("GET", "/practitioner", {ANON: 401, PRAC: 200, TRAIN: 403, DIR: 403}),
    ("GET", "/trainer", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("GET", "/trainer/queues/{queue}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("GET", "/director", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/role", {ANON: 401, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("GET", "/director/programs", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/director/programs", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 400}),
    ("POST", "/director/programs/{program}/rename", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 302}),
    ("POST", "/director/cohorts/{cohort}/program", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 302}),
    ("GET", "/training/", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/training/day/{day}", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/training/module/{module}", {ANON: 401, PRAC: 302, TRAIN: 200, DIR: 200}),
    (
        "POST",
        "/training/module/{module}/activity/{reflection}",
        {ANON: 401, PRAC: 400, TRAIN: 403, DIR: 403},
    ),
    ("GET", "/training/consent", {ANON: 401, PRAC: 200, TRAIN: 403, DIR: 403}),
    ("POST", "/training/consent", {ANON: 401, PRAC: 400, TRAIN: 403, DIR: 403}),
    ("GET", "/training/cohort", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/training/cohort/settings", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    ("GET", "/training/cohort.csv", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    (
        "GET",
        "/training/cohort/practitioners/{person}",
        {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403},
    ),
    ("GET", "/training/deep-link", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 400}),
    ("POST", "/training/deep-link", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 400}),
    ("GET", "/quizzes/", {ANON: 401, PRAC: 200, TRAIN: 403, DIR: 403}),
    ("POST", "/quizzes/{quiz}/start", {ANON: 401, PRAC: 302, TRAIN: 403, DIR: 403}),
    ("GET", "/quizzes/attempts/{attempt}", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("POST", "/quizzes/attempts/{attempt}", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("GET", "/quizzes/attempts/{attempt}/result", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("POST", "/quizzes/attempts/{attempt}/autosave", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("GET", "/quizzes/attempts/{attempt}/summary", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("POST", "/quizzes/attempts/{attempt}/finish", {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403}),
    ("GET", "/quizzes/results", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("GET", "/quizzes/results/{person}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/quizzes/results/{person}/extra", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("GET", "/quizzes/review/{attempt}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/quizzes/review/{attempt}/resend", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("GET", "/quizzes/analysis", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 200}),
    ("GET", "/quizzes/analysis.csv", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 200}),
    ("GET", "/consultation/", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/consultation/groups", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("GET", "/consultation/groups/{group}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/consultation/groups/{group}/edit", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("POST", "/consultation/groups/{group}/members", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    ("POST", "/consultation/groups/{group}/makeup", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    ("POST", "/consultation/groups/{group}/feed", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    (
        "GET",
        "/consultation/groups/{group}/attendance.csv",
        {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403},
    ),
    ("GET", "/consultation/attendance.csv", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("GET", "/consultation/sessions/{session}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    (
        "POST",
        "/consultation/sessions/{session}",
        {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403},
    ),  # not open yet
    (
        "POST",
        "/consultation/sessions/{session}/cancel",
        {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403},
    ),
    ("POST", "/consultation/sessions/{session}/move", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    (
        "POST",
        "/consultation/groups/{group}/focuses",
        {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403},
    ),
    ("POST", "/consultation/apologies/{apology}", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("POST", "/consultation/roster/sync", {ANON: 401, PRAC: 403, TRAIN: 302, DIR: 403}),
    ("GET", "/consultation/mine", {ANON: 401, PRAC: 200, TRAIN: 403, DIR: 403}),
    (
        "POST",
        "/consultation/sessions/{session}/apology",
        {ANON: 401, PRAC: 404, TRAIN: 403, DIR: 403},
    ),
    ("POST", "/consultation/feed", {ANON: 401, PRAC: 302, TRAIN: 403, DIR: 403}),
    ("GET", "/consultation/calendar/{token}.ics", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/certification/", {ANON: 401, PRAC: 200, TRAIN: 403, DIR: 403}),
    (
        "GET",
        "/certification/certificates/{certificate}.pdf",
        {ANON: 401, PRAC: 404, TRAIN: 404, DIR: 404},
    ),
    ("GET", "/certification/signoff/{person}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 403}),
    ("POST", "/certification/signoff/{person}", {ANON: 401, PRAC: 403, TRAIN: 400, DIR: 403}),
    ("GET", "/certification/dashboard", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("GET", "/certification/dashboard.csv", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/certification/dashboard.zip", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    (
        "POST",
        "/certification/certificates/{certificate}/approve",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    (
        "POST",
        "/certification/certificates/{certificate}/standing",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    ("GET", "/certification/policy", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/certification/policy", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 400}),
    ("GET", "/certification/verify-roster", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/certification/verify-roster", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 400}),
    (
        "POST",
        "/certification/certificates/{certificate}/correct",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    (
        "POST",
        "/certification/certificates/{certificate}/renew",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    (
        "POST",
        "/certification/certificates/{certificate}/recertify",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    (
        "GET",
        "/certification/certificates/{certificate}",
        {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404},
    ),
    ("GET", "/certification/audit", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("GET", "/certification/logo", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/certification/logo", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 400}),  # no file
    ("POST", "/certification/logo/remove", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 302}),
    ("GET", "/verify/", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/verify/{code}", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/verify/{code}/badge.jwt", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/verify/issuers/{issuer}", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/verify/issuers/{issuer}/jwks", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/verify/issuers/{issuer}/revocations", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/verify/issuers/{issuer}/logo.png", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("POST", "/verify/{code}", {ANON: 404, PRAC: 404, TRAIN: 404, DIR: 404}),
    ("GET", "/toolkit/", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/toolkit/{toolkit_item}", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/toolkit/{toolkit_item}.pdf", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    # the trainer's guide: trainers and directors only
    ("GET", "/toolkit/{trainer_guide}", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 200}),
    ("GET", "/toolkit/{trainer_guide}.pdf", {ANON: 401, PRAC: 403, TRAIN: 200, DIR: 200}),
    ("GET", "/toolkit/{handout}?version=group", {ANON: 401, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/fidelity/", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("GET", "/fidelity/programs/{program}", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("POST", "/fidelity/programs/{program}/reviews", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 302}),
    ("POST", "/fidelity/reviews", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 302}),
    ("GET", "/fidelity/reviews/{review}", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404}),
    ("POST", "/fidelity/reviews/{review}", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404}),
    ("POST", "/fidelity/reviews/{review}/correct", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404}),
    ("GET", "/fidelity/reviews/{review}.pdf", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 404}),
    ("GET", "/fidelity/reviews.csv", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    # before /lti/launch, which ends every session
    ("GET", "/lti/setup", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/lti/canvas.json", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/lti/register/{token}", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("POST", "/lti/register/{token}", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("POST", "/lti/approve", {ANON: 403, PRAC: 403, TRAIN: 403, DIR: 403}),  # not our page
    ("GET", "/connection", {ANON: 401, PRAC: 403, TRAIN: 403, DIR: 200}),
    ("GET", "/lti/jwks", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/health", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/signed-out", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/lti/login", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("POST", "/lti/login", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    # a platform-storage launch and its session exchange: only from the tool's own page
    ("POST", "/lti/launch/storage", {ANON: 403, PRAC: 403, TRAIN: 403, DIR: 403}),
    ("POST", "/lti/session", {ANON: 403, PRAC: 403, TRAIN: 403, DIR: 403}),
    ("POST", "/sign-out", {ANON: 401, PRAC: 302, TRAIN: 302, DIR: 302}),  # ends the session
    ("POST", "/lti/launch", {ANON: 401, PRAC: 401, TRAIN: 401, DIR: 401}),
    ("GET", "/demo-lms/", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("GET", "/demo-lms/launch/{persona}", {ANON: 302, PRAC: 302, TRAIN: 302, DIR: 302}),
    ("GET", "/demo-lms/authorise", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("POST", "/demo-lms/authorise", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
    ("GET", "/demo-lms/jwks", {ANON: 200, PRAC: 200, TRAIN: 200, DIR: 200}),
    ("POST", "/demo-lms/token", {ANON: 400, PRAC: 400, TRAIN: 400, DIR: 400}),
]


def _fixture_ids(app: Flask, organisation: str = "Riverside Mental Health") -> dict[str, str]:
    """Objects of one organisation for the matrix's placeholders (Tom's attempt and apology)."""
    catalog = content_of(app).catalog
    module = catalog.ordered_modules[0]
    reflection = next(a for a in module.activities if a.type.value == "reflection")
    with app.app_context():
        org = db.session.scalars(select(Organisation).filter_by(name=organisation)).one()
        cohort = db.session.scalars(select(Cohort).filter_by(organisation_id=org.id)).one()
        program = Program(organisation_id=cohort.organisation_id, name="Harbour House")
        db.session.add(program)
        db.session.commit()
        person = db.session.scalars(
            select(Person).filter_by(subject=PRACTITIONER_2.sub, platform_id=org.platform_id)
        ).one()
        bank = next(iter(content_of(app).quizzes.values()))
        # Tom's attempt and apology: other practitioners get 404 for them
        attempt = start_or_resume(bank, person.id, cohort.organisation_id, cohort.id)
        group = create_group(
            cohort,
            name="Tuesday group",
            location="Room 4",
            excused_allowed=2,
            weekday=1,
            local_time=time(10),
            timezone="Europe/London",
            duration_minutes=60,
            first_date=date.today() + timedelta(days=7),
            weeks=4,
            end_date=None,
        )
        session = group.sessions[0]
        apology = send_apology(session, person.id, "A clash with a hospital appointment")
        db.session.commit()
        return {
            "program": str(program.id),
            "cohort": str(cohort.id),
            "persona": "trainer",
            "queue": "behind",
            "day": "1",
            "module": module.id,
            "reflection": reflection.id,
            "person": str(person.id),
            "quiz": bank.id,
            "attempt": str(attempt.id),
            "group": str(group.id),
            "session": str(session.id),
            "apology": str(apology.id),
            "token": "not-a-real-token",
            "ticket": "not-a-real-ticket",
            "toolkit_item": "coping-plan",
            "trainer_guide": "trainer-guide-day-1",
            "handout": "medication-handout",
            "certificate": "999999",
            "issuer": "999999",
            "review": "999999",
            "code": "7K3Q-9XMD-2RPA-W4HN-T",
        }


def _request(client: FlaskClient, method: str, url: str, token: str | None) -> int:
    if method == "GET":
        return client.get(url).status_code
    return client.post(url, data={"csrf_token": token} if token else {}).status_code


def _shape(path: str) -> str:
    """A route with its parameters blanked: /quizzes/<int:attempt_id> and /quizzes/{attempt} match."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_route_is_in_the_matrix(app: Flask):
    covered = {(method, _shape(template)) for method, template, _ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, _shape(rule.rule)) in covered, (
                f"{method} {rule.rule} has no row in the matrix"
            )


@pytest.mark.parametrize("role", [ANON, PRAC, TRAIN, DIR])
def test_each_route_answers_each_role_as_the_matrix_says(app: Flask, lms: LocalLms, role: str):
    setup = app.test_client()
    lms.launch(setup, TRAINER)
    lms.launch(app.test_client(), PRACTITIONER_2)
    ids = _fixture_ids(app)
    client = app.test_client()
    token = None
    if role != ANON:
        assert lms.launch(client, USERS[role]).status_code == 302
        token = csrf_token(client.get(HOMES[role]))
    with fixture_toolkit(app):  # a trainer's guide and a handout, whatever toolkit/ holds yet
        for method, template, expected in MATRIX:
            url = template.format(**ids)
            assert _request(client, method, url, token) == expected[role], f"{role} {method} {url}"


# Values a visitor can put in any page's query, each of a kind that once reached a view unchecked.
HOSTILE_QUERY = {
    "page": "-99999999999999999999",
    "size": "1e9",
    "sort": "-;drop table person",
    "q": "x" * 5000,
    "standing": "\u202eexpired",
    "program": "0",
    "cohort": str(10**30),
    "date": "0001-01-01",
    "month": "9999-13",
    "from": "9999-12-31",
    "to": "0001-01-01",
    "format": "../../etc/passwd",
    "kind": "x",
    "endpoint": "x",
    "_method": "POST",
    "_external": "1",
    "_anchor": '"><script>',
}


@pytest.mark.parametrize("role", [ANON, PRAC, TRAIN, DIR])
def test_no_page_fails_on_whatever_its_query_string_holds(app: Flask, lms: LocalLms, role: str):
    lms.launch(app.test_client(), TRAINER)
    lms.launch(app.test_client(), PRACTITIONER_2)
    ids = _fixture_ids(app)
    client = app.test_client()
    if role != ANON:
        assert lms.launch(client, USERS[role]).status_code == 302
    with fixture_toolkit(app):
        for method, template, _ in MATRIX:
            if method != "GET":
                continue
            path, _, own = template.format(**ids).partition("?")
            query = {**HOSTILE_QUERY, **dict(parse_qsl(own))}
            response = client.get(path, query_string=query)
            assert response.status_code < 500, f"{role} GET {path}"
            if response.mimetype == "text/html":
                assert '"><script>' not in response.get_data(as_text=True), f"{role} GET {path}"


def _with_ids(path: str, row_id: int) -> str:
    """A route with each of its ids set to row_id and any other part to a plain word."""
    return re.sub(r"<([^>]+)>", lambda m: str(row_id) if m[1].startswith("int") else "x", path)


@pytest.mark.parametrize("role", [PRAC, TRAIN, DIR])
def test_an_id_no_row_can_have_answers_not_found_on_every_route(
    app: Flask, lms: LocalLms, role: str
):
    from app.urls import ROW_ID_LIMIT

    client = app.test_client()
    assert lms.launch(client, USERS[role]).status_code == 302
    token = csrf_token(client.get(HOMES[role]))
    routes = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(routes) > 30
    for rule in routes:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for past in (ROW_ID_LIMIT + 1, 10**30):
                url = _with_ids(rule.rule, past)
                assert _request(client, method, url, token) == 404, f"{role} {method} {url}"
            largest = _with_ids(rule.rule, ROW_ID_LIMIT)
            assert _request(client, method, largest, token) < 500, f"{role} {method} {largest}"
    page = client.get(f"/certification/certificates/{10**30}").get_data(as_text=True)
    assert "no record has a number that large" in page


@pytest.fixture
def two_organisations(app: Flask, lms: LocalLms, httpserver) -> Callable[[str], FlaskClient]:
    """Riverside (via `lms`) and Hillcrest, a second LMS, each with a director and a cohort."""
    hillcrest = LocalLms.start(httpserver, issuer_path="/hillcrest", client_id="hillcrest-client")
    with app.app_context():
        hillcrest.register("Hillcrest Recovery Services")
    clients = {"riverside": app.test_client(), "hillcrest": app.test_client()}
    lms.launch(clients["riverside"], DIRECTOR)
    hillcrest.launch(clients["hillcrest"], DIRECTOR)
    return clients.__getitem__


def test_a_director_never_sees_another_organisations_cohorts(app: Flask, two_organisations):
    riverside, hillcrest = two_organisations("riverside"), two_organisations("hillcrest")
    token = csrf_token(riverside.get("/director"))
    riverside.post("/director/programs", data={"name": "Harbour House", "csrf_token": token})
    assert "Harbour House" in riverside.get("/director").get_data(as_text=True)
    hillcrest_page = hillcrest.get("/director").get_data(as_text=True)
    assert "Harbour House" not in hillcrest_page
    assert "Riverside" not in hillcrest_page
    assert "Hillcrest Recovery Services" in hillcrest_page


def test_a_director_cannot_touch_another_organisations_programs_or_cohorts(
    app: Flask, two_organisations
):
    riverside, hillcrest = two_organisations("riverside"), two_organisations("hillcrest")
    riverside.post(
        "/director/programs",
        data={"name": "Harbour House", "csrf_token": csrf_token(riverside.get("/director"))},
    )
    hillcrest.post(
        "/director/programs",
        data={"name": "Outreach", "csrf_token": csrf_token(hillcrest.get("/director"))},
    )
    with app.app_context():
        riverside_program = db.session.scalars(
            select(Program).filter_by(name="Harbour House")
        ).one()
        hillcrest_program = db.session.scalars(select(Program).filter_by(name="Outreach")).one()
        riverside_cohort = db.session.scalars(
            select(Cohort).filter_by(organisation_id=riverside_program.organisation_id)
        ).one()
        ids = (riverside_program.id, hillcrest_program.id, riverside_cohort.id)
    token = csrf_token(hillcrest.get("/director"))
    rename = hillcrest.post(
        f"/director/programs/{ids[0]}/rename", data={"name": "Taken over", "csrf_token": token}
    )
    assert rename.status_code == 404
    move = hillcrest.post(
        f"/director/cohorts/{ids[2]}/program", data={"program": str(ids[1]), "csrf_token": token}
    )
    assert move.status_code == 404
    own_token = csrf_token(riverside.get("/director"))
    foreign_program = riverside.post(
        f"/director/cohorts/{ids[2]}/program",
        data={"program": str(ids[1]), "csrf_token": own_token},
    )
    assert foreign_program.status_code == 302  # refused by the form: not one of their programs
    with app.app_context():
        assert db.session.get(Program, ids[0]).name == "Harbour House"
        assert db.session.get(Cohort, ids[2]).program_id is None


def test_a_trainer_sees_only_their_own_cohort(app: Flask, lms: LocalLms):
    other_course = COURSE.__class__("course-other", "IMR Intensive, Winter cohort", "IMR-WIN")
    winter, autumn = app.test_client(), app.test_client()
    lms.launch(winter, PRACTITIONER, course=other_course)
    lms.launch(autumn, TRAINER)
    roster = autumn.get("/trainer").get_data(as_text=True)
    assert "Ruth Adeyemi" in roster
    assert "Maya Chen" not in roster


def test_forms_without_a_csrf_token_are_refused(app: Flask, lms: LocalLms):
    client = app.test_client()
    lms.launch(client, DIRECTOR)
    response = client.post("/director/programs", data={"name": "Harbour House"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert "Harbour House" not in client.get("/director").get_data(as_text=True)


# Placeholders that name an object of an organisation: for another organisation's object every
# role that could reach its own gets 404, and the rest keep their 401 or 403.
SCOPED = (
    "{program}",
    "{cohort}",
    "{person}",
    "{attempt}",
    "{group}",
    "{session}",
    "{apology}",
    "{certificate}",
    "{review}",
)


def _certificate_and_review(app: Flask, ids: dict[str, str]) -> dict[str, str]:
    """A sealed certificate and a fidelity review of the organisation the ids belong to."""
    with app.app_context():
        program = db.session.get_one(Program, int(ids["program"]))
        certificate = Certificate(
            code="HCRS-TEST-0000-0000-X",
            organisation_id=program.organisation_id,
            person_id=int(ids["person"]),
            holder_name="Tom Baker",
            organisation_name="Hillcrest Recovery Services",
            credential="IMR Practitioner",
            issued_on=date.today(),
            expires_on=date.today() + timedelta(days=700),
            training_hours=30,
            consultation_hours=12,
            evidence={},
            signatory_name="",
            signatory_title="Program Director",
            pdf=b"%PDF-1.7",
            pdf_sha256="0" * 64,
        )
        review = FidelityReview(
            organisation_id=program.organisation_id,
            program_id=program.id,
            reviewed_on=date.today(),
            reviewers="A and B",
            created_by_id=int(ids["person"]),
        )
        db.session.add_all([certificate, review])
        db.session.commit()
        return {**ids, "certificate": str(certificate.id), "review": str(review.id)}


def _foreign_expectation(status: int) -> int:
    return status if status in (401, 403) else 404


@pytest.fixture
def hillcrest(app: Flask, lms: LocalLms, httpserver) -> LocalLms:
    """A second LMS and organisation, with a trainer and a practitioner of its own."""
    other = LocalLms.start(httpserver, issuer_path="/hillcrest", client_id="hillcrest-client")
    with app.app_context():
        other.register("Hillcrest Recovery Services")
    other.launch(app.test_client(), TRAINER)
    other.launch(app.test_client(), PRACTITIONER_2)
    return other


def test_no_role_reaches_another_organisations_objects(app: Flask, lms: LocalLms, hillcrest):
    """The matrix again, every object id taken from Hillcrest, requested from Riverside."""
    lms.launch(app.test_client(), TRAINER)
    foreign = _certificate_and_review(
        app, _fixture_ids(app, organisation="Hillcrest Recovery Services")
    )
    rows = [row for row in MATRIX if any(p in row[1] for p in SCOPED)]
    assert len(rows) >= 25
    for role in (PRAC, TRAIN, DIR):
        client = app.test_client()
        assert lms.launch(client, USERS[role]).status_code == 302
        token = csrf_token(client.get(HOMES[role]))
        for method, template, expected in rows:
            url = template.format(**foreign)
            wanted = _foreign_expectation(expected[role])
            assert _request(client, method, url, token) == wanted, f"{role} {method} {url}"


EAST_COURSE = COURSE.__class__("course-east", "IMR Intensive, East", "IMR-EAST")


@pytest.fixture
def riverside_east(app: Flask, lms: LocalLms) -> LocalLms:
    """A second deployment of the same LMS: another organisation that the same people are in."""
    with app.app_context():
        add_platform(
            lms.platform.issuer,
            lms.platform.client_id,
            ["deployment-2"],
            None,
            organisation_name="Riverside East",
        )
        db.session.commit()
    east = replace(lms.platform, deployment_id="deployment-2")
    return LocalLms(platform=east, server=lms.server, key_pem=lms.key_pem)


def _east_consultation(app: Flask) -> int:
    """In Riverside East: Maya attended twelve sessions, and has a session still to come."""
    with app.app_context():
        maya = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER.sub)).one()
        trainer = db.session.scalars(select(Person).filter_by(subject=TRAINER.sub)).one()
        cohort = db.session.scalars(select(Cohort).filter_by(context_id=EAST_COURSE.id)).one()
        group = weekly_group(cohort, 13, 16, name="East Thursday group", location="East Room")
        set_members(group, [maya])
        past = [s for s in group.sessions if s.starts_at < utc_now()]
        for session in past:
            record_attendance(session, {maya.id: (Mark.PRESENT, None)}, trainer.id)
        upcoming = next(s for s in group.sessions if s.starts_at > utc_now())
        db.session.commit()
        return upcoming.id


def test_one_person_in_two_organisations_sees_and_counts_only_the_one_launched_into(
    app: Flask, lms: LocalLms, riverside_east: LocalLms
):
    riverside_east.launch(app.test_client(), TRAINER, course=EAST_COURSE)
    riverside_east.launch(app.test_client(), PRACTITIONER, course=EAST_COURSE)
    east_session = _east_consultation(app)
    riverside = app.test_client()
    lms.launch(riverside, PRACTITIONER)

    token = csrf_token(riverside.get("/practitioner"))
    assert riverside.post("/consultation/feed", data={"csrf_token": token}).status_code == 302
    consultation = riverside.get("/consultation/mine").get_data(as_text=True)
    assert "East Thursday group" not in consultation
    feed = re.search(r"/consultation/calendar/([\w-]+)\.ics", consultation)
    assert feed, "the practitioner's own calendar address is on the page"
    assert "East" not in riverside.get(feed.group(0)).get_data(as_text=True)
    checklist = riverside.get("/practitioner").get_data(as_text=True)
    assert "Not yet in a consultation group" in checklist  # East's twelve sessions do not count
    apology = riverside.post(
        f"/consultation/sessions/{east_session}/apology",
        data={"reason": "A hospital appointment", "csrf_token": token},
    )
    assert apology.status_code == 404


def _sign_off_outside_a_request(app: Flask) -> None:
    """Two passing sign-offs written straight through the service: no request, so no issuing."""
    rubric = content_of(app).rubric
    ratings = {i.id: 4 for i in rubric.items if i.required and i.applies_to("individual")}
    with app.app_context():
        person = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER.sub)).one()
        trainer = db.session.scalars(select(Person).filter_by(subject=TRAINER.sub)).one()
        cohort = person.enrolments[0].cohort
        for observed in ("role-play", "real session"):
            record_signoff(
                rubric,
                person.id,
                cohort.organisation_id,
                trainer.id,
                date(2026, 11, 20),
                observed,
                ratings,
                {},
                "",
            )
        db.session.commit()
        assert gather(person.id, cohort).eligibility().eligible


# Caches, not records: the shared store (rate-limit counters, in the embedded default) and
# rendered toolkit PDFs, both rebuilt from nothing if emptied.
CACHES = {"store_entry", "toolkit_pdf"}


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name not in CACHES
        }


def test_opening_every_page_as_anyone_writes_nothing(app: Flask, lms: LocalLms):
    """Maya is eligible and not yet certified: no GET, by her, her trainer or her director,
    issues her certificate or writes anything else (it happens when evidence changes)."""
    everything(app, lms)
    _sign_off_outside_a_request(app)
    lms.launch(app.test_client(), PRACTITIONER_2)
    ids = _fixture_ids(app)
    clients = {role: app.test_client() for role in (PRAC, TRAIN, DIR)}
    for role, client in clients.items():
        assert lms.launch(client, USERS[role]).status_code == 302
    # The tool's first signing key is made when something first needs it (an LMS reading the key
    # set, as at registration); a launch no longer does, so read the key set before counting.
    assert app.test_client().get("/lti/jwks").status_code == 200
    before = _row_counts(app)
    with fixture_toolkit(app):
        for role, client in clients.items():
            for method, template, expected in MATRIX:
                if method == "GET":
                    url = template.format(**ids)
                    assert client.get(url).status_code == expected[role], f"{role} GET {url}"
    assert _row_counts(app) == before
    assert before["certificate"] == 0
