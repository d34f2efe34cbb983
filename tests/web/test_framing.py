"""Who may frame IMR Academy: the LMS's own pages, as its signed launches name them.

An LMS frames the tool from its own pages, and Canvas Cloud from each school's own domain, which
is learnt from launches. A practitioner holding their own valid launch can post it with any
Origin header they like (curl sends whatever it is told), so the header alone must never add a
site to the list every session of that LMS may be framed by.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.lti.claims import LAUNCH_PRESENTATION
from tests.support.lms import DIRECTOR, PRACTITIONER, LocalLms

SCHOOL = "https://school.lms.example"
EVIL = "https://evil.example"


def _ancestors(response) -> str:
    return response.headers["Content-Security-Policy"].split("frame-ancestors", 1)[1]


def _post_launch(client: FlaskClient, lms: LocalLms, origin: str, claims: dict | None = None):
    fields = lms.launch_fields(client, PRACTITIONER, claims=claims)
    launched = client.post("/lti/launch", data=fields, headers={"Origin": origin})
    assert launched.status_code == 302, launched.get_data(as_text=True)
    return launched


def test_an_origin_header_alone_never_lets_a_site_frame_anyone(app: Flask, lms: LocalLms):
    _post_launch(app.test_client(), lms, EVIL)  # a practitioner's own launch, sent by curl
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    assert EVIL not in _ancestors(director.get("/director"))
    assert EVIL not in _ancestors(app.test_client().get("/verify/"))


def test_a_school_domain_the_signed_launch_names_may_frame_that_lms(app: Flask, lms: LocalLms):
    presentation = {LAUNCH_PRESENTATION: {"return_url": SCHOOL + "/courses/7/return"}}
    _post_launch(app.test_client(), lms, SCHOOL, presentation)  # Canvas Cloud's school domain
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    assert SCHOOL in _ancestors(director.get("/director"))
    assert SCHOOL in _ancestors(app.test_client().get("/verify/"))
    _post_launch(app.test_client(), lms, EVIL, presentation)  # named, but not where it came from
    assert EVIL not in _ancestors(app.test_client().get("/verify/"))
