"""Who may frame IMR Academy: the LMS's own pages, as its signed launches name them.

An LMS frames the tool from its own pages, and Canvas Cloud from each school's own domain, which
is learnt from launches. A practitioner holding their own valid launch can post it with any
Origin header they like (curl sends whatever it is told), so the header alone must never add a
site to the list every session of that LMS may be framed by.

Before a launch a page may be framed by the LMS it is for (the one a login names, the one this
browser last launched from), never by a list of every registered LMS: that list, in any page's
header, told anyone which organisations use IMR Academy and on which hosts.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.lti.claims import LAUNCH_PRESENTATION
from app.security import FRAMES_COOKIE
from app.services.registrations import PlatformUrls, add_platform
from tests.support.lms import DIRECTOR, LINK, PRACTITIONER, LocalLms, csrf_token

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
    curl = app.test_client()
    _post_launch(curl, lms, EVIL)  # a practitioner's own launch, sent by curl
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    assert EVIL not in _ancestors(director.get("/director"))
    assert EVIL not in _ancestors(curl.get("/verify/"))


def _sign_out(browser: FlaskClient, home: str) -> None:
    token = csrf_token(browser.get(home))
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 302


def test_a_school_domain_the_signed_launch_names_may_frame_that_lms(app: Flask, lms: LocalLms):
    presentation = {LAUNCH_PRESENTATION: {"return_url": SCHOOL + "/courses/7/return"}}
    school = app.test_client()
    _post_launch(school, lms, SCHOOL, presentation)  # Canvas Cloud's school domain
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    assert SCHOOL in _ancestors(director.get("/director"))
    _sign_out(school, "/practitioner")
    assert SCHOOL in _ancestors(school.get("/signed-out")), "its ended session's page shows there"
    _post_launch(school, lms, EVIL, presentation)  # named, but not where it came from
    assert EVIL not in _ancestors(school.get("/verify/"))


OTHER_LMS = "https://moodle.other-provider.example"


def _another_organisations_lms(app: Flask) -> None:
    with app.app_context():
        urls = PlatformUrls(OTHER_LMS + "/auth", OTHER_LMS + "/token", OTHER_LMS + "/certs")
        add_platform(
            OTHER_LMS, "other-client", ["d-1"], urls, name="Moodle", organisation_name="Other"
        )
        db.session.commit()


def test_a_page_before_any_launch_names_no_registered_lms(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    _another_organisations_lms(app)
    for page in ("/verify/", "/signed-out", "/practitioner"):  # the last one a 401
        assert _ancestors(client.get(page)) == " 'self'", page


def test_a_login_lets_only_the_lms_it_names_frame_its_page(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    _another_organisations_lms(app)
    params = lms.platform.login_initiation(PRACTITIONER, LINK)
    check = client.get("/lti/login", query_string=params, headers={"Sec-Fetch-Dest": "iframe"})
    assert check.status_code == 200  # the cookie check, shown inside the LMS's frame
    ancestors = _ancestors(check)
    assert lms.platform.issuer.rsplit("/", 1)[0] in ancestors
    assert OTHER_LMS not in ancestors


def test_a_refused_launch_is_framed_by_the_lms_that_sent_it_alone(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    _another_organisations_lms(app)
    fields = lms.launch_fields(client, PRACTITIONER)
    refused = client.post("/lti/launch", data={**fields, "state": "state-of-another-browser"})
    assert refused.status_code == 401
    ancestors = _ancestors(refused)
    assert lms.platform.issuer.rsplit("/", 1)[0] in ancestors
    assert OTHER_LMS not in ancestors


def test_a_frames_cookie_not_signed_by_imr_academy_frames_nothing(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    _sign_out(client, "/practitioner")
    assert lms.platform.issuer.rsplit("/", 1)[0] in _ancestors(client.get("/signed-out"))
    client.set_cookie(FRAMES_COOKIE, '["https://evil.example"]')
    assert _ancestors(client.get("/signed-out")) == " 'self'"


def test_a_request_too_large_to_read_still_gets_its_page(client: FlaskClient, lms: LocalLms):
    """Finding which LMS a page is for read the posted form again, and a form too large to read
    raised once more on the way out: the 413 page became a 500."""
    too_large = "a" * (11 * 1024 * 1024)
    for page, field in (("/verify/", "code"), ("/lti/launch", "id_token"), ("/lti/login", "iss")):
        answer = client.post(page, data={field: too_large})
        assert answer.status_code == 413, page
        assert "That upload is too large" in answer.get_data(as_text=True)
        assert _ancestors(answer) == " 'self'"
