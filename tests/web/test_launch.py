"""Full LTI 1.3 launches from a real (local) LMS: who lands where, and what is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.demo_lms.platform import new_private_key_pem
from app.extensions import db
from app.models.base import replayed_at
from app.models.lti import StoreEntry
from app.models.people import Director, Enrolment, Person
from app.models.tenancy import Cohort, Organisation
from tests.support.lms import (
    COURSE,
    DIRECTOR,
    INSTRUCTOR,
    LEARNER,
    PRACTITIONER,
    TRAINER,
    LocalLms,
)
from tests.support.statements import statements

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _no_session(client: FlaskClient) -> None:
    for page in ("/practitioner", "/trainer", "/director"):
        assert client.get(page).status_code == 401


@pytest.mark.parametrize(
    ("user", "home", "heading"),
    [
        (PRACTITIONER, "/practitioner", "Welcome, Maya Chen"),
        (TRAINER, "/trainer", "IMR Intensive, Autumn cohort (IMR-AUT)"),
        (DIRECTOR, "/director", "Riverside Mental Health"),
    ],
)
def test_each_role_lands_on_its_own_home(client: FlaskClient, lms: LocalLms, user, home, heading):
    response = lms.launch(client, user)
    assert response.status_code == 302
    assert response.location == home
    page = client.get(home).get_data(as_text=True)
    assert heading in page
    assert user.name in page


def test_launch_records_person_cohort_and_enrolment(app: Flask, client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert (person.name, person.email) == ("Maya Chen", "maya.chen@example.org")
        cohort = db.session.scalars(select(Cohort)).one()
        assert (cohort.context_id, cohort.title, cohort.label) == (
            COURSE.id,
            COURSE.title,
            COURSE.label,
        )
        enrolment = db.session.scalars(select(Enrolment)).one()
        assert enrolment.role.value == "practitioner"
        assert enrolment.last_launch_at is not None


def _only(app: Flask, column: Any) -> Any:
    """The one row's value of this column (one organisation, one enrolment)."""
    with app.app_context():
        return db.session.scalars(select(column)).one()


def _last_launch(app: Flask) -> Any:
    return _only(app, Organisation.last_launch_at)


def test_the_organisations_last_launch_is_kept_to_the_minute_without_a_write_per_launch(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    first = _last_launch(app)
    with statements(app) as seen:
        assert lms.launch(client, TRAINER).status_code == 302
    assert not [s for s in seen if s.startswith("UPDATE organisation")]
    assert _last_launch(app) == first
    later = first + timedelta(minutes=2)
    with replayed_at(later):
        assert lms.launch(client, PRACTITIONER).status_code == 302
    assert _last_launch(app) == later


def _writes(seen: list[str]) -> list[str]:
    """The statements that changed a row of the people and courses a launch records."""
    changing = ("INSERT", "UPDATE", "DELETE")
    return [s for s in seen if s.startswith(changing) and "store_entry" not in s]


def test_a_returning_practitioner_is_read_in_one_statement_and_nothing_unchanged_is_written(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    first = _only(app, Enrolment.last_launch_at)
    fields = lms.launch_fields(client, PRACTITIONER)
    with statements(app) as seen:
        assert client.post("/lti/launch", data=fields).status_code == 302
    assert _writes(seen) == []
    flat = [" ".join(s.split()) for s in seen]
    recorded = [s for s in flat if " FROM person " in s and " JOIN enrolment " in s]
    assert len(recorded) == 1
    later = first + timedelta(minutes=2)
    with replayed_at(later), statements(app) as seen:
        assert lms.launch(client, PRACTITIONER).status_code == 302
    assert sorted(s.split()[1] for s in _writes(seen)) == ["enrolment", "organisation"]
    assert _only(app, Enrolment.last_launch_at) == later


def test_what_changed_at_the_lms_is_written_at_a_returning_launch(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, DIRECTOR)
    lms.launch(client, TRAINER)
    with app.app_context():
        trainer_id = db.session.scalar(select(Person.id).filter_by(subject=TRAINER.sub))
        left = db.session.scalars(select(Enrolment).filter_by(person_id=trainer_id)).one()
        left.active = False  # the roster said they had left the course
        db.session.commit()
    renamed = TRAINER.__class__(TRAINER.sub, "Sam Okafor-Reid", TRAINER.email, (LEARNER,))
    assert lms.launch(client, renamed).location == "/practitioner"
    demoted = DIRECTOR.__class__(DIRECTOR.sub, DIRECTOR.name, DIRECTOR.email, (INSTRUCTOR,))
    assert lms.launch(client, demoted).location == "/trainer"
    with app.app_context():
        trainer = db.session.get_one(Person, trainer_id)
        place = db.session.scalars(select(Enrolment).filter_by(person_id=trainer_id)).one()
        assert (trainer.name, place.role.value, place.active) == (
            "Sam Okafor-Reid",
            "practitioner",
            True,
        )
        assert db.session.scalar(select(func.count()).select_from(Director)) == 0


def test_a_launch_finds_its_registration_and_organisation_in_one_statement(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    fields = lms.launch_fields(client, PRACTITIONER)
    with statements(app) as seen:
        assert client.post("/lti/launch", data=fields).status_code == 302
    flat = [" ".join(s.split()) for s in seen]
    reads = [s for s in flat if s.startswith("SELECT") and " FROM platform " in s]
    assert len(reads) == 1
    assert " JOIN organisation ON " in reads[0]
    assert not [s for s in flat if " FROM organisation " in s]


def test_name_and_email_follow_the_lms(app: Flask, client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    renamed = PRACTITIONER.__class__(
        PRACTITIONER.sub, "Maya Chen-Okoro", "maya@new.example.org", (LEARNER,)
    )
    lms.launch(client, renamed)
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert (person.name, person.email) == ("Maya Chen-Okoro", "maya@new.example.org")


def test_several_roles_land_on_the_strongest_and_can_switch(client: FlaskClient, lms: LocalLms):
    both = TRAINER.__class__("user-multi", "Lee Park", "lee@example.org", (LEARNER, INSTRUCTOR))
    assert lms.launch(client, both).location == "/trainer"
    from tests.support.lms import csrf_token

    token = csrf_token(client.get("/trainer"))
    switched = client.post("/role", data={"role": "practitioner", "csrf_token": token})
    assert switched.location == "/practitioner"
    assert client.get("/trainer").status_code == 403
    assert "Welcome, Lee Park" in client.get("/practitioner").get_data(as_text=True)
    back = client.post("/role", data={"role": "trainer", "csrf_token": token})
    assert back.location == "/trainer"


def test_switching_to_a_role_the_launch_did_not_grant_is_refused(
    client: FlaskClient, lms: LocalLms
):
    from tests.support.lms import csrf_token

    lms.launch(client, PRACTITIONER)
    token = csrf_token(client.get("/practitioner"))
    assert client.post("/role", data={"role": "director", "csrf_token": token}).status_code == 403
    assert client.get("/director").status_code == 403


def test_director_without_a_course_reaches_the_organisation(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    assert lms.launch(client, DIRECTOR, course=None).location == "/director"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Director)) == 1


def test_practitioner_without_a_course_is_told_to_open_from_one(client: FlaskClient, lms: LocalLms):
    response = lms.launch(client, PRACTITIONER, course=None)
    assert response.status_code == 400
    assert "Open IMR Academy from inside a course" in response.get_data(as_text=True)
    _no_session(client)


def test_a_role_imr_does_not_serve_is_refused(client: FlaskClient, lms: LocalLms):
    mentor = PRACTITIONER.__class__(
        "user-mentor",
        "Pat Mentor",
        "pat@example.org",
        ("http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor",),
    )
    response = lms.launch(client, mentor)
    assert response.status_code == 403
    assert "no place for this course role" in response.get_data(as_text=True)
    _no_session(client)


def test_tool_jwks_is_a_plain_key_set(client: FlaskClient, lms: LocalLms):
    body = client.get("/lti/jwks").get_json()
    assert list(body) == ["keys"]
    assert body["keys"][0]["alg"] == "RS256"
    assert body["keys"][0]["kid"]
    assert "d" not in body["keys"][0], "the private exponent must never be published"


# --- Rejected launches: each is a 4xx page in plain words, and no session exists afterwards ---


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(fields: dict[str, str], header: dict[str, Any], sign: Any = None) -> dict[str, str]:
    payload = jwt.decode(fields["id_token"], options={"verify_signature": False})
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    signature = sign(head.encode()) if sign else b""
    return {**fields, "id_token": head + "." + _b64(signature)}


def _set(claim: str, value: Any):
    def mutate(payload: dict[str, Any]) -> None:
        payload[claim] = value

    return mutate


def _drop(claim: str):
    def mutate(payload: dict[str, Any]) -> None:
        payload.pop(claim)

    return mutate


def _expired(payload: dict[str, Any]) -> None:
    payload["iat"] = int(time.time()) - 7200
    payload["exp"] = int(time.time()) - 3600


REJECTIONS = {
    "bad signature": (
        lambda lms, f: lms.tampered(f, _set("name", "Mallory"), key_pem=new_private_key_pem()),
        401,
        "could not be verified",
    ),
    "alg none": (
        lambda lms, f: _unsigned(
            f, {"alg": "none", "kid": jwt.get_unverified_header(f["id_token"])["kid"]}
        ),
        401,
        "could not be verified",
    ),
    "HS256 signed with the public key": (
        lambda lms, f: _unsigned(
            f,
            {"alg": "HS256", "kid": jwt.get_unverified_header(f["id_token"])["kid"], "typ": "JWT"},
            lambda data: hmac.new(_public_pem(lms).encode(), data, hashlib.sha256).digest(),
        ),
        401,
        "could not be verified",
    ),
    "expired token": (lambda lms, f: lms.tampered(f, _expired), 401, "expired"),
    "wrong audience": (
        lambda lms, f: lms.tampered(f, _set("aud", "another-tool")),
        401,
        "meant for a different tool",
    ),
    "wrong issuer": (
        lambda lms, f: lms.tampered(f, _set("iss", "https://unknown-lms.example.org")),
        403,
        "not registered with IMR Academy",
    ),
    "unknown deployment": (
        lambda lms, f: lms.tampered(f, _set(LTI + "deployment_id", "deployment-99")),
        403,
        "deployment id deployment-99",
    ),
    "missing state": (
        lambda lms, f: {"id_token": f["id_token"]},
        401,
        "did not keep the sign-in cookie",
    ),
    "wrong state": (
        lambda lms, f: {**f, "state": "state-forged"},
        401,
        "did not keep the sign-in cookie",
    ),
    "missing sub": (lambda lms, f: lms.tampered(f, _drop("sub")), 400, "left out information"),
    "missing roles": (
        lambda lms, f: lms.tampered(f, _drop(LTI + "roles")),
        400,
        "left out information",
    ),
    "wrong version": (
        lambda lms, f: lms.tampered(f, _set(LTI + "version", "1.1")),
        400,
        "left out information",
    ),
    "not a JWT": (lambda lms, f: {**f, "id_token": "not-a-jwt"}, 400, "incomplete launch"),
    "claims not an object": (
        lambda lms, f: _with_part(f, 1, ["sub", "roles"]),
        400,
        "incomplete launch",
    ),
    "header not an object": (lambda lms, f: _with_part(f, 0, "RS256"), 400, "incomplete launch"),
}


def _with_part(fields: dict[str, str], index: int, value: Any) -> dict[str, str]:
    """The id_token with one of its parts replaced by other JSON (valid base64url, not an object)."""
    parts = fields["id_token"].split(".")
    parts[index] = base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return {**fields, "id_token": ".".join(parts)}


def _public_pem(lms: LocalLms) -> str:
    from jwcrypto.jwk import JWK

    return JWK.from_pem(lms.key_pem.encode()).export_to_pem().decode()


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_rejected_launch_explains_itself_and_creates_no_session(
    client: FlaskClient, lms: LocalLms, case: str
):
    forge, status, words = REJECTIONS[case]
    fields = forge(lms, lms.launch_fields(client, PRACTITIONER))
    response = client.post("/lti/launch", data=fields)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    _no_session(client)


def test_replayed_launch_is_refused(client: FlaskClient, lms: LocalLms):
    fields = lms.launch_fields(client, PRACTITIONER)
    assert client.post("/lti/launch", data=fields).status_code == 302
    replay = client.post("/lti/launch", data=fields)
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    _no_session(client)


def _kept(app: Flask) -> list[str]:
    """What the shared store holds besides the LMS's cached key set."""
    with app.app_context():
        keys = db.session.scalars(select(StoreEntry.key).order_by(StoreEntry.key))
        return [key.split("-")[0] for key in keys if "key-set-url-" not in key]


def test_a_login_keeps_one_entry_and_an_ordinary_launch_leaves_nothing_behind(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    fields = lms.launch_fields(client, PRACTITIONER)
    assert _kept(app) == ["oidc"], "the state's binding, which carries the nonce"
    assert client.post("/lti/launch", data=fields).status_code == 302
    assert _kept(app) == [], "a practitioner's claims (names, e-mail) are not kept for a day"
    assert client.post("/lti/launch", data=fields).status_code == 401
    assert lms.launch(app.test_client(), DIRECTOR).status_code == 302
    assert _kept(app) == [], "nor a director's, once their connection is approved"


def test_key_from_another_registered_platform_is_refused(
    app: Flask, client: FlaskClient, lms: LocalLms, httpserver
):
    other = LocalLms.start(httpserver, issuer_path="/other-lms", client_id="other-client")
    with app.app_context():
        other.register("Another provider")
    fields = lms.launch_fields(client, PRACTITIONER)
    forged = lms.tampered(
        fields,
        _set("name", "Mallory"),
        key_pem=other.key_pem,
        headers={
            "kid": jwt.get_unverified_header(other.launch_fields(client, PRACTITIONER)["id_token"])[
                "kid"
            ]
        },
    )
    response = client.post("/lti/launch", data=forged)
    assert response.status_code == 401
    _no_session(client)


def test_login_from_an_unregistered_lms_names_the_issuer(client: FlaskClient):
    response = client.get(
        "/lti/login",
        query_string={
            "iss": "https://lms.unknown.example",
            "login_hint": "u1",
            "target_link_uri": "http://localhost/lti/launch",
        },
    )
    assert response.status_code == 403
    assert "issuer https://lms.unknown.example" in response.get_data(as_text=True)


@pytest.mark.parametrize("missing", ["iss", "login_hint", "target_link_uri"])
def test_incomplete_login_is_refused(client: FlaskClient, lms: LocalLms, missing: str):
    params = lms.platform.login_initiation(PRACTITIONER, "link")
    params.pop(missing)
    response = client.get("/lti/login", query_string=params)
    assert response.status_code == 400
    assert "started the sign-in incorrectly" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "http://[::1", "http://[::1]x/"])
def test_login_refuses_a_target_outside_the_tool(client: FlaskClient, lms: LocalLms, target: str):
    params = {**lms.platform.login_initiation(PRACTITIONER, "link"), "target_link_uri": target}
    refused = client.get("/lti/login", query_string=params)
    assert refused.status_code == 400
    assert "target_link_uri points outside IMR Academy" in refused.get_data(as_text=True)


def test_platform_key_rotation_is_picked_up_at_once(client: FlaskClient, lms: LocalLms):
    assert lms.launch(client, PRACTITIONER).status_code == 302
    lms.rotate_key()
    assert lms.launch(client, PRACTITIONER).status_code == 302


def test_platform_key_set_is_cached_between_launches(client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    lms.launch(client, TRAINER)
    fetches = [request for request, _ in lms.server.log if request.path == lms.jwks_path]
    assert len(fetches) == 1


def test_in_an_iframe_login_checks_cookies_and_offers_a_new_window(
    client: FlaskClient, lms: LocalLms
):
    params = lms.platform.login_initiation(PRACTITIONER, "link")
    framed = client.get("/lti/login", query_string=params, headers={"Sec-Fetch-Dest": "iframe"})
    page = framed.get_data(as_text=True)
    assert framed.status_code == 200
    assert framed.mimetype == "text/html"
    assert "Open IMR Academy in a new window" in page
    assert 'target="_blank"' in page
    assert "lti1p3_new_window=1" in page
    assert any(c.startswith("lti1p3-state-") for c in framed.headers.getlist("Set-Cookie"))
    new_window = client.get(
        "/lti/login",
        query_string={**params, "lti1p3_new_window": "1"},
        headers={"Sec-Fetch-Dest": "iframe"},
    )
    assert new_window.status_code == 302
    assert new_window.location.startswith(lms.platform.issuer + "/auth")


def test_with_redis_configured_launch_state_lives_in_redis(settings, lms: LocalLms):
    from app import create_app
    from app.shared_store import RedisStore
    from tests.support.services import REDIS_URL, require_redis

    require_redis()
    redis_app = create_app(settings.with_overrides(redis_url=REDIS_URL))
    assert isinstance(redis_app.extensions["imr_store"], RedisStore)
    client = redis_app.test_client()
    fields = lms.launch_fields(client, PRACTITIONER)
    assert client.post("/lti/launch", data=fields).location == "/practitioner"
    assert client.post("/lti/launch", data=fields).status_code == 401
    with redis_app.app_context():
        db.engine.dispose()


def test_a_refused_launch_is_written_to_the_log_without_any_logging_set_up(
    client: FlaskClient, lms: LocalLms, caplog
):
    """docs/troubleshooting.md sends operators to the log: under gunicorn nothing lowers the
    root logger's WARNING, so the app's own level must let these through."""
    expired = lms.tampered(lms.launch_fields(client, PRACTITIONER), _expired)
    assert client.post("/lti/launch", data=expired).status_code == 401
    refused = [r for r in caplog.records if r.getMessage().startswith("launch refused (")]
    assert refused, [r.getMessage() for r in caplog.records]
    assert refused[0].levelno == logging.INFO
