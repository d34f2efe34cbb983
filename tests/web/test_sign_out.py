"""Signing out: on a computer others use, nobody after you opens your IMR Academy pages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.demo_lms.platform import new_private_key_pem
from tests.support.lms import PRACTITIONER, PRACTITIONER_2, TRAINER, LocalLms, csrf_token


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


def test_signing_out_ends_every_copy_of_the_session_and_the_next_launch_works(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    """A synced profile or a shared machine's saved profile keeps the cookie; it must not work."""
    lms.launch(client, PRACTITIONER)
    home = client.get("/practitioner")
    copied = client.get_cookie("imr_session").value
    elsewhere = app.test_client()  # the same person on their phone
    lms.launch(elsewhere, PRACTITIONER)
    client.post("/sign-out", data={"csrf_token": csrf_token(home)})
    kept = app.test_client()
    kept.set_cookie("imr_session", copied)
    for browser in (kept, elsewhere):
        ended = browser.get("/practitioner")
        assert ended.status_code == 401
        assert "You signed out of IMR Academy" in ended.get_data(as_text=True)
    assert lms.launch(elsewhere, PRACTITIONER).location == "/practitioner"
    assert elsewhere.get("/practitioner").status_code == 200, "a launch after it starts afresh"
    other_person = app.test_client()
    lms.launch(other_person, PRACTITIONER_2)
    assert other_person.get("/practitioner").status_code == 200, "nobody else is signed out"


def test_a_sign_out_another_site_sends_is_refused(client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    assert client.post("/sign-out").status_code == 400  # no CSRF token: a forged form
    assert client.get("/practitioner").status_code == 200


def test_a_launch_another_site_posts_leaves_the_session_alone(client: FlaskClient, lms: LocalLms):
    """The launch endpoint takes no CSRF token, so a forged launch must not sign anyone out."""
    lms.launch(client, PRACTITIONER)
    forged = client.post(
        "/lti/launch",
        data={"state": "state-of-another-browser", "id_token": "e30.e30.e30"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert forged.status_code == 401  # refused: no login of this browser began it
    assert "imr_session=;" not in forged.headers.get("Set-Cookie", "")
    assert client.get("/practitioner").status_code == 200, "still signed in, mid-quiz or not"


def test_a_failed_launch_this_browser_began_signs_the_last_person_out(
    client: FlaskClient, lms: LocalLms
):
    """At a shared computer, the next person's launch that fails shows nobody's pages."""
    lms.launch(client, PRACTITIONER)
    fields = lms.launch_fields(client, TRAINER)  # the next person's login, in the same browser
    broken = lms.tampered(
        fields, lambda claims: claims.update(name="Mallory"), key_pem=new_private_key_pem()
    )
    assert client.post("/lti/launch", data=broken).status_code == 401
    assert client.get("/practitioner").status_code == 401
