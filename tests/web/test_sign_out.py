"""Signing out: on a computer others use, nobody after you opens your IMR Academy pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.lms import PRACTITIONER, LocalLms, csrf_token


def test_signing_out_ends_the_session_and_says_how_to_come_back(client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    home = client.get("/practitioner")
    assert 'action="/sign-out"' in home.get_data(as_text=True)
    signed_out = client.post(
        "/sign-out", data={"csrf_token": csrf_token(home)}, follow_redirects=True
    )
    assert signed_out.status_code == 200
    page = signed_out.get_data(as_text=True)
    assert "You have signed out of IMR Academy" in page
    assert "sign out there too" in page
    assert client.get("/practitioner").status_code == 401
    assert lms.launch(client, PRACTITIONER).location == "/practitioner"  # a new launch works


def test_a_sign_out_another_site_sends_is_refused(client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    assert client.post("/sign-out").status_code == 400  # no CSRF token: a forged form
    assert client.get("/practitioner").status_code == 200
