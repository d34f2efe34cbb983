"""A director names the organisation's IMR programs and places each cohort in one."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models.tenancy import Cohort, Program
from tests.support.lms import DIRECTOR, PRACTITIONER, LocalLms, csrf_token


def _director(app: Flask, lms: LocalLms) -> tuple[FlaskClient, str]:
    lms.launch(app.test_client(), PRACTITIONER)  # creates the cohort
    client = app.test_client()
    lms.launch(client, DIRECTOR)
    return client, csrf_token(client.get("/director/programs"))


def test_director_adds_renames_and_assigns(app: Flask, lms: LocalLms):
    client, token = _director(app, lms)
    added = client.post(
        "/director/programs",
        data={"name": "Harbour House", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Added the Harbour House program." in added.get_data(as_text=True)
    with app.app_context():
        program_id = db.session.scalars(select(Program)).one().id
        cohort_id = db.session.scalars(select(Cohort)).one().id
    client.post(
        f"/director/programs/{program_id}/rename",
        data={"name": "Supported housing", "csrf_token": token},
    )
    client.post(
        f"/director/cohorts/{cohort_id}/program",
        data={"program": str(program_id), "csrf_token": token},
    )
    home = client.get("/director").get_data(as_text=True)
    assert "Supported housing" in home
    assert "Cohorts not yet in a program" not in home
    with app.app_context():
        assert db.session.get(Cohort, cohort_id).program_id == program_id
    client.post(f"/director/cohorts/{cohort_id}/program", data={"program": "", "csrf_token": token})
    assert "Cohorts not yet in a program" in client.get("/director").get_data(as_text=True)


@pytest.mark.parametrize("again", ["ÉQUIPE MOBILE", "équipe mobile", "E\u0301quipe mobile"])
def test_a_name_differing_only_in_accented_capitals_is_the_same_program(
    app: Flask, lms: LocalLms, again: str
):
    client, token = _director(app, lms)
    first = client.post("/director/programs", data={"name": "Équipe mobile", "csrf_token": token})
    assert first.status_code == 302
    duplicate = client.post("/director/programs", data={"name": again, "csrf_token": token})
    assert duplicate.status_code == 400
    assert "already has a program called" in duplicate.get_data(as_text=True)


def test_duplicate_and_empty_program_names_get_a_form_error(app: Flask, lms: LocalLms):
    client, token = _director(app, lms)
    client.post("/director/programs", data={"name": "Harbour House", "csrf_token": token})
    duplicate = client.post(
        "/director/programs", data={"name": "harbour house", "csrf_token": token}
    )
    assert duplicate.status_code == 400
    assert "already has a program called" in duplicate.get_data(as_text=True)
    empty = client.post("/director/programs", data={"name": "  ", "csrf_token": token})
    assert empty.status_code == 400
    assert "Enter the program&#39;s name." in empty.get_data(as_text=True)
    pasted = client.post(
        "/director/programs", data={"name": "Harbour\tWest", "csrf_token": token}
    )  # a tab pasted from a spreadsheet
    assert pasted.status_code == 400
    assert "must be on one line, without tabs" in pasted.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Program)) == 1
    spaced = client.post(
        "/director/programs", data={"name": "Harbour\u00a0West", "csrf_token": token}
    )
    assert spaced.status_code == 302, "a no-break space (pasted from a document) is a space"


def test_program_names_are_escaped(app: Flask, lms: LocalLms):
    client, token = _director(app, lms)
    client.post(
        "/director/programs", data={"name": "<script>alert(1)</script>", "csrf_token": token}
    )
    page = client.get("/director").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_assigning_to_a_program_that_does_not_exist_changes_nothing(app: Flask, lms: LocalLms):
    client, token = _director(app, lms)
    with app.app_context():
        cohort_id = db.session.scalars(select(Cohort)).one().id
    response = client.post(
        f"/director/cohorts/{cohort_id}/program",
        data={"program": "999", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Choose one of your organisation" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Cohort, cohort_id).program_id is None
