"""Signing out: on a computer others use, nobody after you opens your IMR Academy pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.demo_lms.platform import new_private_key_pem
from tests.support.lms import PRACTITIONER, TRAINER, LocalLms, csrf_token


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
