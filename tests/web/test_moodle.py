"""Moodle 4.5 as its administrators and teachers meet it (issue #19): payloads as Moodle sends them.

Rosters with only `Instructor`, a site administrator who launches without being enrolled and
without name claims, Moodle's HTML error page from its roster service, its dynamic
registration's "Update" path, and the "Tool URL" box that administrators fill in wrongly.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from app.domain.roles import Role
from app.extensions import db
from app.models.lti import Platform
from app.models.people import Director, Enrolment, Person
from app.models.tenancy import Cohort, Organisation
from app.services.dynamic_registration import create_invitation
from tests.support.lms import INSTRUCTOR, LEARNER, LocalLms, csrf_token
from tests.support.moodle import (
    COURSE,
    MANAGER,
    OTHER_COURSE,
    SITE_ADMIN,
    STUDENT,
    TEACHER,
    MoodleRoster,
    member,
)
from tests.support.registration import RegisteringLms

SESSION_COOKIE = "imr_session"


@pytest.fixture
def roster(httpserver: HTTPServer) -> MoodleRoster:
    return MoodleRoster(httpserver)


def _launch(app: Flask, lms: LocalLms, roster: MoodleRoster, user, course=COURSE) -> FlaskClient:
    client = app.test_client()
    response = lms.launch(client, user, course, claims=roster.claims(course))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _cookie_size(client: FlaskClient) -> int:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "the browser holds a session cookie"
    return len(cookie.value)


def _enrolment(app: Flask, user) -> Enrolment:
    with app.app_context():
        enrolment = db.session.scalars(
            select(Enrolment).join(Person).where(Person.subject == user.sub)
        ).one()
        db.session.expunge(enrolment)
        return enrolment


# --- A failed roster refresh is summarised, shown as an error, and kept out of the cookie --


def test_a_failed_roster_refresh_is_a_short_error_and_leaves_the_session_cookie_small(
    app: Flask, lms: LocalLms, roster: MoodleRoster, caplog: pytest.LogCaptureFixture
):
    page_from_moodle = roster.fail(COURSE)
    assert len(page_from_moodle) > 10_000
    trainer = _launch(app, lms, roster, TEACHER)
    token = csrf_token(trainer.get("/consultation/"))
    before = _cookie_size(trainer)
    with caplog.at_level(logging.WARNING):
        refused = trainer.post("/consultation/roster/sync", data={"csrf_token": token})
    assert refused.status_code == 302
    assert _cookie_size(trainer) - before < 1024, "the flash carries a summary, not the page"
    page = trainer.get(refused.location).get_data(as_text=True)
    assert (
        '<p class="flash flash-error" role="alert">The roster could not be refreshed: failed '
        "after 3 tries: the LMS answered HTTP 500 (Error reading from database)."
    ) in page
    assert "dmlreadexception" not in page
    assert "Roster refreshed" not in page
    assert "dmlreadexception" in caplog.text, "the LMS's full answer is in the log"


def test_sync_roster_prints_one_line_per_cohort_with_organisation_deployment_and_outcome(
    app: Flask, lms: LocalLms, roster: MoodleRoster, runner: FlaskCliRunner
):
    roster.serve(COURSE, [member(TEACHER, INSTRUCTOR), member(STUDENT, LEARNER)])
    roster.fail(OTHER_COURSE)
    _launch(app, lms, roster, TEACHER)
    _launch(app, lms, roster, TEACHER, OTHER_COURSE)
    result = runner.invoke(args=["lti", "sync-roster"])
    assert result.exit_code == 1, "a failed roster makes the command fail, for cron to notice"
    lines = result.output.splitlines()
    with app.app_context():
        ids = dict(db.session.execute(select(Cohort.label, Cohort.id)).all())
    assert (
        f"Riverside Mental Health (deployment deployment-1), cohort {ids['IMR-1']} IMR Intensive "
        "(IMR-1): 1 added, 0 updated, 0 marked as left"
    ) in lines
    assert (
        f"Riverside Mental Health (deployment deployment-1), cohort {ids['IMR-2']} IMR Refresher "
        "(IMR-2): "
        "failed after 3 tries: the LMS answered HTTP 500 (Error reading from database)"
    ) in lines
    assert "1 of 2 roster(s) could not be refreshed" in result.output
    assert "<html" not in result.output


# --- A roster lists course members with course roles only ----------------------------------


def test_a_site_administrator_who_launched_without_enrolling_is_not_marked_as_left(
    app: Flask, lms: LocalLms, roster: MoodleRoster
):
    roster.serve(COURSE, [member(TEACHER, INSTRUCTOR), member(STUDENT, LEARNER)])
    _launch(app, lms, roster, SITE_ADMIN)  # no name claims, not enrolled in the course
    _launch(app, lms, roster, STUDENT)
    trainer = _launch(app, lms, roster, TEACHER)
    page = trainer.post(
        "/consultation/roster/sync",
        data={"csrf_token": csrf_token(trainer.get("/consultation/"))},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Roster refreshed from the LMS: 0 added, 0 updated, 0 marked as left." in page
    admin = _enrolment(app, SITE_ADMIN)
    assert (admin.role, admin.active) == (Role.DIRECTOR, True)
    assert _launch(app, lms, roster, SITE_ADMIN).get("/director").status_code == 200


def test_a_roster_listing_a_director_as_instructor_does_not_demote_them(
    app: Flask, lms: LocalLms, roster: MoodleRoster, runner: FlaskCliRunner
):
    roster.serve(COURSE, [member(MANAGER, INSTRUCTOR), member(STUDENT, LEARNER)])
    director = _launch(app, lms, roster, MANAGER)
    assert runner.invoke(args=["lti", "sync-roster"]).exit_code == 0
    assert _enrolment(app, MANAGER).role is Role.DIRECTOR
    assert director.get("/director").status_code == 200, "the open session keeps its standing"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Director)) == 1


def test_the_next_launch_still_sets_the_role_from_the_launch(
    app: Flask, lms: LocalLms, roster: MoodleRoster, runner: FlaskCliRunner
):
    roster.serve(COURSE, [member(MANAGER, LEARNER), member(TEACHER, LEARNER)])
    _launch(app, lms, roster, MANAGER)
    _launch(app, lms, roster, TEACHER)
    assert runner.invoke(args=["lti", "sync-roster"]).exit_code == 0
    assert _enrolment(app, TEACHER).role is Role.TRAINER, "a launch's role is not lowered"
    no_longer_manager = replace(MANAGER, roles=(INSTRUCTOR,))
    _launch(app, lms, roster, no_longer_manager)
    assert _enrolment(app, MANAGER).role is Role.TRAINER
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Director)) == 0


def test_a_roster_still_marks_as_left_a_course_member_who_is_no_longer_listed(
    app: Flask, lms: LocalLms, roster: MoodleRoster, runner: FlaskCliRunner
):
    roster.serve(COURSE, [member(TEACHER, INSTRUCTOR)])
    _launch(app, lms, roster, STUDENT)
    _launch(app, lms, roster, TEACHER)
    result = runner.invoke(args=["lti", "sync-roster"])
    assert "0 added, 0 updated, 1 marked as left" in result.output
    assert not _enrolment(app, STUDENT).active


# --- Dynamic registration: Moodle's "Update", and what the confirmation page promises -------


@pytest.fixture
def registering(httpserver: HTTPServer) -> RegisteringLms:
    """A Moodle 4.5 not yet connected, offering dynamic registration."""
    lms = LocalLms.start(httpserver, client_id="moodle-client-7", deployment_id="4")
    moodle = RegisteringLms(lms)
    moodle.serve()
    return moodle


def _new_link(app: Flask, needs_approval: bool) -> str:
    with app.app_context():
        token = create_invitation(
            "ticket 19", timedelta(days=7), needs_approval, "Riverside Recovery"
        )
        db.session.commit()
    return f"/lti/register/{token}"


def _update_link(runner: FlaskCliRunner, moodle: RegisteringLms) -> str:
    made = runner.invoke(
        args=[
            "lti",
            "registration-url",
            "--note",
            "Moodle update",
            "--for-connection",
            moodle.issuer,
            moodle.lms.platform.client_id,
        ]
    )
    assert made.exit_code == 0, made.output
    return urlsplit(made.output.splitlines()[0]).path


def _confirm(client: FlaskClient, moodle: RegisteringLms, url: str) -> tuple[str, str]:
    """Open the link as Moodle does, confirm it; the confirmation page and the outcome page."""
    confirmation = client.get(moodle.start_url(url))
    assert confirmation.status_code == 200, confirmation.get_data(as_text=True)
    form = re.search(r'name="organisation_name"[^>]*value="([^"]*)"', confirmation.text)
    done = client.post(
        url,
        data=moodle.confirm_fields(form.group(1) if form else "Riverside Recovery"),
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    return confirmation.get_data(as_text=True), done.get_data(as_text=True)


@pytest.mark.parametrize("needs_approval", [True, False])
def test_a_new_registration_says_truthfully_whether_it_waits_for_approval(
    app: Flask, client: FlaskClient, registering: RegisteringLms, needs_approval: bool
):
    confirmation, done = _confirm(client, registering, _new_link(app, needs_approval))
    if needs_approval:
        assert "After you connect, the connection waits for approval" in confirmation
        assert "the connection must be approved" in done
        launched = registering.lms.launch(app.test_client(), STUDENT, COURSE)
        assert "waiting for approval" in launched.get_data(as_text=True)
    else:
        assert "None needed: people can open IMR Academy" in confirmation
        assert "No approval is needed" in done
        assert registering.lms.launch(app.test_client(), STUDENT, COURSE).status_code == 302


@pytest.mark.parametrize("approved", [True, False])
def test_moodles_update_keeps_the_organisation_and_its_approval_as_they_were(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    registering: RegisteringLms,
    approved: bool,
):
    _confirm(client, registering, _new_link(app, needs_approval=True))
    if approved:
        approval = runner.invoke(
            args=[
                "lti",
                "approve",
                "--issuer",
                registering.issuer,
                "--client-id",
                registering.lms.platform.client_id,
                "--deployment-id",
                "4",
            ]
        )
        assert approval.exit_code == 0, approval.output
    registering.configuration_overrides = {"authorization_endpoint": registering.issuer + "/auth2"}
    confirmation, done = _confirm(client, registering, _update_link(runner, registering))
    assert "Update IMR Academy's connection" in confirmation
    assert "serving Riverside Recovery" in confirmation
    assert "IMR Academy's connection is updated" in done
    assert "It still serves Riverside Recovery" in done
    if approved:
        assert "No approval is needed" in done
    else:
        assert "The connection is still waiting for approval" in confirmation
        assert "the connection must be approved" in done
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert platform.auth_login_url == registering.issuer + "/auth2"
        [organisation] = platform.organisations
        assert (organisation.name, organisation.awaiting_approval) == (
            "Riverside Recovery",
            not approved,
        )


def test_a_new_registration_meeting_an_existing_connection_says_what_to_do(
    app: Flask, client: FlaskClient, registering: RegisteringLms
):
    _confirm(client, registering, _new_link(app, needs_approval=False))
    url = _new_link(app, needs_approval=False)  # Moodle's "Update" chosen with an ordinary link
    client.get(registering.start_url(url))
    refused = client.post(
        url,
        data=registering.confirm_fields("Hillcrest"),
    )
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "nothing was changed" in page
    assert "ask your IMR Academy operator for an update link" in page
    assert "Register as a new external tool" in page
    with app.app_context():
        assert [o.name for o in db.session.scalars(select(Organisation))] == ["Riverside Recovery"]


# --- The tool's own address pasted into Moodle's "Tool URL" registration box -------------


@pytest.mark.parametrize("pasted", ["/", "/lti/launch"])
def test_moodle_opening_the_base_or_launch_url_to_register_gets_told_what_to_paste(
    app: Flask, client: FlaskClient, pasted: str
):
    """Moodle adds its configuration address and a registration token to whatever was pasted."""
    opened = client.get(
        pasted,
        query_string={
            "openid_configuration": "https://moodle.example.org/mod/lti/openid-configuration.php",
            "registration_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
        },
    )
    assert opened.status_code == 400
    page = opened.get_data(as_text=True)
    assert "This is not a registration URL" in page
    assert f"<code>http://localhost{pasted}</code>" in page
    assert "openid_configuration" in page
    assert "http://localhost/lti/register/…" in page
    assert "lti registration-url" in page
    assert "Add LTI Advantage" in page
    assert "eyJ0eXAi" not in page, "the registration token is not echoed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0


def test_without_a_registration_parameter_those_urls_behave_as_before(client: FlaskClient):
    assert client.get("/").status_code == 200
    assert client.get("/lti/launch").status_code == 405
