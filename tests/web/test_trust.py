"""Trust at every door: the attacks of issue #13, each one refused at its root.

Real signed launches from local LMSs, two organisations, and a fake platform that tries to take
over another organisation's registration.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jwcrypto.jwk import JWK
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, update
from werkzeug import Request, Response

from app.certificates.verify import LOOKUPS_PER_MINUTE
from app.demo_lms.platform import LmsUser, new_private_key_pem
from app.extensions import db
from app.models.certification import AuditEntry, IssuerKey
from app.models.lti import Platform
from app.models.people import Enrolment, Person
from app.models.tenancy import Organisation
from app.services.dynamic_registration import create_invitation
from config import ROOT_DIR
from tests.support.lms import (
    COURSE,
    DIRECTOR,
    LEARNER,
    PRACTITIONER,
    TRAINER,
    LocalLms,
    csrf_token,
    deep_linking_claims,
)
from tests.support.registration import RegisteringLms
from tests.support.settings import configured

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MALLORY = LmsUser("user-mallory", "Mallory Attacker", "mallory@example.org", (LEARNER,))


def _invitation(app: Flask, **kwargs) -> str:
    with app.app_context():
        token = create_invitation("ticket 7", timedelta(days=7), False, "Hillcrest", **kwargs)
        db.session.commit()
    return f"/lti/register/{token}"


def _register(client: FlaskClient, registering: RegisteringLms, url: str):
    client.get(registering.start_url(url))
    return client.post(
        url,
        data=registering.confirm_fields("Hillcrest"),
    )


def _platform_row(app: Flask, issuer: str) -> tuple[str, str, str]:
    with app.app_context():
        row = db.session.scalars(select(Platform).filter_by(issuer=issuer)).one()
        return row.key_set_url, row.auth_login_url, row.registered_via


# --- One registration link must never take over another organisation ---------------------


def test_a_registration_that_meets_an_existing_connection_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, lms: LocalLms, httpserver: HTTPServer
):
    """A fake platform answers with organisation A's issuer and client id: refused, A intact."""
    before = _platform_row(app, lms.platform.issuer)
    fake = RegisteringLms(lms)  # same issuer and client id as the operator's registration
    fake.configuration_overrides = {"jwks_uri": httpserver.url_for("/attacker/jwks")}
    fake.serve()
    refused = _register(client, fake, _invitation(app))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "already connected" in page
    assert "nothing was changed" in page
    assert _platform_row(app, lms.platform.issuer) == before
    assert lms.launch(app.test_client(), PRACTITIONER).status_code == 302  # A still launches


def test_a_canvas_cloud_issuer_is_accepted_only_from_instructures_own_hosts(
    app: Flask, client: FlaskClient, httpserver: HTTPServer
):
    fake = RegisteringLms(LocalLms.start(httpserver, client_id="fake-canvas"))
    fake.configuration_overrides = {"issuer": "https://canvas.instructure.com"}
    fake.serve()
    refused = _register(client, fake, _invitation(app))
    assert refused.status_code == 400
    assert "is on another host" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0


def test_an_update_link_updates_only_its_own_connection_and_is_audited(
    app: Flask, client: FlaskClient, lms: LocalLms, runner: FlaskCliRunner, httpserver: HTTPServer
):
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
    moved = RegisteringLms(lms)
    moved.configuration_overrides = {"authorization_endpoint": lms.platform.issuer + "/auth2"}
    moved.serve()
    made = runner.invoke(
        args=[
            "lti",
            "registration-url",
            "--note",
            "Moodle update",
            "--for-connection",
            platform.issuer,
            platform.client_id,
        ]
    )
    assert made.exit_code == 0, made.output
    url = "/" + made.output.splitlines()[0].split("/", 3)[3]
    assert _register(client, moved, url).status_code == 200
    with app.app_context():
        updated = db.session.scalars(select(Platform)).one()
        assert updated.auth_login_url == lms.platform.issuer + "/auth2"
        assert [o.name for o in updated.organisations] == ["Riverside Mental Health"]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .filter_by(action="lms-connection-updated")
            )
            == 1
        )


def test_only_the_operators_cli_changes_a_registration_and_it_is_audited(
    app: Flask, lms: LocalLms, runner: FlaskCliRunner
):
    new_keys = lms.platform.issuer + "/keys-2026"
    result = runner.invoke(
        args=[
            "lti",
            "update-platform",
            "--issuer",
            lms.platform.issuer,
            "--client-id",
            lms.platform.client_id,
            "--key-set-url",
            new_keys,
            "--reason",
            "ticket 99: the LMS moved its keys",
        ]
    )
    assert result.exit_code == 0, result.output
    assert _platform_row(app, lms.platform.issuer)[0] == new_keys
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).filter_by(action="lms-connection-updated")
        ).one()
        assert "ticket 99" in entry.reason
        assert "key set url" in entry.reason


# --- The launch itself -------------------------------------------------------------------


def test_a_nonce_issued_to_another_browser_is_refused(app: Flask, lms: LocalLms):
    """Login CSRF: Mallory's own launch, finished in Maya's browser with Maya's state cookie."""
    mallory, maya = app.test_client(), app.test_client()
    mallorys_login = lms.begin(mallory, MALLORY)
    mayas_login = lms.begin(maya, PRACTITIONER)
    mallorys_token = lms.platform.launch(mallorys_login, MALLORY, COURSE, "link-1")["id_token"]
    planted = maya.post(
        "/lti/launch", data={"id_token": mallorys_token, "state": mayas_login["state"]}
    )
    assert planted.status_code == 401
    assert "started in another browser" in planted.get_data(as_text=True)
    assert maya.get("/practitioner").status_code == 401  # no session as Mallory


# --- Outbound requests -------------------------------------------------------------------


def test_every_lti_call_pylti1p3_makes_is_bounded(app: Flask, lms: LocalLms):
    from app.lti.http import OutboundSession
    from app.lti.tool import message_launch, service_connector

    with app.test_request_context("/lti/launch", method="POST"):
        assert isinstance(message_launch()._requests_session, OutboundSession)
        platform = db.session.scalars(select(Platform)).one()
        assert isinstance(service_connector(platform)._requests_session, OutboundSession)


def test_registration_fetches_follow_no_redirects(
    app: Flask, client: FlaskClient, lms: LocalLms, httpserver: HTTPServer
):
    registering = RegisteringLms(LocalLms.start(httpserver, client_id="redirecting"))
    registering.serve()
    httpserver.expect_request("/lms/moved").respond_with_response(
        Response(status=302, headers={"Location": registering.configuration_url})
    )
    url = _invitation(app)
    response = client.get(
        f"{url}?openid_configuration={httpserver.url_for('/lms/moved')}"
        f"&registration_token={registering.registration_token}"
    )
    assert response.status_code == 502
    assert "could not read your LMS" in response.get_data(as_text=True)


def test_registration_refuses_private_addresses_outside_development(
    app: Flask, client: FlaskClient, httpserver: HTTPServer
):
    registering = RegisteringLms(LocalLms.start(httpserver, client_id="internal"))
    registering.serve()
    url = _invitation(app)
    with configured(app, private_outbound_allowed=False):
        refused = client.get(registering.start_url(url))
    assert refused.status_code == 400  # http on localhost is refused before anything is fetched
    assert "must use https" in refused.get_data(as_text=True)
    httpsless = registering.start_url(url).replace("http://localhost", "http://127.0.0.1")
    with configured(app, private_outbound_allowed=False):
        assert client.get(httpsless).status_code == 400
    assert client.get(registering.start_url(url)).status_code == 200  # allowed while developing


def test_a_registration_link_cannot_be_opened_without_limit(
    app: Flask, client: FlaskClient, httpserver: HTTPServer
):
    registering = RegisteringLms(LocalLms.start(httpserver, client_id="probe"))
    registering.serve()
    url = registering.start_url(_invitation(app))
    statuses = [client.get(url).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


# --- Sessions and people -----------------------------------------------------------------


def test_a_session_ends_after_its_absolute_limit(app: Flask, client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    with client.session_transaction() as session:
        session["imr_started"] = int((datetime.now(UTC) - timedelta(hours=25)).timestamp())
    ended = client.get("/practitioner")
    assert ended.status_code == 401
    assert "Sessions last at most 24 hours" in ended.get_data(as_text=True)


def test_an_idle_session_ends(app: Flask, client: FlaskClient, lms: LocalLms):
    lms.launch(client, PRACTITIONER)
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)  # every cookie is too old
    try:
        assert client.get("/practitioner").status_code == 401
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = idle


def test_leaving_the_cohort_ends_the_session_on_its_next_request(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    assert client.get("/practitioner").status_code == 200
    with app.app_context():
        db.session.execute(update(Enrolment).values(active=False))  # what a roster sync does
        db.session.commit()
    ended = client.get("/practitioner")
    assert ended.status_code == 401
    assert "Your access has changed" in ended.get_data(as_text=True)


def test_a_lesser_role_at_a_later_launch_takes_effect_in_the_open_session(
    app: Flask, lms: LocalLms
):
    as_trainer, elsewhere = app.test_client(), app.test_client()
    lms.launch(as_trainer, TRAINER)
    assert as_trainer.get("/trainer").status_code == 200
    demoted = LmsUser(TRAINER.sub, TRAINER.name, TRAINER.email, (LEARNER,))
    lms.launch(elsewhere, demoted)
    assert as_trainer.get("/trainer").status_code == 401
    assert elsewhere.get("/practitioner").status_code == 200


# --- Public surfaces ---------------------------------------------------------------------


def test_public_links_come_from_public_url_never_from_the_host_header(
    app: Flask, client: FlaskClient
):
    with configured(app, public_url="https://imr.example.org"):
        headers = {"Host": "evil.example.com", "X-Forwarded-Host": "evil.example.com"}
        canvas = client.get("/lti/canvas.json", headers=headers).get_json()
        setup = client.get("/lti/setup", headers=headers).get_data(as_text=True)
    assert canvas["oidc_initiation_url"] == "https://imr.example.org/lti/login"
    assert "https://imr.example.org/lti/launch" in setup
    assert "evil.example.com" not in setup + str(canvas)


@pytest.mark.parametrize("path", ["/", "/practitioner", "/verify/7K3Q-9XMD-2RPA-W4HN-T"])
def test_a_host_header_no_server_could_name_gets_a_plain_refusal(
    client: FlaskClient, lms: LocalLms, path: str
):
    lms.launch(client, PRACTITIONER)
    refused = client.get(path, headers={"Host": "h" * 3000})
    assert refused.status_code == 400
    assert refused.mimetype == "text/plain"
    assert "The request could not be used" in refused.get_data(as_text=True)


def test_verification_is_limited_per_client_whatever_forwarded_for_claims(client: FlaskClient):
    statuses = [
        client.get(
            "/verify/7K3Q-9XMD-2RPA-W4HN-T", headers={"X-Forwarded-For": f"10.0.0.{n}"}
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_an_organisation_that_issued_nothing_has_no_issuer_profile_and_no_get_makes_a_key(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    with app.app_context():
        organisation_id = db.session.scalars(select(Organisation)).one().id
    for path in ("", "/jwks", "/revocations"):
        assert client.get(f"/verify/issuers/{organisation_id}{path}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuerKey)) == 0


def test_an_unverified_launch_is_counted_not_described(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    fields = lms.launch_fields(client, PRACTITIONER)
    forged = lms.tampered(
        fields,
        lambda claims: claims.update({"name": "<b>Call 555-0100</b>"}),
        new_private_key_pem(),
    )
    assert client.post("/lti/launch", data=forged).status_code == 401
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        organisation = db.session.scalars(select(Organisation)).one()
        assert platform.unverified_launches == 1
        assert (platform.last_problem_detail, organisation.last_problem_detail) == (None, None)


# --- Bad input never gives a 500 ---------------------------------------------------------


def test_a_nul_byte_in_a_form_field_is_refused_with_a_clear_message(
    client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    token = csrf_token(client.get("/practitioner"))
    refused = client.post("/training/consent", data={"shares": "yes\x00", "csrf_token": token})
    assert refused.status_code == 400
    assert "NUL character" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/consultation/calendar/a%00b.ics", "/verify/IMR-%00", "/toolkit/items/a%00b"]
)
def test_a_nul_byte_in_the_address_is_refused_with_a_clear_message(client: FlaskClient, path):
    """PostgreSQL refuses a query holding a NUL: the address must be refused before any lookup."""
    refused = client.get(path)
    assert refused.status_code == 400
    assert "The address contains a NUL character" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "field"), [("/certification/logo", "logo"), ("/certification/verify-roster", "roster")]
)
def test_an_upload_past_the_limit_gets_the_too_large_page_inside_a_session(
    client: FlaskClient, lms: LocalLms, url: str, field: str
):
    lms.launch(client, DIRECTOR)
    token = csrf_token(client.get("/director"))
    boundary = "imr-upload"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\0" * (11 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    # Sent as bytes: the test client would spool a form this size to a file it never closes.
    refused = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 413
    assert "That upload is too large" in refused.get_data(as_text=True)
    assert client.get("/director").status_code == 200


def test_launch_claims_with_nul_bytes_or_over_long_identifiers_are_refused_by_name(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    nul = lms.tampered(
        lms.launch_fields(client, PRACTITIONER), lambda c: c.update({"name": "Maya\x00"})
    )
    refused = client.post("/lti/launch", data=nul)
    assert refused.status_code == 400
    assert "contains a NUL character" in refused.get_data(as_text=True)
    long_sub = lms.tampered(
        lms.launch_fields(client, PRACTITIONER), lambda c: c.update({"sub": "u" * 300})
    )
    refused = client.post("/lti/launch", data=long_sub)
    assert refused.status_code == 400
    assert "sub is 300 characters" in refused.get_data(as_text=True)
    long_name = lms.tampered(
        lms.launch_fields(client, PRACTITIONER), lambda c: c.update({"name": "M" * 1000})
    )
    assert client.post("/lti/launch", data=long_name).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(Person)).one().name) == 300


DEPLOYMENT = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MISSHAPEN_CLAIMS = {
    "roles of numbers": ({LTI_CLAIM + "roles": [5]}, "roles must be a list of text"),
    "context a string": ({LTI_CLAIM + "context": "course"}, "context must be a JSON object"),
    "custom a string": ({LTI_CLAIM + "custom": "imr_item"}, "custom must be a JSON object"),
    "link id a number": ({LTI_CLAIM + "resource_link": {"id": 7}}, "resource link id must be text"),
    "item a number": ({LTI_CLAIM + "custom": {"imr_item": 5}}, "the custom imr_item must be text"),
    "deep link with nowhere to answer": (
        {
            **deep_linking_claims(),
            DEEP_LINKING_SETTINGS: {"accept_types": ["ltiResourceLink"], "data": "lms-opaque-42"},
        },
        "a deep-linking request names no deep_link_return_url",
    ),
    "deep link answering to a number": (
        {
            **deep_linking_claims(),
            DEEP_LINKING_SETTINGS: {"deep_link_return_url": 7, "accept_types": ["ltiResourceLink"]},
        },
        "deep linking return URL must be text",
    ),
    "deployment of 5,000": ({DEPLOYMENT: "d" * 5000}, "deployment_id is 5000 characters"),
    "name half a character": ({"name": "Maya\ud800"}, "name contains half of a character"),
    "deployment half a character": ({DEPLOYMENT: "d\udc00"}, "half of a character"),
}
UNREADABLE_SENDERS = {"iss": "https://lms\ud800.example", "aud": "client\udc00"}


def _kid(lms: LocalLms) -> str:
    return lms.platform.jwks()["keys"][0]["kid"]


BROKEN_KEY_SETS = {
    "a list": (lambda lms: "[1, 2]", 200, "not a JSON key set"),
    "keys not a list": (lambda lms: '{"keys": "x"}', 200, "not a JSON key set"),
    "only a secret key": (
        lambda lms: json.dumps({"keys": [{"kty": "oct", "kid": _kid(lms), "k": "c2VjcmV0"}]}),
        200,
        "holds no RSA key",
    ),
    "its key unreadable": (
        lambda lms: json.dumps({"keys": [{"kty": "RSA", "kid": _kid(lms), "n": "!!", "e": "?"}]}),
        200,
        "holds no RSA key",
    ),
    "its key for another algorithm": (
        lambda lms: json.dumps({"keys": [{**lms.platform.jwks()["keys"][0], "alg": "none"}]}),
        200,
        "holds no RSA key",
    ),
    "its key too short": (
        lambda lms: json.dumps(
            {
                "keys": [
                    {
                        **json.loads(JWK.generate(kty="RSA", size=1024).export_public()),
                        "kid": _kid(lms),
                    }
                ]
            }
        ),
        200,
        "holds no RSA key",
    ),
    "an error page": (
        lambda lms: "<html>" + "Down for maintenance. " * 5000,
        503,
        "could not be fetched",  # not its status: that is in the log (tests/web/test_outbound.py)
    ),
    "a page, not JSON": (lambda lms: "<html>Welcome</html>", 200, "was not JSON"),
    "nested past reading": (lambda lms: "[" * 100_000, 200, "was not JSON"),
}


@pytest.mark.parametrize("case", BROKEN_KEY_SETS, ids=list(BROKEN_KEY_SETS))
def test_a_key_set_the_lms_broke_refuses_the_launch_briefly_and_is_never_cached(
    client: FlaskClient, lms: LocalLms, case: str
):
    body, status, said = BROKEN_KEY_SETS[case]
    lms.server.clear()
    lms.server.expect_request(lms.jwks_path).respond_with_data(body(lms), status=status)
    refused = client.post("/lti/launch", data=lms.launch_fields(client, PRACTITIONER))
    assert refused.status_code == 502, "the LMS's keys failed, not the launch's signature"
    page = refused.get_data(as_text=True)
    assert "IMR Academy could not read your LMS&#39;s keys" in page
    assert "did not verify" not in page
    assert said in page
    assert len(page) < 20_000, "the LMS's answer is not echoed"
    lms.server.clear()
    lms.serve_keys()  # the LMS mends its keys: the next launch reads them again at once
    assert lms.launch(client, PRACTITIONER).status_code == 302


@pytest.mark.parametrize("claim", UNREADABLE_SENDERS)
def test_a_launch_naming_its_sender_in_half_characters_is_refused_as_unregistered(
    client: FlaskClient, lms: LocalLms, claim: str
):
    fields = lms.tampered(
        lms.launch_fields(client, PRACTITIONER),
        lambda c: c.update({claim: UNREADABLE_SENDERS[claim]}),
    )
    refused = client.post("/lti/launch", data=fields)
    assert 400 <= refused.status_code < 500


@pytest.mark.parametrize("case", MISSHAPEN_CLAIMS, ids=list(MISSHAPEN_CLAIMS))
def test_a_signed_launch_with_a_misshapen_claim_is_refused_by_name_and_kept_on_its_lms(
    app: Flask, client: FlaskClient, lms: LocalLms, case: str
):
    changes, words = MISSHAPEN_CLAIMS[case]
    fields = lms.tampered(lms.launch_fields(client, PRACTITIONER), lambda c: c.update(changes))
    refused = client.post("/lti/launch", data=fields)
    assert refused.status_code == 400
    assert words in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Person)).all() == []
        platform = db.session.scalars(select(Platform)).one()
        organisation = db.session.scalars(select(Organisation)).one()
        problem = organisation.last_problem_detail or platform.last_problem_detail or ""
        assert words in problem
        assert len(platform.last_problem_deployment or "") <= 255


def test_a_launch_without_names_keeps_the_names_already_known(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    anonymous = lms.tampered(
        lms.launch_fields(client, PRACTITIONER),
        lambda c: [c.pop(key, None) for key in ("name", "given_name", "family_name", "email")],
    )
    assert client.post("/lti/launch", data=anonymous).status_code == 302
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert (person.name, person.email) == (PRACTITIONER.name, PRACTITIONER.email)


def test_a_roster_csv_that_cannot_be_used_gets_a_page_saying_why(
    client: FlaskClient, lms: LocalLms
):

    lms.launch(client, DIRECTOR)
    cases = [
        (b"code\n" + b"x" * 200_000 + b"\n", "far longer than a certificate code"),
        ("code\nC\u00f3digo\n".encode("latin-1"), "not a UTF-8 CSV"),
        (b"certificate\n7K3Q-9XMD-2RPA-W4HN-T\n", "no column headed"),
    ]
    for content, message in cases:
        token = csrf_token(client.get("/certification/verify-roster"))
        from io import BytesIO

        response = client.post(
            "/certification/verify-roster",
            data={"roster": (BytesIO(content), "roster.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)


def test_download_names_never_carry_what_the_lms_put_in_a_context_id(
    client: FlaskClient, lms: LocalLms
):
    hostile = COURSE.__class__('course"\r\nX-Evil: 1 ñ', "IMR Intensive, Spring", "IMR-SPR")
    lms.launch(client, TRAINER, course=hostile)
    response = client.get("/training/cohort.csv")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "X-Evil" not in response.headers
    assert re.fullmatch(r"attachment; filename=[A-Za-z0-9._-]+", disposition.replace('"', ""))


def test_content_check_prints_file_and_line_without_a_traceback(tmp_path: Path):
    broken = tmp_path / "courses"
    broken.mkdir()
    (broken / "training.yaml").write_text("id: imr\ntitle: [unclosed\n")
    env = {
        "IMR_PROFILE": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite'}",
        "COURSES_DIR": str(broken),
        "PATH": "/usr/bin:/bin",
    }
    for command in (["content", "check"], ["quizzes", "check"]):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=ROOT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1
        assert "courses/training.yaml:3: not valid YAML" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


# --- Headers and defaults ----------------------------------------------------------------


def test_over_https_browsers_are_told_never_to_use_plain_http(client: FlaskClient):
    """The first plain request of a returning browser, and the cookie it carries, could be
    taken on the way; behind the proxy the scheme is https as ProxyFix reports it."""
    secure = client.get("/health", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/health").headers  # http: ignored


def test_pages_for_identified_people_are_never_cached_and_frame_only_in_their_lms(
    client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    page = client.get("/practitioner")
    assert page.headers["Cache-Control"] == "private, no-store"
    policy = page.headers["Content-Security-Policy"]
    ancestors = policy.split("frame-ancestors", 1)[1]
    assert "*" not in ancestors
    assert lms.platform.issuer.rsplit("/", 1)[0] in ancestors  # the LMS's own origin
    public = client.get("/verify/")
    assert "*" not in public.headers["Content-Security-Policy"].split("frame-ancestors", 1)[1]


def _lookups(browser: FlaskClient, peer: str) -> list[int]:
    """A run of certificate lookups from one peer, each claiming another client address."""
    return [
        browser.get(
            "/verify/7K3Q-9XMD-2RPA-W4HN-T",
            environ_base={"REMOTE_ADDR": peer},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        ).status_code
        for number in range(LOOKUPS_PER_MINUTE + 1)
    ]


def test_a_forwarded_client_address_counts_only_when_a_proxy_in_front_sent_it(app: Flask, app_with):
    """Anyone can send X-Forwarded-For: straight to gunicorn, a new one each time, it let one
    client look up certificates without limit."""
    browser = app_with(proxy_fix_hops=1).test_client()
    assert _lookups(browser, peer="93.184.216.34")[-1] == 429, "the client's own address counts"
    through_the_proxy = _lookups(browser, peer="10.0.0.2")
    assert 429 not in through_the_proxy, "behind the proxy, each client's address counts"
    assert 429 not in _lookups(browser, peer=""), "a proxy on this machine's Unix socket"
    named = app_with(proxy_fix_hops=1, trusted_proxy_networks=("192.0.2.0/24",)).test_client()
    assert 429 not in _lookups(named, peer="192.0.2.7")  # a proxy the operator named


def test_access_logs_mask_tokens_in_urls():
    from app.logs import mask_secrets

    line = (
        '127.0.0.1 "GET /lti/register/abc.def?openid_configuration=https%3A%2F%2Flms'
        '&registration_token=s3cret HTTP/1.1" 200 "GET /consultation/calendar/feed-tok.ics"'
    )
    masked = mask_secrets(line)
    assert "abc.def" not in masked
    assert "s3cret" not in masked
    assert "feed-tok" not in masked
    assert "openid_configuration=https%3A%2F%2Flms" in masked


# --- Redis configured but down -----------------------------------------------------------


def test_with_redis_down_pages_say_unavailable_and_a_stored_submission_still_shows(
    app: Flask, lms: LocalLms, app_with, httpserver: HTTPServer
):
    from tests.support.quizzes import sample_bank, start, submit_attempt

    client = app.test_client()
    lms.launch(client, PRACTITIONER, claims=_ags_claims(httpserver))
    token = csrf_token(client.get("/practitioner"))
    down = app_with(redis_url="redis://127.0.0.1:9/0")
    with sample_bank(app) as bank:
        attempt = start(app, client, token)
    down.extensions["imr_content"] = down.extensions["imr_content"].with_quiz(bank)
    broken = down.test_client()
    broken.set_cookie("imr_session", client.get_cookie("imr_session").value)
    submitted = submit_attempt(broken, attempt, token)
    assert submitted.status_code == 302
    result = broken.get(submitted.location)
    assert result.status_code == 200
    assert "attempt 1" in result.get_data(as_text=True)
    unavailable = broken.get("/verify/7K3Q-9XMD-2RPA-W4HN-T")
    assert unavailable.status_code == 503
    assert "temporarily unavailable" in unavailable.get_data(as_text=True)


def _ags_claims(httpserver: HTTPServer) -> dict:
    return {
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": httpserver.url_for("/lms/lineitems"),
        }
    }


# --- Outbound calls are bounded in time and size -----------------------------------------


class _SlowServer:
    """A local HTTP server whose answers never finish in time (it waits on a condition)."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.release = threading.Event()
        self.httpserver = httpserver

    def hang(self, request: Request) -> Response:
        self.release.wait(30)
        return Response("late")

    def drip(self, request: Request) -> Response:
        def chunks():
            while not self.release.is_set():
                self.release.wait(0.05)
                yield b"x"

        return Response(chunks(), direct_passthrough=True)


@pytest.fixture
def slow(httpserver: HTTPServer):
    server = _SlowServer(httpserver)
    httpserver.expect_request("/hang").respond_with_handler(server.hang)
    httpserver.expect_request("/drip").respond_with_handler(server.drip)
    httpserver.expect_request("/big").respond_with_data(b"x" * 2048)
    yield server
    server.release.set()


def test_an_lms_that_hangs_times_out(slow: _SlowServer):
    import requests

    from app.lti.http import Limits, OutboundSession

    session = OutboundSession(Limits(connect_seconds=1, read_seconds=0.3, deadline_seconds=5))
    with pytest.raises(requests.Timeout):
        session.get(slow.httpserver.url_for("/hang"))


def test_an_answer_that_never_ends_meets_the_deadline_and_the_size_cap(slow: _SlowServer):
    from app.lti.http import DeadlineExceeded, Limits, OutboundSession, ResponseTooLarge

    deadline = OutboundSession(Limits(read_seconds=2, deadline_seconds=0.3))
    with pytest.raises(DeadlineExceeded):
        deadline.get(slow.httpserver.url_for("/drip"))
    capped = OutboundSession(Limits(max_bytes=1024))
    with pytest.raises(ResponseTooLarge):
        capped.get(slow.httpserver.url_for("/big"))


def test_a_public_only_session_refuses_loopback_even_by_name(slow: _SlowServer):
    import requests

    from app.lti.http import OutboundSession

    with pytest.raises(requests.ConnectionError, match="resolves to a private address"):
        OutboundSession(public_only=True).get(slow.httpserver.url_for("/big"))
